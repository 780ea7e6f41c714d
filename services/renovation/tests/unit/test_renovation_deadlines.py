"""Deadline breaches: accept, inspect and rework clocks; each breach raised once."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from renovation.domain import events as ev
from renovation.domain.deadlines import (
    BreachKind,
    breach_of,
    clock_of,
    overdue,
    record_breach,
    unreported,
)
from renovation.domain.programme import DeadlineSettings

if TYPE_CHECKING:
    from conftest import World

SECOND = timedelta(seconds=1)


def test_accept_deadline_breached_only_after_n_days(w: World) -> None:
    order = w.order_in("assigned")
    settings = w.programme.deadlines
    due = order.assigned_at + timedelta(days=3)
    assert breach_of(order, settings, due) is None
    breach = breach_of(order, settings, due + SECOND)
    assert breach is not None
    assert (breach.kind, breach.since, breach.due_at) == (BreachKind.ACCEPT, order.assigned_at, due)


def test_the_running_clock_is_known_before_it_is_breached(w: World) -> None:
    order = w.order_in("assigned")
    clock = clock_of(order, w.programme.deadlines)
    assert clock is not None
    assert (clock.kind, clock.due_at) == (BreachKind.ACCEPT, order.assigned_at + timedelta(days=3))
    assert clock_of(w.order_in("in_progress"), w.programme.deadlines) is None


def test_accept_window_is_configurable_per_programme(w: World) -> None:
    order = w.order_in("assigned")
    late = order.assigned_at + timedelta(days=4)
    assert breach_of(order, DeadlineSettings(accept_days=3), late) is not None
    assert breach_of(order, DeadlineSettings(accept_days=5), late) is None


def test_accepted_order_has_no_accept_breach(w: World) -> None:
    order = w.order_in("accepted")
    assert breach_of(order, w.programme.deadlines, order.assigned_at + timedelta(days=30)) is None


def test_inspection_deadline_is_seven_days_after_completion(w: World) -> None:
    order = w.order_in("completion_requested")
    assert order.completion_requested_at is not None
    due = order.completion_requested_at + timedelta(days=7)
    assert breach_of(order, w.programme.deadlines, due) is None
    breach = breach_of(order, w.programme.deadlines, due + SECOND)
    assert breach is not None
    assert breach.kind is BreachKind.INSPECT


def test_rework_deadline_is_thirty_days_after_failure(w: World) -> None:
    order = w.order_in("rework")
    assert order.rework_since is not None
    due = order.rework_since + timedelta(days=30)
    assert breach_of(order, w.programme.deadlines, due) is None
    breach = breach_of(order, w.programme.deadlines, due + SECOND)
    assert breach is not None
    assert breach.kind is BreachKind.REWORK


@pytest.mark.parametrize("state", ["declined", "cancelled", "scheduled", "in_progress", "closed"])
def test_no_clock_runs_in_other_states(w: World, state: str) -> None:
    order = w.order_in(state)
    assert breach_of(order, w.programme.deadlines, order.assigned_at + timedelta(days=365)) is None


def test_each_breach_is_raised_once_but_stays_overdue(w: World) -> None:
    late, on_time = w.order_in("assigned"), w.order_in("accepted")
    settings = {w.programme.id: w.programme.deadlines}
    now = late.assigned_at + timedelta(days=10)
    pending = unreported([late, on_time], settings, now)
    assert [b.work_order_id for b in pending] == [late.id]
    assert record_breach(late, pending[0], now) is True
    assert late.events[-1] == ev.DeadlineBreached(
        now, late.id, late.application_id, late.contractor_id, "accept", pending[0].due_at
    )
    assert unreported([late, on_time], settings, now + timedelta(days=1)) == []
    assert len(overdue([late, on_time], settings, now)) == 1
    events_before = len(late.events)
    assert record_breach(late, pending[0], now) is False
    assert len(late.events) == events_before


def test_a_new_rework_round_is_a_new_breach(w: World) -> None:
    order = w.order_in("rework")
    settings = {w.programme.id: w.programme.deadlines}
    assert order.rework_since is not None
    first = unreported([order], settings, order.rework_since + timedelta(days=31))
    record_breach(order, first[0], w.now())
    # contractor finally hands over, fails again: the rework clock restarts
    order.request_completion(w.crew, order.rework_since + timedelta(days=32))
    order.fail_inspection(w.inspector, None, ["仍有松动"], order.rework_since + timedelta(days=33))
    second = unreported([order], settings, order.rework_since + timedelta(days=31))
    assert len(second) == 1
    assert second[0].key != first[0].key
    assert len(order.breaches_raised) == 1


def test_breach_recorded_on_the_wrong_order_is_a_bug(w: World) -> None:
    a, b = w.order_in("assigned"), w.order_in("assigned")
    breach = breach_of(a, w.programme.deadlines, a.assigned_at + timedelta(days=9))
    assert breach is not None
    with pytest.raises(ValueError):
        record_breach(b, breach, w.now())
