"""Every legal transition of the task state machine, and every illegal one, through the
aggregate's own methods (parametrized over TASK_MACHINE's table and its complement)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from svckit.domain.errors import IllegalTransition
from volunteer.domain.events import (
    TaskAssigned,
    TaskCompleted,
    TaskExpired,
    TaskFailed,
    TaskOffered,
)
from volunteer.domain.tasks import TASK_MACHINE, CheckInPolicy, Task, TaskState
from volunteer.domain.volunteers import Volunteer

T0 = datetime(2025, 6, 2, tzinfo=UTC)  # Monday 08:00 local; window 10:00-12:00 local
H = timedelta(hours=1)
S = timedelta(seconds=1)

LEGAL = sorted(TASK_MACHINE.table.items())
ILLEGAL = sorted(
    (state, action)
    for state in TASK_MACHINE.states
    for action in TASK_MACHINE.actions
    if (state, action) not in TASK_MACHINE.table
)


@dataclass
class World:
    task: Task
    volunteer: Volunteer
    coordinator: UUID
    policy: CheckInPolicy


@pytest.fixture
def world(make_task, make_volunteer, coordinator_id, policy) -> World:
    return World(make_task(), make_volunteer(), coordinator_id, policy)


def bring_to(w: World, state: TaskState) -> None:
    """Drive a fresh task to ``state`` along a legal path."""
    t, v = w.task, w.volunteer
    if state is TaskState.OPEN:
        return
    if state is TaskState.CANCELLED:
        t.cancel(now=T0, reason="来源已取消")
        return
    if state is TaskState.CLOSED:
        t.close(now=T0, reason="设备已归还")
        return
    if state is TaskState.EXPIRED:
        t.expire(now=T0 + 4 * H)
        return
    t.offer(v, by=w.coordinator, now=T0, expires_at=T0 + H, busy=[])
    if state is TaskState.OFFERED:
        return
    t.accept(v, now=T0 + timedelta(minutes=10), busy=[])
    if state is TaskState.ACCEPTED:
        return
    t.check_in(v.id, now=T0 + 2 * H)
    if state is TaskState.IN_PROGRESS:
        return
    if state is TaskState.COMPLETED:
        t.complete(v, now=T0 + 3 * H, policy=w.policy)
    else:
        t.fail(now=T0 + 3 * H, reason="住户不在家", policy=w.policy)


ACTIONS: dict[str, Callable[[World], None]] = {
    "offer": lambda w: w.task.offer(
        w.volunteer, by=w.coordinator, now=T0, expires_at=T0 + H, busy=[]
    ),
    "assign": lambda w: w.task.assign(w.volunteer, by=w.coordinator, now=T0, busy=[]),
    "reschedule": lambda w: w.task.reschedule(T0 + 3 * H, T0 + 5 * H, now=T0),
    "fail": lambda w: w.task.fail(now=T0 + 3 * H, reason="无法完成", policy=w.policy),
    "cancel": lambda w: w.task.cancel(now=T0, reason="来源已取消"),
    "accept": lambda w: w.task.accept(w.volunteer, now=T0 + timedelta(minutes=10), busy=[]),
    "decline": lambda w: w.task.decline(w.volunteer.id, now=T0 + timedelta(minutes=10)),
    "lapse": lambda w: w.task.lapse(now=T0 + H),
    "withdraw": lambda w: w.task.withdraw_offer(now=T0 + timedelta(minutes=5)),
    "check_in": lambda w: w.task.check_in(w.volunteer.id, now=T0 + 2 * H),
    "unassign": lambda w: w.task.unassign(now=T0 + timedelta(minutes=30), reason="临时有事"),
    "no_show": lambda w: w.task.mark_no_show(w.volunteer, now=T0 + 2.5 * H),
    "complete": lambda w: w.task.complete(w.volunteer, now=T0 + 3 * H, policy=w.policy),
    "auto_close": lambda w: w.task.auto_close(w.volunteer, now=T0 + 10 * H + S, policy=w.policy),
    "close": lambda w: w.task.close(now=T0 + timedelta(minutes=20), reason="设备已归还"),
    "expire": lambda w: w.task.expire(now=T0 + 4 * H),
}


#: the moves the asking services are told of, and the event each records; the others
#: (declines, lapses, check-ins...) record none
TOLD: dict[str, type] = {
    "offer": TaskOffered, "accept": TaskAssigned, "assign": TaskAssigned,
    "complete": TaskCompleted, "auto_close": TaskCompleted, "fail": TaskFailed,
    "expire": TaskExpired,
}


def test_every_action_of_the_table_has_a_driver() -> None:
    assert set(ACTIONS) == set(TASK_MACHINE.actions)


def test_every_state_is_reachable_and_terminal_states_allow_nothing() -> None:
    assert set(TASK_MACHINE.states) == set(TaskState)
    for terminal in (TaskState.COMPLETED, TaskState.FAILED, TaskState.CANCELLED,
                     TaskState.CLOSED, TaskState.EXPIRED):
        assert TASK_MACHINE.allowed(terminal) == []


@pytest.mark.parametrize(("transition", "expected"), LEGAL, ids=[f"{s}-{a}" for (s, a), _ in LEGAL])
def test_legal_transition(world: World, transition: tuple[str, str], expected: str) -> None:
    state, action = transition
    bring_to(world, TaskState(state))
    assert world.task.state == state
    events_before = list(world.task.events)

    ACTIONS[action](world)

    assert world.task.state == expected
    recorded = world.task.events[len(events_before):]
    assert [type(e) for e in recorded] == ([TOLD[action]] if action in TOLD else [])


@pytest.mark.parametrize(("state", "action"), ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
def test_illegal_transition(world: World, state: str, action: str) -> None:
    bring_to(world, TaskState(state))
    events_before = list(world.task.events)

    with pytest.raises(IllegalTransition) as exc:
        ACTIONS[action](world)

    assert exc.value.current_state == state
    assert world.task.state == state
    assert world.task.events == events_before


def test_allowed_actions_reflect_the_table(world: World) -> None:
    assert world.task.allowed_actions() == ["assign", "cancel", "fail", "offer", "reschedule"]
    bring_to(world, TaskState.OFFERED)
    assert world.task.allowed_actions() == ["accept", "cancel", "decline", "lapse", "withdraw"]
