"""Time: stored and carried in UTC with a time zone, shown and counted in China time.

Rental days, due dates, quiet hours and report periods are calendar dates in China
(UTC+8, no daylight saving). Domain methods take ``now`` as a parameter; only the edges
(HTTP views, jobs, consumers) read the clock, through :func:`utcnow`.
"""

from __future__ import annotations

import os
import time as _time
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

CHINA_TZ_NAME = "Asia/Shanghai"
CHINA_TZ = ZoneInfo(CHINA_TZ_NAME)

AWARE_MESSAGE = "时间必须带时区 (datetime must be timezone-aware)"


_injected: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """Now, in UTC: the wall clock, or the clock a test injected (:func:`inject`)."""
    if _injected is not None:
        return _injected()
    return datetime.now(UTC)


def inject(clock: Callable[[], datetime] | None) -> None:
    """Replace the clock :func:`utcnow` reads (tests; ``None`` restores the wall clock)."""
    global _injected
    _injected = clock


def file_clock(path: Path) -> Callable[[], datetime]:
    """A clock running at the wall clock's pace, shifted by the number of seconds written
    in ``path`` (re-read when the file changes): a test moves the time of processes it
    started by rewriting the file. Set for a process by ``SVCKIT_CLOCK_FILE``."""
    cache: dict[str, float] = {"mtime": -1.0, "offset": 0.0}

    def now() -> datetime:
        try:
            mtime = path.stat().st_mtime_ns
            if mtime != cache["mtime"]:
                cache["offset"] = float(path.read_text().strip() or 0)
                cache["mtime"] = mtime
        except (OSError, ValueError):
            pass
        return datetime.fromtimestamp(_time.time(), UTC) + timedelta(seconds=cache["offset"])

    return now


def set_file_clock(path: Path, moment: datetime) -> None:
    """Make the processes reading ``path`` (:func:`file_clock`) see ``moment`` now."""
    offset = require_aware(moment).timestamp() - _time.time()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{offset:.3f}\n")
    os.replace(tmp, path)


if os.environ.get("SVCKIT_CLOCK_FILE"):  # test processes only: never set in a deployment
    inject(file_clock(Path(os.environ["SVCKIT_CLOCK_FILE"])))


def is_aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


def require_aware(moment: datetime) -> datetime:
    """The moment in UTC; ``ValueError`` for a naive one."""
    if not isinstance(moment, datetime) or not is_aware(moment):
        raise ValueError(AWARE_MESSAGE)
    return moment.astimezone(UTC)


def china_time(moment: datetime) -> datetime:
    """An aware moment as China local time."""
    if not is_aware(moment):
        raise ValueError(AWARE_MESSAGE)
    return moment.astimezone(CHINA_TZ)


def china_date(moment: datetime) -> date:
    """The calendar date in China of an aware moment."""
    return china_time(moment).date()


def china_midnight(day: date) -> datetime:
    """The start of a China calendar day, in UTC."""
    return datetime.combine(day, time.min, CHINA_TZ).astimezone(UTC)


def format_china(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """For people: ``2026-12-07 10:44`` in China time ("" for None)."""
    return "" if moment is None else china_time(moment).strftime(fmt)


#: the years the system deals in: no date or time outside them is accepted anywhere (API
#: schemas, query arguments and the event catalogue apply the same rule)
MIN_YEAR = 2000
MAX_YEAR = 2100
YEAR_MESSAGE = (f"日期必须在{MIN_YEAR}年至{MAX_YEAR}年之间 "
                f"(dates must lie between {MIN_YEAR} and {MAX_YEAR})")


def in_system_years(value: date | datetime) -> bool:
    """True when ``value`` (and, for an aware datetime, the same moment in UTC and in
    China time) lies within :data:`MIN_YEAR`..:data:`MAX_YEAR`."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        return False
    if isinstance(value, datetime) and is_aware(value):
        offset = value.utcoffset()
        # the offset is at most a day: a year inside the range cannot overflow converting
        return offset is None or MIN_YEAR <= (value.replace(tzinfo=None) - offset).year <= MAX_YEAR
    return True


def dates_out_of_range(value: object, path: str = "") -> list[str]:
    """Paths (``a.b.0``) of the dates and datetimes in loaded data outside the system's
    years (a nested structure of dicts, lists and tuples)."""
    if isinstance(value, date):
        return [] if in_system_years(value) else [path or "_schema"]
    if isinstance(value, dict):
        return [p for k, v in value.items()
                for p in dates_out_of_range(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value)
                for p in dates_out_of_range(v, f"{path}.{i}" if path else str(i))]
    return []
