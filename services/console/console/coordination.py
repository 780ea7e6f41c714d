"""Pure helpers of the coordinator's pages (no Flask): which tasks are late, the board's
order, local times, weekly availability as a grid."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from console.formatting import TZ

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

STATE_ZH = {
    "open": "待派单", "offered": "已邀约", "accepted": "已接单", "in_progress": "服务中",
    "completed": "已完成", "failed": "未完成", "cancelled": "已取消",
    "closed": "已自动关闭", "expired": "已过期",
}

OUTCOME_ZH = {
    "pending": "待答复", "accepted": "已接受", "declined": "已拒绝", "lapsed": "超时未答复",
    "withdrawn": "已撤回", "released": "已退出", "no_show": "爽约",
}

PRIORITY_ZH = {1: "低", 2: "普通", 3: "高", 4: "紧急"}

SKILL_ZH = {
    "delivery": "配送", "driving": "驾驶", "installation": "安装调试", "home_visit": "入户走访",
    "accompany_assessor": "陪同评估", "sign_language": "手语", "repair": "维修",
    "phone_followup": "电话回访",
}

#: why a task is late (the board's badges), most urgent first; the volunteer service's
#: rule (``Task.lateness``): only once a deadline has passed, never on creation
LATE_ZH = {
    "window_over": "时段已过仍未派出",
    "offer_lapsed": "邀请已过答复期限",
    "no_check_in": "预约时段已过仍未签到",
}

#: what the board can show
VIEWS = ("active", "late", "open", "offered", "accepted")

def parse_time(value: Any) -> datetime | None:
    """An ISO timestamp from a service as an aware datetime (naive means UTC)."""
    if not value:
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def local(value: Any, fmt: str = "%m月%d日 %H:%M") -> str:
    """``11月23日 09:00`` in Liaocheng time; empty for no value."""
    dt = parse_time(value)
    if dt is None:
        return ""
    text = dt.astimezone(TZ).strftime(fmt)
    return text.lstrip("0").replace("月0", "月")


def span(start: Any, end: Any) -> str:
    """``11月23日 09:00–11:00`` (one day) or ``11月23日 09:00 – 11月24日 09:00``."""
    a, b = parse_time(start), parse_time(end)
    if a is None or b is None:
        return local(start) or local(end)
    if a.astimezone(TZ).date() == b.astimezone(TZ).date():
        return f"{local(a)}–{b.astimezone(TZ):%H:%M}"
    return f"{local(a)} – {local(b)}"


def parse_local(value: str) -> datetime:
    """A ``datetime-local`` input (Liaocheng wall-clock time) as an aware UTC datetime;
    ValueError when it is not one."""
    dt = datetime.fromisoformat(value.strip())
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=TZ)
    return dt.astimezone(UTC)


def input_value(value: Any) -> str:
    """A timestamp as the value of a ``datetime-local`` input (Liaocheng time)."""
    dt = parse_time(value)
    return "" if dt is None else dt.astimezone(TZ).strftime("%Y-%m-%dT%H:%M")


def lateness(task: Mapping[str, Any], now: datetime) -> str | None:
    """Why the task is late, or None (the volunteer service's rule; a task is never late
    on creation): its window is over and nobody has taken it, its offer's answer deadline
    has passed unanswered, or its booked slot is over and nobody checked in."""
    state = task.get("state")
    if state in ("open", "offered"):
        end = parse_time(task.get("window_end"))
        if end is not None and end <= now:
            return "window_over"
        offer = pending_offer(task) if state == "offered" else None
        expires = parse_time(offer.get("expires_at")) if offer else None
        if expires is not None and expires <= now:
            return "offer_lapsed"
        return None
    if state == "accepted" and not task.get("checked_in_at"):
        end = parse_time(task.get("slot_end")) or parse_time(task.get("window_end"))
        if end is not None and end <= now:
            return "no_check_in"
    return None


def pending_offer(task: Mapping[str, Any]) -> dict[str, Any] | None:
    for offer in reversed(task.get("offers") or []):
        if offer.get("outcome") == "pending":
            return dict(offer)
    return None


def in_view(task: Mapping[str, Any], view: str, now: datetime) -> bool:
    """``active``: open and offered tasks plus late accepted ones (what needs a hand);
    ``late``: the late ones; else the tasks in that state."""
    late = lateness(task, now) is not None
    state = task.get("state")
    if view == "late":
        return late
    if view == "active":
        return state in ("open", "offered") or late
    return state == view


def board(tasks: Iterable[Mapping[str, Any]], view: str, now: datetime) -> list[dict[str, Any]]:
    """The tasks of ``view``, late first, then by priority (highest first), then by the
    start of their window."""
    order = list(LATE_ZH)

    def key(t: Mapping[str, Any]) -> tuple[int, int, datetime]:
        why = lateness(t, now)
        start = parse_time(t.get("window_start")) or now
        return (order.index(why) if why else len(order), -int(t.get("priority") or 0), start)

    chosen = [dict(t) for t in tasks if in_view(t, view, now)]
    chosen.sort(key=key)
    for t in chosen:
        t["late"] = lateness(t, now)
    return chosen


@dataclass(frozen=True)
class Counts:
    open: int
    offered: int
    late: int


def counts(tasks: Iterable[Mapping[str, Any]], now: datetime) -> Counts:
    items = list(tasks)
    return Counts(
        open=sum(1 for t in items if t.get("state") == "open"),
        offered=sum(1 for t in items if t.get("state") == "offered"),
        late=sum(1 for t in items if lateness(t, now) is not None),
    )


def week_grid(availability: Iterable[Mapping[str, Any]]) -> list[str]:
    """Seven cells (Monday..Sunday) of weekly availability: ``08:00–12:00、14:00–17:00``
    or empty; an end of ``00:00`` is midnight (shown ``24:00``)."""
    days: list[list[tuple[str, str]]] = [[] for _ in range(7)]
    for w in availability:
        day = int(w["weekday"])
        start, end = str(w["start"])[:5], str(w["end"])[:5]
        days[day].append((start, "24:00" if end == "00:00" else end))
    return ["、".join(f"{a}–{b}" for a, b in sorted(slots)) for slots in days]


def weekly_minutes(availability: Iterable[Mapping[str, Any]]) -> int:
    """Minutes of availability in a week (a sorting and summary aid)."""
    total = 0
    for w in availability:
        sh, sm = (int(x) for x in str(w["start"])[:5].split(":"))
        eh, em = (int(x) for x in str(w["end"])[:5].split(":"))
        end = eh * 60 + em or 24 * 60
        total += max(0, end - (sh * 60 + sm))
    return total


def skills_zh(codes: Iterable[str]) -> str:
    return "、".join(SKILL_ZH.get(c, c) for c in codes)


def available_at(availability: Iterable[Mapping[str, Any]], when: datetime) -> bool:
    """Whether the weekly availability covers ``when`` (Liaocheng time)."""
    t = when.astimezone(TZ)
    minute = t.hour * 60 + t.minute
    for w in availability:
        if int(w["weekday"]) != t.weekday():
            continue
        sh, sm = (int(x) for x in str(w["start"])[:5].split(":"))
        eh, em = (int(x) for x in str(w["end"])[:5].split(":"))
        if sh * 60 + sm <= minute < (eh * 60 + em or 24 * 60):
            return True
    return False


def hours_label(minutes: int) -> str:
    h, m = divmod(int(minutes), 60)
    if not h:
        return f"{m}分钟"
    return f"{h}小时{m:02d}分" if m else f"{h}小时"


def default_window(now: datetime) -> tuple[str, str]:
    """A new window's inputs: tomorrow 09:00-11:00 Liaocheng time."""
    day = now.astimezone(TZ) + timedelta(days=1)
    start = day.replace(hour=9, minute=0, second=0, microsecond=0)
    return (start.strftime("%Y-%m-%dT%H:%M"),
            (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))


def parse_week(form: Mapping[str, str], per_day: int = 2) -> tuple[list[dict[str, Any]],
                                                                  dict[str, list[str]]]:
    """The availability form (``d<weekday>-<n>-start`` / ``-end``, ``HH:MM``) as the
    service's windows, and errors by input name: both ends or neither, end after start
    (an end of ``00:00`` is midnight), no overlap within a day."""
    windows: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for day in range(7):
        taken: list[tuple[int, int, str]] = []
        for n in range(per_day):
            name = f"d{day}-{n}"
            start = (form.get(f"{name}-start") or "").strip()
            end = (form.get(f"{name}-end") or "").strip()
            if not start and not end:
                continue
            if not start or not end:
                errors.setdefault(f"{name}-start", []).append("请同时填写开始和结束时间")
                continue
            try:
                a = _minutes(start)
                b = _minutes(end) or 24 * 60
            except ValueError:
                errors.setdefault(f"{name}-start", []).append("时间格式应为 HH:MM")
                continue
            if b <= a:
                errors.setdefault(f"{name}-end", []).append("结束时间应晚于开始时间")
                continue
            if any(a < y and x < b for x, y, _ in taken):
                errors.setdefault(f"{name}-start", []).append("与同一天的其他时段重叠")
                continue
            taken.append((a, b, name))
            windows.append({"weekday": day, "start": start[:5], "end": end[:5]})
    return windows, errors


def _minutes(value: str) -> int:
    hh, mm = value[:5].split(":")
    h, m = int(hh), int(mm)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(value)
    return h * 60 + m


def week_form(availability: Iterable[Mapping[str, Any]], per_day: int = 2) -> dict[str, str]:
    """The availability form's values from the service's windows (first ``per_day`` a day)."""
    values: dict[str, str] = {}
    used = [0] * 7
    for w in sorted(availability, key=lambda w: (int(w["weekday"]), str(w["start"]))):
        day = int(w["weekday"])
        if used[day] >= per_day:
            continue
        name = f"d{day}-{used[day]}"
        values[f"{name}-start"], values[f"{name}-end"] = str(w["start"])[:5], str(w["end"])[:5]
        used[day] += 1
    return values
