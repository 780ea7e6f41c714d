"""Reservations: a unit held at a station for a borrower (or a renovation request) until
an expiry. An expired hold frees its unit; the nearest-station search lives here too."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from svckit.domain.clock import is_aware
from svckit.domain.errors import Conflict, ValidationFailed
from svckit.domain.statemachine import StateMachine

from .borrowers import Borrower
from .catalogue import Station
from .events import (
    DeviceHeldForRequest,
    DomainEvent,
    NoDeviceForRequest,
    ReservationFulfilled,
    ReservationReleased,
)
from .units import Unit, UnitStatus


class ReservationStatus(enum.StrEnum):
    HELD = "held"
    FULFILLED = "fulfilled"  # became a rental or an allocation
    CANCELLED = "cancelled"
    EXPIRED = "expired"


R = ReservationStatus
RESERVATION_MACHINE = StateMachine("reservation", {
    (R.HELD, "fulfil"): R.FULFILLED,
    (R.HELD, "cancel"): R.CANCELLED,
    (R.HELD, "expire"): R.EXPIRED,
}, label=("预留", "the hold"), state_labels={
    R.HELD: ("预留中", "held"), R.FULFILLED: ("已出借", "fulfilled"),
    R.CANCELLED: ("已取消", "cancelled"), R.EXPIRED: ("已过期", "expired"),
}, action_labels={"fulfil": ("出借", "lend against it"), "cancel": ("取消", "cancel it"),
                  "expire": ("到期释放", "expire it")})


@dataclass(eq=False)
class Reservation:
    unit_id: uuid.UUID
    type_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID | None
    request_ref: str | None
    created_at: datetime
    expires_at: datetime
    status: ReservationStatus = ReservationStatus.HELD
    closed_at: datetime | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def place(
        cls,
        *,
        unit: Unit,
        station: Station,
        now: datetime,
        expires_at: datetime,
        borrower: Borrower | None = None,
        request_ref: str | None = None,
        reservation_id: uuid.UUID | None = None,
    ) -> Reservation:
        """Hold an available unit of ``station`` for a consenting borrower, or for an
        external request (``request_ref``, e.g. a renovation plan) when there is no
        borrower yet. Exactly one of the two is given."""
        if (borrower is None) == (not request_ref):
            raise ValidationFailed.field("borrower_id", "预约须指定借用人或外部申请之一 "
                                         "(give exactly one of borrower or request_ref)")
        if not is_aware(expires_at) or expires_at <= now:
            raise ValidationFailed.field("expires_at", "预约到期时间须晚于当前时间 "
                                         "(expiry must be a later, timezone-aware time)")
        station.ensure_active()
        unit.ensure_at(station.id)
        if borrower is not None:
            borrower.ensure_usable()
        reservation = cls(
            unit_id=unit.id, type_id=unit.type_id, station_id=station.id,
            borrower_id=borrower.id if borrower else None, request_ref=request_ref or None,
            created_at=now, expires_at=expires_at, id=reservation_id or uuid.uuid4(),
        )
        unit.reserve(now, reservation.id)
        return reservation

    def is_expired(self, now: datetime) -> bool:
        return self.status == ReservationStatus.HELD and now >= self.expires_at

    def _close(self, action: str, now: datetime) -> None:
        self.status = ReservationStatus(RESERVATION_MACHINE.next(self.status, action))
        self.closed_at = now

    def _release(self, action: str, unit: Unit, now: datetime, *, reason: str,
                 note: str = "") -> None:
        self._check_unit(unit)
        self._close(action, now)
        if unit.status == UnitStatus.RESERVED:
            unit.release(now, self.id, note=self.status)
        self.events.append(ReservationReleased(
            reservation_id=self.id, unit_id=self.unit_id, request_ref=self.request_ref,
            reason=reason, note=note, occurred_at=now,
        ))

    def expire(self, unit: Unit, now: datetime) -> None:
        """The hold ran out: free the unit. Refused before the expiry time."""
        if self.status == ReservationStatus.HELD and now < self.expires_at:
            raise Conflict("预约尚未到期 (reservation has not expired yet)",
                           current_state=self.status)
        self._release("expire", unit, now, reason="expired")

    def cancel(self, unit: Unit, now: datetime) -> None:
        self._release("cancel", unit, now, reason="cancelled")

    def delivery_failed(self, unit: Unit, now: datetime, reason: str) -> None:
        """The volunteers could not deliver a unit held for a request: the hold ends."""
        self._release("cancel", unit, now, reason="delivery_failed", note=reason)

    def fulfil(self, unit: Unit, now: datetime, borrower: Borrower | None) -> None:
        """Used by check-out and allocation: the hold must be live, for this unit, and for
        this borrower (a request-held unit may go to whoever the request was for; with no
        borrower at all only a request hold can be fulfilled, e.g. a renovation delivery)."""
        RESERVATION_MACHINE.next(self.status, "fulfil")
        self._check_unit(unit)
        if self.is_expired(now):
            raise Conflict("预约已过期 (reservation has expired)", current_state="expired")
        if self.borrower_id is not None and (borrower is None or self.borrower_id != borrower.id):
            raise Conflict("该设备已为其他借用人预约 (unit is reserved for another borrower)",
                           current_state=self.status)
        self._close("fulfil", now)
        self.events.append(ReservationFulfilled(reservation_id=self.id, unit_id=self.unit_id,
                                                occurred_at=now))

    def _check_unit(self, unit: Unit) -> None:
        if unit.id != self.unit_id:
            raise ValidationFailed.field("unit_id", "设备与预约不符 (unit does not match)")


@dataclass(eq=False)
class DeviceRequest:
    """A renovation household's request for a device (``renovation.device_requested``),
    answered either with a unit held at the nearest station and delivered home, or with
    "unavailable". Not stored: the hold (a :class:`Reservation` with ``request_ref``) is
    the record; the unit of work collects its events with ``uow.track``."""

    request_id: uuid.UUID
    item_name: str
    division_code: str
    address: str
    contact_name: str | None = None
    contact_phone: str | None = None
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @property
    def ref(self) -> str:
        return str(self.request_id)

    def hold(self, *, unit: Unit, station: Station, now: datetime,
             expires_at: datetime) -> Reservation:
        """Hold ``unit`` at ``station`` for the household and ask for its delivery."""
        reservation = Reservation.place(unit=unit, station=station, now=now,
                                        expires_at=expires_at, request_ref=self.ref)
        self.events.append(DeviceHeldForRequest(
            request_id=self.request_id, reservation_id=reservation.id, unit_id=unit.id,
            station_id=station.id, item_name=self.item_name,
            division_code=self.division_code, address=self.address,
            contact_name=self.contact_name, contact_phone=self.contact_phone, occurred_at=now,
        ))
        return reservation

    def unavailable(self, reason: str, now: datetime) -> None:
        self.events.append(NoDeviceForRequest(request_id=self.request_id, reason=reason,
                                              occurred_at=now))
