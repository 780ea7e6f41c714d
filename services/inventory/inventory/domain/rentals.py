"""Rentals: check-out, extension, return, loss, overdue detection, delivery and pickup.

Money (int fen) is fixed at check-out from the type's list prices: ``fee = days x daily
fee`` for the booked days (calendar days in China, check-out day excluded, due day
included), plus the deposit; both are zero when the borrower qualifies for a waiver (see
``borrowers.py``), and the waiver reason is recorded. An extension adds the extra days'
fee. There is no late fee: overdue loans are chased by a follow-up, and block new loans.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from svckit.domain.clock import AWARE_MESSAGE, china_date, china_midnight, is_aware
from svckit.domain.errors import Conflict, Forbidden, ValidationFailed
from svckit.domain.fields import FieldErrors, require_text
from svckit.domain.statemachine import StateMachine

from .borrowers import Borrower, WaiverReason
from .catalogue import DeviceType, Station
from .events import (
    DeliveryCancelled,
    DeliveryRequested,
    DomainEvent,
    PickupRequested,
    RentalCheckedOut,
    RentalExtended,
    RentalOverdue,
    RentalReturned,
)
from .reservations import Reservation
from .units import ConditionGrade, Unit, UnitStatus

#: how far ahead a home delivery or pickup may be booked (the volunteers dispatch within it)
VISIT_HORIZON = timedelta(days=90)
#: when a volunteer's phone call about an overdue loan is asked for, counted from the
#: first moment of the due date (China time): the 7th day overdue at 09:00, once the
#: borrower's last SMS reminder has gone out (notify sends it that morning at 09:00 and
#: it announces the call). Before that the borrower is reminded, not called.
OVERDUE_CALL_AFTER = timedelta(days=7, hours=9)


def overdue_call_due_by(now: datetime) -> date:
    """The latest due date whose overdue call is due at ``now`` (the job's query; China
    keeps no daylight saving, so this is exact)."""
    return china_date(now - OVERDUE_CALL_AFTER)


def check_visit_window(field_name: str, window_end: datetime | None, now: datetime) -> None:
    """A visit's latest time must be aware, after ``now`` and within :data:`VISIT_HORIZON`
    (422 naming ``field_name``); ``None`` is the default window."""
    if window_end is None:
        return
    if not is_aware(window_end):
        raise ValidationFailed.field(field_name, AWARE_MESSAGE)
    # compared as aware moments: no conversion, so no overflow at the ends of the calendar
    if not now < window_end <= now + VISIT_HORIZON:
        days = VISIT_HORIZON.days
        raise ValidationFailed.field(field_name, f"上门时间须在今后{days}天内 "
                                     f"(must lie within the next {days} days)")


#: the document-number prefix of a rental (租赁)
NUMBER_PREFIX = "ZL"


class RentalStatus(enum.StrEnum):
    ACTIVE = "active"
    RETURNED = "returned"
    LOST = "lost"


RENTAL_MACHINE = StateMachine("rental", {
    (RentalStatus.ACTIVE, "extend"): RentalStatus.ACTIVE,
    (RentalStatus.ACTIVE, "return"): RentalStatus.RETURNED,
    (RentalStatus.ACTIVE, "report_lost"): RentalStatus.LOST,
    (RentalStatus.ACTIVE, "swap"): RentalStatus.ACTIVE,
    (RentalStatus.ACTIVE, "report_repair"): RentalStatus.ACTIVE,
}, label=("租赁", "the rental"), state_labels={
    RentalStatus.ACTIVE: ("出借中", "active"),
    RentalStatus.RETURNED: ("已归还", "returned"),
    RentalStatus.LOST: ("已报失", "lost"),
}, action_labels={
    "extend": ("续借", "extend it"), "return": ("归还", "return it"),
    "report_lost": ("报失", "report it lost"), "swap": ("更换设备", "swap the unit"),
    "report_repair": ("报修", "report it for repair"),
})


class Logistics(enum.StrEnum):
    """Optional home delivery and return pickup, done by volunteers (绿挎包)."""

    NONE = "none"
    DELIVERY_REQUESTED = "delivery_requested"
    DELIVERED = "delivered"
    PICKUP_REQUESTED = "pickup_requested"
    PICKED_UP = "picked_up"
    #: a consumer parked the request (volunteers never got it): the clerk must act
    DELIVERY_FAILED = "delivery_failed"
    PICKUP_FAILED = "pickup_failed"

    @property
    def problem_zh(self) -> str | None:
        """What a clerk is told when a request never reached the volunteers."""
        return {
            "delivery_failed": "配送请求未能派单，请联系志愿服务协调员或重新发起 "
                               "(the delivery request could not be dispatched; contact the "
                               "volunteer coordinator or request it again)",
            "pickup_failed": "取回请求未能派单，请联系志愿服务协调员或重新发起 "
                             "(the pickup request could not be dispatched; contact the "
                             "volunteer coordinator or request it again)",
        }.get(self.value)


L = Logistics
LOGISTICS_LABELS: dict[str, tuple[str, str]] = {
    L.NONE: ("无送取", "no delivery or pickup"),
    L.DELIVERY_REQUESTED: ("已申请送货上门", "delivery requested"),
    L.DELIVERED: ("已送达", "delivered"),
    L.PICKUP_REQUESTED: ("已申请上门取回", "pickup requested"),
    L.PICKED_UP: ("已取回", "picked up"),
    L.DELIVERY_FAILED: ("送货未能派单", "delivery not dispatched"),
    L.PICKUP_FAILED: ("取回未能派单", "pickup not dispatched"),
}
LOGISTICS_MACHINE = StateMachine("rental logistics", {
    (L.NONE, "request_delivery"): L.DELIVERY_REQUESTED,
    (L.DELIVERY_REQUESTED, "cancel_delivery"): L.NONE,
    (L.DELIVERY_REQUESTED, "confirm_delivery"): L.DELIVERED,
    (L.NONE, "request_pickup"): L.PICKUP_REQUESTED,
    (L.DELIVERED, "request_pickup"): L.PICKUP_REQUESTED,
    (L.PICKUP_REQUESTED, "confirm_pickup"): L.PICKED_UP,
    # the request was parked by its consumer; asking again clears it, and a replayed
    # request may still be carried out
    (L.DELIVERY_REQUESTED, "not_dispatched"): L.DELIVERY_FAILED,
    (L.DELIVERY_FAILED, "request_delivery"): L.DELIVERY_REQUESTED,
    (L.DELIVERY_FAILED, "cancel_delivery"): L.NONE,
    (L.DELIVERY_FAILED, "confirm_delivery"): L.DELIVERED,
    (L.PICKUP_REQUESTED, "not_dispatched"): L.PICKUP_FAILED,
    (L.PICKUP_FAILED, "request_pickup"): L.PICKUP_REQUESTED,
    (L.PICKUP_FAILED, "confirm_pickup"): L.PICKED_UP,
}, label=("送取", "delivery and pickup"), state_labels=LOGISTICS_LABELS, action_labels={
    "request_delivery": ("申请送货上门", "request a delivery"),
    "cancel_delivery": ("取消送货", "cancel the delivery"),
    "confirm_delivery": ("确认送达", "confirm the delivery"),
    "request_pickup": ("申请上门取回", "request a pickup"),
    "confirm_pickup": ("确认取回", "confirm the pickup"),
    "not_dispatched": ("标记未派单", "mark it not dispatched"),
})


@dataclass(frozen=True)
class Charges:
    days: int
    fee_fen: int
    deposit_fen: int
    waiver: WaiverReason | None


def quote(device_type: DeviceType, borrower: Borrower, start: date, due_on: date) -> Charges:
    """What a loan from ``start`` to ``due_on`` costs; the due date must lie 1 to
    ``max_rental_days`` days after the start."""
    device_type.ensure_rentable()
    days = (due_on - start).days
    max_days = device_type.max_rental_days or 0
    if not 1 <= days <= max_days:
        raise ValidationFailed.field("due_on", f"归还日期应在出借后1-{max_days}天内 "
                                     f"(due date must be 1-{max_days} days after check-out)")
    waiver = borrower.waiver
    if waiver is not None:
        return Charges(days=days, fee_fen=0, deposit_fen=0, waiver=waiver)
    return Charges(days=days, fee_fen=days * device_type.daily_fee_fen,
                   deposit_fen=device_type.deposit_fen, waiver=None)


@dataclass(frozen=True)
class SupervisorOverride:
    """Lets a borrower with an overdue loan borrow again; the reason is recorded.
    ``permitted``: whether ``by`` (a user id) may give it at the station (the service's
    policy decides: a supervisor of the station, or staff)."""

    by: str
    reason: str
    permitted: bool


@dataclass(frozen=True)
class ClassLimit:
    """How many loans of one ISO 9999 class (``12 22``) a borrower may hold at once, and
    how many they hold now (without the one asked for)."""

    iso_class: str
    max_open: int
    open_in_class: int


def loan_blocks(borrower: Borrower, borrower_rentals: Iterable[Rental],
                limit: ClassLimit | None, now: datetime) -> list[Conflict]:
    """What stands in the way of a new loan for ``borrower`` (an overdue rental, the
    class limit reached): each needs a supervisor's override at check-out. The waiting
    list applies the same rules when a borrower is put on it."""
    open_rentals = [r for r in borrower_rentals if r.borrower_id == borrower.id]
    blocks: list[Conflict] = []
    if any(r.is_overdue(now) for r in open_rentals):
        blocks.append(Conflict("借用人有逾期未还的设备，需主管批准 "
                               "(borrower has an overdue rental; a supervisor must "
                               "override)", current_state="overdue"))
    if limit is not None and limit.open_in_class >= limit.max_open:
        blocks.append(Conflict(
            f"借用人已借{limit.open_in_class}件{limit.iso_class}类设备，达到每人"
            f"{limit.max_open}件的上限，需主管批准 (the borrower has "
            f"{limit.open_in_class} open loans of class {limit.iso_class}, the limit is "
            f"{limit.max_open}; a supervisor must override)",
            current_state="limit_reached"))
    return blocks


@dataclass(eq=False)
class Rental:
    unit_id: uuid.UUID
    type_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    checked_out_at: datetime
    due_on: date
    max_rental_days: int  # the type's maximum at check-out, counted from the check-out day
    daily_fee_fen: int  # the type's list price at check-out
    fee_fen: int  # total fee charged (0 when waived)
    deposit_fen: int  # deposit taken (0 when waived)
    waiver: WaiverReason | None = None
    status: RentalStatus = RentalStatus.ACTIVE
    logistics: Logistics = Logistics.NONE
    override_by: str | None = None  # the overriding supervisor's user id
    override_reason: str | None = None
    overdue_noticed_at: datetime | None = None
    returned_at: datetime | None = None
    return_condition: ConditionGrade | None = None
    return_notes: str = ""
    damage_charge_fen: int = 0
    deposit_refund_fen: int = 0
    #: the number people see (``ZL-371502-2026-000123``; svckit.domain.docnumbers), given by
    #: the service layer in the check-out's transaction
    number: str = ""
    #: why the unit should come back early (the borrower's status changed)
    recovery_reason: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def check_out(
        cls,
        *,
        unit: Unit,
        device_type: DeviceType,
        station: Station,
        borrower: Borrower,
        due_on: date,
        now: datetime,
        borrower_rentals: Iterable[Rental],
        reservation: Reservation | None = None,
        override: SupervisorOverride | None = None,
        limit: ClassLimit | None = None,
        delivery: bool = False,
        delivery_by: datetime | None = None,
        rental_id: uuid.UUID | None = None,
    ) -> Rental:
        """Lend ``unit`` to ``borrower`` at ``station`` until ``due_on``.

        ``borrower_rentals`` are the borrower's open rentals: if one is overdue, or the
        borrower holds ``limit.max_open`` loans of the type's class already, the loan
        needs a :class:`SupervisorOverride` with a reason. A reserved unit needs its live
        reservation.
        """
        station.ensure_active()
        device_type.ensure_rentable()
        if delivery:
            check_visit_window("delivery_by", delivery_by, now)
        if unit.type_id != device_type.id:
            raise ValidationFailed.field("unit_id", "设备与类型不符 (unit is not of this type)")
        unit.ensure_at(station.id)
        borrower.ensure_usable()
        if unit.status == UnitStatus.RESERVED and reservation is None:
            raise Conflict("该设备已被预约 (unit is reserved)", current_state=unit.status)
        override_reason: str | None = None
        blocks = loan_blocks(borrower, borrower_rentals, limit, now)
        if blocks:
            if override is None:
                raise blocks[0]
            if not override.permitted:
                raise Forbidden("只有本站主管可以批准 (only a supervisor of the station may "
                                "override)")
            override_reason = require_text("override_reason", override.reason)
        charges = quote(device_type, borrower, china_date(now), due_on)

        rental = cls(
            unit_id=unit.id, type_id=unit.type_id, station_id=station.id,
            borrower_id=borrower.id, checked_out_at=now, due_on=due_on,
            max_rental_days=device_type.max_rental_days or 0,
            daily_fee_fen=device_type.daily_fee_fen, fee_fen=charges.fee_fen,
            deposit_fen=charges.deposit_fen, waiver=charges.waiver,
            override_by=override.by if override and override_reason else None,
            override_reason=override_reason, id=rental_id or uuid.uuid4(),
        )
        if reservation is not None:
            reservation.fulfil(unit, now, borrower)
        unit.check_out(now, rental.id)
        rental.events.append(RentalCheckedOut(
            rental_id=rental.id, unit_id=unit.id, type_id=unit.type_id, station_id=station.id,
            borrower_id=borrower.id, due_on=due_on, fee_fen=rental.fee_fen,
            deposit_fen=rental.deposit_fen, waiver=rental.waiver,
            overridden=rental.override_by is not None, home_delivery=delivery, occurred_at=now,
        ))
        if delivery:
            rental.request_delivery(now, delivery_by)
        return rental

    # -- time ---------------------------------------------------------------------------

    @property
    def start_date(self) -> date:
        return china_date(self.checked_out_at)

    def days_overdue(self, now: datetime) -> int:
        """Whole days past the due date (0 when not overdue or no longer active)."""
        if self.status != RentalStatus.ACTIVE:
            return 0
        return max(0, (china_date(now) - self.due_on).days)

    def is_overdue(self, now: datetime) -> bool:
        return self.days_overdue(now) > 0

    def overdue_call_at(self) -> datetime:
        """When a volunteer should phone if the unit is still out (``OVERDUE_CALL_AFTER``)."""
        return china_midnight(self.due_on) + OVERDUE_CALL_AFTER

    def notice_overdue(self, now: datetime) -> bool:
        """For the scheduled job: raise ``RentalOverdue`` (a volunteer's call) once per
        overdue spell, from :meth:`overdue_call_at` on: after the 7-day reminder."""
        if (not self.is_overdue(now) or self.overdue_noticed_at is not None
                or now < self.overdue_call_at()):
            return False
        self.overdue_noticed_at = now
        self.events.append(RentalOverdue(
            rental_id=self.id, unit_id=self.unit_id, station_id=self.station_id,
            borrower_id=self.borrower_id, due_on=self.due_on,
            days_overdue=self.days_overdue(now), occurred_at=now,
        ))
        return True

    # -- life cycle ---------------------------------------------------------------------

    def _transition(self, action: str) -> None:
        self.status = RentalStatus(RENTAL_MACHINE.next(self.status, action))

    def _check_unit(self, unit: Unit) -> None:
        if unit.id != self.unit_id:
            raise ValidationFailed.field("unit_id", "设备与租赁记录不符 (unit does not match)")

    def extend(self, new_due_on: date, now: datetime) -> None:
        """Move the due date later, still within the maximum counted from check-out."""
        RENTAL_MACHINE.next(self.status, "extend")
        today = china_date(now)
        if new_due_on <= self.due_on or new_due_on < today:
            raise ValidationFailed.field("due_on", "新的归还日期须晚于原日期且不早于今天 "
                                         "(must be after the old due date and not in the past)")
        if (new_due_on - self.start_date).days > self.max_rental_days:
            raise ValidationFailed.field("due_on", f"续借后总租期不能超过{self.max_rental_days}天 "
                                         f"(total loan cannot exceed {self.max_rental_days} days)")
        added = 0 if self.waiver else (new_due_on - self.due_on).days * self.daily_fee_fen
        self._transition("extend")
        previous, self.due_on = self.due_on, new_due_on
        self.fee_fen += added
        self.overdue_noticed_at = None
        self.events.append(RentalExtended(
            rental_id=self.id, unit_id=self.unit_id, station_id=self.station_id,
            borrower_id=self.borrower_id, previous_due_on=previous, due_on=new_due_on,
            fee_fen=self.fee_fen, occurred_at=now,
        ))

    def return_(
        self,
        *,
        unit: Unit,
        device_type: DeviceType,
        now: datetime,
        condition: ConditionGrade,
        notes: str = "",
        damage_charge_fen: int = 0,
    ) -> None:
        """Take the unit back, graded. The damage charge comes out of the deposit, so it is
        0..deposit and the refund is ``deposit - charge``. The unit goes to cleaning for the
        type's buffer (or to maintenance when graded D)."""
        self._check_unit(unit)
        if device_type.id != self.type_id:
            raise ValidationFailed.field("type_id", "设备类型不符 (device type does not match)")
        errors = FieldErrors()
        errors.fen("damage_charge_fen", damage_charge_fen)
        if not errors.by_field and damage_charge_fen > self.deposit_fen:
            errors.add("damage_charge_fen", f"损坏赔偿不能超过押金{self.deposit_fen}分 "
                       f"(cannot exceed the deposit of {self.deposit_fen} fen)")
        errors.raise_if_any()
        days_overdue = self.days_overdue(now)
        self._transition("return")
        unit.check_in(now, self.id, condition, device_type.cleaning_buffer, notes)
        self.returned_at = now
        self.return_condition = condition
        self.return_notes = notes
        self.damage_charge_fen = damage_charge_fen
        self.deposit_refund_fen = self.deposit_fen - damage_charge_fen
        self.events.append(RentalReturned(
            rental_id=self.id, unit_id=self.unit_id, station_id=self.station_id,
            borrower_id=self.borrower_id, condition=condition,
            damage_charge_fen=damage_charge_fen, deposit_refund_fen=self.deposit_refund_fen,
            days_overdue=days_overdue, occurred_at=now,
        ))

    def report_lost(self, *, unit: Unit, now: datetime, reason: str) -> None:
        """The unit is lost: the rental closes, the deposit is kept, the unit written off."""
        self._check_unit(unit)
        reason = require_text("reason", reason)
        self._transition("report_lost")
        unit.lose(now, self.id, reason)
        self.returned_at = now
        self.return_notes = reason
        self.damage_charge_fen = self.deposit_fen
        self.deposit_refund_fen = 0

    def flag_for_recovery(self, reason: str) -> None:
        if self.status == RentalStatus.ACTIVE:
            self.recovery_reason = reason[:500]

    # -- a broken unit during the loan --------------------------------------------------

    def swap(self, *, old: Unit | None, new: Unit, device_type: DeviceType, now: datetime,
             fault: str) -> None:
        """Replace a broken unit with ``new`` (same type, same station, issuable): the
        rental goes on unchanged (number, dates, money); the broken unit comes in for
        repair (``old``; ``None`` when it is in repair already). Its ticket is the caller's."""
        fault = require_text("fault", fault)
        RENTAL_MACHINE.next(self.status, "swap")
        if new.id == self.unit_id:
            raise ValidationFailed.field("unit_id", "请选择另一台设备 (choose another unit)")
        if new.type_id != self.type_id or device_type.id != self.type_id:
            raise ValidationFailed.field("unit_id", "替换设备须为同一类型 "
                                         "(the replacement must be of the same type)")
        new.ensure_at(self.station_id)
        if old is not None:
            self._check_unit(old)
            old.swap_out(now, self.id, fault)
        new.swap_in(now, self.id)
        self.unit_id = new.id

    def report_repair(self, *, unit: Unit) -> None:
        """The unit is to be repaired while the loan goes on (the ticket does the rest)."""
        self._check_unit(unit)
        RENTAL_MACHINE.next(self.status, "report_repair")

    # -- delivery and pickup ------------------------------------------------------------

    def _logistics(self, action: str) -> None:
        self.logistics = Logistics(LOGISTICS_MACHINE.next(self.logistics, action))

    def _ensure_active(self, action: str) -> None:
        if self.status != RentalStatus.ACTIVE:
            raise Conflict(f"租赁已结束，不能{action} (rental is closed)",
                           current_state=self.status)

    def request_delivery(self, now: datetime, window_end: datetime | None = None) -> None:
        """Ask volunteers to bring the unit home (by ``window_end``, else the default)."""
        self._ensure_active("送货")
        check_visit_window("window_end", window_end, now)
        self._logistics("request_delivery")
        self.events.append(DeliveryRequested(
            rental_id=self.id, unit_id=self.unit_id, station_id=self.station_id,
            borrower_id=self.borrower_id, window_end=window_end, occurred_at=now,
        ))

    def cancel_delivery(self, now: datetime, reason: str) -> None:
        """The delivery is off (collected in person, returned, lost): the volunteers are told."""
        self._logistics("cancel_delivery")
        self.events.append(DeliveryCancelled(rental_id=self.id, reason=reason, occurred_at=now))

    def delivery_failed(self) -> None:
        """The volunteers could not deliver: back to no delivery, so that the clerk can ask
        again or hand the unit over (the volunteers know already; nothing to tell)."""
        self._logistics("cancel_delivery")

    @property
    def logistics_problem(self) -> str | None:
        return self.logistics.problem_zh

    def not_dispatched(self) -> None:
        """A consumer parked the pending delivery or pickup request: it shows as failed
        until the clerk asks again (the volunteers never got it; nothing to tell)."""
        self._logistics("not_dispatched")

    def confirm_delivery(self) -> None:
        """A volunteer delivery task completed."""
        self._logistics("confirm_delivery")

    def request_pickup(self, now: datetime, window_end: datetime | None = None) -> None:
        self._ensure_active("上门取回")
        check_visit_window("window_end", window_end, now)
        self._logistics("request_pickup")
        self.events.append(PickupRequested(
            rental_id=self.id, unit_id=self.unit_id, station_id=self.station_id,
            borrower_id=self.borrower_id, window_end=window_end, occurred_at=now,
        ))

    def confirm_pickup(self) -> None:
        """A volunteer pickup task completed (may arrive after the clerk booked the return)."""
        self._logistics("confirm_pickup")
