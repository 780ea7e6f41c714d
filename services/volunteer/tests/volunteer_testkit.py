"""Helpers of the volunteer integration and API tests (importable: conftest puts this
directory on sys.path)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from svckit.auth.principal import Principal, Role
from svckit.service import ServiceContext
from svckit.testing import event_json
from volunteer.domain.volunteers import AvailabilityWindow, Volunteer
from volunteer.service_layer.common import person_id
from volunteer.service_layer.uow import VolunteerUoW

A, B = "371502", "371522"  # 东昌府区, 莘县
ALL_DAY = [AvailabilityWindow(d, time(0), time(0)) for d in range(7)]
_phones = itertools.count(13800000000)


def next_phone() -> str:
    return str(next(_phones))


def uow_of(ctx: ServiceContext) -> VolunteerUoW:
    uow = ctx.uow()
    assert isinstance(uow, VolunteerUoW)
    return uow


def coordinator(sub: str = "coord-a", *districts: str) -> Principal:
    return Principal(sub=sub, role=Role.COORDINATOR, districts=districts or (A,))


def as_volunteer(v: Volunteer | UUID) -> Principal:
    vid = v if isinstance(v, UUID) else v.id
    return Principal(sub=f"volunteer-{vid}", role=Role.VOLUNTEER, volunteer_id=str(vid))


def person_of(principal: Principal) -> UUID:
    """The coordinator as the domain records them (``dispatched_by``, ``recorded_by``)."""
    return person_id(principal.sub)


def soon(hours: float = 24) -> datetime:
    """A whole minute some hours from now (windows in the future)."""
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(second=0, microsecond=0)


def visit_payload(kind: str = "rental_delivery", *, source_id: str | None = None,
                  division: str = A, start: datetime | None = None,
                  hours: float = 2) -> dict[str, Any]:
    service = "renovation" if kind in ("assessment", "acceptance_visit",
                                       "satisfaction_visit") else "inventory"
    start = start or soon()
    payload: dict[str, Any] = {
        "source": {"service": service, "kind": kind, "id": source_id or str(uuid4())},
        "division_code": division,
        "address": "东昌府区柳园街道幸福小区3号楼2单元501室",
        "contact_name": "王某", "contact_phone": "138****5678",
        "window_start": start, "window_end": start + timedelta(hours=hours),
        "summary": "送轮椅上门并讲解使用",
    }
    return payload


EVENT_FOR_KIND = {
    "rental_delivery": "rental.delivery_requested",
    "device_delivery": "rental.delivery_requested",
    "rental_pickup": "rental.pickup_requested",
    "overdue_call": "rental.overdue",
    "assessment": "renovation.assessment_requested",
    "acceptance_visit": "renovation.workorder_completed",
    "satisfaction_visit": "renovation.inspection_passed",
}


def request_event(kind: str = "rental_delivery", **kw: Any) -> str:
    """A complete request event of the type that carries ``kind``."""
    p = visit_payload(kind, **kw)
    etype = EVENT_FOR_KIND[kind]
    extra: dict[str, Any] = {}
    if etype == "rental.delivery_requested":
        extra = {"rental_id": uuid4() if kind == "rental_delivery" else None,
                 "reservation_id": uuid4() if kind == "device_delivery" else None,
                 "station_id": uuid4(), "asset_tag": "LC-LZ-WC-0007"}
    elif etype == "rental.pickup_requested":
        extra = {"rental_id": uuid4(), "station_id": uuid4(), "asset_tag": "LC-LZ-WC-0007"}
    elif etype == "rental.overdue":
        extra = {"rental_id": uuid4(), "station_id": uuid4(),
                 "due_on": (datetime.now(UTC) - timedelta(days=3)).date(), "days_overdue": 3,
                 "borrower_certificate": "3715************0141"}
    elif etype == "renovation.assessment_requested":
        extra = {"application_id": uuid4(), "assessment_id": uuid4()}
    elif etype == "renovation.workorder_completed":
        extra = {"work_order_id": uuid4(), "application_id": uuid4(),
                 "contractor_id": uuid4(), "completed_at": datetime.now(UTC)}
    elif etype == "renovation.inspection_passed":
        extra = {"work_order_id": uuid4(), "application_id": uuid4(), "inspector": "市残联验收组"}
    return event_json(etype, {**p, **extra}, subject_id=p["source"]["id"],
                      producer=p["source"]["service"])


def source_of(body: str) -> dict[str, str]:
    src: dict[str, str] = json.loads(body)["payload"]["source"]
    return src


def outbox(ctx: ServiceContext) -> list[dict[str, Any]]:
    """The outbox rows, oldest first: type, subject and payload."""
    o = ctx.tables.outbox
    with ctx.engine.connect() as conn:
        rows = conn.execute(sa.select(o.c.event_type, o.c.subject_id, o.c.body)
                            .order_by(o.c.seq)).all()
    return [{"type": t, "subject_id": s, "payload": json.loads(b)["payload"]}
            for t, s, b in rows]


def task_id_for(ctx: ServiceContext, source_id: str) -> UUID:
    from volunteer.adapters import orm

    with ctx.engine.connect() as conn:
        ids = conn.execute(sa.select(orm.tasks.c.id)
                           .where(orm.tasks.c.source_id == source_id)).scalars().all()
    assert len(ids) == 1, ids
    return ids[0]
