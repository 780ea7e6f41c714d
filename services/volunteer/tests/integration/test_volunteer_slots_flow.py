"""Booking slots on PostgreSQL: event-created tasks with long windows get candidates, the
slot is booked and stored, and a volunteer's slots never overlap, even under a race."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from svckit.domain.errors import Conflict
from volunteer.domain.slots import Slot
from volunteer.domain.tasks import TaskState
from volunteer.domain.volunteers import AvailabilityWindow
from volunteer.service_layer import dispatch
from volunteer_testkit import (
    A,
    as_volunteer,
    coordinator,
    request_event,
    soon,
    source_of,
    task_id_for,
    uow_of,
)

NOW = lambda: datetime.now(UTC)  # noqa: E731
N = 50


def _task(ctx, kind: str = "rental_delivery", **kw: Any):
    body = request_event(kind, **kw)
    assert ctx.processor().process(body, {}).applied == 1
    return task_id_for(ctx, source_of(body)["id"])


def test_a_48_hour_delivery_is_offered_and_its_slot_booked(ctx, add_volunteer) -> None:
    day = add_volunteer(name="张建华", availability=[
        AvailabilityWindow(d, time(8), time(17)) for d in range(7)])
    tid = _task(ctx, start=soon(1), hours=48)
    r = dispatch.candidates(uow_of(ctx), coordinator(), tid, now=NOW())
    (c,) = r.result.candidates
    assert c.volunteer_id == day.id
    assert c.slot.duration == timedelta(hours=2)
    assert any(reason.startswith("可于 ") and "上门" in reason for reason in c.reasons)

    dispatch.offer(uow_of(ctx), coordinator(), tid, None, now=NOW())
    task = dispatch.accept(uow_of(ctx), as_volunteer(day), tid, now=NOW())
    assert task.state is TaskState.ACCEPTED
    assert task.slot == c.slot
    uow = uow_of(ctx)
    with uow:
        stored = uow.tasks.get(tid)
        assert stored.slot == c.slot
        assert stored.duration == timedelta(hours=2)
        assert uow.tasks.busy([day.id], c.slot.start, c.slot.end) == [stored]
        assert uow.tasks.busy([day.id], c.slot.end, c.slot.end + timedelta(hours=1)) == []


def test_a_7_day_overdue_call_blocks_only_half_an_hour(ctx, add_volunteer) -> None:
    v = add_volunteer()
    start = soon(2)
    call = _task(ctx, "overdue_call", start=start, hours=7 * 24)
    task = dispatch.assign(uow_of(ctx), coordinator(), call, v.id, now=NOW())
    assert task.slot == Slot(start, start + timedelta(minutes=30))
    visit = _task(ctx, "rental_delivery", start=start, hours=4)
    task = dispatch.assign(uow_of(ctx), coordinator(), visit, v.id, now=NOW())
    assert task.slot == Slot(start + timedelta(minutes=30), start + timedelta(minutes=150))


def test_the_no_show_waits_for_the_slot(ctx, add_volunteer) -> None:
    v = add_volunteer()
    first = _task(ctx, start=soon(-1), hours=48)  # the window started an hour ago
    t = dispatch.assign(uow_of(ctx), coordinator(), first, v.id, now=NOW())
    assert t.slot is not None and t.slot.start >= NOW()
    with pytest.raises(Conflict, match="预约时段尚未开始"):
        dispatch.no_show(uow_of(ctx), coordinator(), first,
                         now=t.slot.start - timedelta(minutes=1))


def test_racing_bookings_of_one_volunteer_fill_a_long_window_without_overlap(
    ctx, add_volunteer
) -> None:
    """What races: one always-available volunteer V and 50 deliveries (2 h each) that all
    share one 48-hour window: 25 offered to V and accepted at once, 25 hand-assigned to V
    at the same moment. The window holds exactly 24 two-hour slots: 24 bookings succeed,
    each in its own slot, and the other 26 are refused as double bookings."""
    v = add_volunteer()
    c = coordinator()
    start = soon()
    tids = [_task(ctx, start=start, hours=48) for _ in range(N)]
    offered, by_hand = tids[: N // 2], tids[N // 2:]
    for tid in offered:
        dispatch.offer(uow_of(ctx), c, tid, v.id, now=NOW())
    calls = [
        (lambda t=t: dispatch.accept(uow_of(ctx), as_volunteer(v), t, now=NOW()))
        for t in offered
    ] + [
        (lambda t=t: dispatch.assign(uow_of(ctx), c, t, v.id, now=NOW()))
        for t in by_hand
    ]
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    ok = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(ok) == 24, refused[:3]
    assert all(isinstance(r, Conflict) and r.extra.get("reasons") == ["double_booked"]
               for r in refused)
    uow = uow_of(ctx)
    with uow:
        booked = uow.tasks.busy([v.id], start, start + timedelta(hours=48))
    slots = sorted((t.booked_slot for t in booked), key=lambda s: s.start)
    assert len(slots) == 24
    assert slots[0].start == start and slots[-1].end == start + timedelta(hours=48)
    assert all(a.end <= b.start for a, b in zip(slots, slots[1:], strict=False))


def test_seeded_roster_has_candidates_for_a_delivery_requested_now(ctx) -> None:
    ctx.definition.seed(ctx)
    tid = _task(ctx, division=A, start=NOW(), hours=48)
    r = dispatch.candidates(uow_of(ctx), coordinator(), tid, now=NOW())
    assert len(r.result.candidates) >= 2
    assert all(c.slot.start >= NOW() - timedelta(minutes=1) for c in r.result.candidates)
