"""Tasks follow their cause (issue 15): late only once a deadline has passed, never on
creation; one cause key per task whatever the round or spell of its request; closed when
the cause is resolved; expired when nobody took it in its window; escalated once. The
clock is injected (every rule takes ``now``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from svckit.domain.errors import Conflict, IllegalTransition
from volunteer.domain.events import SourceRef, TaskEscalated, TaskExpired
from volunteer.domain.tasks import (
    EXPIRED_REASON,
    LATENESS_ZH,
    Lateness,
    OfferOutcome,
    TaskState,
    TaskType,
    cause_key,
)

T0 = datetime(2025, 6, 2, tzinfo=UTC)  # Monday 08:00 local
H = timedelta(hours=1)
M = timedelta(minutes=1)


# ---- lateness --------------------------------------------------------------------------

def test_a_new_task_whose_window_starts_now_is_not_late(make_task) -> None:
    """The overdue call's window starts the moment the rental falls overdue: it used to
    be flagged 超时 on arrival."""
    task = make_task(type=TaskType.OVERDUE_CALL, window_start=T0, window_end=T0 + 7 * 24 * H)
    assert task.lateness(T0) is None
    assert task.lateness(T0 + 3 * 24 * H) is None


def test_an_open_task_is_late_once_its_window_is_over(make_task) -> None:
    task = make_task()  # window T0+2h .. T0+4h
    assert task.lateness(T0 + 4 * H - M) is None
    assert task.lateness(T0 + 4 * H) is Lateness.WINDOW_OVER
    assert "时段已过" in LATENESS_ZH[Lateness.WINDOW_OVER]


def test_an_offered_task_is_late_once_its_offer_deadline_passed(
    make_task, make_volunteer, coordinator_id
) -> None:
    task = make_task()
    task.offer(make_volunteer(), by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    assert task.lateness(T0 + H - M) is None
    assert task.lateness(T0 + H) is Lateness.OFFER_LAPSED
    assert task.lateness(T0 + 4 * H) is Lateness.WINDOW_OVER


def test_an_accepted_task_is_late_once_its_slot_is_over_without_check_in(
    make_task, make_volunteer, coordinator_id
) -> None:
    v = make_volunteer()
    task = make_task()
    task.assign(v, by=coordinator_id, now=T0, busy=[])
    assert task.slot is not None
    assert task.lateness(task.slot.start + M) is None  # arriving a little late is fine
    assert task.lateness(task.slot.end) is Lateness.NO_CHECK_IN
    task.check_in(v.id, now=task.slot.end)
    assert task.lateness(task.slot.end + H) is None


# ---- one task per cause ----------------------------------------------------------------

def test_rounds_and_spells_of_one_request_share_a_cause_key() -> None:
    wo = "7d0b2f3c-1111-4222-8333-944455556666"
    assert (cause_key(SourceRef("renovation", "acceptance_visit", f"{wo}:1"))
            == cause_key(SourceRef("renovation", "acceptance_visit", f"{wo}:2"))
            == f"renovation:acceptance_visit:{wo}")
    rental = "0b7c-rental"
    assert (cause_key(SourceRef("inventory", "overdue_call", f"{rental}:2025-06-01"))
            == cause_key(SourceRef("inventory", "overdue_call", f"{rental}:2025-06-20")))
    # another kind for the same object is another cause
    assert (cause_key(SourceRef("renovation", "satisfaction_visit", wo))
            != cause_key(SourceRef("renovation", "acceptance_visit", wo)))


def test_a_task_carries_the_cause_key_of_its_source(make_task) -> None:
    task = make_task(source=SourceRef("inventory", "overdue_call", "r-9:2025-06-01"),
                     type=TaskType.OVERDUE_CALL)
    assert task.cause_key == "inventory:overdue_call:r-9"


# ---- closed when the cause is resolved --------------------------------------------------

def test_a_resolved_cause_closes_an_open_task_with_the_reason_in_words(make_task) -> None:
    task = make_task()
    assert task.close_resolved(now=T0 + H, reason="设备已归还 (the device was returned)")
    assert task.state is TaskState.CLOSED
    assert task.closing_reason == "已自动关闭：设备已归还 (the device was returned)"
    assert task.events == []  # the asking service resolved it: nobody to tell
    assert task.allowed_actions() == []
    assert not task.close_resolved(now=T0 + 2 * H, reason="again")  # idempotent


def test_a_resolved_cause_withdraws_the_open_offer(make_task, make_volunteer,
                                                   coordinator_id) -> None:
    task = make_task()
    task.offer(make_volunteer(), by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    assert task.close_resolved(now=T0 + M, reason="评估已完成")
    assert task.offers[-1].outcome is OfferOutcome.WITHDRAWN
    assert task.slot is None


def test_a_resolved_cause_closes_an_accepted_task(make_task, make_volunteer,
                                                  coordinator_id) -> None:
    task = make_task()
    task.assign(make_volunteer(), by=coordinator_id, now=T0, busy=[])
    assert task.close_resolved(now=T0 + M, reason="验收已通过")
    assert task.state is TaskState.CLOSED


def test_a_volunteer_on_site_finishes_and_the_resolution_is_recorded(
    make_task, make_volunteer, coordinator_id
) -> None:
    v = make_volunteer()
    task = make_task()
    task.assign(v, by=coordinator_id, now=T0, busy=[])
    task.check_in(v.id, now=T0 + 2 * H)
    assert not task.close_resolved(now=T0 + 2 * H + M, reason="设备已归还")
    assert task.state is TaskState.IN_PROGRESS
    assert task.source_cancel_reason == "设备已归还"


def test_close_is_not_offered_to_people(make_task) -> None:
    task = make_task()
    assert "close" not in task.allowed_actions()
    assert "expire" not in task.allowed_actions()


# ---- expiry ------------------------------------------------------------------------------

def test_an_unfilled_task_expires_at_the_end_of_its_window(make_task) -> None:
    task = make_task()
    with pytest.raises(Conflict):
        task.expire(now=T0 + 4 * H - M)
    task.expire(now=T0 + 4 * H)
    assert task.state is TaskState.EXPIRED
    assert task.closing_reason == EXPIRED_REASON
    assert task.events == [TaskExpired(task.id, EXPIRED_REASON, T0 + 4 * H, T0 + 4 * H)]


def test_an_offered_task_expires_and_its_offer_is_withdrawn(make_task, make_volunteer,
                                                            coordinator_id) -> None:
    task = make_task()
    task.offer(make_volunteer(), by=coordinator_id, now=T0, expires_at=T0 + 4 * H, busy=[])
    task.expire(now=T0 + 5 * H)
    assert task.offers[-1].outcome is OfferOutcome.WITHDRAWN
    assert task.slot is None


def test_a_taken_task_never_expires(make_task, make_volunteer, coordinator_id) -> None:
    task = make_task()
    task.assign(make_volunteer(), by=coordinator_id, now=T0, busy=[])
    with pytest.raises(IllegalTransition):
        task.expire(now=T0 + 5 * H)


# ---- escalation --------------------------------------------------------------------------

def test_escalation_is_recorded_once_until_someone_takes_the_task(
    make_task, make_volunteer, coordinator_id
) -> None:
    task = make_task()
    task.reoffer_count = 3
    assert task.escalate(now=T0, reason="已自动改派3次仍无人接单")
    assert not task.escalate(now=T0 + M, reason="again")
    assert task.events == [TaskEscalated(task.id, "已自动改派3次仍无人接单", 3, T0)]
    task.assign(make_volunteer(), by=coordinator_id, now=T0 + M, busy=[])
    assert task.escalated_at is None and task.escalation_reason is None
