"""Domain events: small, frozen, past tense. No address, no phone, no real name.

A task records one of these when something happens that the asking services are told
of; the unit of work collects them at commit and the service's one mapper
(``volunteer.service_layer.mapper``) turns each into its catalogue event. What stays
inside the service (declines, lapses, check-ins, the ledger) is state, kept in the
audit trail, and records no event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from .tasks import TaskResult


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
class TaskOffered(Event):
    task_id: UUID
    volunteer_id: UUID
    expires_at: datetime
    occurred_at: datetime


@dataclass(frozen=True)
class TaskAssigned(Event):
    task_id: UUID
    volunteer_id: UUID
    by_hand: bool
    occurred_at: datetime


@dataclass(frozen=True)
class TaskCompleted(Event):
    task_id: UUID
    volunteer_id: UUID
    #: ``"completed"`` (checked out) or ``"auto_closed"`` (forgotten check-out, flagged)
    outcome: str
    checked_out_at: datetime
    result: TaskResult | None
    occurred_at: datetime


@dataclass(frozen=True)
class TaskFailed(Event):
    task_id: UUID
    reason: str
    occurred_at: datetime


@dataclass(frozen=True)
class TaskExpired(Event):
    """Nobody took the task before its window ended; the asking service may ask again."""

    task_id: UUID
    reason: str
    window_end: datetime
    occurred_at: datetime


@dataclass(frozen=True)
class TaskEscalated(Event):
    """No more automatic offers: the coordinator must act (``reoffers`` made so far)."""

    task_id: UUID
    reason: str
    reoffers: int
    occurred_at: datetime
