"""The roster: validation, weekly availability against UTC windows, teams, reliability."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from svckit.domain.errors import ValidationFailed
from volunteer.domain.volunteers import AvailabilityWindow, Skill, Team

T0 = datetime(2025, 6, 2, tzinfo=UTC)  # Monday 08:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")
MON, TUE = 0, 1


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """2025-06-0x local Shanghai time as a UTC-aware datetime (June 2 is a Monday)."""
    return datetime(2025, 6, 2 + day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


# ---- registration --------------------------------------------------------------------

def test_register_normalises(make_volunteer) -> None:
    team = Team.create("东昌府区绿挎包志愿服务队", "371502")
    v = make_volunteer(real_name=" 李四 ", phone=" 13900001111 ", skills=["delivery"], team=team)
    assert (v.real_name, v.phone) == ("李四", "13900001111")
    assert v.skills == {Skill.DELIVERY}
    assert v.timezone == "Asia/Shanghai"
    assert v.active
    assert v.team_id == team.id
    assert v.consent_at == T0


def test_full_width_phone_and_division_codes_are_the_ascii_ones(make_volunteer) -> None:
    """Typed with a Chinese input method (full-width digits, blanks, +86): one number."""
    v = make_volunteer(phone="+86 １３９ ０００１ １１１１", divisions=["３７１５０２"])
    assert (v.phone, v.divisions) == ("13900011111", {"371502"})
    team = Team.create("东昌府区绿挎包志愿服务队", "３７１５０２")
    assert team.division == "371502"


def test_a_volunteer_needs_a_mobile_for_sms(make_volunteer) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_volunteer(phone="0635-8212345")  # a landline
    assert set(exc.value.errors) == {"phone"}


def test_phone_never_appears_in_repr(make_volunteer) -> None:
    assert "13812345678" not in repr(make_volunteer())


def test_register_reports_every_bad_field_at_once(make_volunteer) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_volunteer(
            real_name=" ", phone="12345", divisions=[], skills=["flying"], timezone="Mars/Base"
        )
    assert set(exc.value.errors) == {"real_name", "phone", "divisions", "skills", "timezone"}
    assert "flying" in exc.value.errors["skills"][0]


def test_divisions_are_validated(make_volunteer) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_volunteer(divisions=["371502", "990100"])
    assert exc.value.errors["divisions"][0].startswith("990100")


def test_update_is_all_or_nothing(make_volunteer) -> None:
    v = make_volunteer()
    with pytest.raises(ValidationFailed):
        v.update(real_name="王五", phone="bad")
    assert (v.real_name, v.phone) == ("张志愿", "13812345678")
    v.update(real_name="王五", skills=["repair"], divisions=["371500"])
    assert (v.real_name, v.skills, v.divisions) == ("王五", {Skill.REPAIR}, {"371500"})


def test_city_code_serves_its_districts(make_volunteer) -> None:
    v = make_volunteer(divisions=["371500"])
    assert v.serves("371502")
    assert v.serves("371581")
    assert not v.serves("370702")


def test_deactivate_and_activate_are_idempotent(make_volunteer) -> None:
    v = make_volunteer()
    v.deactivate()
    v.deactivate()
    assert not v.active
    v.activate()
    assert v.active


# ---- reliability ---------------------------------------------------------------------

def test_reliability_counts_completions_against_no_shows(make_volunteer) -> None:
    v = make_volunteer()
    assert v.reliability is None
    for _ in range(3):
        v.record_completion()
    v.record_no_show()
    assert v.reliability == Fraction(3, 4)


# ---- teams ---------------------------------------------------------------------------

def test_team_belongs_to_a_district() -> None:
    with pytest.raises(ValidationFailed) as exc:
        Team.create("聊城市队", "371500")
    assert "division" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        Team.create(" ", "37150")
    assert set(exc.value.errors) == {"name", "division"}


def test_joining_a_team_needs_serving_its_district(make_volunteer) -> None:
    v = make_volunteer(divisions=["371503"])
    with pytest.raises(ValidationFailed):
        v.join_team(Team.create("东昌府区队", "371502"))
    assert v.team_id is None
    city_wide = make_volunteer(divisions=["371500"])
    city_wide.join_team(team := Team.create("东昌府区队", "371502"))
    assert city_wide.team_id == team.id


# ---- availability windows ------------------------------------------------------------

@pytest.mark.parametrize(
    ("weekday", "start", "end"),
    [
        (7, time(8), time(12)),
        (-1, time(8), time(12)),
        (MON, time(12), time(8)),
        (MON, time(8), time(8)),
        (MON, time(8, tzinfo=UTC), time(12)),
    ],
)
def test_bad_availability_windows(weekday: int, start: time, end: time) -> None:
    with pytest.raises(ValidationFailed):
        AvailabilityWindow(weekday, start, end)


def test_end_at_midnight_means_end_of_day() -> None:
    assert AvailabilityWindow(MON, time(20), time(0)).end_second == 24 * 3600


@pytest.fixture
def monday_morning(make_volunteer):
    return make_volunteer(availability=[AvailabilityWindow(MON, time(8), time(12))])


def test_utc_window_is_compared_in_local_time(monday_morning) -> None:
    # 02:00-04:00 UTC is 10:00-12:00 in Shanghai: inside 08:00-12:00 local.
    assert monday_morning.is_available(T0 + timedelta(hours=2), T0 + timedelta(hours=4))
    # The same wall-clock numbers taken as UTC (18:00-20:00 local) are outside.
    assert not monday_morning.is_available(local(MON, 18), local(MON, 20))


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (local(MON, 8), local(MON, 12), True),  # exactly the window
        (local(MON, 7, 59), local(MON, 12), False),  # one minute before
        (local(MON, 8), local(MON, 12, 1), False),  # one minute after
        (local(TUE, 8), local(TUE, 12), False),  # other weekday
    ],
)
def test_window_must_be_covered_whole(monday_morning, start, end, expected) -> None:
    assert monday_morning.is_available(start, end) is expected


def test_adjacent_windows_cover_together(make_volunteer) -> None:
    v = make_volunteer(availability=[
        AvailabilityWindow(MON, time(8), time(10)),
        AvailabilityWindow(MON, time(10), time(12)),
    ])
    assert v.is_available(local(MON, 9), local(MON, 11))
    gap = make_volunteer(availability=[
        AvailabilityWindow(MON, time(8), time(10)),
        AvailabilityWindow(MON, time(10, 30), time(12)),
    ])
    assert not gap.is_available(local(MON, 9), local(MON, 11))


def test_window_across_local_midnight_needs_both_days(make_volunteer) -> None:
    late = AvailabilityWindow(MON, time(20), time(0))
    early = AvailabilityWindow(TUE, time(0), time(6))
    start, end = local(MON, 22), local(TUE, 2)  # 14:00-18:00 UTC, one UTC day
    assert make_volunteer(availability=[late, early]).is_available(start, end)
    assert not make_volunteer(availability=[late]).is_available(start, end)
    assert not make_volunteer(availability=[early]).is_available(start, end)


def test_availability_uses_the_volunteers_own_timezone(make_volunteer) -> None:
    window = [AvailabilityWindow(MON, time(8), time(12))]
    utc_volunteer = make_volunteer(availability=window, timezone="UTC")
    assert utc_volunteer.is_available(local(MON, 16), local(MON, 20))  # 08:00-12:00 UTC
    assert not utc_volunteer.is_available(local(MON, 8), local(MON, 12))


def test_availability_rejects_naive_datetimes(monday_morning) -> None:
    with pytest.raises(ValidationFailed):
        monday_morning.is_available(datetime(2025, 6, 2, 9), datetime(2025, 6, 2, 10))


def test_empty_or_reversed_interval_is_not_available(monday_morning) -> None:
    assert not monday_morning.is_available(local(MON, 10), local(MON, 10))
    assert not monday_morning.is_available(local(MON, 11), local(MON, 10))
