"""Events consumed: requests make exactly one task per source; cancellations cancel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from svckit.testing import event_json
from volunteer.adapters import orm
from volunteer.domain.tasks import TaskState, TaskType
from volunteer.service_layer import dispatch, onsite
from volunteer_testkit import (
    as_volunteer,
    coordinator,
    request_event,
    source_of,
    task_id_for,
    uow_of,
)


def _count_tasks(ctx) -> int:
    with ctx.engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(orm.tasks))


def test_a_delivery_request_delivered_twice_makes_exactly_one_task(ctx) -> None:
    body = request_event("rental_delivery")
    first = ctx.processor().process(body, {})
    second = ctx.processor().process(body, {})
    assert (first.action, first.applied, first.duplicates) == ("ack", 1, 0)
    assert (second.action, second.applied, second.duplicates) == ("ack", 0, 1)
    assert _count_tasks(ctx) == 1
    uow = uow_of(ctx)
    with uow:
        task = uow.tasks.get(task_id_for(ctx, source_of(body)["id"]))
        assert task.type is TaskType.DELIVER_DEVICE
        assert task.state is TaskState.OPEN
        assert (task.contact_name, task.contact_phone) == ("王某", "138****5678")


def test_a_second_event_naming_the_same_source_makes_no_second_task(ctx) -> None:
    first = request_event("rental_delivery", source_id="rental-42")
    again = request_event("rental_delivery", source_id="rental-42")  # new event id
    assert ctx.processor().process(first, {}).applied == 1
    outcome = ctx.processor().process(again, {})
    assert (outcome.action, outcome.applied) == ("ack", 1)  # handled, no effect
    assert _count_tasks(ctx) == 1


@pytest.mark.parametrize(("kind", "task_type"), [
    ("rental_delivery", TaskType.DELIVER_DEVICE),
    ("device_delivery", TaskType.DELIVER_DEVICE),
    ("rental_pickup", TaskType.PICKUP_DEVICE),
    ("overdue_call", TaskType.OVERDUE_CALL),
    ("assessment", TaskType.ACCOMPANY_ASSESSMENT),
    ("acceptance_visit", TaskType.ACCEPTANCE_VISIT),
    ("satisfaction_visit", TaskType.SATISFACTION_VISIT),
])
def test_every_request_kind_makes_its_task_type(ctx, kind, task_type) -> None:
    body = request_event(kind)
    assert ctx.processor().process(body, {}).applied >= 1  # inspection_passed: 2 handlers
    uow = uow_of(ctx)
    with uow:
        task = uow.tasks.get(task_id_for(ctx, source_of(body)["id"]))
        assert task.type is task_type
        assert task.source.kind == kind


def test_a_kind_that_does_not_belong_to_the_event_is_parked(ctx) -> None:
    body = request_event("rental_pickup")
    wrong = body.replace('"rental.pickup_requested"', '"rental.delivery_requested"')
    outcome = ctx.processor().process(wrong, {})
    assert (outcome.action, outcome.reason) == ("park", "rejected")
    assert _count_tasks(ctx) == 0


def test_an_empty_window_is_parked_not_retried(ctx) -> None:
    body = request_event("rental_delivery", hours=0)
    outcome = ctx.processor().process(body, {})
    assert (outcome.action, outcome.reason) == ("park", "rejected")
    assert _count_tasks(ctx) == 0


def _cancel(ctx, src: dict[str, str], etype: str = "rental.visit_cancelled") -> None:
    body = event_json(etype, {"source": src, "reason": "借用人改为到站自取"})
    assert ctx.processor().process(body, {}).action == "ack"


def test_a_cancelled_source_cancels_its_open_task(ctx) -> None:
    body = request_event("rental_delivery")
    ctx.processor().process(body, {})
    _cancel(ctx, source_of(body))
    uow = uow_of(ctx)
    with uow:
        task = uow.tasks.get(task_id_for(ctx, source_of(body)["id"]))
        assert task.state is TaskState.CANCELLED
        assert "借用人改为到站自取" in task.closing_reason


def test_a_source_cancelled_while_on_site_is_recorded_for_the_coordinator(
    ctx, add_volunteer
) -> None:
    v = add_volunteer()
    body = request_event("assessment")
    ctx.processor().process(body, {})
    tid = task_id_for(ctx, source_of(body)["id"])
    c = coordinator()
    dispatch.assign(uow_of(ctx), c, tid, v.id, now=datetime.now(UTC))
    onsite.check_in(uow_of(ctx), as_volunteer(v), tid, now=datetime.now(UTC))
    _cancel(ctx, source_of(body), "renovation.visit_cancelled")
    uow = uow_of(ctx)
    with uow:
        task = uow.tasks.get(tid)
        assert task.state is TaskState.IN_PROGRESS
        assert task.source_cancel_reason == "借用人改为到站自取"
        assert task.source_cancelled_at is not None


def test_a_cancellation_before_the_request_means_no_task(ctx) -> None:
    body = request_event("rental_pickup")
    _cancel(ctx, source_of(body))
    assert ctx.processor().process(body, {}).action == "ack"
    assert _count_tasks(ctx) == 0
