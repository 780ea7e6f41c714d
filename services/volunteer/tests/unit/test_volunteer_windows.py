"""A task's window: in UTC, within the system's years, ending in the future, starting within
the horizon, at most the maximum length; refused as 422 field errors, never an overflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from svckit.domain.errors import ValidationFailed
from volunteer.domain.tasks import WindowRules

T0 = datetime(2025, 6, 2, tzinfo=UTC)
H = timedelta(hours=1)

RULES = WindowRules(horizon=timedelta(days=90), max_length=timedelta(days=90))


def _fields(start: datetime, end: datetime) -> set[str]:
    with pytest.raises(ValidationFailed) as info:
        RULES.check(start, end, now=T0)
    return set(info.value.errors)


def test_moments_that_cannot_even_convert_to_utc_are_field_errors() -> None:
    edge = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-12)))
    assert _fields(T0, edge) == {"window_end"}
    first = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    assert _fields(first, T0) == {"window_start"}


def test_the_window_ends_in_the_future_and_after_it_starts() -> None:
    assert _fields(T0 - 3 * H, T0) == {"window_end"}
    assert _fields(T0 + 3 * H, T0 + 2 * H) == {"window_end"}
    assert RULES.check(T0 - H, T0 + H, now=T0) == (T0 - H, T0 + H)  # under way: fine


def test_the_window_starts_within_the_horizon_and_has_a_maximum_length() -> None:
    day = timedelta(days=1)
    assert RULES.check(T0 + 90 * day, T0 + 90 * day + H, now=T0)[0] == T0 + 90 * day
    assert _fields(T0 + 90 * day + timedelta(minutes=1), T0 + 91 * day) == {"window_start"}
    assert RULES.check(T0, T0 + 90 * day, now=T0)[1] == T0 + 90 * day
    assert _fields(T0, T0 + 90 * day + timedelta(minutes=1)) == {"window_end"}
