"""Builders shared by the renovation integration and API tests."""

from __future__ import annotations

import io
import json
import struct
import uuid
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from svckit.auth.principal import Principal, Role
from svckit.domain.certificate import make_certificate
from svckit.domain.clock import china_date

CAP = 300_000
BUDGET = 1_000_000


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg_bytes(width: int = 640, height: int = 480) -> bytes:
    """A real (decodable) JPEG of the given size."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


def answered(default: str = "no", **areas: dict[str, str]) -> dict[str, dict[str, str]]:
    """Every finding of the checklist answered ``default``, but for those given per area."""
    from renovation.domain.checklist import CHECKLIST

    return {a.code: {f.code: areas.get(a.code, {}).get(f.code, default) for f in a.findings}
            for a in CHECKLIST}


def staff(sub: str = "staff-a", **kw: Any) -> Principal:
    return Principal(sub=sub, role=Role.STAFF, name=sub, **kw)


class World:
    """A programme, catalogue and two contractors, made through the service layer; helpers
    drive an application to any state."""

    def __init__(self, ctx: Any) -> None:
        from renovation.service_layer import setup

        self.ctx = ctx
        self.assessor, self.approver = staff("staff-assessor"), staff("staff-approver")
        year = china_date(datetime.now(UTC)).year  # applications are taken in its year
        self.programme = setup.create_programme(ctx.uow(), self.approver, {
            "year": year, "name": f"聊城市{year}年困难重度残疾人家庭无障碍改造",
            "division_scope": "371500", "household_cap_fen": CAP, "target_homes": 10,
            "total_budget_fen": BUDGET,
            "deadlines": {"accept_days": 3, "inspect_days": 7, "rework_days": 30},
        })
        items = [
            ("RAMP", "坡道", "entrance", "metre", 35_000, False, None),
            ("GRAB-BAR", "扶手", "bathroom", "each", 18_000, False, None),
            ("BIG", "整体改造", "other", "each", 299_999, False, None),
            ("ONE", "一分钱项目", "other", "each", 1, False, None),
            ("SHOWER-CHAIR", "洗澡椅", "bathroom", "each", 15_000, True, "09 33 03"),
            ("FLASH-DOORBELL", "闪光门铃", "other", "each", 9_000, True, "22 27 03"),
        ]
        for code, name, area, unit, price, device, iso in items:
            setup.add_catalogue_item(ctx.uow(), self.approver, {
                "code": code, "name": name, "area": area, "unit": unit,
                "unit_price_fen": price, "is_device": device, "device_type_code": iso})
        self.company_a = setup.add_contractor(ctx.uow(), self.approver,
                                              {"name": "聊城安居无障碍工程有限公司",
                                               "division": "371502"})
        self.company_b = setup.add_contractor(ctx.uow(), self.approver,
                                              {"name": "茌平宜居建筑装饰有限公司",
                                               "division": "371503"})
        self.crew_a = Principal(sub="crew-a", role=Role.CONTRACTOR,
                                company=str(self.company_a.id))
        self.crew_b = Principal(sub="crew-b", role=Role.CONTRACTOR,
                                company=str(self.company_b.id))
        self.inspector = Principal(sub="inspector-1", role=Role.INSPECTOR, name="孙验收")
        self._n = 0

    def now(self) -> datetime:
        return datetime.now(UTC)

    def certificate(self, grade: int = 1) -> str:
        self._n += 1
        return make_certificate(f"371502198001{self._n % 28 + 1:02d}001", 4, grade)

    def application(self, *, grade: int = 1, hardship: str = "dibao",
                    division: str = "371502") -> Any:
        from renovation.service_layer import applications as apps

        return apps.submit(self.ctx.uow(), self.approver, {
            "programme_id": self.programme.id, "certificate": self.certificate(grade),
            "holder_name": "张桂兰", "address": "东昌府区古楼街道楼北社区3号楼101",
            "division": division, "phone": "13806351234", "hardship": hardship,
            "consent": True,
        }, now=self.now())

    def drive(self, app_id: uuid.UUID, state: str,
              lines: list[dict[str, Any]] | None = None) -> None:
        """submitted → ... → state (one of the main path's states, up to plan_approved)."""
        from renovation.service_layer import applications as apps

        u, now = self.ctx.uow, self.now
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("accepted", lambda: apps.accept(u(), self.approver, app_id, None, now=now())),
            ("assessment_scheduled", lambda: apps.schedule_assessment(
                u(), self.approver, app_id, self.assessor.sub, now() + timedelta(days=1),
                now=now())),
            ("assessed", lambda: apps.complete_assessment(
                u(), self.assessor, app_id, {"bathroom": "蹲便，无扶手"}, ["扶手"], [],
                checklist=answered(bathroom={"no_grab_bar": "needs_work"}), now=now())),
            ("plan_drafted", lambda: apps.draft_plan(
                u(), self.assessor, app_id,
                lines or [{"item_code": "RAMP", "quantity": "2.5"},
                          {"item_code": "GRAB-BAR", "quantity": 2},
                          {"item_code": "SHOWER-CHAIR", "quantity": 1}], now=now())),
            ("plan_confirmed", lambda: apps.confirm_plan(u(), self.assessor, app_id, "张桂兰",
                                                         None, now=now())),
            ("plan_approved", lambda: apps.approve_plan(u(), self.approver, app_id,
                                                        now=now())),
        ]
        for reached, step in steps:
            step()
            if reached == state:
                return
        raise AssertionError(f"cannot drive to {state}")

    def order(self, state: str = "assigned", company: str = "a") -> Any:
        """An approved application's work order in ``state``."""
        from renovation.service_layer import workorders as wo

        app = self.application()
        self.drive(app.id, "plan_approved")
        contractor = self.company_a if company == "a" else self.company_b
        crew = self.crew_a if company == "a" else self.crew_b
        order = wo.assign(self.ctx.uow(), self.approver, app.id, contractor.id, now=self.now())
        u, now = self.ctx.uow, self.now
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("accepted", lambda: wo.accept(u(), crew, order.id, now=now())),
            ("scheduled", lambda: wo.schedule(u(), crew, order.id, china_date(now()),
                                              china_date(now()) + timedelta(days=5),
                                              now=now())),
            ("in_progress", lambda: wo.report_progress(u(), crew, order.id, {
                "note": "完工", "percent": 100, "items_done": order.items}, now=now())),
            ("completion_requested", lambda: wo.request_completion(u(), crew, order.id,
                                                                   now=now())),
            ("closed", lambda: wo.inspect(u(), self.inspector, order.id, passed=True,
                                          defects=[], note=None, now=now())),
        ]
        if state != "assigned":
            for reached, step in steps:
                step()
                if reached == state:
                    break
        return order

    def outbox(self, event_type: str | None = None) -> list[dict[str, Any]]:
        import sqlalchemy as sa
        from renovation.adapters.orm import messaging

        with self.ctx.engine.connect() as conn:
            rows = conn.execute(sa.select(messaging.outbox).order_by(messaging.outbox.c.seq))
            bodies = [json.loads(r.body) for r in rows]
        return [b for b in bodies if event_type is None or b["type"] == event_type]


