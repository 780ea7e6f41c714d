"""Hardening of the consumer: a visit request whose window cannot make a task is parked at
once (its producer told through ``platform.event_parked``), and a notice that another
service parked one of volunteer's own events shows on the task."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import sqlalchemy as sa
from svckit.events.catalogue.platform import PARKED
from svckit.testing import event_json
from volunteer.adapters import orm
from volunteer.service_layer import tasks
from volunteer_testkit import coordinator, request_event, source_of, task_id_for, uow_of


def _count_tasks(ctx) -> int:
    with ctx.engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(orm.tasks))


def _parked_at_once(ctx, body: str) -> None:
    outcome = ctx.processor().process(body, {})
    assert (outcome.action, outcome.reason, outcome.attempts) == ("park", "rejected", 0), outcome
    assert outcome.notice is not None and outcome.notice.type == PARKED
    assert outcome.notice.payload["producer"] == json.loads(body)["producer"]
    assert _count_tasks(ctx) == 0


def test_a_request_whose_window_is_already_over_is_parked_at_once(ctx) -> None:
    over = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    _parked_at_once(ctx, request_event("rental_delivery", start=over))
    _parked_at_once(ctx, request_event("assessment", start=over))


def test_a_request_too_far_ahead_or_too_long_is_parked_at_once(ctx) -> None:
    far = datetime.now(UTC).replace(microsecond=0) + timedelta(days=400)
    _parked_at_once(ctx, request_event("rental_pickup", start=far))
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    _parked_at_once(ctx, request_event("satisfaction_visit", start=soon, hours=24 * 365))


def _notice(task_id: object, *, producer: str = "volunteer",
            event_type: str = "volunteer.task_completed",
            reason: str = "retries-exhausted") -> str:
    return event_json(PARKED, {"event_id": uuid4(), "event_type": event_type,
                               "producer": producer, "consumer": "inventory",
                               "reason": reason},
                      subject_id=str(task_id), producer="inventory")


def test_a_parked_volunteer_event_shows_on_its_task(ctx) -> None:
    body = request_event("rental_delivery")
    ctx.processor().process(body, {})
    tid = task_id_for(ctx, source_of(body)["id"])
    outcome = ctx.processor().process(_notice(tid), {})
    assert (outcome.action, outcome.applied) == ("ack", 1), outcome
    task = tasks.get_task(uow_of(ctx), coordinator(), tid)
    problem = task.integration_problem
    assert problem is not None
    assert (problem.event_type, problem.consumer, problem.reason) == (
        "volunteer.task_completed", "inventory", "retries-exhausted")
    assert "未能处理" in problem.text and "任务完成" in problem.text, problem.text
    assert problem.at is not None


def test_notices_about_other_producers_events_or_unknown_tasks_change_nothing(ctx) -> None:
    body = request_event("rental_delivery")
    ctx.processor().process(body, {})
    tid = task_id_for(ctx, source_of(body)["id"])
    for notice in (_notice(tid, producer="inventory", event_type="rental.delivery_requested"),
                   _notice(uuid4())):
        assert ctx.processor().process(notice, {}).action == "ack"
    assert tasks.get_task(uow_of(ctx), coordinator(), tid).integration_problem is None
