"""Service record certificates (志愿服务记录证明) over HTTP on PostgreSQL: a coordinator
issues one, a volunteer requests their own (never another's), only approved hours count,
the numbers follow the one rule (ZS-<division>-<year>-<sequence>), the public verification
answers genuine or unknown with the masked name only, the annual totals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from svckit.domain.clock import china_date
from volunteer.adapters import orm
from volunteer.domain.hours import HourStatus, ServiceHourEntry
from volunteer_testkit import A, B, request_event, source_of, task_id_for, uow_of


@pytest.fixture
def client(ctx):
    return ctx.create_app().test_client()


@pytest.fixture
def auth(token_for):
    def make(role: str, **scope: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(role, **scope)}"}

    return make


def _ledger(ctx: Any, volunteer_id: Any, started_at: datetime, minutes: int,
            status: HourStatus, task_id: Any = None) -> None:
    """A ledger line as a check-out (then an approval) leaves it."""
    uow = uow_of(ctx)
    with uow:
        uow.hours.add(ServiceHourEntry(
            volunteer_id=volunteer_id, team_id=None, division=A, task_id=task_id,
            started_at=started_at, ended_at=started_at + timedelta(minutes=minutes),
            minutes=minutes, flagged=False, recorded_by=uuid4(), created_at=started_at,
            status=status))
        uow.commit()


def _delivery_task(ctx: Any) -> Any:
    body = request_event("rental_delivery")
    assert ctx.processor().process(body, {}).applied == 1
    return task_id_for(ctx, source_of(body)["id"])


def test_a_coordinator_issues_a_certificate_of_approved_hours_only(
        ctx, client, auth, add_volunteer) -> None:
    v = add_volunteer(name="张建华")
    coord = auth("coordinator", sub="coord-a", districts=[A])
    now = datetime.now(UTC)
    today = china_date(now)
    # a delivery (approved, 2 h), a manual record through the API (certified at once,
    # 1 h 30), and hours that must not count: pending, rejected, and before the period
    _ledger(ctx, v.id, now - timedelta(days=3), 120, HourStatus.APPROVED,
            task_id=_delivery_task(ctx))
    r = client.post("/hours", json={
        "volunteer_id": str(v.id), "division": A, "note": "助残日活动",
        "started_at": (now - timedelta(days=2)).isoformat(),
        "ended_at": (now - timedelta(days=2) + timedelta(minutes=90)).isoformat()},
        headers=coord)
    assert r.status_code == 201 and r.json["status"] == "approved", r.json
    _ledger(ctx, v.id, now - timedelta(days=1), 300, HourStatus.PENDING)
    _ledger(ctx, v.id, now - timedelta(days=1, hours=8), 200, HourStatus.REJECTED)
    _ledger(ctx, v.id, now - timedelta(days=40), 45, HourStatus.APPROVED)

    start = today - timedelta(days=10)
    r = client.post(f"/volunteers/{v.id}/certificates", headers=coord,
                    json={"period_start": start.isoformat(), "period_end": today.isoformat()})
    assert r.status_code == 201, r.json
    c = r.json
    assert c["number"] == f"ZS-{A}-{today.year}-000001"
    assert (c["real_name"], c["total_minutes"], c["hours"], c["entries"]) == (
        "张建华", 210, "3.5", 2)
    assert [(ln["kind"], ln["label"], ln["minutes"], ln["hours"]) for ln in c["lines"]] == [
        ("deliver_device", "送辅具上门", 120, "2"),
        ("manual_record", "其他志愿服务（协调员登记）", 90, "1.5")]
    assert (c["period_start"], c["period_end"], c["issued_on"]) == (
        start.isoformat(), today.isoformat(), today.isoformat())
    assert c["issuer_name"] == f"{A}绿挎包志愿服务队" and c["issuer_contact"]
    assert c["issued_by_role"] == "coordinator"
    assert c["verify_path"] == f"/certificates/verify/{c['number']}"
    # issuing is audited, by the coordinator, the name masked
    audit = orm.metadata.tables["audit_log"]
    with ctx.engine.connect() as conn:
        row = conn.execute(sa.select(audit).where(
            audit.c.object_type == "certificate", audit.c.object_id == c["id"])).mappings().one()
    assert (row["actor"], row["action"]) == ("coord-a", "create")
    assert "张建华" not in str(row["changes"]) and c["number"] in str(row["changes"])
    # a second one takes the next number; both are listed, newest first
    r = client.post(f"/volunteers/{v.id}/certificates", headers=coord,
                    json={"period_start": (today - timedelta(days=60)).isoformat(),
                          "period_end": today.isoformat()})
    assert r.status_code == 201 and r.json["total_minutes"] == 255, r.json
    assert r.json["number"] == f"ZS-{A}-{today.year}-000002"
    listed = client.get(f"/volunteers/{v.id}/certificates", headers=coord).json["items"]
    assert [x["number"] for x in listed] == [r.json["number"], c["number"]]
    assert client.get(f"/certificates/{c['id']}", headers=coord).json["number"] == c["number"]
    # the period's rules and a period without approved hours: 422, field by field
    for body, field in (
            ({"period_start": today.isoformat(),
              "period_end": (today - timedelta(days=1)).isoformat()}, "period_end"),
            ({"period_start": today.isoformat(),
              "period_end": (today + timedelta(days=1)).isoformat()}, "period_end"),
            ({"period_start": (today - timedelta(days=1)).isoformat(),
              "period_end": (today - timedelta(days=1)).isoformat()}, "period_start"),
            ({"period_start": "9999-12-31", "period_end": "9999-12-31"}, "period_start"),
            ({"period_start": "2026-13-01", "period_end": today.isoformat()}, "period_start")):
        refused = client.post(f"/volunteers/{v.id}/certificates", json=body, headers=coord)
        assert refused.status_code == 422, (body, refused.json)
        assert field in refused.json["errors"], (body, refused.json)
        assert refused.headers["Content-Type"] == "application/problem+json"
    # another district's coordinator does not see the volunteer; staff may not issue
    other = auth("coordinator", sub="coord-b", districts=[B])
    body = {"period_start": start.isoformat(), "period_end": today.isoformat()}
    assert client.post(f"/volunteers/{v.id}/certificates", json=body,
                       headers=other).status_code == 404
    assert client.get(f"/certificates/{c['id']}", headers=other).status_code == 404
    staff = auth("staff")
    assert client.post(f"/volunteers/{v.id}/certificates", json=body,
                       headers=staff).status_code == 403
    assert client.get(f"/certificates/{c['id']}", headers=staff).status_code == 200


def test_a_volunteer_requests_their_own_certificate_and_never_anothers(
        ctx, client, auth, add_volunteer) -> None:
    v = add_volunteer(name="李四")
    w = add_volunteer(name="王五")
    now = datetime.now(UTC)
    today = china_date(now)
    for who in (v, w):
        _ledger(ctx, who.id, now - timedelta(days=2), 60, HourStatus.APPROVED)
    me = auth("volunteer", volunteer_id=str(v.id))
    body = {"period_start": (today - timedelta(days=7)).isoformat(),
            "period_end": today.isoformat()}
    r = client.post(f"/volunteers/{v.id}/certificates", json=body, headers=me)
    assert r.status_code == 201, r.json
    assert (r.json["issued_by_role"], r.json["issued_by"], r.json["total_minutes"]) == (
        "volunteer", str(v.id), 60)
    mine = r.json
    # another volunteer's: as if it did not exist, and nothing was issued
    assert client.post(f"/volunteers/{w.id}/certificates", json=body,
                       headers=me).status_code == 404
    assert client.get(f"/volunteers/{w.id}/certificates", headers=me).status_code == 404
    assert client.get(f"/volunteers/{w.id}/hours/annual", headers=me).status_code == 404
    with ctx.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(
            orm.certificates)).scalar() == 1
    # the other volunteer cannot read mine either
    them = auth("volunteer", volunteer_id=str(w.id))
    assert client.get(f"/certificates/{mine['id']}", headers=them).status_code == 404
    assert client.get(f"/certificates/{mine['id']}", headers=me).status_code == 200
    # my annual totals
    r = client.get(f"/volunteers/{v.id}/hours/annual", headers=me)
    assert r.status_code == 200, r.json
    year = china_date(now - timedelta(days=2)).year
    assert r.json["items"] == [{"year": year, "minutes": 60, "hours": "1",
                                "duration": "1小时", "entries": 1}]


def test_annual_totals_per_year_count_approved_hours(ctx, client, auth,
                                                     add_volunteer) -> None:
    v = add_volunteer()
    _ledger(ctx, v.id, datetime(2025, 5, 1, 2, tzinfo=UTC), 90, HourStatus.APPROVED)
    _ledger(ctx, v.id, datetime(2025, 12, 31, 15, tzinfo=UTC), 30, HourStatus.APPROVED)
    # 2025-12-31 17:00 UTC is 2026-01-01 01:00 in China
    _ledger(ctx, v.id, datetime(2025, 12, 31, 17, tzinfo=UTC), 45, HourStatus.APPROVED)
    _ledger(ctx, v.id, datetime(2026, 2, 1, 2, tzinfo=UTC), 600, HourStatus.PENDING)
    r = client.get(f"/volunteers/{v.id}/hours/annual",
                   headers=auth("coordinator", districts=[A]))
    assert r.status_code == 200, r.json
    assert [(y["year"], y["minutes"], y["hours"], y["entries"]) for y in r.json["items"]] == [
        (2025, 120, "2", 2), (2026, 45, "0.75", 1)]


def test_the_public_verification_says_genuine_or_unknown_and_nothing_personal(
        ctx, client, auth, add_volunteer) -> None:
    v = add_volunteer(name="欧阳娜娜")
    now = datetime.now(UTC)
    today = china_date(now)
    _ledger(ctx, v.id, now - timedelta(days=1), 150, HourStatus.APPROVED)
    r = client.post(f"/volunteers/{v.id}/certificates",
                    headers=auth("coordinator", districts=[A]),
                    json={"period_start": (today - timedelta(days=5)).isoformat(),
                          "period_end": today.isoformat()})
    number = r.json["number"]
    # no token at all; the number as people type it (lower case, full-width dashes)
    for typed in (number, number.lower().replace("-", "－")):
        ok = client.get(f"/certificates/verify/{typed}")
        assert ok.status_code == 200, ok.json
        assert ok.json == {
            "genuine": True, "number": number, "name": "欧***",
            "period_start": (today - timedelta(days=5)).isoformat(),
            "period_end": today.isoformat(), "total_minutes": 150, "hours": "2.5",
            "issued_on": today.isoformat(), "issuer_name": f"{A}绿挎包志愿服务队"}
    text = ok.get_data(as_text=True)
    assert "欧阳娜娜" not in text and str(v.id) not in text and v.phone not in text
    for unknown in (number[:-1] + "9", "ZL-371502-2026-000001", "garbage", "x" * 300):
        r = client.get(f"/certificates/verify/{unknown}")
        assert r.status_code == 200 and r.json["genuine"] is False, (unknown, r.json)
        assert set(r.json) == {"genuine", "number"}
    # the rest of /certificates still needs a token
    assert client.get(f"/certificates/{uuid4()}").status_code == 401
