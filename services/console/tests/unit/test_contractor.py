"""The contractor pages' pure helpers: local times, overdue, photo refs, form checks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from console.views import contractor as c
from flask import Flask


@pytest.fixture(autouse=True)
def _request() -> Iterator[None]:
    with Flask(__name__).test_request_context():  # gettext reads flask.g
        yield


def test_local_time_is_china_time() -> None:
    assert c.local_time("2025-05-01T06:30:00+00:00") == "2025-05-01 14:30"
    assert c.local_time("2025-05-01T06:30:00") == "2025-05-01 14:30"  # naive: UTC
    assert c.local_time(None) == ""
    assert c.local_time("not a time") == "not a time"


def test_overdue_only_strictly_after_the_due_time() -> None:
    now = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    assert c.is_overdue("2025-05-01T11:59:59+00:00", now)
    assert not c.is_overdue("2025-05-01T12:00:00+00:00", now)
    assert not c.is_overdue(None, now) and not c.is_overdue("garbage", now)


def test_photo_id_of_a_ref() -> None:
    pid = "0b9f2f7e-8a52-4b8e-9d0e-4c7c3b1e2a10"
    assert c.photo_id(f"photo:{pid}") == pid
    assert c.photo_id(pid) is None
    assert c.photo_id("photo:../../etc/passwd") is None


@pytest.mark.parametrize(("form", "current", "errors"), [
    ({"note": "坡道完工", "percent": "60"}, 40, set()),
    ({"note": "  ", "percent": "60"}, 0, {"note"}),
    ({"note": "x", "percent": "abc"}, 0, {"percent"}),
    ({"note": "x", "percent": "101"}, 0, {"percent"}),
    ({"note": "x", "percent": "30"}, 40, {"percent"}),  # never goes down
    ({"note": "x" * 1001, "percent": "50"}, 0, {"note"}),
])
def test_check_progress(form: dict[str, str], current: int, errors: set[str]) -> None:
    values, found = c.check_progress(form, current)
    assert set(found) == errors
    if not errors:
        assert values == {"note": "坡道完工", "percent": 60}


def test_check_dates() -> None:
    assert c.check_dates("2025-05-01", "2025-05-08")[1] == {}
    assert set(c.check_dates("2025-05-08", "2025-05-01")[1]) == {"end_on"}
    assert set(c.check_dates("", "2025/05/01")[1]) == {"start_on", "end_on"}
