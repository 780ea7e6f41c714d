"""Domain events: small, frozen, past tense. The aggregates record them; the unit of work
hands each to the service's one mapper (``service_layer/mapper.py``), which writes the
household file's timeline row and, for some, a catalogue event.

They carry ids, divisions, figures and what the catalogue event needs that the aggregate's
state may no longer show at commit: no certificate number, name, phone or address of the
household.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

#: a user, as the identity provider names them (the access token's ``sub``)
UserId = str


@dataclass(frozen=True)
class Event:
    occurred_at: datetime


@dataclass(frozen=True)
class ApplicationSubmitted(Event):
    application_id: uuid.UUID
    programme_id: uuid.UUID
    division: str


@dataclass(frozen=True)
class ApplicationAccepted(Event):
    application_id: uuid.UUID
    programme_id: uuid.UUID
    division: str
    override_reason: str | None


@dataclass(frozen=True)
class ApplicationRefused(Event):
    application_id: uuid.UUID
    programme_id: uuid.UUID
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ApplicationWithdrawn(Event):
    application_id: uuid.UUID
    reason: str
    #: the assessment visit still to come that the withdrawal cancels (id, round), if any
    open_visit: tuple[uuid.UUID, int] | None = None
    #: why: deceased, moved, declined (by the household), ineligible, other
    kind: str = "other"
    #: the approved plan total no longer committed against the programme's budget
    released_fen: int = 0


@dataclass(frozen=True)
class ConsentGiven(Event):
    application_id: uuid.UUID


@dataclass(frozen=True)
class ConsentWithdrawn(Event):
    application_id: uuid.UUID


@dataclass(frozen=True)
class AssessmentRequested(Event):
    """A home visit was scheduled (or moved): volunteers should accompany the assessor."""

    application_id: uuid.UUID
    assessment_id: uuid.UUID
    assessor_id: UserId
    scheduled_at: datetime
    division: str
    rescheduled: bool
    round: int = 1  # 1 for the first scheduling, +1 per move


@dataclass(frozen=True)
class AssessmentCompleted(Event):
    application_id: uuid.UUID
    assessment_id: uuid.UUID
    assessor_id: UserId


@dataclass(frozen=True)
class PlanDrafted(Event):
    application_id: uuid.UUID
    plan_id: uuid.UUID
    total_fen: int


@dataclass(frozen=True)
class PlanConfirmed(Event):
    application_id: uuid.UUID
    plan_id: uuid.UUID


@dataclass(frozen=True)
class PlanRevised(Event):
    application_id: uuid.UUID
    plan_id: uuid.UUID
    reason: str


@dataclass(frozen=True)
class PlanApproved(Event):
    application_id: uuid.UUID
    plan_id: uuid.UUID
    programme_id: uuid.UUID
    total_fen: int
    approved_by: UserId
    device_items: int = 0  # device units asked of the rental side


@dataclass(frozen=True)
class DeviceRequested(Event):
    """The rental side should reserve one unit of this device type and deliver it."""

    application_id: uuid.UUID
    request_id: uuid.UUID
    item_code: str
    device_type_code: str
    division: str
    item_name: str = ""


@dataclass(frozen=True)
class DeviceRequestUpdated(Event):
    application_id: uuid.UUID
    request_id: uuid.UUID
    status: str


@dataclass(frozen=True)
class ApplicationCompleted(Event):
    """The works passed inspection (the household's renovation is accepted)."""

    application_id: uuid.UUID


@dataclass(frozen=True)
class ApplicationClosed(Event):
    application_id: uuid.UUID


@dataclass(frozen=True)
class WorkOrderAssigned(Event):
    work_order_id: uuid.UUID
    application_id: uuid.UUID
    contractor_id: uuid.UUID
    division: str


@dataclass(frozen=True)
class WorkOrderAccepted(Event):
    work_order_id: uuid.UUID
    contractor_id: uuid.UUID


@dataclass(frozen=True)
class WorkOrderDeclined(Event):
    work_order_id: uuid.UUID
    contractor_id: uuid.UUID
    reason: str


@dataclass(frozen=True)
class WorkOrderCancelled(Event):
    work_order_id: uuid.UUID
    contractor_id: uuid.UUID
    reason: str


@dataclass(frozen=True)
class WorkOrderTerminated(Event):
    work_order_id: uuid.UUID
    application_id: uuid.UUID
    contractor_id: uuid.UUID
    kind: str
    reason: str
    items_done: tuple[str, ...]
    items_remaining: tuple[str, ...]
    cost_incurred_fen: int


@dataclass(frozen=True)
class WorkOrderScheduled(Event):
    work_order_id: uuid.UUID
    start_on: date
    end_on: date


@dataclass(frozen=True)
class ProgressReported(Event):
    work_order_id: uuid.UUID
    percent: int


@dataclass(frozen=True)
class WorkOrderCompleted(Event):
    """The contractor handed the works over for acceptance inspection."""

    work_order_id: uuid.UUID
    application_id: uuid.UUID
    contractor_id: uuid.UUID
    division: str
    round: int = 1  # 1 for the first hand-over, +1 after each failed inspection


@dataclass(frozen=True)
class InspectionPassed(Event):
    work_order_id: uuid.UUID
    application_id: uuid.UUID
    inspector_id: UserId
    inspector_name: str = ""


@dataclass(frozen=True)
class InspectionFailed(Event):
    work_order_id: uuid.UUID
    application_id: uuid.UUID
    inspector_id: UserId
    defects: tuple[str, ...]


@dataclass(frozen=True)
class SatisfactionRecorded(Event):
    work_order_id: uuid.UUID
    application_id: uuid.UUID
    score: int | None
    #: why there is no score (staff recorded a failed or impossible visit)
    missing_reason: str | None = None


@dataclass(frozen=True)
class DeadlineBreached(Event):
    work_order_id: uuid.UUID
    application_id: uuid.UUID
    contractor_id: uuid.UUID
    kind: str
    due_at: datetime


@dataclass(frozen=True)
class IntegrationFailed(Event):
    """Another service could not apply one of this case's events (it parked it): the case
    shows it until the step is requested again or the request is answered."""

    application_id: uuid.UUID
    event_type: str  # the catalogue type of the parked event
    event_id: str
    consumer: str
    reason: str  # unknown-event, invalid-payload, rejected, retries-exhausted
    message: str  # what a staff member reads
    work_order_id: uuid.UUID | None = None


@dataclass(frozen=True)
class IntegrationProblemCleared(Event):
    application_id: uuid.UUID
    event_type: str
