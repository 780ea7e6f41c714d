"""Domain events: small, frozen, past tense. No address, no phone, no real name.

Aggregates append them to their ``events`` list; the service layer turns the ones other
services care about (``TaskOffered``, ``TaskAssigned``, ``TaskCompleted``, ``TaskFailed``,
``TaskCancelled``) into integration events through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class SourceRef:
    """What asked for a task: ``("inventory", "rental", "<rental id>")``."""

    service: str
    kind: str
    id: str


@dataclass(frozen=True)
class Event:
    """Base of every domain event."""


@dataclass(frozen=True)
class VolunteerRegistered(Event):
    volunteer_id: UUID
    team_id: UUID | None
    divisions: tuple[str, ...]
    occurred_at: datetime


@dataclass(frozen=True)
class VolunteerDeactivated(Event):
    volunteer_id: UUID
    occurred_at: datetime


@dataclass(frozen=True)
class VolunteerActivated(Event):
    volunteer_id: UUID
    occurred_at: datetime


@dataclass(frozen=True)
class TaskCreated(Event):
    task_id: UUID
    type: str
    division: str
    priority: int
    source: SourceRef | None
    window_start: datetime
    window_end: datetime
    occurred_at: datetime


@dataclass(frozen=True)
class TaskRescheduled(Event):
    task_id: UUID
    window_start: datetime
    window_end: datetime
    occurred_at: datetime


@dataclass(frozen=True)
class TaskOffered(Event):
    task_id: UUID
    volunteer_id: UUID
    source: SourceRef | None
    expires_at: datetime
    occurred_at: datetime


@dataclass(frozen=True)
class OfferDeclined(Event):
    task_id: UUID
    volunteer_id: UUID
    occurred_at: datetime


@dataclass(frozen=True)
class OfferLapsed(Event):
    task_id: UUID
    volunteer_id: UUID
    occurred_at: datetime


@dataclass(frozen=True)
class OfferWithdrawn(Event):
    task_id: UUID
    volunteer_id: UUID
    occurred_at: datetime


@dataclass(frozen=True)
class TaskAssigned(Event):
    task_id: UUID
    volunteer_id: UUID
    source: SourceRef | None
    by_hand: bool
    occurred_at: datetime


@dataclass(frozen=True)
class TaskUnassigned(Event):
    task_id: UUID
    volunteer_id: UUID
    reason: str
    occurred_at: datetime


@dataclass(frozen=True)
class NoShowRecorded(Event):
    task_id: UUID
    volunteer_id: UUID
    occurred_at: datetime


@dataclass(frozen=True)
class TaskCheckedIn(Event):
    task_id: UUID
    volunteer_id: UUID
    occurred_at: datetime


@dataclass(frozen=True)
class TaskCompleted(Event):
    task_id: UUID
    volunteer_id: UUID
    type: str
    source: SourceRef | None
    #: ``"completed"`` (checked out) or ``"auto_closed"`` (forgotten check-out)
    outcome: str
    checked_in_at: datetime
    checked_out_at: datetime
    flagged_for_review: bool
    occurred_at: datetime


@dataclass(frozen=True)
class TaskFailed(Event):
    task_id: UUID
    volunteer_id: UUID | None
    type: str
    source: SourceRef | None
    reason: str
    occurred_at: datetime


@dataclass(frozen=True)
class TaskCancelled(Event):
    task_id: UUID
    #: the assignee or the volunteer holding the open offer, to be told
    volunteer_id: UUID | None
    source: SourceRef | None
    reason: str
    occurred_at: datetime


@dataclass(frozen=True)
class HoursRecorded(Event):
    entry_id: UUID
    volunteer_id: UUID
    task_id: UUID | None
    minutes: int
    flagged: bool
    status: str
    occurred_at: datetime


@dataclass(frozen=True)
class HoursApproved(Event):
    entry_id: UUID
    volunteer_id: UUID
    minutes: int
    approved_by: UUID
    occurred_at: datetime


@dataclass(frozen=True)
class HoursRejected(Event):
    entry_id: UUID
    volunteer_id: UUID
    rejected_by: UUID
    reason: str
    occurred_at: datetime
