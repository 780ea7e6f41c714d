"""The coordinator pages' pure helpers: lateness, the board's order, local times, the
weekly availability grid, the coordinator's person id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from console import coordination as co

NOW = datetime(2025, 3, 10, 6, 0, tzinfo=UTC)  # Monday 14:00 in Liaocheng


def task(state: str, start: timedelta, end: timedelta, **kw: Any) -> dict[str, Any]:
    return {"state": state, "window_start": (NOW + start).isoformat(),
            "window_end": (NOW + end).isoformat(), "priority": 2, **kw}


H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.mark.parametrize(("t", "why"), [
    (task("open", H, 3 * H), None),
    # a window that has begun is not late: an overdue call's starts as it is raised
    (task("open", -H, 3 * H), None),
    (task("open", -3 * H, -H), "window_over"),
    (task("offered", -3 * H, -H), "window_over"),
    (task("offered", -H, 3 * H, offers=[{"outcome": "pending",
                                         "expires_at": (NOW + H).isoformat()}]), None),
    (task("offered", -H, 3 * H, offers=[{"outcome": "pending",
                                         "expires_at": (NOW - M).isoformat()}]),
     "offer_lapsed"),
    (task("accepted", H, 3 * H, slot_start=(NOW + H).isoformat()), None),
    (task("accepted", -H, 3 * H, slot_start=(NOW - 10 * M).isoformat(),
          slot_end=(NOW + H).isoformat()), None),  # arriving in the slot is in time
    (task("accepted", -H, 3 * H, slot_start=(NOW - 2 * H).isoformat(),
          slot_end=(NOW - M).isoformat()), "no_check_in"),
    (task("accepted", -H, 3 * H, slot_start=(NOW - H).isoformat(),
          checked_in_at=NOW.isoformat()), None),
    (task("in_progress", -3 * H, -H), None),
])
def test_lateness(t: dict[str, Any], why: str | None) -> None:
    assert co.lateness(t, NOW) == why


def test_board_puts_late_first_then_priority_then_window() -> None:
    a = task("open", 2 * H, 4 * H, id="a")
    b = task("open", H, 4 * H, id="b", priority=4)
    c = task("offered", -H, 4 * H, id="c",
             offers=[{"outcome": "pending", "expires_at": (NOW - M).isoformat()}])
    d = task("accepted", 2 * H, 4 * H, id="d")
    e = task("accepted", -2 * H, 4 * H, id="e", slot_start=(NOW - 2 * H).isoformat(),
             slot_end=(NOW - H).isoformat())
    f = task("open", 3 * H, 4 * H, id="f")
    rows = co.board([a, b, c, d, e, f], "active", NOW)
    assert [r["id"] for r in rows] == ["c", "e", "b", "a", "f"]
    assert rows[0]["late"] == "offer_lapsed"
    assert [r["id"] for r in co.board([a, b, c, d, e], "late", NOW)] == ["c", "e"]
    assert [r["id"] for r in co.board([a, b, c, d, e], "accepted", NOW)] == ["e", "d"]
    assert co.counts([a, b, c, d, e], NOW) == co.Counts(open=2, offered=1, late=2)


def test_local_times_are_liaocheng_times() -> None:
    assert co.local("2025-03-10T01:05:00+00:00") == "3月10日 09:05"
    assert co.span("2025-03-10T01:00:00Z", "2025-03-10T03:00:00Z") == "3月10日 09:00–11:00"
    assert co.span("2025-03-10T01:00:00Z", "2025-03-11T01:00:00Z") == \
        "3月10日 09:00 – 3月11日 09:00"
    assert co.local(None) == ""


def test_datetime_local_inputs_round_trip() -> None:
    value = co.input_value("2025-03-10T01:30:00+00:00")
    assert value == "2025-03-10T09:30"
    assert co.parse_local(value) == datetime(2025, 3, 10, 1, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        co.parse_local("tomorrow")


def test_week_grid_and_weekly_minutes() -> None:
    windows = [{"weekday": 0, "start": "14:00", "end": "17:00"},
               {"weekday": 0, "start": "08:00", "end": "12:00"},
               {"weekday": 5, "start": "18:00", "end": "00:00"}]
    grid = co.week_grid(windows)
    assert grid[0] == "08:00–12:00、14:00–17:00"
    assert grid[5] == "18:00–24:00"
    assert grid[1] == ""
    assert co.weekly_minutes(windows) == (3 + 4 + 6) * 60
    assert co.available_at(windows, NOW)  # Monday 14:00
    assert not co.available_at(windows, NOW + 4 * H)


def test_pending_offer_is_the_open_one() -> None:
    t = {"offers": [{"volunteer_id": "x", "outcome": "declined"},
                    {"volunteer_id": "y", "outcome": "pending"}]}
    assert co.pending_offer(t) == {"volunteer_id": "y", "outcome": "pending"}
    assert co.pending_offer({"offers": []}) is None


def test_week_form_round_trips_through_parse_week() -> None:
    windows = [{"weekday": 2, "start": "14:00", "end": "17:00"},
               {"weekday": 2, "start": "08:00", "end": "12:00"},
               {"weekday": 6, "start": "18:00", "end": "00:00"}]
    values = co.week_form(windows)
    assert values["d2-0-start"] == "08:00" and values["d2-1-end"] == "17:00"
    parsed, errors = co.parse_week(values)
    assert errors == {}
    assert sorted(parsed, key=lambda w: (w["weekday"], w["start"])) == \
        sorted(windows, key=lambda w: (w["weekday"], w["start"]))


@pytest.mark.parametrize(("form", "field"), [
    ({"d0-0-start": "08:00"}, "d0-0-start"),
    ({"d0-0-start": "12:00", "d0-0-end": "08:00"}, "d0-0-end"),
    ({"d0-0-start": "8h", "d0-0-end": "09:00"}, "d0-0-start"),
    ({"d1-0-start": "08:00", "d1-0-end": "12:00", "d1-1-start": "11:00", "d1-1-end": "13:00"},
     "d1-1-start"),
])
def test_parse_week_refuses_bad_windows(form: dict[str, str], field: str) -> None:
    _, errors = co.parse_week(form)
    assert field in errors


def test_hours_label() -> None:
    assert co.hours_label(45) == "45分钟"
    assert co.hours_label(120) == "2小时"
    assert co.hours_label(95) == "1小时35分"
