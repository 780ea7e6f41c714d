"""Tasks book a slot of their expected duration inside their window: matching finds it,
offers propose it, accepts and assignments book it, double-booking compares slots."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from svckit.domain.errors import Conflict, ValidationFailed
from volunteer.domain.matching import rank_candidates
from volunteer.domain.slots import Slot
from volunteer.domain.tasks import TASK_DURATIONS, ExclusionCode, TaskState, TaskType
from volunteer.domain.volunteers import AvailabilityWindow, Skill, Volunteer
from volunteer.seed import _PEOPLE, PROFILES

T0 = datetime(2025, 6, 2, tzinfo=UTC)  # Monday 08:00 in Shanghai
H = timedelta(hours=1)
DAY = 24 * H


def weekdays(start: int, end: int) -> list[AvailabilityWindow]:
    return [AvailabilityWindow(d, time(start), time(end)) for d in range(5)]


def codes(result, volunteer) -> list[ExclusionCode]:
    (entry,) = [e for e in result.excluded if e.volunteer_id == volunteer.id]
    return [r.code for r in entry.reasons]


@pytest.mark.parametrize(
    ("type", "minutes"),
    [
        (TaskType.DELIVER_DEVICE, 120), (TaskType.PICKUP_DEVICE, 120),
        (TaskType.ACCOMPANY_ASSESSMENT, 180), (TaskType.ACCEPTANCE_VISIT, 90),
        (TaskType.SATISFACTION_VISIT, 90), (TaskType.OVERDUE_CALL, 30), (TaskType.MANUAL, 60),
    ],
)
def test_every_type_has_its_expected_duration(make_task, type, minutes) -> None:
    assert TASK_DURATIONS[type] == timedelta(minutes=minutes)
    assert make_task(type=type, note="做点什么").duration == timedelta(minutes=minutes)


def test_a_duration_can_be_given_within_bounds(make_task) -> None:
    task = make_task(type=TaskType.MANUAL, note="陪同就医", duration=timedelta(minutes=45))
    assert task.duration == timedelta(minutes=45)
    for bad in (timedelta(minutes=4), timedelta(hours=13)):
        with pytest.raises(ValidationFailed) as exc:
            make_task(type=TaskType.MANUAL, note="陪同就医", duration=bad)
        assert "duration" in exc.value.errors


def test_a_48_hour_delivery_window_finds_a_day_volunteer(make_task, make_volunteer) -> None:
    """The design flaw: nobody is available 48 hours straight, yet the delivery only needs
    two of them."""
    task = make_task(window_start=T0 + 6 * H, window_end=T0 + 54 * H)  # Mon 14:00 + 48 h
    v = make_volunteer(availability=weekdays(8, 17))
    (c,) = rank_candidates(task, [v], busy=[], loads={}).candidates
    assert c.slot == Slot(T0 + 6 * H, T0 + 8 * H)  # Monday 14:00-16:00 local
    assert any(r.startswith("可于 6月2日 14:00–16:00 上门") for r in c.reasons)


def test_matching_starts_from_now(make_task, make_volunteer) -> None:
    task = make_task(window_start=T0, window_end=T0 + 48 * H)
    v = make_volunteer(availability=weekdays(8, 17))
    now = T0 + 8 * H + timedelta(minutes=20)  # Monday 16:20: not 2 h left today
    (c,) = rank_candidates(task, [v], busy=[], loads={}, now=now).candidates
    assert c.slot == Slot(T0 + DAY, T0 + DAY + 2 * H)  # Tuesday 08:00


def test_the_slot_is_read_in_the_volunteers_time(make_task, make_volunteer) -> None:
    task = make_task(type=TaskType.OVERDUE_CALL, window_start=T0, window_end=T0 + 7 * DAY)
    v = make_volunteer(availability=[AvailabilityWindow(5, time(19), time(21))])
    (c,) = rank_candidates(task, [v], busy=[], loads={}).candidates
    assert c.slot == Slot(T0 + 5 * DAY + 11 * H, T0 + 5 * DAY + 11.5 * H)
    assert any(r.startswith("可于 6月7日 19:00–19:30 电话回访") for r in c.reasons)


def test_unavailable_means_no_stretch_of_the_duration(make_task, make_volunteer) -> None:
    task = make_task(window_start=T0, window_end=T0 + 48 * H)
    short = make_volunteer(availability=[AvailabilityWindow(d, time(9), time(10))
                                         for d in range(7)])
    result = rank_candidates(task, [short], busy=[], loads={})
    assert codes(result, short) == [ExclusionCode.UNAVAILABLE]
    (excluded,) = result.excluded
    assert "2小时" in excluded.reasons[0].message


def test_offer_proposes_and_accept_books_the_slot(make_task, make_volunteer,
                                                   coordinator_id) -> None:
    task = make_task(window_start=T0, window_end=T0 + 48 * H)
    v = make_volunteer(availability=weekdays(9, 17))
    task.offer(v, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    assert task.slot == Slot(T0 + H, T0 + 3 * H)
    task.accept(v, now=T0 + H / 2, busy=[])
    assert task.state is TaskState.ACCEPTED
    assert task.slot == Slot(T0 + H, T0 + 3 * H)


def test_going_back_to_open_frees_the_slot(make_task, make_volunteer, coordinator_id) -> None:
    task = make_task(window_start=T0, window_end=T0 + 48 * H)
    v = make_volunteer()
    task.offer(v, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    task.decline(v.id, now=T0 + H / 4)
    assert task.slot is None
    task.assign(v, by=coordinator_id, now=T0, busy=[], override=True)
    task.unassign(now=T0 + H, reason="临时有事")
    assert (task.slot_start, task.slot_end) == (None, None)


def test_accept_moves_to_the_earliest_free_slot_when_the_offered_one_was_taken(
    make_task, make_volunteer, coordinator_id
) -> None:
    v = make_volunteer()  # every day 08:00-20:00
    task = make_task(window_start=T0, window_end=T0 + 48 * H)
    task.offer(v, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    assert task.slot == Slot(T0, T0 + 2 * H)
    other = make_task(window_start=T0, window_end=T0 + 3 * H)
    other.assign(v, by=coordinator_id, now=T0, busy=[])  # books 08:00-10:00 meanwhile
    task.accept(v, now=T0 + H / 4, busy=[other])
    assert task.slot == Slot(T0 + 2 * H, T0 + 4 * H)


def test_one_volunteer_takes_several_tasks_with_the_same_long_window(
    make_task, make_volunteer, coordinator_id
) -> None:
    v = make_volunteer(availability=[AvailabilityWindow(0, time(8), time(14))])
    tasks = [make_task(window_start=T0, window_end=T0 + 7 * DAY) for _ in range(4)]
    booked = []
    for t in tasks[:3]:
        t.assign(v, by=coordinator_id, now=T0, busy=booked)
        booked.append(t)
    assert [t.slot for t in booked] == [
        Slot(T0, T0 + 2 * H), Slot(T0 + 2 * H, T0 + 4 * H), Slot(T0 + 4 * H, T0 + 6 * H)]
    result = rank_candidates(tasks[3], [v], busy=booked, loads={})
    assert codes(result, v) == [ExclusionCode.DOUBLE_BOOKED]
    with pytest.raises(Conflict) as exc:
        tasks[3].assign(v, by=coordinator_id, now=T0, busy=booked, override=True)
    assert exc.value.extra["reasons"] == ["double_booked"]


def test_a_long_window_blocks_only_its_slot(make_task, make_volunteer, coordinator_id) -> None:
    v = make_volunteer()
    week = make_task(type=TaskType.OVERDUE_CALL, window_start=T0, window_end=T0 + 7 * DAY)
    week.assign(v, by=coordinator_id, now=T0, busy=[])
    assert week.slot == Slot(T0, T0 + H / 2)
    later = make_task(window_start=T0 + DAY, window_end=T0 + DAY + 2 * H)
    assert rank_candidates(later, [v], busy=[week], loads={}).best is not None


def test_override_books_outside_availability_but_never_over_a_booking(
    make_task, make_volunteer, coordinator_id
) -> None:
    v = make_volunteer(availability=[])
    booked = make_task(window_start=T0, window_end=T0 + H)
    booked.assign(v, by=coordinator_id, now=T0, busy=[], override=True)
    assert booked.slot == Slot(T0, T0 + H)  # window shorter than 2 h: all of it
    task = make_task(window_start=T0, window_end=T0 + 4 * H)
    result = rank_candidates(task, [v], busy=[booked], loads={})
    assert codes(result, v) == [ExclusionCode.UNAVAILABLE]  # still free 09:00-12:00
    task.assign(v, by=coordinator_id, now=T0, busy=[booked], override=True)
    assert task.slot == Slot(T0 + H, T0 + 3 * H)
    third = make_task(window_start=T0, window_end=T0 + 3 * H)
    result = rank_candidates(third, [v], busy=[booked, task], loads={})
    assert codes(result, v) == [ExclusionCode.UNAVAILABLE, ExclusionCode.DOUBLE_BOOKED]


def test_no_show_waits_for_the_booked_slot(make_task, make_volunteer, coordinator_id) -> None:
    v = make_volunteer(availability=weekdays(14, 18))
    task = make_task(window_start=T0, window_end=T0 + 48 * H)  # from Monday 08:00
    task.assign(v, by=coordinator_id, now=T0, busy=[])
    assert task.slot == Slot(T0 + 6 * H, T0 + 8 * H)
    with pytest.raises(Conflict):
        task.mark_no_show(v, now=T0 + 5 * H)  # window started, slot not yet
    task.mark_no_show(v, now=T0 + 6 * H)
    assert task.state is TaskState.OPEN and task.slot is None
    assert v.no_show_count == 1


# ---- the seeded roster -------------------------------------------------------------

def _seeded(division: str) -> list[Volunteer]:
    return [
        Volunteer.register(real_name=name, phone=phone, divisions=[division],
                           skills=[s.value for s in skills], availability=PROFILES[profile],
                           now=T0, consent=True)
        for name, phone, skills, profile in _PEOPLE[division]
    ]


@pytest.mark.parametrize("division", sorted(_PEOPLE))
def test_a_48_hour_delivery_finds_seeded_drivers_at_any_time_of_the_week(
    make_task, division
) -> None:
    roster = _seeded(division)
    want = 2 if division == "371502" else 1
    for quarter in range(7 * 24 * 4):
        now = T0 - 8 * H + quarter * timedelta(minutes=15) + timedelta(minutes=quarter * 7 % 15)
        task = make_task(division=division, window_start=now, window_end=now + 48 * H, now=now)
        result = rank_candidates(task, roster, busy=[], loads={}, now=now)
        assert len(result.candidates) >= want, (division, now)
        assert all(Skill.DRIVING in next(v for v in roster if v.id == c.volunteer_id).skills
                   for c in result.candidates)
