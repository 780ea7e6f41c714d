"""Booking slots: the earliest stretch of a task's duration inside its window that lies in
the volunteer's weekly availability (local time) and clears their booked slots."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from svckit.domain.errors import ValidationFailed
from volunteer.domain.slots import Slot, ceil_to, earliest_slot
from volunteer.domain.volunteers import AvailabilityWindow

SH = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)
MON, TUE, WED, SAT, SUN = 0, 1, 2, 5, 6


def local(day: int, hour: float) -> datetime:
    """Week of Monday 2025-06-02, local Asia/Shanghai time, as UTC."""
    midnight = datetime(2025, 6, 2 + day, tzinfo=SH)
    return midnight.astimezone(UTC) + timedelta(hours=hour)


def w(day: int, start: int, end: int) -> AvailabilityWindow:
    return AvailabilityWindow(day, time(start), time(end % 24))


def slot(start: datetime, end: datetime, duration: timedelta, availability, **kw):
    return earliest_slot(start, end, duration, availability=availability,
                         tz_name=kw.pop("tz_name", "Asia/Shanghai"), **kw)


def test_the_earliest_stretch_inside_availability_is_chosen() -> None:
    got = slot(local(MON, 6), local(MON, 18), 2 * H, [w(MON, 9, 12), w(MON, 14, 17)])
    assert got == Slot(local(MON, 9), local(MON, 11))


def test_a_stretch_too_short_is_skipped() -> None:
    got = slot(local(MON, 0), local(MON, 23), 2 * H, [w(MON, 8, 9), w(MON, 14, 17)])
    assert got == Slot(local(MON, 14), local(MON, 16))


def test_the_window_clips_the_availability() -> None:
    got = slot(local(MON, 10), local(MON, 18), 2 * H, [w(MON, 8, 12)])
    assert got == Slot(local(MON, 10), local(MON, 12))
    assert slot(local(MON, 10), local(MON, 11.5), 2 * H, [w(MON, 8, 9)]) is None


def test_a_slot_may_cross_local_midnight_when_both_days_allow_it() -> None:
    late, early = w(MON, 22, 24), w(TUE, 0, 6)
    got = slot(local(MON, 20), local(TUE, 8), 3 * H, [late, early])
    assert got == Slot(local(MON, 22), local(TUE, 1))
    assert slot(local(MON, 20), local(TUE, 8), 3 * H, [late]) is None
    assert slot(local(MON, 20), local(TUE, 8), 3 * H, [early]) == Slot(local(TUE, 0),
                                                                    local(TUE, 3))


def test_across_days_the_next_available_day_is_found() -> None:
    # asked Monday 18:00 for 48 h; only free Wednesday 08:00-12:00
    got = slot(local(MON, 18), local(WED, 18), 2 * H, [w(WED, 8, 12)])
    assert got == Slot(local(WED, 8), local(WED, 10))
    assert slot(local(MON, 18), local(WED, 9), 2 * H, [w(WED, 8, 12)]) is None


def test_utc_window_is_read_in_shanghai_time_without_dst() -> None:
    # 2025-06-02 00:00-04:00 UTC is Monday 08:00-12:00 in Shanghai; no DST all year:
    # the same weekly window maps to the same UTC hours in January and in July
    jan = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday
    jul = datetime(2025, 7, 7, tzinfo=UTC)  # a Monday
    for monday in (jan, jul):
        got = slot(monday - 4 * H, monday + 12 * H, 2 * H, [w(MON, 8, 12)])
        assert got == Slot(monday, monday + 2 * H)


def test_the_volunteers_own_timezone_is_used() -> None:
    got = slot(local(MON, 0), local(MON, 23), H, [w(MON, 8, 12)], tz_name="UTC")
    assert got == Slot(datetime(2025, 6, 2, 8, tzinfo=UTC), datetime(2025, 6, 2, 9, tzinfo=UTC))


def test_a_window_shorter_than_the_duration_needs_all_of_it() -> None:
    start, end = local(MON, 10), local(MON, 11)
    assert slot(start, end, 2 * H, [w(MON, 9, 12)]) == Slot(start, end)
    assert slot(start, end, 2 * H, [w(MON, 10, 12)]) == Slot(start, end)
    assert slot(start, end, 2 * H, [AvailabilityWindow(MON, time(10, 30), time(12))]) is None
    assert slot(start, end, 2 * H, [w(MON, 8, 12)], booked=[Slot(local(MON, 8),
                                                                  local(MON, 10.5))]) is None


def test_a_seven_day_window_finds_the_weekend_stretch() -> None:
    # rental.overdue: 7 days from Monday 09:00; a volunteer free on Sundays only
    got = slot(local(MON, 9), local(MON, 9) + 7 * 24 * H, timedelta(minutes=30),
               [w(SUN, 14, 16)])
    assert got == Slot(local(SUN, 14), local(SUN, 14.5))


def test_a_seven_day_window_wraps_into_the_next_week() -> None:
    # from Wednesday 12:00 for 7 days: Monday 08:00 of the next week
    start = local(WED, 12)
    got = slot(start, start + 7 * 24 * H, 2 * H, [w(MON, 8, 12)])
    assert got == Slot(local(MON, 8) + 7 * 24 * H, local(MON, 10) + 7 * 24 * H)


def test_booked_slots_are_stepped_around() -> None:
    avail = [w(MON, 8, 18)]
    booked = [Slot(local(MON, 8), local(MON, 10)), Slot(local(MON, 11), local(MON, 13))]
    got = slot(local(MON, 0), local(MON, 23), 2 * H, avail, booked=booked)
    assert got == Slot(local(MON, 13), local(MON, 15))
    one_hour = slot(local(MON, 0), local(MON, 23), H, avail, booked=booked)
    assert one_hour == Slot(local(MON, 10), local(MON, 11))  # fits exactly in the gap


def test_fully_booked_means_no_slot() -> None:
    avail = [w(MON, 8, 12)]
    booked = [Slot(local(MON, 7), local(MON, 13))]
    assert slot(local(MON, 0), local(MON, 23), H, avail, booked=booked) is None


def test_no_availability_given_means_any_time() -> None:
    booked = [Slot(local(MON, 9), local(MON, 10))]
    got = slot(local(MON, 9), local(MON, 12), 2 * H, None, booked=booked)
    assert got == Slot(local(MON, 10), local(MON, 12))


def test_not_before_is_rounded_up_to_a_quarter_hour() -> None:
    now = local(MON, 9) + timedelta(minutes=7, seconds=13)
    got = slot(local(MON, 8), local(MON, 18), 2 * H, [w(MON, 8, 18)], not_before=now)
    assert got == Slot(local(MON, 9.25), local(MON, 11.25))
    # a window mostly past: what is left is shorter than the duration
    assert slot(local(MON, 8), local(MON, 10), 2 * H, [w(MON, 8, 18)], not_before=now) is None
    assert ceil_to(local(MON, 9)) == local(MON, 9)


def test_inputs_are_checked() -> None:
    with pytest.raises(ValidationFailed):
        slot(datetime(2025, 6, 2, 9), local(MON, 12), H, None)
    with pytest.raises(ValidationFailed):
        slot(local(MON, 9), local(MON, 12), timedelta(0), None)
    assert slot(local(MON, 12), local(MON, 9), H, None) is None
    with pytest.raises(ValidationFailed):
        Slot(local(MON, 10), local(MON, 10))


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (local(MON, 9), local(MON, 11), "6月2日 09:00–11:00"),
        (local(MON, 22), local(MON, 24), "6月2日 22:00–24:00"),
        (local(MON, 23), local(TUE, 1), "6月2日 23:00–6月3日 01:00"),
    ],
)
def test_slots_read_in_local_time(start, end, label) -> None:
    assert Slot(start, end).label_zh("Asia/Shanghai") == label


def test_overlap_is_half_open() -> None:
    a = Slot(local(MON, 9), local(MON, 11))
    assert a.overlaps(Slot(local(MON, 10), local(MON, 12)))
    assert not a.overlaps(Slot(local(MON, 11), local(MON, 12)))
    assert not a.overlaps(Slot(local(MON, 8), local(MON, 9)))
    assert a.duration == 2 * H


@pytest.mark.parametrize("weekday", [MON, SAT])
def test_adjacent_windows_join_into_one_stretch(weekday) -> None:
    got = slot(local(weekday, 0), local(weekday, 23), 3 * H,
               [w(weekday, 8, 10), w(weekday, 10, 12)])
    assert got == Slot(local(weekday, 8), local(weekday, 11))
