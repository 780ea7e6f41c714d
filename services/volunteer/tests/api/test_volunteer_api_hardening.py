"""Hardening over HTTP: task windows and service-hours entries at their date boundaries
(422 problem+json in Chinese, never 500), and the service-hours ledger's guards: a
flagged entry is approved by someone other than its recorder, no volunteer serves more
than 24 h in a China calendar day, no entry is longer than a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from svckit.domain.clock import CHINA_TZ
from volunteer_testkit import A


@pytest.fixture
def client(ctx):
    return ctx.create_app().test_client()


@pytest.fixture
def auth(token_for):
    def make(role: str, **scope: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(role, **scope)}"}

    return make


@pytest.fixture
def coord_a(auth):
    return auth("coordinator", sub="coord-a", districts=[A])


def _task_body(start: datetime | str, end: datetime | str) -> dict[str, Any]:
    return {"type": "manual", "division": A, "address": "东昌府区柳园街道1号", "note": "上门",
            "window_start": start if isinstance(start, str) else start.isoformat(),
            "window_end": end if isinstance(end, str) else end.isoformat()}


def _refused(r: Any, field: str) -> None:
    assert r.status_code == 422, r.json
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert field in r.json["errors"], r.json
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(r.json["errors"][field])), r.json


# -- task windows ------------------------------------------------------------------------

def test_a_window_at_the_end_of_year_9999_is_422_not_500(client, coord_a) -> None:
    r = client.post("/tasks", headers=coord_a, json=_task_body(
        "9999-12-31T20:00:00-12:00", "9999-12-31T23:59:59-12:00"))
    assert r.status_code == 422, r.json
    assert r.headers["Content-Type"].startswith("application/problem+json")


def test_a_window_wholly_in_the_past_is_refused(client, coord_a) -> None:
    r = client.post("/tasks", headers=coord_a, json=_task_body(
        "2020-06-02T10:00:00+08:00", "2020-06-02T12:00:00+08:00"))
    _refused(r, "window_end")
    assert client.get("/tasks", headers=coord_a).json["total"] == 0


def test_a_window_must_start_within_the_horizon(client, coord_a) -> None:
    now = datetime.now(UTC)
    far = now + timedelta(days=91)
    _refused(client.post("/tasks", headers=coord_a, json=_task_body(
        far, far + timedelta(hours=2))), "window_start")
    near = now + timedelta(days=89)
    r = client.post("/tasks", headers=coord_a, json=_task_body(near, near + timedelta(hours=2)))
    assert r.status_code == 201, r.json


def test_a_window_that_has_begun_but_not_ended_is_accepted(client, coord_a) -> None:
    now = datetime.now(UTC)
    r = client.post("/tasks", headers=coord_a, json=_task_body(
        now - timedelta(hours=1), now + timedelta(hours=3)))
    assert r.status_code == 201, r.json


def test_a_window_has_a_maximum_length(client, coord_a) -> None:
    start = datetime.now(UTC) + timedelta(days=1)
    _refused(client.post("/tasks", headers=coord_a, json=_task_body(
        start, start + timedelta(days=91))), "window_end")
    r = client.post("/tasks", headers=coord_a, json=_task_body(
        start, start + timedelta(days=89)))
    assert r.status_code == 201, r.json


def test_rescheduling_follows_the_same_rules(client, coord_a) -> None:
    start = datetime.now(UTC) + timedelta(days=1)
    r = client.post("/tasks", headers=coord_a, json=_task_body(start, start + timedelta(hours=4)))
    tid = r.json["id"]
    past = {"window_start": "2020-06-02T10:00:00+08:00",
            "window_end": "2020-06-02T12:00:00+08:00"}
    _refused(client.post(f"/tasks/{tid}/reschedule", headers=coord_a, json=past), "window_end")
    far = start + timedelta(days=120)
    _refused(client.post(f"/tasks/{tid}/reschedule", headers=coord_a, json={
        "window_start": far.isoformat(), "window_end": (far + timedelta(hours=2)).isoformat()}),
        "window_start")


# -- service hours: dates ----------------------------------------------------------------

def _hours(client: Any, headers: dict[str, str], vid: Any, start: datetime | str,
           end: datetime | str, note: str = "助残日活动") -> Any:
    return client.post("/hours", headers=headers, json={
        "volunteer_id": str(vid), "division": A, "note": note,
        "started_at": start if isinstance(start, str) else start.isoformat(),
        "ended_at": end if isinstance(end, str) else end.isoformat()})


def test_hours_in_year_one_at_plus_14_are_422_not_500(client, coord_a, add_volunteer) -> None:
    v = add_volunteer()
    r = _hours(client, coord_a, v.id, "0001-01-01T00:00:00+14:00", "0001-01-01T02:00:00+14:00")
    assert r.status_code == 422, r.json
    assert r.headers["Content-Type"].startswith("application/problem+json")


def test_hours_must_lie_in_the_past_and_end_after_start(client, coord_a, add_volunteer) -> None:
    v = add_volunteer()
    now = datetime.now(UTC)
    _refused(_hours(client, coord_a, v.id, now - timedelta(hours=1), now + timedelta(hours=1)),
             "ended_at")
    _refused(_hours(client, coord_a, v.id, now - timedelta(hours=1), now - timedelta(hours=2)),
             "ended_at")
    assert client.get("/hours", headers=coord_a).json["total"] == 0


# -- service hours: the ledger's guards ---------------------------------------------------

def test_the_1000_day_entry_is_refused_outright(client, coord_a, add_volunteer) -> None:
    """The original finding: 25,560 h recorded, flagged, then approved by its recorder."""
    v = add_volunteer()
    end = datetime.now(UTC) - timedelta(hours=1)
    r = _hours(client, coord_a, v.id, end - timedelta(days=1000), end)
    _refused(r, "ended_at")
    r = _hours(client, coord_a, v.id, end - timedelta(hours=24, minutes=1), end)
    _refused(r, "ended_at")
    assert client.get("/hours", headers=coord_a).json["total"] == 0
    r = client.get("/hours/totals?status=all", headers=coord_a)
    assert (r.status_code, r.json["total_minutes"]) == (200, 0), r.json


def test_a_flagged_entry_is_not_approved_by_its_recorder(client, coord_a, auth,
                                                         add_volunteer) -> None:
    v = add_volunteer()
    end = datetime.now(UTC) - timedelta(days=2)
    r = _hours(client, coord_a, v.id, end - timedelta(hours=13), end)
    assert r.status_code == 201, r.json
    assert (r.json["status"], r.json["flagged"]) == ("pending", True)
    eid = r.json["id"]
    r = client.post(f"/hours/{eid}/approve", headers=coord_a, json={})
    assert r.status_code == 409, r.json
    assert "另一位" in r.json["detail"] and "12" in r.json["detail"], r.json
    # a second coordinator of the division approves it
    other = auth("coordinator", sub="coord-a2", districts=[A])
    r = client.post(f"/hours/{eid}/approve", headers=other, json={})
    assert (r.status_code, r.json["status"]) == (200, "approved"), r.json


def test_staff_may_approve_a_flagged_entry(client, coord_a, auth, add_volunteer) -> None:
    v = add_volunteer()
    end = datetime.now(UTC) - timedelta(days=2)
    eid = _hours(client, coord_a, v.id, end - timedelta(hours=13), end).json["id"]
    staff = auth("staff", sub="staff-zhao")
    r = client.post(f"/hours/{eid}/approve", headers=staff, json={})
    assert (r.status_code, r.json["status"]) == (200, "approved"), r.json


def test_an_overlapping_entry_is_flagged(client, coord_a, add_volunteer) -> None:
    v = add_volunteer()
    end = datetime.now(UTC) - timedelta(days=2)
    r = _hours(client, coord_a, v.id, end - timedelta(hours=3), end)
    assert (r.json["status"], r.json["flagged"]) == ("approved", False), r.json
    r = _hours(client, coord_a, v.id, end - timedelta(hours=4), end - timedelta(hours=2))
    assert r.status_code == 201, r.json
    assert (r.json["status"], r.json["flagged"]) == ("pending", True), r.json
    r = client.post(f"/hours/{r.json['id']}/approve", headers=coord_a, json={})
    assert r.status_code == 409 and "重叠" in r.json["detail"], r.json


def test_no_volunteer_serves_more_than_24_hours_in_a_china_day(client, coord_a,
                                                               add_volunteer) -> None:
    v = add_volunteer()
    # a whole China calendar day, some days ago: 00:00-23:00 +08:00 in three entries
    day = (datetime.now(UTC) - timedelta(days=3)).astimezone(CHINA_TZ).replace(
        hour=0, minute=0, second=0, microsecond=0)
    for h in (0, 8, 16):
        r = _hours(client, coord_a, v.id, day + timedelta(hours=h), day + timedelta(hours=h + 7))
        assert r.status_code == 201, r.json
    # 21 h that day; three more single hours make 24 h exactly: allowed, flagged (> 12 h)
    for h in (7, 15, 23):
        r = _hours(client, coord_a, v.id, day + timedelta(hours=h), day + timedelta(hours=h + 1))
        assert r.status_code == 201, r.json
        assert r.json["flagged"] is True
    # half an hour more that day is over 24 h
    r = _hours(client, coord_a, v.id, day + timedelta(hours=10), day + timedelta(hours=10.5))
    _refused(r, "ended_at")
    assert "24" in str(r.json["errors"]["ended_at"])
    # the next day is another day
    r = _hours(client, coord_a, v.id, day + timedelta(hours=24), day + timedelta(hours=26))
    assert r.status_code == 201, r.json


# -- a parked volunteer event shows on its task --------------------------------------------

def test_the_task_answer_shows_an_event_another_service_parked(ctx, client, coord_a) -> None:
    from uuid import uuid4

    from svckit.events.catalogue.platform import PARKED
    from svckit.testing import event_json
    from volunteer_testkit import request_event, source_of, task_id_for

    body = request_event("rental_delivery")
    ctx.processor().process(body, {})
    tid = task_id_for(ctx, source_of(body)["id"])
    assert client.get(f"/tasks/{tid}", headers=coord_a).json["integration_problem"] is None
    notice = event_json(PARKED, {"event_id": uuid4(), "event_type": "volunteer.task_failed",
                                 "producer": "volunteer", "consumer": "inventory",
                                 "reason": "rejected"},
                        subject_id=str(tid), producer="inventory")
    assert ctx.processor().process(notice, {}).applied == 1
    problem = client.get(f"/tasks/{tid}", headers=coord_a).json["integration_problem"]
    assert (problem["event_type"], problem["consumer"], problem["reason"]) == (
        "volunteer.task_failed", "inventory", "rejected")
    assert problem["text"].startswith("辅具租赁服务未能处理本任务的「任务失败」通知"), problem
    assert problem["at"]
