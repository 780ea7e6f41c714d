"""Time: stored and carried in UTC with a time zone, shown and counted in China time.

Rental days, due dates, quiet hours and report periods are calendar dates in China
(UTC+8, no daylight saving). Domain methods take ``now`` as a parameter; only the edges
(HTTP views, jobs, consumers) read the clock, through :func:`utcnow`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

CHINA_TZ_NAME = "Asia/Shanghai"
CHINA_TZ = ZoneInfo(CHINA_TZ_NAME)

AWARE_MESSAGE = "时间必须带时区 (datetime must be timezone-aware)"


def utcnow() -> datetime:
    return datetime.now(UTC)


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
