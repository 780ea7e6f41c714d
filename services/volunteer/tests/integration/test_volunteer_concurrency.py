"""Races with real threads on PostgreSQL: one task, one volunteer, many requests.

Each thread runs a use case in its own unit of work (its own connection). The task row
is locked with SELECT ... FOR UPDATE before any change; accept/assign then lock the
volunteer row before looking for overlapping bookings."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from svckit.domain.errors import Conflict, DomainError, NotFound
from volunteer.domain.tasks import TaskState
from volunteer.service_layer import dispatch
from volunteer_testkit import (
    as_volunteer,
    coordinator,
    outbox,
    request_event,
    soon,
    source_of,
    task_id_for,
    uow_of,
)

N = 50


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, released together; return result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _task(ctx, start=None) -> Any:
    body = request_event("rental_delivery", start=start)
    assert ctx.processor().process(body, {}).applied == 1
    return task_id_for(ctx, source_of(body)["id"])


def _kinds(results: list[Any]) -> Counter[str]:
    return Counter("ok" if not isinstance(r, Exception) else type(r).__name__
                   for r in results)


def test_fifty_concurrent_accepts_of_one_offered_task_give_it_to_exactly_one(
    ctx, add_volunteer
) -> None:
    """What races: 50 accept calls on one task offered to volunteer V, released at once:
    25 are V's own (double taps, retries from a flaky phone) and 25 come from 25 other
    volunteers. Exactly one call wins, V gets the task, one task_assigned is written; V's
    other 24 calls see it already accepted (409) and the others are refused (not theirs)."""
    offeree = add_volunteer(name="被邀请者")
    others = [add_volunteer(name=f"志愿者{i}") for i in range(N // 2)]
    tid = _task(ctx)
    dispatch.offer(uow_of(ctx), coordinator(), tid, offeree.id, now=datetime.now(UTC))
    actors = [as_volunteer(offeree)] * (N // 2) + [as_volunteer(v) for v in others]
    results = _race([
        (lambda a=a: dispatch.accept(uow_of(ctx), a, tid, now=datetime.now(UTC)))
        for a in actors
    ])
    kinds = _kinds(results)
    assert kinds["ok"] == 1, kinds
    assert kinds == {"ok": 1, "IllegalTransition": N // 2 - 1, "NotFound": N // 2}
    uow = uow_of(ctx)
    with uow:
        task = uow.tasks.get(tid)
        assert task.state is TaskState.ACCEPTED
        assert task.assignee_id == offeree.id
    assert [e["type"] for e in outbox(ctx)].count("volunteer.task_assigned") == 1


def test_fifty_concurrent_hand_assignments_of_one_task_give_it_to_exactly_one(
    ctx, add_volunteer
) -> None:
    """What races: 50 coordinator hand-assignments of one open task, each to a different
    eligible volunteer, released at once. Exactly one volunteer gets it; the other 49
    calls find it already accepted (409)."""
    volunteers = [add_volunteer(name=f"志愿者{i}") for i in range(N)]
    tid = _task(ctx)
    c = coordinator()
    results = _race([
        (lambda v=v: dispatch.assign(uow_of(ctx), c, tid, v.id, now=datetime.now(UTC)))
        for v in volunteers
    ])
    kinds = _kinds(results)
    assert kinds == {"ok": 1, "IllegalTransition": N - 1}, kinds
    winner = next(r for r in results if not isinstance(r, Exception))
    uow = uow_of(ctx)
    with uow:
        task = uow.tasks.get(tid)
        assert task.assignee_id == winner.assignee_id
        assert len(task.offers) == 1
    assert [e["type"] for e in outbox(ctx)].count("volunteer.task_assigned") == 1


def test_one_volunteer_is_never_double_booked_under_concurrency(ctx, add_volunteer) -> None:
    """What races: one volunteer V and 50 tasks whose windows all overlap. 25 tasks are
    offered to V and V accepts them all at once, while a coordinator hand-assigns the
    other 25 to V at the same moment. Exactly one booking succeeds; the other 49 are
    refused as double bookings (409)."""
    v = add_volunteer()
    c = coordinator()
    start = soon()
    tids = [_task(ctx, start=start + timedelta(minutes=i)) for i in range(N)]
    offered, by_hand = tids[: N // 2], tids[N // 2:]
    for tid in offered:
        dispatch.offer(uow_of(ctx), c, tid, v.id, now=datetime.now(UTC))
    calls: list[Callable[[], Any]] = [
        (lambda t=t: dispatch.accept(uow_of(ctx), as_volunteer(v), t, now=datetime.now(UTC)))
        for t in offered
    ] + [
        (lambda t=t: dispatch.assign(uow_of(ctx), c, t, v.id, now=datetime.now(UTC)))
        for t in by_hand
    ]
    results = _race(calls)
    kinds = _kinds(results)
    assert kinds == {"ok": 1, "Conflict": N - 1}, kinds
    refused = [r for r in results if isinstance(r, Conflict)]
    assert all(r.extra.get("reasons") == ["double_booked"] for r in refused)
    uow = uow_of(ctx)
    with uow:
        booked = uow.tasks.busy([v.id], start, start + timedelta(hours=3))
    assert len(booked) == 1
    assert not any(isinstance(r, DomainError) and not isinstance(r, Conflict | NotFound)
                   for r in results)
