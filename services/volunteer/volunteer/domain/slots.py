"""Booking slots: where inside a task's window a volunteer can actually go.

A task's window is the constraint ("any time between window_start and window_end"); the
visit itself takes the task's expected duration. A volunteer fits a task when some
contiguous stretch of that duration inside the window lies within their weekly
availability (local wall-clock time) and overlaps none of their booked slots. The
earliest such stretch is the slot that gets booked.

Pure functions on UTC instants; no clock reads (``not_before`` is the caller's ``now``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from svckit.domain.clock import YEAR_MESSAGE, in_system_years, is_aware, require_aware
from svckit.domain.errors import ValidationFailed

if TYPE_CHECKING:
    from .volunteers import AvailabilityWindow

#: English month abbreviations, whatever the process's locale
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Slots proposed "from now" start on a quarter hour (``now`` is rounded up to it).
SLOT_GRANULARITY = timedelta(minutes=15)


def require_utc(value: datetime, field: str) -> datetime:
    """``value`` in UTC; a naive one, or one outside the system's years (which might not
    even convert to UTC), is refused as an error of ``field`` (422)."""
    if isinstance(value, datetime) and is_aware(value) and not in_system_years(value):
        raise ValidationFailed.field(field, YEAR_MESSAGE)
    try:
        return require_aware(value)
    except ValueError as exc:
        raise ValidationFailed.field(field, str(exc)) from None


def format_minutes(minutes: int) -> str:
    """``200`` -> ``"3小时20分钟"``, ``60`` -> ``"1小时"``, ``0`` -> ``"0分钟"``."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}分钟"
    return f"{hours}小时{rest}分钟" if rest else f"{hours}小时"


def format_minutes_en(minutes: int) -> str:
    """``200`` -> ``"3 h 20 min"``, ``60`` -> ``"1 h"``, ``0`` -> ``"0 min"``."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@dataclass(frozen=True)
class Slot:
    """``[start, end)`` in UTC: when the volunteer is booked for a task."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_utc(self.start, "slot_start")
        require_utc(self.end, "slot_end")
        if self.end <= self.start:
            raise ValidationFailed.field(
                "slot_end", "结束时间应晚于开始时间 (end must be after start)"
            )

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: Slot) -> bool:
        return self.start < other.end and other.start < self.end

    def label_zh(self, tz_name: str) -> str:
        """``"11月23日 09:00–11:00"`` in local time (the end date only when it differs)."""
        tz = ZoneInfo(tz_name)
        a, b = self.start.astimezone(tz), self.end.astimezone(tz)
        end = b.strftime("%H:%M")
        if end == "00:00" and b.date() == a.date() + timedelta(days=1):
            end = "24:00"
        elif b.date() != a.date():
            end = f"{b.month}月{b.day}日 {end}"
        return f"{a.month}月{a.day}日 {a.strftime('%H:%M')}–{end}"

    def label_en(self, tz_name: str) -> str:
        """``"23 Nov 09:00–11:00"`` in local time (the end date only when it differs)."""
        tz = ZoneInfo(tz_name)
        a, b = self.start.astimezone(tz), self.end.astimezone(tz)
        end = b.strftime("%H:%M")
        if end == "00:00" and b.date() == a.date() + timedelta(days=1):
            end = "24:00"
        elif b.date() != a.date():
            end = f"{b.day} {MONTHS_EN[b.month - 1]} {end}"
        return f"{a.day} {MONTHS_EN[a.month - 1]} {a:%H:%M}–{end}"


def ceil_to(value: datetime, step: timedelta = SLOT_GRANULARITY) -> datetime:
    """``value`` rounded up to a multiple of ``step`` (counted from the Unix epoch, UTC)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    rest = (require_utc(value, "now") - epoch) % step
    return value.astimezone(UTC) if not rest else value.astimezone(UTC) + (step - rest)


def slot_length(window_start: datetime, window_end: datetime, duration: timedelta) -> timedelta:
    """The length of the slot: the duration, or the whole window when that is shorter."""
    return min(duration, window_end - window_start)


def available_intervals(
    availability: Sequence[AvailabilityWindow], tz_name: str, lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime]]:
    """The weekly ``availability`` (local time in ``tz_name``) as merged UTC intervals,
    clipped to ``[lo, hi)``. Windows that touch (Monday 20:00-24:00 and Tuesday
    00:00-08:00) merge into one stretch."""
    tz = ZoneInfo(tz_name)
    first = lo.astimezone(tz).date() - timedelta(days=1)
    last = hi.astimezone(tz).date() + timedelta(days=1)
    raw: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
        for w in availability:
            if w.weekday != day.weekday():
                continue
            start = _local_instant(midnight, w.start_second, tz)
            end = _local_instant(midnight, w.end_second, tz)
            s, e = max(start, lo), min(end, hi)
            if s < e:
                raw.append((s, e))
        day += timedelta(days=1)
    return _merge(raw)


def _local_instant(midnight: datetime, second: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of local wall-clock ``second`` after ``midnight`` (86400 = the next
    local midnight), resolved in ``tz`` so a DST day is honoured."""
    naive = midnight.replace(tzinfo=None) + timedelta(seconds=second)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def _merge(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _subtract(
    free: list[tuple[datetime, datetime]], booked: Iterable[Slot]
) -> list[tuple[datetime, datetime]]:
    taken = _merge((b.start, b.end) for b in booked)
    out: list[tuple[datetime, datetime]] = []
    for s, e in free:
        cursor = s
        for bs, be in taken:
            if be <= cursor or bs >= e:
                continue
            if bs > cursor:
                out.append((cursor, bs))
            cursor = max(cursor, be)
            if cursor >= e:
                break
        if cursor < e:
            out.append((cursor, e))
    return out


def earliest_slot(
    window_start: datetime,
    window_end: datetime,
    duration: timedelta,
    *,
    availability: Sequence[AvailabilityWindow] | None,
    tz_name: str,
    booked: Iterable[Slot] = (),
    not_before: datetime | None = None,
) -> Slot | None:
    """The earliest stretch of ``duration`` inside ``[window_start, window_end)`` that lies
    within the weekly ``availability`` (``None``: any time) and overlaps no ``booked``
    slot, starting no earlier than ``not_before`` rounded up to a quarter hour. A window
    shorter than ``duration`` needs all of it. ``None`` when nothing fits."""
    window_start = require_utc(window_start, "window_start")
    window_end = require_utc(window_end, "window_end")
    if duration <= timedelta(0):
        raise ValidationFailed.field("duration", "时长应为正 (duration must be positive)")
    if window_end <= window_start:
        return None
    length = slot_length(window_start, window_end, duration)
    lo = window_start
    if not_before is not None:
        lo = max(lo, ceil_to(not_before))
    if window_end - lo < length:
        return None
    if availability is None:
        free = [(lo, window_end)]
    else:
        free = available_intervals(availability, tz_name, lo, window_end)
    for s, e in _subtract(free, booked):
        if e - s >= length:
            return Slot(s, s + length)
    return None
