"""The service-hours ledger (志愿服务记录): entries, approval, totals.

"Who records certifies" (谁记录谁认证): every entry names the coordinator who recorded it
(for a task, the coordinator who dispatched it) and only that coordinator approves or
rejects it. Hours from check-in/out wait for approval; a coordinator's own manual record
is certified as it is made, unless it is flagged; flagged entries always wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID, uuid4

from svckit.domain.clock import china_date, china_midnight
from svckit.domain.division import validate_division
from svckit.domain.errors import Conflict, Forbidden, ValidationFailed
from svckit.domain.fields import FieldErrors, require_text
from svckit.domain.statemachine import StateMachine

from .slots import require_utc
from .tasks import CheckInPolicy, Task, TaskState
from .volunteers import Volunteer


def _minutes(start: datetime, end: datetime) -> int:
    """Whole minutes from ``start`` to ``end`` (truncated)."""
    return int((end - start).total_seconds()) // 60


def china_month(moment: datetime | date) -> tuple[datetime, datetime]:
    """The UTC bounds ``[start, end)`` of the China calendar month of ``moment``."""
    day = moment if not isinstance(moment, datetime) else china_date(require_utc(moment, "now"))
    first = day.replace(day=1)
    following = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    return china_midnight(first), china_midnight(following)


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
    id: UUID = field(default_factory=uuid4)

    @classmethod
    def from_task(cls, task: Task, volunteer: Volunteer, *, now: datetime) -> ServiceHourEntry:
        """The hours of a checked-out task (completed, auto-closed or failed on site)."""
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
            flagged=task.flagged_for_review,
            recorded_by=task.dispatched_by,
            created_at=now,
        )
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
    ) -> ServiceHourEntry:
        """A coordinator records service done outside a task. Longer than the check-in
        limit: flagged and pending; otherwise certified by the recorder at once."""
        now = require_utc(now, "now")
        start, end = require_utc(started_at, "started_at"), require_utc(ended_at, "ended_at")
        errors = FieldErrors()
        if end <= start:
            errors.add("ended_at", "结束时间应晚于开始时间 (end must be after start)")
        elif end > now:
            errors.add("ended_at", "不能记录未来的服务 (cannot record future service)")
        if not note.strip():
            errors.add("note", "请说明服务内容 (describe the service)")
        code = errors.parse("division", validate_division, division)
        if code is not None and not volunteer.serves(code):
            errors.add("division", "志愿者不服务该区域 (the volunteer does not serve it)")
        errors.raise_if_any()
        assert code is not None
        flagged = end - start > policy.open_limit
        entry = cls(
            volunteer_id=volunteer.id,
            team_id=volunteer.team_id,
            division=code,
            task_id=None,
            started_at=start,
            ended_at=end,
            minutes=_minutes(start, end),
            flagged=flagged,
            recorded_by=coordinator_id,
            created_at=now,
            note=note.strip(),
        )
        if not flagged:
            entry.status = HourStatus.APPROVED
            entry.decided_by, entry.decided_at = coordinator_id, now
        return entry

    def approve(self, coordinator_id: UUID, *, now: datetime) -> None:
        nxt = self._next("approve")
        self._require_recorder(coordinator_id)
        now = require_utc(now, "now")
        self.status, self.decided_by, self.decided_at = nxt, coordinator_id, now

    def reject(self, coordinator_id: UUID, *, now: datetime, reason: str) -> None:
        nxt = self._next("reject")
        self._require_recorder(coordinator_id)
        now = require_utc(now, "now")
        reason = require_text("reason", reason)
        self.status, self.decided_by, self.decided_at = nxt, coordinator_id, now
        self.rejection_reason = reason

    def _next(self, action: str) -> HourStatus:
        return HourStatus(HOURS_MACHINE.next(str(self.status), action))

    def _require_recorder(self, coordinator_id: UUID) -> None:
        if coordinator_id != self.recorded_by:
            raise Forbidden(
                "谁记录谁认证：只有记录该时长的协调员可以审核 (who records certifies: "
                "only the recording coordinator can approve or reject)"
            )
