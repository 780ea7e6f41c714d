"""Tasks follow their cause (issue 15), through the consumer and the jobs on PostgreSQL:
a return closes the overdue call, a finished assessment the escort, a passed inspection
the acceptance visit (idempotently: inbox, then nothing live is left); two rounds of one
work order make one task; a task unfilled at the end of its window expires and the asking
service is told; re-offers stop at the limit and the coordinator is told."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import sqlalchemy as sa
from svckit.testing import event_json
from volunteer import jobs
from volunteer.adapters import orm
from volunteer.config import VolunteerSettings
from volunteer.domain.tasks import EXPIRED_REASON, TaskState
from volunteer.service_layer import dispatch
from volunteer_testkit import (
    A,
    as_volunteer,
    coordinator,
    outbox,
    request_event,
    soon,
    task_id_for,
    uow_of,
)

NOW = lambda: datetime.now(UTC)  # noqa: E731


def _request(ctx, kind: str, **kw) -> tuple[str, dict]:
    body = request_event(kind, **kw)
    assert ctx.processor().process(body, {}).action == "ack"
    return body, json.loads(body)["payload"]


def _task(ctx, source_id: str):
    uow = uow_of(ctx)
    with uow:
        return uow.tasks.get(task_id_for(ctx, source_id))


def _tasks_of_kind(ctx, kind: str) -> list[tuple[str, str]]:
    t = orm.tasks.c
    with ctx.engine.connect() as conn:
        return [(r.source_id, r.state) for r in conn.execute(
            sa.select(t.source_id, t.state).where(t.source_kind == kind)
            .order_by(t.created_at))]


def test_the_return_closes_the_overdue_call_and_a_replay_changes_nothing(ctx) -> None:
    rental_id = uuid4()
    _body, payload = _request(ctx, "overdue_call", source_id=f"{rental_id}:2026-11-30",
                             start=NOW().replace(microsecond=0), hours=7 * 24)
    task = _task(ctx, payload["source"]["id"])
    assert task.state is TaskState.OPEN
    returned = event_json("rental.returned", {
        "rental_id": rental_id, "rental_number": None, "unit_id": uuid4(),
        "station_id": uuid4(), "condition": "A", "returned_at": NOW(), "refund_fen": 0,
        "damage_charge_fen": 0}, subject_id=str(rental_id), producer="inventory")
    first = ctx.processor().process(returned, {})
    assert (first.action, first.applied) == ("ack", 1)
    task = _task(ctx, payload["source"]["id"])
    assert task.state is TaskState.CLOSED
    assert task.closing_reason == "已自动关闭：设备已归还 (the device was returned)"
    assert ctx.processor().process(returned, {}).duplicates == 1  # inbox
    # a later event about the same return (the inbox pruned) finds nothing live
    again = returned.replace(json.loads(returned)["id"], str(uuid4()))
    assert ctx.processor().process(again, {}).action == "ack"
    assert _task(ctx, payload["source"]["id"]).state is TaskState.CLOSED
    # another rental's return closes nothing
    _other_body, other = _request(ctx, "overdue_call")
    ctx.processor().process(returned.replace(json.loads(returned)["id"], str(uuid4())), {})
    assert _task(ctx, other["source"]["id"]).state is TaskState.OPEN


def test_a_return_after_another_overdue_spell_still_closes_the_one_call(ctx) -> None:
    rental_id = uuid4()
    _, first = _request(ctx, "overdue_call", source_id=f"{rental_id}:2026-11-01")
    _, _second = _request(ctx, "overdue_call", source_id=f"{rental_id}:2026-11-20")
    assert _tasks_of_kind(ctx, "overdue_call") == [(first["source"]["id"], "open")]


def test_the_finished_assessment_closes_the_escort_task(ctx) -> None:
    assessment_id = uuid4()
    _, payload = _request(ctx, "assessment", source_id=str(assessment_id))
    done = event_json("renovation.assessment_completed", {
        "application_id": uuid4(), "assessment_id": assessment_id, "division_code": A,
        "completed_at": NOW()}, producer="renovation")
    assert ctx.processor().process(done, {}).action == "ack"
    task = _task(ctx, payload["source"]["id"])
    assert task.state is TaskState.CLOSED
    assert "评估已完成" in task.closing_reason


def test_two_rounds_of_one_work_order_make_one_task_the_pass_closes_it(
    ctx, add_volunteer
) -> None:
    wo = uuid4()
    _, _round1 = _request(ctx, "acceptance_visit", source_id=f"{wo}:1")
    _, _round2 = _request(ctx, "acceptance_visit", source_id=f"{wo}:2")
    assert _tasks_of_kind(ctx, "acceptance_visit") == [(f"{wo}:1", "open")]
    v = add_volunteer()
    dispatch.assign(uow_of(ctx), coordinator(), task_id_for(ctx, f"{wo}:1"), v.id, now=NOW())
    passed = request_event("satisfaction_visit", source_id=str(wo))
    passed = passed.replace(json.loads(passed)["payload"]["work_order_id"], str(wo))
    assert ctx.processor().process(passed, {}).action == "ack"
    assert _tasks_of_kind(ctx, "acceptance_visit") == [(f"{wo}:1", "closed")]
    assert _tasks_of_kind(ctx, "satisfaction_visit") == [(str(wo), "open")]
    # a round after the pass (none expected) would be a new cause: the old one is closed
    _request(ctx, "acceptance_visit", source_id=f"{wo}:3")
    assert [s for _, s in _tasks_of_kind(ctx, "acceptance_visit")] == ["closed", "open"]


def test_an_unfilled_task_expires_at_its_window_end_and_the_asker_is_told(
    ctx, add_volunteer
) -> None:
    start = soon(2)
    _, open_one = _request(ctx, "rental_delivery", start=start, hours=2)
    _, offered = _request(ctx, "rental_pickup", start=start, hours=2)
    _, taken = _request(ctx, "overdue_call", start=start, hours=2)
    v = add_volunteer()
    dispatch.offer(uow_of(ctx), coordinator(), task_id_for(ctx, offered["source"]["id"]),
                   v.id, now=NOW())
    dispatch.assign(uow_of(ctx), coordinator(), task_id_for(ctx, taken["source"]["id"]),
                    add_volunteer().id, now=NOW())
    end = start + timedelta(hours=2)
    assert dispatch.expire_unfilled(uow_of(ctx), now=end - timedelta(minutes=1)) == 0
    assert dispatch.expire_unfilled(uow_of(ctx), now=end) == 2
    assert dispatch.expire_unfilled(uow_of(ctx), now=end + timedelta(hours=1)) == 0
    for p in (open_one, offered):
        task = _task(ctx, p["source"]["id"])
        assert task.state is TaskState.EXPIRED
        assert task.closing_reason == EXPIRED_REASON
    assert _task(ctx, taken["source"]["id"]).state is TaskState.ACCEPTED
    told = [e for e in outbox(ctx) if e["type"] == "volunteer.task_failed"]
    assert {(e["payload"]["source"]["id"], e["payload"]["outcome"]) for e in told} == {
        (open_one["source"]["id"], "expired"), (offered["source"]["id"], "expired")}
    assert all(e["payload"]["reason"] == EXPIRED_REASON for e in told)
    # expired, the asking service may ask again for the same cause: a new task
    _request(ctx, "rental_delivery", source_id=open_one["source"]["id"] + ":2",
             start=soon(3))
    assert jobs.expire_unfilled(ctx) == 0  # the job with the wall clock: nothing due


def test_reoffers_stop_at_the_limit_and_the_coordinator_is_told(ctx, add_volunteer) -> None:
    vols = [add_volunteer() for _ in range(4)]
    _, p = _request(ctx, "rental_delivery")
    tid = task_id_for(ctx, p["source"]["id"])

    def uow():
        u = uow_of(ctx)
        u.settings = VolunteerSettings(reoffer_limit=2)
        return u

    task = dispatch.offer(uow(), coordinator(), tid, vols[0].id, now=NOW())
    for _ in range(2):  # two automatic re-offers
        task = dispatch.decline(uow(), as_volunteer(task.current_offer.volunteer_id), tid,
                                now=NOW())
        assert task.state is TaskState.OFFERED
    task = dispatch.decline(uow(), as_volunteer(task.current_offer.volunteer_id), tid,
                            now=NOW())
    assert task.state is TaskState.OPEN  # a fourth volunteer is left, but the limit is hit
    assert task.reoffer_count == 2
    assert task.escalated_at is not None and "2次" in task.escalation_reason
    escalated = [e for e in outbox(ctx) if e["type"] == "volunteer.task_escalated"]
    assert len(escalated) == 1
    assert escalated[0]["payload"]["reoffers"] == 2
    assert escalated[0]["subject_id"] == str(tid)
    # the coordinator takes over: a hand assignment clears it
    left = next(v for v in vols if v.id not in task.passed_over)
    task = dispatch.assign(uow(), coordinator(), tid, left.id, now=NOW())
    assert task.escalated_at is None


def test_nobody_left_to_reoffer_escalates_at_once(ctx, add_volunteer) -> None:
    v = add_volunteer()
    _, p = _request(ctx, "rental_delivery")
    tid = task_id_for(ctx, p["source"]["id"])
    dispatch.offer(uow_of(ctx), coordinator(), tid, v.id, now=NOW())
    task = dispatch.decline(uow_of(ctx), as_volunteer(v), tid, now=NOW())
    assert task.state is TaskState.OPEN and task.escalated_at is not None
    assert [e["payload"]["reoffers"] for e in outbox(ctx)
            if e["type"] == "volunteer.task_escalated"] == [0]


def test_the_consumer_and_the_jobs_read_the_svckit_clock(ctx) -> None:
    """Like every service's edges, volunteer's read ``svckit.domain.clock.utcnow`` (the
    end-to-end tests move one injected clock for every process): a request handled 10
    days ahead is created then, and the expiry job sees its window over 3 days later."""
    from svckit.domain.clock import inject

    ahead = soon(24 * 10)
    moment = {"now": ahead}
    inject(lambda: moment["now"])
    try:
        _, payload = _request(ctx, "overdue_call", start=ahead, hours=72)
        task = _task(ctx, payload["source"]["id"])
        assert task.created_at == ahead and task.state is TaskState.OPEN
        moment["now"] = ahead + timedelta(hours=71)
        assert jobs.expire_unfilled(ctx) == 0
        moment["now"] = ahead + timedelta(hours=72)
        assert jobs.expire_unfilled(ctx) == 1
        assert _task(ctx, payload["source"]["id"]).state is TaskState.EXPIRED
    finally:
        inject(None)
