"""The service-hours ledger (志愿服务记录): entries, approval, totals.

"Who records certifies" (谁记录谁认证): every entry names the coordinator who recorded it
(for a task, the coordinator who dispatched it) and only that coordinator approves or
rejects it. Hours from check-in/out wait for approval; a coordinator's own manual record
is certified as it is made, unless it is flagged; flagged entries always wait.

An entry is flagged as unusual (``Flag``) when it is longer than the check-in limit, its
check-out was capped, it lasts longer than its task's window, it overlaps another entry of
the same volunteer, or it is longer than 12 h or the volunteer's hours on a China calendar
day it touches come to more than 12 h. A flagged entry is approved by a second person
(another coordinator of the division, or staff), never by the one who recorded it: four
eyes. No entry is longer than 24 h and no volunteer serves more than 24 h in a China
calendar day (pending and approved entries count; approving re-checks the approved ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

from svckit.domain.clock import china_date, china_midnight
from svckit.domain.division import validate_division
from svckit.domain.errors import Conflict, Forbidden, ValidationFailed
from svckit.domain.fields import FieldErrors, require_text
from svckit.domain.statemachine import StateMachine

from .slots import format_minutes, require_utc
from .tasks import CheckInPolicy, Task, TaskState
from .volunteers import Volunteer

_MINUTE = timedelta(minutes=1)


def _minutes(start: datetime, end: datetime) -> int:
    """Whole minutes from ``start`` to ``end`` (truncated)."""
    return int((end - start).total_seconds()) // 60


def china_month(moment: datetime | date) -> tuple[datetime, datetime]:
    """The UTC bounds ``[start, end)`` of the China calendar month of ``moment``."""
    day = moment if not isinstance(moment, datetime) else china_date(require_utc(moment, "now"))
    first = day.replace(day=1)
    following = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    return china_midnight(first), china_midnight(following)


#: an entry longer than this is refused outright
MAX_ENTRY = timedelta(hours=24)
#: a volunteer's hours in one China calendar day: more than ``LONG_DAY`` flags the entry,
#: more than ``MAX_DAY`` is refused
LONG_DAY = timedelta(hours=12)
MAX_DAY = timedelta(hours=24)


class Flag(StrEnum):
    """Why an entry is unusual (it then needs a second person's approval)."""

    OVER_CHECKIN_LIMIT = "over_checkin_limit"
    CHECK_OUT_CAPPED = "check_out_capped"
    LONG_DAY = "long_day"
    LONGER_THAN_WINDOW = "longer_than_window"
    OVERLAP = "overlap"
    OVER_DAY_LIMIT = "over_day_limit"  # a check-out that made the day exceed 24 h


FLAG_LABELS: dict[str, str] = {
    Flag.OVER_CHECKIN_LIMIT: "超过签到时限 (longer than the check-in limit)",
    Flag.CHECK_OUT_CAPPED: "签退被截断 (the check-out was capped)",
    Flag.LONG_DAY: f"单日服务超过{LONG_DAY.seconds // 3600}小时 "
                   f"(more than {LONG_DAY.seconds // 3600} h in a day)",
    Flag.LONGER_THAN_WINDOW: "长于任务时段 (longer than its task window)",
    Flag.OVERLAP: "与该志愿者的其他记录时间重叠 (overlaps another entry of the volunteer)",
    Flag.OVER_DAY_LIMIT: "单日服务超过24小时 (more than 24 h in a day)",
}


def flag_text(flags: Iterable[str]) -> str:
    """The flags for people (an entry flagged before reasons were kept: "异常")."""
    return "、".join(FLAG_LABELS.get(f, f) for f in flags) or "异常 (unusual)"


def china_days(start: datetime, end: datetime) -> list[tuple[date, datetime, datetime]]:
    """The China calendar days ``[start, end)`` touches, each with its UTC bounds."""
    out, day = [], china_date(start)
    while china_midnight(day) < end:
        nxt = date.fromordinal(day.toordinal() + 1)
        out.append((day, china_midnight(day), china_midnight(nxt)))
        day = nxt
    return out


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> timedelta:
    return max(min(a1, b1) - max(a0, b0), timedelta(0))


def check_span(started_at: datetime, ended_at: datetime, *, now: datetime) -> tuple[
        datetime, datetime]:
    """The service's span in UTC: within the system's years, in the past, ending after it
    starts, at most :data:`MAX_ENTRY` long (422 otherwise)."""
    errors = FieldErrors()
    with errors.field("started_at"):
        start = require_utc(started_at, "started_at")
    with errors.field("ended_at"):
        end = require_utc(ended_at, "ended_at")
    errors.raise_if_any()
    if end <= start:
        errors.add("ended_at", "结束时间应晚于开始时间 (end must be after start)")
    elif end - start > MAX_ENTRY:
        errors.add("ended_at", "单条服务记录不能超过24小时 (an entry is at most 24 h)")
    if end > require_utc(now, "now"):
        errors.add("ended_at", "不能记录未来的服务 (cannot record future service)")
    errors.raise_if_any()
    return start, end


class HourStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


HOURS_MACHINE = StateMachine("service_hours", {
    (HourStatus.PENDING, "approve"): HourStatus.APPROVED,
    (HourStatus.PENDING, "reject"): HourStatus.REJECTED,
})


@dataclass(eq=False)
class ServiceHourEntry:
    """One ledger line. Aggregate root. ``team_id`` and ``division`` are snapshots."""

    volunteer_id: UUID
    team_id: UUID | None
    division: str
    task_id: UUID | None
    started_at: datetime
    ended_at: datetime
    minutes: int
    flagged: bool
    recorded_by: UUID
    created_at: datetime
    note: str = ""
    status: HourStatus = HourStatus.PENDING
    decided_by: UUID | None = None
    decided_at: datetime | None = None
    rejection_reason: str | None = None
    #: why it is flagged (``Flag`` values)
    flags: list[str] = field(default_factory=list)
    id: UUID = field(default_factory=uuid4)

    @classmethod
    def from_task(cls, task: Task, volunteer: Volunteer, *, now: datetime,
                  others: Sequence[ServiceHourEntry] = ()) -> ServiceHourEntry:
        """The hours of a checked-out task (completed, auto-closed or failed on site).
        ``others``: the volunteer's pending and approved entries on the days it touches.
        A check-out is never refused: what is unusual is flagged."""
        now = require_utc(now, "now")
        if (
            task.state not in (TaskState.COMPLETED, TaskState.FAILED)
            or task.checked_in_at is None
            or task.checked_out_at is None
            or task.dispatched_by is None
        ):
            raise Conflict(
                "任务没有完整的签到签退记录 (the task has no closed check-in)",
                current_state=str(task.state),
            )
        if task.assignee_id != volunteer.id:
            raise ValidationFailed.field(
                "volunteer", "不是该任务的执行人 (not the task's assignee)"
            )
        entry = cls(
            volunteer_id=volunteer.id,
            team_id=volunteer.team_id,
            division=task.division,
            task_id=task.id,
            started_at=task.checked_in_at,
            ended_at=task.checked_out_at,
            minutes=_minutes(task.checked_in_at, task.checked_out_at),
            flagged=False,
            recorded_by=task.dispatched_by,
            created_at=now,
        )
        flags = [Flag.CHECK_OUT_CAPPED] if task.flagged_for_review else []
        if entry.ended_at - entry.started_at > task.window_end - task.window_start:
            flags.append(Flag.LONGER_THAN_WINDOW)
        entry._flag(flags + entry._assess(others, refuse=False))
        return entry

    @classmethod
    def record_manual(
        cls,
        volunteer: Volunteer,
        *,
        coordinator_id: UUID,
        division: str,
        started_at: datetime,
        ended_at: datetime,
        note: str,
        now: datetime,
        policy: CheckInPolicy,
        others: Sequence[ServiceHourEntry] = (),
    ) -> ServiceHourEntry:
        """A coordinator records service done outside a task. Flagged (longer than the
        check-in limit, a long day, overlapping ``others``: the volunteer's pending and
        approved entries on the days it touches): pending; otherwise certified by the
        recorder at once. Over 24 h in a day: 422."""
        now = require_utc(now, "now")
        start, end = check_span(started_at, ended_at, now=now)
        errors = FieldErrors()
        if not note.strip():
            errors.add("note", "请说明服务内容 (describe the service)")
        code = errors.parse("division", validate_division, division)
        if code is not None and not volunteer.serves(code):
            errors.add("division", "志愿者不服务该区域 (the volunteer does not serve it)")
        errors.raise_if_any()
        assert code is not None
        entry = cls(
            volunteer_id=volunteer.id,
            team_id=volunteer.team_id,
            division=code,
            task_id=None,
            started_at=start,
            ended_at=end,
            minutes=_minutes(start, end),
            flagged=False,
            recorded_by=coordinator_id,
            created_at=now,
            note=note.strip(),
        )
        flags = [Flag.OVER_CHECKIN_LIMIT] if end - start > policy.open_limit else []
        entry._flag(flags + entry._assess(others, refuse=True))
        if not entry.flagged:
            entry.status = HourStatus.APPROVED
            entry.decided_by, entry.decided_at = coordinator_id, now
        return entry

    def approve(self, by: UUID, *, now: datetime,
                approved: Sequence[ServiceHourEntry] = ()) -> None:
        """``by``: the recorder for an ordinary entry, anyone else (the caller checked
        their scope) for a flagged one. ``approved``: the volunteer's approved entries on
        the days it touches (together at most 24 h a day)."""
        nxt = self._next("approve")
        self._require_decider(by)
        now = require_utc(now, "now")
        for day, minutes in self._day_minutes(approved):
            if minutes > MAX_DAY:
                raise Conflict(
                    f"批准后该志愿者{day:%Y-%m-%d}的服务时长将超过24小时 (approving it would "
                    f"put the volunteer over 24 h on {day:%Y-%m-%d})",
                    current_state=str(self.status))
        self.status, self.decided_by, self.decided_at = nxt, by, now

    def reject(self, by: UUID, *, now: datetime, reason: str) -> None:
        """By the recorder, or (a flagged entry) by a second reviewer."""
        nxt = self._next("reject")
        if not (self.flagged and by != self.recorded_by):
            self._require_recorder(by)
        now = require_utc(now, "now")
        reason = require_text("reason", reason)
        self.status, self.decided_by, self.decided_at = nxt, by, now
        self.rejection_reason = reason

    def _next(self, action: str) -> HourStatus:
        return HourStatus(HOURS_MACHINE.next(str(self.status), action))

    def _flag(self, flags: Iterable[str]) -> None:
        self.flags = list(dict.fromkeys(str(f) for f in flags))
        self.flagged = bool(self.flags)

    def _day_minutes(self, others: Iterable[ServiceHourEntry]) -> list[tuple[date, timedelta]]:
        """Per China day this entry touches: the time served that day by it and ``others``
        (the volunteer's other entries; rejected ones and this one are left out)."""
        rest = [o for o in others if o is not self and o.id != self.id
                and o.volunteer_id == self.volunteer_id and o.status is not HourStatus.REJECTED]
        return [(day, sum((_overlap(a, b, e.started_at, e.ended_at)
                           for e in (self, *rest)), timedelta(0)))
                for day, a, b in china_days(self.started_at, self.ended_at)]

    def _assess(self, others: Sequence[ServiceHourEntry], *, refuse: bool) -> list[Flag]:
        """Flags from the volunteer's other entries; over 24 h in a day: 422 (``refuse``)
        or a flag (a check-out is never refused)."""
        flags = [Flag.LONG_DAY] if self.ended_at - self.started_at > LONG_DAY else []
        for day, served in self._day_minutes(others):
            if served > MAX_DAY:
                if refuse:
                    raise ValidationFailed.field("ended_at", (
                        f"该志愿者{day:%Y-%m-%d}的服务将达{format_minutes(served // _MINUTE)}，"
                        f"单日不能超过24小时 (no more than 24 h of service in a day)"))
                flags.append(Flag.OVER_DAY_LIMIT)
            elif served > LONG_DAY:
                flags.append(Flag.LONG_DAY)
        if any(o.volunteer_id == self.volunteer_id and o.status is not HourStatus.REJECTED
               and o.id != self.id and o.started_at < self.ended_at
               and self.started_at < o.ended_at for o in others):
            flags.append(Flag.OVERLAP)
        return flags

    def may_approve(self, by: UUID) -> bool:
        """Whether ``by`` may approve it while pending: its recorder an ordinary entry,
        anyone else (in scope) a flagged one."""
        return (self.status is HourStatus.PENDING
                and (by != self.recorded_by if self.flagged else by == self.recorded_by))

    def may_reject(self, by: UUID) -> bool:
        """Whether ``by`` may reject it while pending: its recorder, or a second reviewer
        of a flagged one."""
        return self.status is HourStatus.PENDING and (self.flagged or by == self.recorded_by)

    def _require_decider(self, by: UUID) -> None:
        if not self.flagged:
            self._require_recorder(by)
        elif by == self.recorded_by:
            raise Conflict(
                f"该时长被标记为异常（{flag_text(self.flags)}），须由另一位协调员或工作人员"
                "审核，记录人不能自行批准 (a flagged entry is approved by a second coordinator "
                "or staff, not by the one who recorded it)",
                current_state=str(self.status), flags=list(self.flags))

    def _require_recorder(self, coordinator_id: UUID) -> None:
        if coordinator_id != self.recorded_by:
            raise Forbidden(
                "谁记录谁认证：只有记录该时长的协调员可以审核 (who records certifies: "
                "only the recording coordinator can approve or reject)"
            )
