"""The service-hours ledger: entries from check-in/out, "who records certifies",
flagged entries wait, manual records, totals per volunteer and team."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from svckit.domain.errors import Conflict, Forbidden, IllegalTransition, ValidationFailed
from volunteer.domain.hours import (
    HOURS_MACHINE,
    HourStatus,
    ServiceHourEntry,
    china_month,
)
from volunteer.domain.slots import format_minutes
from volunteer.domain.volunteers import Team

T0 = datetime(2025, 6, 2, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.fixture
def team() -> Team:
    return Team.create("东昌府区绿挎包志愿服务队", "371502")


@pytest.fixture
def done(make_task, make_volunteer, coordinator_id, policy, team):
    """A task checked in at 10:00 local and out at 11:37:59 local."""
    task, v = make_task(), make_volunteer(team=team)
    task.assign(v, by=coordinator_id, now=T0, busy=[])
    task.check_in(v.id, now=T0 + 2 * H)
    task.complete(v, now=T0 + 2 * H + 97 * M + timedelta(seconds=59), policy=policy)
    return task, v


def test_entry_from_a_completed_task_waits_for_its_recorder(done, coordinator_id, team) -> None:
    task, v = done
    entry = ServiceHourEntry.from_task(task, v, now=T0 + 5 * H)
    assert entry.minutes == 97  # whole minutes, an int
    assert isinstance(entry.minutes, int)
    assert entry.status is HourStatus.PENDING
    assert entry.recorded_by == coordinator_id  # the dispatcher records, so certifies
    assert (entry.team_id, entry.division, entry.task_id) == (team.id, "371502", task.id)
    assert entry.flagged is False


def test_forgotten_check_in_is_closed_flagged_and_its_hours_wait(
    make_task, make_volunteer, coordinator_id, policy
) -> None:
    task, v = make_task(), make_volunteer()
    task.assign(v, by=coordinator_id, now=T0, busy=[])
    task.check_in(v.id, now=T0 + 2 * H)
    task.auto_close(v, now=T0 + 26 * H, policy=policy)  # a day later

    entry = ServiceHourEntry.from_task(task, v, now=T0 + 26 * H)

    assert entry.flagged is True
    assert entry.minutes == 120  # capped, not 24 hours
    assert entry.status is HourStatus.PENDING


def test_failed_on_site_still_earns_hours(make_task, make_volunteer, coordinator_id, policy):
    task, v = make_task(), make_volunteer()
    task.assign(v, by=coordinator_id, now=T0, busy=[])
    task.check_in(v.id, now=T0 + 2 * H)
    task.fail(now=T0 + 2.5 * H, reason="住户不在家", policy=policy)
    assert ServiceHourEntry.from_task(task, v, now=T0 + 3 * H).minutes == 30


def test_no_entry_without_a_closed_check_in(make_task, make_volunteer, coordinator_id) -> None:
    task, v = make_task(), make_volunteer()
    task.assign(v, by=coordinator_id, now=T0, busy=[])
    task.check_in(v.id, now=T0 + 2 * H)
    with pytest.raises(Conflict):
        ServiceHourEntry.from_task(task, v, now=T0 + 3 * H)


def test_entry_only_for_the_assignee(done, make_volunteer) -> None:
    task, _ = done
    with pytest.raises(ValidationFailed):
        ServiceHourEntry.from_task(task, make_volunteer(), now=T0 + 5 * H)


def test_only_the_recorder_certifies(done, coordinator_id) -> None:
    task, v = done
    entry = ServiceHourEntry.from_task(task, v, now=T0 + 5 * H)
    with pytest.raises(Forbidden):
        entry.approve(uuid4(), now=T0 + 6 * H)
    with pytest.raises(Forbidden):
        entry.approve(v.id, now=T0 + 6 * H)  # not their own hours either
    assert entry.status is HourStatus.PENDING

    entry.approve(coordinator_id, now=T0 + 6 * H)

    assert (entry.status, entry.decided_by, entry.decided_at) == (
        HourStatus.APPROVED, coordinator_id, T0 + 6 * H,
    )


def test_reject_needs_a_reason(done, coordinator_id) -> None:
    task, v = done
    entry = ServiceHourEntry.from_task(task, v, now=T0 + 5 * H)
    with pytest.raises(ValidationFailed):
        entry.reject(coordinator_id, now=T0 + 6 * H, reason="  ")
    entry.reject(coordinator_id, now=T0 + 6 * H, reason="签退时间与实际不符")
    assert entry.status is HourStatus.REJECTED
    assert entry.rejection_reason == "签退时间与实际不符"


LEGAL = sorted(HOURS_MACHINE.table.items())
ILLEGAL = [
    (s, a) for s in HOURS_MACHINE.states for a in HOURS_MACHINE.actions
    if (s, a) not in HOURS_MACHINE.table
]


def _act(entry: ServiceHourEntry, action: str, who) -> None:
    if action == "approve":
        entry.approve(who, now=T0 + 7 * H)
    else:
        entry.reject(who, now=T0 + 7 * H, reason="不符")


@pytest.mark.parametrize(("transition", "expected"), LEGAL)
def test_hours_legal_transitions(done, coordinator_id, transition, expected) -> None:
    task, v = done
    entry = ServiceHourEntry.from_task(task, v, now=T0 + 5 * H)
    _act(entry, transition[1], coordinator_id)
    assert entry.status == expected


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_hours_illegal_transitions(done, coordinator_id, state, action) -> None:
    task, v = done
    entry = ServiceHourEntry.from_task(task, v, now=T0 + 5 * H)
    _act(entry, "approve" if state == HourStatus.APPROVED else "reject", coordinator_id)
    with pytest.raises(IllegalTransition) as exc:
        _act(entry, action, uuid4())  # the state is checked before the recorder
    assert exc.value.current_state == state


# ---- manual records ------------------------------------------------------------------

def manual(volunteer, coordinator_id, policy, hours: timedelta, **kw) -> ServiceHourEntry:
    values = {
        "coordinator_id": coordinator_id, "division": "371502",
        "started_at": T0 - 24 * H, "ended_at": T0 - 24 * H + hours,
        "note": "助残日活动", "now": T0, "policy": policy,
    }
    values.update(kw)
    return ServiceHourEntry.record_manual(volunteer, **values)


def test_manual_record_is_certified_by_its_recorder_at_once(
    make_volunteer, coordinator_id, policy
) -> None:
    entry = manual(make_volunteer(), coordinator_id, policy, 8 * H)  # exactly the limit
    assert entry.status is HourStatus.APPROVED
    assert (entry.decided_by, entry.minutes, entry.flagged) == (coordinator_id, 480, False)


def test_manual_record_over_the_limit_is_flagged_and_waits(
    make_volunteer, coordinator_id, policy
) -> None:
    entry = manual(make_volunteer(), coordinator_id, policy, 8 * H + M)
    assert entry.flagged is True
    assert entry.status is HourStatus.PENDING
    assert entry.decided_by is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ended_at": T0 + H}, "ended_at"),  # in the future
        ({"ended_at": T0 - 24 * H}, "ended_at"),  # empty interval
        ({"note": " "}, "note"),
        ({"division": "370702"}, "division"),  # not served
        ({"division": "12"}, "division"),
    ],
)
def test_manual_record_validation(make_volunteer, coordinator_id, policy, overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        manual(make_volunteer(), coordinator_id, policy, H, **overrides)
    assert field in exc.value.errors


def test_china_month_rolls_over_the_year() -> None:
    start, end = china_month(datetime(2025, 12, 31, 17, tzinfo=UTC))  # Jan 1 local
    assert start == datetime(2025, 12, 31, 16, tzinfo=UTC)
    assert end == datetime(2026, 1, 31, 16, tzinfo=UTC)
    assert china_month(date(2026, 1, 1)) == (start, end)
    start, end = china_month(datetime(2025, 12, 15, tzinfo=UTC))
    assert (start, end) == (
        datetime(2025, 11, 30, 16, tzinfo=UTC), datetime(2025, 12, 31, 16, tzinfo=UTC),
    )


@pytest.mark.parametrize(("minutes", "text"), [(0, "0分钟"), (59, "59分钟"), (60, "1小时"),
                                               (200, "3小时20分钟")])
def test_format_minutes(minutes: int, text: str) -> None:
    assert format_minutes(minutes) == text


# ---- unusual entries ---------------------------------------------------------------------

def test_a_task_entry_longer_than_its_window_or_overlapping_another_is_flagged(
    make_task, make_volunteer, coordinator_id, policy
) -> None:
    task, v = make_task(), make_volunteer()  # a two-hour window
    task.assign(v, by=coordinator_id, now=T0, busy=[])
    task.check_in(v.id, now=T0 + 2 * H)
    task.complete(v, now=T0 + 5 * H, policy=policy)  # three hours on site
    earlier = manual(v, coordinator_id, policy, 2 * H, started_at=T0 + H,
                     ended_at=T0 + 3 * H, now=T0 + 6 * H)
    entry = ServiceHourEntry.from_task(task, v, now=T0 + 6 * H, others=[earlier])
    assert entry.flagged and entry.flags == ["longer_than_window", "overlap"]
    with pytest.raises(Conflict) as exc:
        entry.approve(coordinator_id, now=T0 + 7 * H)  # the dispatcher recorded it
    assert "长于任务时段" in str(exc.value) and "重叠" in str(exc.value)
    entry.approve(uuid4(), now=T0 + 7 * H)  # a second coordinator
    assert entry.status is HourStatus.APPROVED


def test_a_check_out_over_24_hours_a_day_is_flagged_and_cannot_be_approved(
    make_task, make_volunteer, coordinator_id, policy
) -> None:
    task, v = make_task(), make_volunteer()
    task.assign(v, by=coordinator_id, now=T0, busy=[])
    task.check_in(v.id, now=T0 + 2 * H)
    task.complete(v, now=T0 + 4 * H, policy=policy)
    # the same China day (2025-06-02) already holds 23 h recorded by hand
    day = datetime(2025, 6, 1, 16, tzinfo=UTC)  # 00:00 local
    others = [manual(v, coordinator_id, policy, 8 * H, started_at=day + k * 8 * H,
                     ended_at=day + k * 8 * H + (7 if k == 2 else 8) * H, now=T0 + 30 * H)
              for k in range(3)]
    entry = ServiceHourEntry.from_task(task, v, now=T0 + 4 * H, others=others)
    assert "over_day_limit" in entry.flags
    approved = [o for o in others if o.status is HourStatus.APPROVED]
    with pytest.raises(Conflict) as exc:
        entry.approve(uuid4(), now=T0 + 5 * H, approved=approved)
    assert "24小时" in str(exc.value)


def test_an_entry_longer_than_a_day_is_refused(make_volunteer, coordinator_id, policy) -> None:
    with pytest.raises(ValidationFailed) as exc:
        manual(make_volunteer(), coordinator_id, policy, 24 * H + M)
    assert "24" in str(exc.value.errors["ended_at"])
    with pytest.raises(ValidationFailed):
        manual(make_volunteer(), coordinator_id, policy, 1000 * 24 * H)
