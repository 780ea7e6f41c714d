"""The one event pipeline on the volunteer service: the task records its events, the unit
of work maps them through ``volunteer.service_layer.mapper`` at commit, in the same
transaction as the state; a rolled-back use case publishes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from volunteer.domain.tasks import TaskState
from volunteer.service_layer import dispatch, onsite
from volunteer_testkit import (
    as_volunteer,
    coordinator,
    outbox,
    request_event,
    source_of,
    task_id_for,
    uow_of,
)


def _task(ctx) -> object:
    body = request_event("rental_delivery")
    assert ctx.processor().process(body, {}).applied == 1
    return task_id_for(ctx, source_of(body)["id"])


def test_a_request_publishes_nothing_until_someone_is_dispatched(ctx) -> None:
    _task(ctx)
    assert outbox(ctx) == []


def test_check_out_changes_three_aggregates_and_publishes_the_task_s_event(
    ctx, add_volunteer
) -> None:
    """Check-out completes the task, counts the completion on the volunteer and writes a
    ledger entry, in one transaction; only the task is anything the askers hear of."""
    v = add_volunteer()
    tid = _task(ctx)
    now = datetime.now(UTC)
    dispatch.assign(uow_of(ctx), coordinator(), tid, v.id, now=now)
    onsite.check_in(uow_of(ctx), as_volunteer(v), tid, now=now)
    onsite.check_out(uow_of(ctx), as_volunteer(v), tid, None, now=now)
    assert [(e["type"], e["subject_id"]) for e in outbox(ctx)] == [
        ("volunteer.task_assigned", str(tid)), ("volunteer.task_completed", str(tid)),
    ]
    uow = uow_of(ctx)
    with uow:
        assert uow.volunteers.get(v.id).completed_count == 1
        assert uow.hours.search(scopes=None, volunteer_id=v.id, status=None, flagged=None,
                                page=1, size=10)[1] == 1


def test_two_tasks_changed_in_one_unit_of_work_publish_both(ctx, add_volunteer) -> None:
    a, b = add_volunteer(), add_volunteer()
    first, second = _task(ctx), _task(ctx)
    now = datetime.now(UTC)
    uow = uow_of(ctx)
    with uow:
        # the use case holds what it changed until commit (the session keeps only weak
        # references to objects it has flushed)
        tasks = [uow.tasks.lock(first), uow.tasks.lock(second)]
        for task, v in zip(tasks, (a, b), strict=True):
            task.assign(uow.volunteers.lock(v.id), by=a.id, now=now, busy=[])
        uow.commit()
    published = outbox(ctx)
    assert [(e["type"], e["payload"]["task_id"], e["payload"]["volunteer_id"])
            for e in published] == [
        ("volunteer.task_assigned", str(first), str(a.id)),
        ("volunteer.task_assigned", str(second), str(b.id)),
    ]


def test_a_rolled_back_use_case_publishes_none(ctx, add_volunteer) -> None:
    v = add_volunteer()
    tid = _task(ctx)
    now = datetime.now(UTC)
    uow = uow_of(ctx)
    with pytest.raises(RuntimeError), uow:
        task = uow.tasks.lock(tid)
        task.assign(uow.volunteers.lock(v.id), by=v.id, now=now, busy=[])
        assert task.events  # recorded...
        raise RuntimeError("the use case fails after the change")
    assert outbox(ctx) == []  # ...and dropped with the transaction
    with uow:
        assert uow.tasks.get(tid).state is TaskState.OPEN
    # a use case refused by the domain after a recorded change publishes none either:
    # the assignee checks out twice; the second is refused, nothing more is published
    dispatch.assign(uow_of(ctx), coordinator(), tid, v.id, now=now)
    onsite.check_in(uow_of(ctx), as_volunteer(v), tid, now=now)
    onsite.check_out(uow_of(ctx), as_volunteer(v), tid, None, now=now)
    before = outbox(ctx)
    with pytest.raises(Exception):  # noqa: B017 - any refusal
        onsite.check_out(uow_of(ctx), as_volunteer(v), tid, None, now=now)
    assert outbox(ctx) == before
