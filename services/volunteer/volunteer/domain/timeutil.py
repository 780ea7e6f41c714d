"""Time rules: instants are UTC-aware; weekly availability is local wall-clock time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from svckit.domain.errors import ValidationFailed

#: The platform's local timezone (Shandong). Stored explicitly wherever local time matters.
LOCAL_TZ_NAME = "Asia/Shanghai"


def require_utc(value: datetime, field: str) -> datetime:
    """Return ``value`` converted to UTC; reject naive datetimes."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed.field(field, "时间必须带时区 (datetime must be timezone-aware)")
    return value.astimezone(UTC)


def local_month_range(now: datetime, tz_name: str = LOCAL_TZ_NAME) -> tuple[datetime, datetime]:
    """The UTC bounds ``[start, end)`` of the local calendar month containing ``now``."""
    local = require_utc(now, "now").astimezone(ZoneInfo(tz_name))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if start.month == 12:
        end = start.replace(year=start.year + 1, month=1)
    else:
        end = start.replace(month=start.month + 1)
    return start.astimezone(UTC), end.astimezone(UTC)


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from ``start`` to ``end`` (truncated), as an int."""
    return int((end - start).total_seconds()) // 60


def format_minutes(minutes: int) -> str:
    """``200`` -> ``"3小时20分"``."""
    hours, rest = divmod(minutes, 60)
    return f"{hours}小时{rest}分" if hours else f"{rest}分"
