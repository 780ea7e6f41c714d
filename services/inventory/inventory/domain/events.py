"""Domain events: past-tense facts appended to an aggregate's ``events`` list.

They carry ids and figures only, never a certificate number, name, phone or address:
the service layer adds the minimum personal data an integration event needs (masked).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class DomainEvent:
    """Base of every domain event."""


@dataclass(frozen=True)
class UnitWrittenOff(DomainEvent):
    unit_id: uuid.UUID
    type_id: uuid.UUID
    station_id: uuid.UUID
    reason: str
    reference: uuid.UUID | None  # the rental or maintenance ticket behind it, if any
    occurred_at: datetime


@dataclass(frozen=True)
class UnitReserved(DomainEvent):
    reservation_id: uuid.UUID
    unit_id: uuid.UUID
    type_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID | None
    request_ref: str | None  # e.g. the renovation plan that asked for the device
    expires_at: datetime
    occurred_at: datetime


@dataclass(frozen=True)
class ReservationReleased(DomainEvent):
    reservation_id: uuid.UUID
    unit_id: uuid.UUID
    request_ref: str | None
    reason: str  # "expired" | "cancelled"
    occurred_at: datetime


@dataclass(frozen=True)
class RentalCheckedOut(DomainEvent):
    rental_id: uuid.UUID
    unit_id: uuid.UUID
    type_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    due_on: date
    fee_fen: int
    deposit_fen: int
    waiver: str | None
    overridden: bool
    occurred_at: datetime


@dataclass(frozen=True)
class RentalExtended(DomainEvent):
    rental_id: uuid.UUID
    due_on: date
    added_fee_fen: int
    occurred_at: datetime


@dataclass(frozen=True)
class DeliveryRequested(DomainEvent):
    rental_id: uuid.UUID
    unit_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    occurred_at: datetime


@dataclass(frozen=True)
class DeliveryCancelled(DomainEvent):
    rental_id: uuid.UUID
    occurred_at: datetime


@dataclass(frozen=True)
class RentalDelivered(DomainEvent):
    rental_id: uuid.UUID
    occurred_at: datetime


@dataclass(frozen=True)
class PickupRequested(DomainEvent):
    rental_id: uuid.UUID
    unit_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    occurred_at: datetime


@dataclass(frozen=True)
class RentalPickedUp(DomainEvent):
    rental_id: uuid.UUID
    occurred_at: datetime


@dataclass(frozen=True)
class RentalReturned(DomainEvent):
    rental_id: uuid.UUID
    unit_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    condition: str
    damage_charge_fen: int
    deposit_refund_fen: int
    days_overdue: int
    occurred_at: datetime


@dataclass(frozen=True)
class RentalOverdue(DomainEvent):
    rental_id: uuid.UUID
    unit_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    due_on: date
    days_overdue: int
    occurred_at: datetime


@dataclass(frozen=True)
class RentalLost(DomainEvent):
    rental_id: uuid.UUID
    unit_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    deposit_forfeited_fen: int
    occurred_at: datetime


@dataclass(frozen=True)
class UnitAllocated(DomainEvent):
    allocation_id: uuid.UUID
    unit_id: uuid.UUID
    type_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID | None
    occurred_at: datetime
    request_ref: str | None = None


@dataclass(frozen=True)
class TransferDispatched(DomainEvent):
    transfer_id: uuid.UUID
    unit_id: uuid.UUID
    from_station_id: uuid.UUID
    to_station_id: uuid.UUID
    occurred_at: datetime


@dataclass(frozen=True)
class TransferReceived(DomainEvent):
    transfer_id: uuid.UUID
    unit_id: uuid.UUID
    to_station_id: uuid.UUID
    occurred_at: datetime


@dataclass(frozen=True)
class MaintenanceOpened(DomainEvent):
    ticket_id: uuid.UUID
    unit_id: uuid.UUID
    station_id: uuid.UUID
    occurred_at: datetime


@dataclass(frozen=True)
class MaintenanceClosed(DomainEvent):
    ticket_id: uuid.UUID
    unit_id: uuid.UUID
    outcome: str  # "resolved" | "written_off"
    repair_cost_fen: int
    occurred_at: datetime
