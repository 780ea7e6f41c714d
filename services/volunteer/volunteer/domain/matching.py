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

from .slots import Slot, format_minutes
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
    """``"可于 11月23日 09:00–11:00 上门"`` (local time of ``tz_name``)."""
    label = slot.label_zh(tz_name)
    minutes = int(slot.duration.total_seconds()) // 60
    if task.type is TaskType.OVERDUE_CALL:
        return f"可于 {label} 电话回访 (free for a {minutes} min call then, no overlap)"
    return f"可于 {label} 上门 (free for a {minutes} min visit then, no overlap)"


def _reasons(task: Task, v: Volunteer, load: VolunteerLoad, slot: Slot) -> tuple[str, ...]:
    skills = (
        f"具备所需技能：{skill_labels(task.required_skills)} (has the required skills)"
        if task.required_skills
        else "此任务无特定技能要求 (no particular skill required)"
    )
    if load.last_served_at is None:
        last = "从未服务过，优先 (never served yet)"
    else:
        day = load.last_served_at.astimezone(ZoneInfo(v.timezone)).date().isoformat()
        last = f"上次服务于{day} (last served on {day})"
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
        f"服务{name_of(task.division)} (serves the task's division)",
        skills,
        slot_reason(task, slot, v.timezone),
        (
            f"本月已服务{format_minutes(load.minutes_this_month)} "
            f"({load.minutes_this_month} min this month)"
        ),
        last,
        reliability,
    )
