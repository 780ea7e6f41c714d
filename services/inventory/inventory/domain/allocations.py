"""Free allocation (发放): a unit given permanently to a person. "Fitting first, rental as
a supplement" (适配为主、租赁补充).

Allocation policy:

* an allocate-only type (fitted devices such as prostheses) may go to any consenting
  certificate holder: the fitting itself is the gate, and its reference is the reason;
* a rentable type may be given away only to a borrower who qualifies for the fee waiver
  (特困, 低保 or a severe grade 1-2, see ``borrowers.py``), the poor households the
  federation's free-device programmes serve;
* a reason is always recorded, the unit must not be grade D, and it leaves stock for good
  (status ``allocated``) with this record and a movement left behind.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from svckit.domain.errors import Conflict, ValidationFailed
from svckit.domain.fields import require_text

from .borrowers import Borrower, WaiverReason
from .catalogue import DeviceType, Station
from .events import DomainEvent, UnitAllocated
from .reservations import Reservation
from .units import ConditionGrade, Unit, UnitStatus


@dataclass(eq=False)
class Allocation:
    unit_id: uuid.UUID
    type_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID | None  # None for a renovation household (see ``request_ref``)
    allocated_at: datetime
    reason: str
    eligibility: WaiverReason | None  # the waiver reason that made a rentable type eligible
    request_ref: str | None = None  # the external request (renovation plan) it answered
    #: why the device should come back (the holder's status changed), until reclaimed
    recovery_reason: str | None = None
    reclaimed_at: datetime | None = None
    reclaim_reason: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def allocate(
        cls,
        *,
        unit: Unit,
        device_type: DeviceType,
        station: Station,
        borrower: Borrower,
        now: datetime,
        reason: str,
        reservation: Reservation | None = None,
        allocation_id: uuid.UUID | None = None,
    ) -> Allocation:
        reason = require_text("reason", reason)
        station.ensure_active()
        if unit.type_id != device_type.id:
            raise ValidationFailed.field("unit_id", "设备与类型不符 (unit is not of this type)")
        unit.ensure_at(station.id)
        borrower.ensure_usable()
        eligibility = borrower.waiver
        if device_type.rentable and eligibility is None:
            raise Conflict("可租赁类设备仅可免费发放给特困、低保或重度残疾人 "
                           "(rentable types are given only to tekun, dibao or severe grades)",
                           current_state="not_eligible")
        if unit.status == UnitStatus.RESERVED and reservation is None:
            raise Conflict("该设备已被预约 (unit is reserved)", current_state=unit.status)
        allocation = cls(
            unit_id=unit.id, type_id=unit.type_id, station_id=station.id,
            borrower_id=borrower.id, allocated_at=now, reason=reason,
            eligibility=eligibility if device_type.rentable else None,
            id=allocation_id or uuid.uuid4(),
        )
        if reservation is not None:
            reservation.fulfil(unit, now, borrower)
        unit.allocate(now, allocation.id)
        allocation.events.append(UnitAllocated(
            allocation_id=allocation.id, unit_id=unit.id, type_id=unit.type_id,
            station_id=station.id, borrower_id=borrower.id, occurred_at=now,
        ))
        return allocation

    @classmethod
    def for_request(
        cls,
        *,
        unit: Unit,
        reservation: Reservation,
        now: datetime,
        reason: str,
        allocation_id: uuid.UUID | None = None,
    ) -> Allocation:
        """A unit held for an external request (a renovation plan, 一户一策) reached the
        household: it is given for good and the record names the request, not a borrower.
        The requesting programme has already established the household's eligibility (poor
        and severely disabled), so no waiver check is made here."""
        reason = require_text("reason", reason)
        if not reservation.request_ref:
            raise ValidationFailed.field("reservation_id", "该预约不是外部申请的预约 "
                                         "(the reservation was not made for a request)")
        allocation = cls(
            unit_id=unit.id, type_id=unit.type_id, station_id=reservation.station_id,
            borrower_id=None, allocated_at=now, reason=reason, eligibility=None,
            request_ref=reservation.request_ref, id=allocation_id or uuid.uuid4(),
        )
        reservation.fulfil(unit, now, None)
        unit.allocate(now, allocation.id)
        allocation.events.append(UnitAllocated(
            allocation_id=allocation.id, unit_id=unit.id, type_id=unit.type_id,
            station_id=reservation.station_id, borrower_id=None, occurred_at=now,
            request_ref=reservation.request_ref,
        ))
        return allocation

    def flag_for_recovery(self, reason: str) -> None:
        if self.reclaimed_at is None:
            self.recovery_reason = reason[:500]

    def reclaim(self, *, unit: Unit, device_type: DeviceType, now: datetime,
                condition: ConditionGrade, reason: str) -> None:
        """Take the given-away device back into stock (cleaning, or maintenance when D)."""
        reason = require_text("reason", reason)
        if unit.id != self.unit_id:
            raise ValidationFailed.field("unit_id", "设备与发放记录不符 (unit does not match)")
        if self.reclaimed_at is not None:
            raise Conflict("该发放的设备已收回 (this device was reclaimed already)",
                           current_state="reclaimed")
        unit.reclaim(now, self.id, condition, device_type.cleaning_buffer, reason)
        self.reclaimed_at = now
        self.reclaim_reason = reason
        self.recovery_reason = None
