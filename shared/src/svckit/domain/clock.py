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
