"""Domain events: past-tense facts appended to an aggregate's ``events`` list.

The unit of work collects them at commit and the service's one mapper
(``service_layer/mapper.py``) turns each into catalogue events. They carry ids and
figures, never a certificate number, name or phone: the mapper adds the minimum personal
data an integration event needs (masked). The one exception is a renovation household's
delivery (:class:`DeviceHeldForRequest`): the address and the already masked contact the
requesting service sent travel on to the volunteers.
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
class UnitAvailable(DomainEvent):
    """A unit became available for lending at a station: taken into stock, received from
    another station, cleaned after a return, or repaired."""

    unit_id: uuid.UUID
    type_id: uuid.UUID
    station_id: uuid.UUID
    how: str  # "register" | "receive" | "finish_cleaning" | "finish_repair"
    occurred_at: datetime


@dataclass(frozen=True)
class ReservationReleased(DomainEvent):
    reservation_id: uuid.UUID
    unit_id: uuid.UUID
    request_ref: str | None
    reason: str  # "expired" | "cancelled" | "delivery_failed"
    note: str  # what went wrong, for a failed delivery
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
    home_delivery: bool
    occurred_at: datetime


@dataclass(frozen=True)
class DeliveryRequested(DomainEvent):
    rental_id: uuid.UUID
    unit_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    window_end: datetime | None  # None: the default window
    occurred_at: datetime


@dataclass(frozen=True)
class DeliveryCancelled(DomainEvent):
    rental_id: uuid.UUID
    reason: str
    occurred_at: datetime


@dataclass(frozen=True)
class PickupRequested(DomainEvent):
    rental_id: uuid.UUID
    unit_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    window_end: datetime | None  # None: the default window
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
class RentalExtended(DomainEvent):
    rental_id: uuid.UUID
    unit_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    previous_due_on: date
    due_on: date
    fee_fen: int
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
class UnitAllocated(DomainEvent):
    allocation_id: uuid.UUID
    unit_id: uuid.UUID
    type_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID | None
    occurred_at: datetime
    request_ref: str | None = None


@dataclass(frozen=True)
class DeviceHeldForRequest(DomainEvent):
    """A unit is held for a renovation household and is to be delivered to its home."""

    request_id: uuid.UUID
    reservation_id: uuid.UUID
    unit_id: uuid.UUID
    station_id: uuid.UUID
    item_name: str
    division_code: str
    address: str
    contact_name: str | None  # as the requesting service sent it (surname + 某)
    contact_phone: str | None  # as the requesting service sent it (masked)
    occurred_at: datetime


@dataclass(frozen=True)
class NoDeviceForRequest(DomainEvent):
    request_id: uuid.UUID
    reason: str
    occurred_at: datetime


@dataclass(frozen=True)
class RecallPlaced(DomainEvent):
    recall_id: uuid.UUID
    type_id: uuid.UUID
    scope: str  # type | model | batch
    model: str | None
    batch: str | None
    reason: str
    occurred_at: datetime


@dataclass(frozen=True)
class RecallLifted(DomainEvent):
    recall_id: uuid.UUID
    type_id: uuid.UUID
    reason: str
    occurred_at: datetime


@dataclass(frozen=True)
class StocktakeClosed(DomainEvent):
    stocktake_id: uuid.UUID
    station_id: uuid.UUID
    expected: int
    found: int
    missing: int
    unexpected: int
    unknown_tags: int
    occurred_at: datetime


@dataclass(frozen=True)
class WaitlistUnitHeld(DomainEvent):
    """A unit that became free was held for the first borrower on the waiting list of its
    type at its station (or a date booking's start day came): the borrower is told."""

    entry_id: uuid.UUID | None  # the waiting-list entry; None for a date booking
    booking_id: uuid.UUID | None
    reservation_id: uuid.UUID
    unit_id: uuid.UUID
    type_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    expires_at: datetime
    occurred_at: datetime


@dataclass(frozen=True)
class ReservationFulfilled(DomainEvent):
    """A hold became a loan or an allocation (its waiting-list entry, if any, is served)."""

    reservation_id: uuid.UUID
    unit_id: uuid.UUID
    occurred_at: datetime
