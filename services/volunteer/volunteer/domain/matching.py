"""Matching: who can take a task, ranked for fairness, with reasons for the coordinator.

Eligible: active, serves the task's division, has every required skill, has a free slot
(a stretch of the task's duration inside its window, within their weekly availability
and clear of their booked slots; see ``slots.earliest_slot``), not passed over on this
task (declined, lapsed, dropped out, no-show). Each candidate comes with the earliest
such slot, the one an offer proposes. Ranked by fewest minutes this month, then least
recently served (never served first), then reliability (no record counts as reliable),
then id for a stable order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from uuid import UUID
from zoneinfo import ZoneInfo

from svckit.domain.division import name_of

from .slots import MONTHS_EN, Slot, format_minutes, format_minutes_en
from .tasks import Exclusion, Task, TaskType
from .volunteers import Volunteer, skill_labels

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class VolunteerLoad:
    minutes_this_month: int = 0
    last_served_at: datetime | None = None


@dataclass(frozen=True)
class Candidate:
    volunteer_id: UUID
    rank: int  # 1 = offer first
    load: VolunteerLoad
    reliability: Fraction | None
    reasons: tuple[str, ...]
    slot: Slot  # the earliest free slot, what an offer would book


@dataclass(frozen=True)
class Excluded:
    volunteer_id: UUID
    reasons: tuple[Exclusion, ...]


@dataclass(frozen=True)
class MatchResult:
    candidates: tuple[Candidate, ...]
    excluded: tuple[Excluded, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def rank_candidates(
    task: Task,
    volunteers: Iterable[Volunteer],
    *,
    busy: Iterable[Task],
    loads: Mapping[UUID, VolunteerLoad],
    now: datetime | None = None,
) -> MatchResult:
    """Rank ``volunteers`` for ``task``. ``busy``: accepted/in-progress tasks (see
    ``Task.exclusions_for``); ``loads``: per volunteer, missing means no load; ``now``:
    slots start no earlier (rounded up to a quarter hour); ``None``: from the window's
    start."""
    booked = list(busy)
    eligible: list[tuple[Volunteer, VolunteerLoad, Slot]] = []
    excluded: list[Excluded] = []
    for v in volunteers:
        reasons = task.exclusions_for(v, booked, now=now)
        slot = None if reasons else task.proposed_slot(v, booked, now=now)
        if reasons or slot is None:
            excluded.append(Excluded(v.id, tuple(reasons)))
        else:
            eligible.append((v, loads.get(v.id, VolunteerLoad()), slot))
    eligible.sort(key=lambda row: _sort_key(row[0], row[1]))
    candidates = tuple(
        Candidate(v.id, rank, load, v.reliability, _reasons(task, v, load, slot), slot)
        for rank, (v, load, slot) in enumerate(eligible, start=1)
    )
    return MatchResult(candidates, tuple(excluded))


def _sort_key(v: Volunteer, load: VolunteerLoad) -> tuple[int, datetime, Fraction, str]:
    reliability = v.reliability if v.reliability is not None else Fraction(1)
    return (load.minutes_this_month, load.last_served_at or _NEVER, -reliability, str(v.id))


def slot_reason(task: Task, slot: Slot, tz_name: str) -> str:
    """``"可于 11月23日 09:00–11:00 上门 (free for a 120 min visit on 23 Nov
    09:00–11:00)"``: both halves whole (local time of ``tz_name``), so a client shows
    either one alone."""
    label = slot.label_zh(tz_name)
    minutes = int(slot.duration.total_seconds()) // 60
    when = slot.label_en(tz_name)
    if task.type is TaskType.OVERDUE_CALL:
        return f"可于 {label} 电话回访 (free for a {minutes} min call on {when})"
    return f"可于 {label} 上门 (free for a {minutes} min visit on {when})"


def load_reason(minutes_this_month: int) -> str:
    """``"本月已服务 3小时20分钟 (3 h 20 min served this month)"``; none yet said so."""
    if minutes_this_month <= 0:
        return "本月尚无服务 (no service yet this month)"
    return (f"本月已服务 {format_minutes(minutes_this_month)} "
            f"({format_minutes_en(minutes_this_month)} served this month)")


def _reasons(task: Task, v: Volunteer, load: VolunteerLoad, slot: Slot) -> tuple[str, ...]:
    """Each reason in both languages, ``中文 (English)``, each half complete: the API
    gives the caller's half (``Accept-Language``), never the two mixed."""
    if task.required_skills:
        codes = ", ".join(sorted(s.value.replace("_", " ") for s in task.required_skills))
        skills = f"具备所需技能：{skill_labels(task.required_skills)} (has the skills: {codes})"
    else:
        skills = "此任务无特定技能要求 (no particular skill required)"
    if load.last_served_at is None:
        last = "从未服务过，优先 (never served yet: first in line)"
    else:
        day = load.last_served_at.astimezone(ZoneInfo(v.timezone)).date()
        last = (f"上次服务于 {day.year}年{day.month}月{day.day}日 "
                f"(last served on {day.day} {MONTHS_EN[day.month - 1]} {day.year})")
    rel = v.reliability
    if rel is None:
        reliability = "暂无履约记录 (no record yet)"
    else:
        pct = round(rel * 100)
        reliability = (
            f"可靠率{pct}%：完成{v.completed_count}次，爽约{v.no_show_count}次 "
            f"(reliability {pct}%: {v.completed_count} completed, {v.no_show_count} no-shows)"
        )
    return (
        f"服务{name_of(task.division)} (serves the task's district, {task.division})",
        skills,
        slot_reason(task, slot, v.timezone),
        load_reason(load.minutes_this_month),
        last,
        reliability,
    )
