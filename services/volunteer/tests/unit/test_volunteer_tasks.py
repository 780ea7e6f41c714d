"""Task rules: creation, offers (one at a time, expiry, decline, lapse), hand assignment,
no-shows, check-in/out with the forgotten-check-out cap, failure and cancellation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from svckit.domain.errors import Conflict, Forbidden, IllegalTransition, ValidationFailed
from volunteer.domain.events import (
    TaskAssigned,
    TaskCompleted,
    TaskFailed,
    TaskOffered,
)
from volunteer.domain.tasks import (
    REQUIRED_SKILLS,
    CheckInPolicy,
    ExclusionCode,
    OfferOutcome,
    Priority,
    TaskState,
    TaskType,
)
from volunteer.domain.volunteers import Skill

T0 = datetime(2025, 6, 2, tzinfo=UTC)  # Monday 08:00 local
H = timedelta(hours=1)
M = timedelta(minutes=1)
S = timedelta(seconds=1)


# ---- creation ------------------------------------------------------------------------

def test_required_skills_table_covers_every_type() -> None:
    assert set(REQUIRED_SKILLS) == set(TaskType)
    assert REQUIRED_SKILLS[TaskType.DELIVER_DEVICE] == {Skill.DELIVERY, Skill.DRIVING}
    assert REQUIRED_SKILLS[TaskType.ACCOMPANY_ASSESSMENT] == {Skill.ACCOMPANY_ASSESSOR}
    assert REQUIRED_SKILLS[TaskType.OVERDUE_CALL] == {Skill.PHONE_FOLLOWUP}
    assert REQUIRED_SKILLS[TaskType.MANUAL] == frozenset()


@pytest.mark.parametrize("task_type", [t for t in TaskType if t is not TaskType.MANUAL])
def test_required_skills_derive_from_type(make_task, task_type: TaskType) -> None:
    task = make_task(type=task_type)
    assert task.required_skills == REQUIRED_SKILLS[task_type]


def test_extra_skills_add_to_the_type(make_task) -> None:
    task = make_task(extra_skills=[Skill.INSTALLATION])
    assert task.required_skills == {Skill.DELIVERY, Skill.DRIVING, Skill.INSTALLATION}


def test_created_task_is_open_and_tells_nobody_yet(make_task) -> None:
    task = make_task(priority=Priority.URGENT)
    assert task.state is TaskState.OPEN
    assert task.priority is Priority.URGENT
    assert task.events == []
    assert "幸福小区" not in repr(task)


def test_manual_task_needs_a_note(make_task) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_task(type=TaskType.MANUAL, source=None)
    assert "note" in exc.value.errors
    task = make_task(type=TaskType.MANUAL, source=None, note="帮忙搬运康复床")
    assert task.required_skills == frozenset()


def test_creation_rejects_bad_fields_together(make_task) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_task(division="3715", address="  ")
    assert set(exc.value.errors) == {"division", "address"}


def test_window_must_be_aware_and_ordered(make_task) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_task(window_start=datetime(2025, 6, 2, 10))
    assert "window_start" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        make_task(window_end=T0 + 2 * H)  # equal to the start
    assert "window_end" in exc.value.errors


def test_window_in_another_offset_is_normalised_to_utc(make_task) -> None:
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    task = make_task(
        window_start=datetime(2025, 6, 2, 10, tzinfo=shanghai),
        window_end=datetime(2025, 6, 2, 12, tzinfo=shanghai),
    )
    assert task.window_start == T0 + 2 * H
    assert task.window_start.tzinfo is UTC


# ---- offers --------------------------------------------------------------------------

def test_offer_records_offer_and_dispatcher(make_task, make_volunteer, coordinator_id) -> None:
    task, v = make_task(), make_volunteer()
    task.offer(v, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    assert task.state is TaskState.OFFERED
    assert task.current_offer is not None
    assert task.current_offer.volunteer_id == v.id
    assert task.dispatched_by == coordinator_id
    event = task.events[-1]
    assert isinstance(event, TaskOffered)
    assert (event.volunteer_id, event.expires_at) == (v.id, T0 + H)


def test_two_offers_of_one_task_are_impossible(make_task, make_volunteer, coordinator_id) -> None:
    task, a, b = make_task(), make_volunteer(), make_volunteer()
    task.offer(a, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    with pytest.raises(IllegalTransition) as exc:
        task.offer(b, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    assert exc.value.current_state == "offered"
    assert [o.volunteer_id for o in task.offers] == [a.id]


def test_offer_expiry_must_be_in_the_future(make_task, make_volunteer, coordinator_id) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_task().offer(make_volunteer(), by=coordinator_id, now=T0, expires_at=T0, busy=[])
    assert "expires_at" in exc.value.errors


def test_offer_to_ineligible_volunteer_lists_the_reasons(
    make_task, make_volunteer, coordinator_id
) -> None:
    task = make_task()
    v = make_volunteer(skills=[Skill.DELIVERY], divisions=["371503"])
    with pytest.raises(Conflict) as exc:
        task.offer(v, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    assert exc.value.extra["reasons"] == ["out_of_division", "missing_skills"]
    assert "驾驶" in exc.value.detail
    assert task.state is TaskState.OPEN
    assert task.offers == []


def test_no_offer_once_the_window_has_ended(make_task, make_volunteer, coordinator_id) -> None:
    task = make_task()
    with pytest.raises(Conflict):
        task.offer(make_volunteer(), by=coordinator_id, now=T0 + 4 * H, expires_at=T0 + 5 * H,
                   busy=[])


@pytest.fixture
def offered(make_task, make_volunteer, coordinator_id):
    task, v = make_task(), make_volunteer()
    task.offer(v, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    return task, v


def test_accept_assigns_the_offeree(offered) -> None:
    task, v = offered
    task.accept(v, now=T0 + H - S, busy=[])  # one second before expiry
    assert task.state is TaskState.ACCEPTED
    assert task.assignee_id == v.id
    assert task.offers[-1].outcome is OfferOutcome.ACCEPTED
    event = task.events[-1]
    assert isinstance(event, TaskAssigned)
    assert event.by_hand is False


def test_accept_exactly_at_expiry_is_too_late(offered) -> None:
    task, v = offered
    with pytest.raises(Conflict) as exc:
        task.accept(v, now=T0 + H, busy=[])
    assert exc.value.current_state == "offered"
    assert task.assignee_id is None


def test_only_the_offeree_can_accept_or_decline(offered, make_volunteer) -> None:
    task, _ = offered
    stranger = make_volunteer()
    with pytest.raises(Forbidden):
        task.accept(stranger, now=T0, busy=[])
    with pytest.raises(Forbidden):
        task.decline(stranger.id, now=T0)
    assert task.state is TaskState.OFFERED


def test_accept_refuses_a_double_booking(offered, make_task, make_volunteer, coordinator_id):
    task, v = offered
    other = make_task(window_start=T0 + 3 * H, window_end=T0 + 5 * H)  # overlaps 11:00-12:00
    other.assign(v, by=coordinator_id, now=T0, busy=[])
    with pytest.raises(Conflict) as exc:
        task.accept(v, now=T0 + M, busy=[other])
    assert exc.value.extra["reasons"] == ["double_booked"]
    assert task.state is TaskState.OFFERED


def test_decline_reopens_and_excludes_the_decliner(offered) -> None:
    task, v = offered
    task.decline(v.id, now=T0 + M)
    assert task.state is TaskState.OPEN
    assert task.current_offer is None
    assert task.passed_over == {v.id: OfferOutcome.DECLINED}
    assert not any(isinstance(e, TaskAssigned) for e in task.events)  # nobody is told
    codes = [e.code for e in task.exclusions_for(v, [])]
    assert codes == [ExclusionCode.PASSED_OVER]


def test_lapse_only_at_or_after_expiry(offered) -> None:
    task, v = offered
    assert not task.is_offer_expired(T0 + H - S)
    with pytest.raises(Conflict):
        task.lapse(now=T0 + H - S)
    task.lapse(now=T0 + H)
    assert task.state is TaskState.OPEN
    assert task.passed_over == {v.id: OfferOutcome.LAPSED}


def test_withdrawn_offer_does_not_exclude(offered, coordinator_id) -> None:
    task, v = offered
    task.withdraw_offer(now=T0 + M)
    assert task.passed_over == {}
    task.offer(v, by=coordinator_id, now=T0 + 2 * M, expires_at=T0 + H, busy=[])
    assert task.state is TaskState.OFFERED


# ---- hand assignment -----------------------------------------------------------------

def test_hand_assignment_is_accepted_at_once(make_task, make_volunteer, coordinator_id) -> None:
    task, v = make_task(), make_volunteer()
    task.assign(v, by=coordinator_id, now=T0, busy=[])
    assert task.state is TaskState.ACCEPTED
    assert task.assignee_id == v.id
    assert task.offers[-1].expires_at is None
    assert task.events[-1] == TaskAssigned(task.id, v.id, True, T0)


def test_override_covers_availability_and_an_earlier_decline(
    make_task, make_volunteer, coordinator_id
) -> None:
    task, v = make_task(), make_volunteer()
    task.offer(v, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    task.decline(v.id, now=T0 + M)
    v.update(availability=[])  # then changed their weekly hours
    with pytest.raises(Conflict) as exc:
        task.assign(v, by=coordinator_id, now=T0 + 2 * M, busy=[])
    assert exc.value.extra["reasons"] == ["unavailable", "passed_over"]

    task.assign(v, by=coordinator_id, now=T0 + 2 * M, busy=[], override=True)  # agreed by phone

    assert task.assignee_id == v.id


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"skills": ["home_visit"]}, "missing_skills"),
        ({"divisions": ["370702"]}, "out_of_division"),
    ],
)
def test_override_never_covers_skills_or_division(
    make_task, make_volunteer, coordinator_id, change, reason
) -> None:
    task, v = make_task(), make_volunteer(**change)
    with pytest.raises(Conflict) as exc:
        task.assign(v, by=coordinator_id, now=T0, busy=[], override=True)
    assert exc.value.extra["reasons"] == [reason]


def test_override_never_covers_inactive_or_double_booked(
    make_task, make_volunteer, coordinator_id
) -> None:
    task, v = make_task(), make_volunteer()
    busy = make_task()
    busy.assign(v, by=coordinator_id, now=T0, busy=[])
    v.deactivate()
    with pytest.raises(Conflict) as exc:
        task.assign(v, by=coordinator_id, now=T0, busy=[busy], override=True)
    assert exc.value.extra["reasons"] == ["inactive", "double_booked"]


# ---- dropping out, no-shows, rescheduling --------------------------------------------

@pytest.fixture
def accepted(offered):
    task, v = offered
    task.accept(v, now=T0 + M, busy=[])
    return task, v


def test_unassign_needs_a_reason_and_excludes(accepted) -> None:
    task, v = accepted
    with pytest.raises(ValidationFailed):
        task.unassign(now=T0 + H, reason=" ")
    task.unassign(now=T0 + H, reason="临时有事")
    assert task.state is TaskState.OPEN
    assert task.assignee_id is None
    assert task.passed_over == {v.id: OfferOutcome.RELEASED}


def test_no_show_only_once_the_window_started(accepted) -> None:
    task, v = accepted
    with pytest.raises(Conflict):
        task.mark_no_show(v, now=T0 + 2 * H - S)
    task.mark_no_show(v, now=T0 + 2 * H)
    assert task.state is TaskState.OPEN
    assert task.assignee_id is None
    assert v.no_show_count == 1
    assert v.reliability == 0
    assert task.passed_over == {v.id: OfferOutcome.NO_SHOW}


def test_no_show_must_name_the_assignee(accepted, make_volunteer) -> None:
    task, _ = accepted
    with pytest.raises(Forbidden):
        task.mark_no_show(make_volunteer(), now=T0 + 3 * H)


def test_reschedule_moves_the_window(make_task) -> None:
    task = make_task()
    task.reschedule(T0 + 26 * H, T0 + 28 * H, now=T0)
    assert (task.window_start, task.window_end) == (T0 + 26 * H, T0 + 28 * H)
    with pytest.raises(ValidationFailed):
        task.reschedule(T0 + 28 * H, T0 + 26 * H, now=T0)


# ---- check-in / check-out ------------------------------------------------------------

@pytest.fixture
def checked_in(accepted):
    task, v = accepted
    task.check_in(v.id, now=T0 + 2 * H)
    return task, v


def test_only_the_assignee_checks_in(accepted, make_volunteer) -> None:
    task, _ = accepted
    with pytest.raises(Forbidden):
        task.check_in(make_volunteer().id, now=T0 + 2 * H)
    assert task.state is TaskState.ACCEPTED


def test_complete_records_times_and_reports_the_source(checked_in, policy) -> None:
    task, v = checked_in
    task.complete(v, now=T0 + 3.5 * H, policy=policy)
    assert (task.checked_in_at, task.checked_out_at) == (T0 + 2 * H, T0 + 3.5 * H)
    assert task.flagged_for_review is False
    assert v.completed_count == 1
    event = task.events[-1]
    assert isinstance(event, TaskCompleted)
    assert (event.outcome, event.checked_out_at, event.result) == (
        "completed", T0 + 3.5 * H, None,
    )


def test_check_out_exactly_at_the_limit_is_not_capped(checked_in, policy) -> None:
    task, v = checked_in
    task.complete(v, now=T0 + 10 * H, policy=policy)
    assert task.checked_out_at == T0 + 10 * H
    assert task.flagged_for_review is False


def test_late_check_out_one_second_over_the_limit_is_capped_and_flagged(checked_in, policy):
    task, v = checked_in
    task.complete(v, now=T0 + 10 * H + S, policy=policy)
    assert task.checked_out_at == T0 + 2 * H + policy.capped_duration
    assert task.flagged_for_review is True


def test_check_out_before_check_in_is_rejected(checked_in, policy) -> None:
    task, v = checked_in
    with pytest.raises(ValidationFailed):
        task.complete(v, now=T0 + H, policy=policy)
    assert task.state is TaskState.IN_PROGRESS


def test_forgotten_check_in_is_auto_closed_at_the_cap_and_flagged(checked_in, policy) -> None:
    task, v = checked_in
    assert not task.is_check_in_overdue(T0 + 10 * H, policy)  # exactly at the limit
    with pytest.raises(Conflict):
        task.auto_close(v, now=T0 + 10 * H, policy=policy)
    assert task.is_check_in_overdue(T0 + 10 * H + S, policy)

    task.auto_close(v, now=T0 + 30 * H, policy=policy)

    assert task.state is TaskState.COMPLETED
    assert task.checked_out_at == T0 + 4 * H  # check-in + 2 h, not 28 h
    assert task.flagged_for_review is True
    event = task.events[-1]
    assert isinstance(event, TaskCompleted)
    assert (event.outcome, event.checked_out_at) == ("auto_closed", T0 + 4 * H)


def test_check_in_limit_is_configurable(checked_in) -> None:
    task, v = checked_in
    short = CheckInPolicy(open_limit=timedelta(hours=4), capped_duration=timedelta(hours=1))
    assert not task.is_check_in_overdue(T0 + 6 * H, short)
    task.auto_close(v, now=T0 + 6 * H + S, policy=short)
    assert task.checked_out_at == T0 + 3 * H


def test_policy_cap_cannot_exceed_the_limit() -> None:
    with pytest.raises(ValueError):
        CheckInPolicy(open_limit=timedelta(hours=2), capped_duration=timedelta(hours=3))
    with pytest.raises(ValueError):
        CheckInPolicy(capped_duration=timedelta(0))


def test_failing_on_site_closes_the_check_in(checked_in, policy) -> None:
    task, _ = checked_in
    with pytest.raises(ValidationFailed):
        task.fail(now=T0 + 3 * H, reason="", policy=policy)
    task.fail(now=T0 + 3 * H, reason="住户不在家", policy=policy)
    assert task.state is TaskState.FAILED
    assert task.checked_out_at == T0 + 3 * H
    assert task.events[-1] == TaskFailed(task.id, "住户不在家", T0 + 3 * H)


def test_failing_an_open_task_closes_no_check_in(make_task, policy) -> None:
    task = make_task()
    task.fail(now=T0, reason="无可派志愿者", policy=policy)
    assert task.events == [TaskFailed(task.id, "无可派志愿者", T0)]
    assert task.checked_out_at is None


# ---- cancellation --------------------------------------------------------------------

def test_cancel_withdraws_the_open_offer(offered) -> None:
    task, _ = offered
    task.cancel(now=T0 + M, reason="租赁已取消")
    assert task.state is TaskState.CANCELLED
    assert task.offers[-1].outcome is OfferOutcome.WITHDRAWN
    assert task.closing_reason == "租赁已取消"


def test_cancel_needs_a_reason(make_task) -> None:
    task = make_task()
    with pytest.raises(ValidationFailed):
        task.cancel(now=T0, reason="")
    assert task.state is TaskState.OPEN


def test_ids_can_be_given_by_the_caller(make_task) -> None:
    given = uuid4()
    assert make_task(id=given).id == given
