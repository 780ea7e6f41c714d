"""Physical units (one asset tag each) and their append-only movement history."""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from svckit.domain.clock import china_date
from svckit.domain.errors import Conflict, ValidationFailed
from svckit.domain.fields import FieldErrors, require_text
from svckit.domain.identifiers import normalise
from svckit.domain.statemachine import StateMachine

from .events import DomainEvent, UnitAvailable, UnitWrittenOff


class UnitStatus(enum.StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    RENTED = "rented"
    IN_TRANSIT = "in_transit"
    CLEANING = "cleaning"
    MAINTENANCE = "maintenance"
    ALLOCATED = "allocated"
    WRITTEN_OFF = "written_off"


class ConditionGrade(enum.StrEnum):
    A = "A"  # new or as new
    B = "B"  # good, light wear
    C = "C"  # fair, usable
    D = "D"  # damaged: must be repaired before it is issued again


class AcquisitionKind(enum.StrEnum):
    PURCHASE = "purchase"  # 采购
    DONATION = "donation"  # 捐赠


S = UnitStatus
UNIT_MACHINE = StateMachine("unit", {
    (S.AVAILABLE, "reserve"): S.RESERVED,
    (S.RESERVED, "release"): S.AVAILABLE,
    (S.AVAILABLE, "check_out"): S.RENTED,
    (S.RESERVED, "check_out"): S.RENTED,
    (S.RENTED, "check_in"): S.CLEANING,
    (S.RENTED, "check_in_damaged"): S.MAINTENANCE,
    (S.RENTED, "lose"): S.WRITTEN_OFF,
    (S.CLEANING, "finish_cleaning"): S.AVAILABLE,
    (S.AVAILABLE, "send_to_maintenance"): S.MAINTENANCE,
    (S.CLEANING, "send_to_maintenance"): S.MAINTENANCE,
    (S.MAINTENANCE, "finish_repair"): S.AVAILABLE,
    (S.AVAILABLE, "dispatch"): S.IN_TRANSIT,
    (S.IN_TRANSIT, "receive"): S.AVAILABLE,
    (S.AVAILABLE, "allocate"): S.ALLOCATED,
    (S.RESERVED, "allocate"): S.ALLOCATED,
    (S.AVAILABLE, "write_off"): S.WRITTEN_OFF,
    (S.CLEANING, "write_off"): S.WRITTEN_OFF,
    (S.MAINTENANCE, "write_off"): S.WRITTEN_OFF,
    # lost on the way between stations (its transfer is closed as lost)
    (S.IN_TRANSIT, "write_off"): S.WRITTEN_OFF,
    # a rented unit that broke: swapped for another (the rental goes on with that one),
    # or repaired while the loan goes on and then handed back to the same borrower
    (S.RENTED, "swap_out"): S.MAINTENANCE,
    (S.AVAILABLE, "swap_in"): S.RENTED,
    (S.RENTED, "repair_on_loan"): S.MAINTENANCE,
    (S.MAINTENANCE, "back_on_loan"): S.RENTED,
    # a given-away device taken back (the holder died, moved away, lost the entitlement)
    (S.ALLOCATED, "reclaim"): S.CLEANING,
    (S.ALLOCATED, "reclaim_damaged"): S.MAINTENANCE,
    # a stocktake found it at another station than the records say: the records follow
    (S.AVAILABLE, "relocate"): S.AVAILABLE,
    (S.CLEANING, "relocate"): S.CLEANING,
    (S.MAINTENANCE, "relocate"): S.MAINTENANCE,
}, label=("设备", "the unit"), state_labels={
    S.AVAILABLE: ("在库可用", "available"),
    S.RESERVED: ("已预留", "reserved"),
    S.RENTED: ("出借中", "on loan"),
    S.IN_TRANSIT: ("调拨运输中", "in transit"),
    S.CLEANING: ("清洁消毒中", "being cleaned"),
    S.MAINTENANCE: ("维修中", "in repair"),
    S.ALLOCATED: ("已发放", "given away"),
    S.WRITTEN_OFF: ("已报废", "written off"),
}, action_labels={
    "reserve": ("预留", "reserve it"), "release": ("释放预留", "release it"),
    "check_out": ("出借", "lend it"), "check_in": ("归还入库", "take it back"),
    "check_in_damaged": ("归还入库", "take it back"), "lose": ("报失", "report it lost"),
    "finish_cleaning": ("完成清洁", "finish cleaning"),
    "send_to_maintenance": ("送修", "send it to repair"),
    "finish_repair": ("完成维修", "finish the repair"),
    "dispatch": ("调拨发出", "send it to another station"),
    "receive": ("调拨接收", "receive it"), "allocate": ("发放", "give it away"),
    "write_off": ("报废", "write it off"), "swap_out": ("换下", "swap it out"),
    "swap_in": ("换上出借", "lend it as a replacement"),
    "repair_on_loan": ("出借期间送修", "take it to repair during the loan"),
    "back_on_loan": ("修好交还借用人", "hand it back to the borrower"),
    "reclaim": ("收回", "reclaim it"), "reclaim_damaged": ("收回", "reclaim it"),
    "relocate": ("盘点移库", "move it to the counting station"),
})

#: the moves that bring a unit (back) into lendable stock at a station: ``unit.available``.
#: A released hold is not one (the unit was free before it was held)
ARRIVALS = frozenset({"register", "receive", "finish_cleaning", "finish_repair"})

#: statuses in which a unit is still the service's stock (not given away, not gone)
IN_STOCK = frozenset(UNIT_MACHINE.states) - {S.ALLOCATED, S.WRITTEN_OFF}

_TAG_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,31}$")
#: a model (型号) or production batch (批次) as printed on the device's plate
_LOT_RE = re.compile(r"^[A-Z0-9][A-Z0-9./_-]{0,39}$")
_LOT_MESSAGE = "应为1-40位字母、数字或 . / _ - (1-40 of A-Z, 0-9, '.', '/', '_', '-')"


def lot_code(errors: FieldErrors, field_name: str, raw: object) -> str | None:
    """A model or batch as typed (normalised like every identifier: full-width to
    half-width, blanks removed, upper case); blank means none."""
    if raw is None:
        return None
    value = normalise(raw)
    if not value:
        return None
    if not _LOT_RE.match(value):
        errors.add(field_name, _LOT_MESSAGE)
    return value


@dataclass(eq=False)
class Movement:
    """One change of status or place. Appended, never edited or removed."""

    unit_id: uuid.UUID
    at: datetime
    action: str
    from_status: str | None
    to_status: str
    from_station_id: uuid.UUID | None
    to_station_id: uuid.UUID
    reference: uuid.UUID | None = None  # rental, reservation, transfer, ticket, allocation
    note: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(eq=False)
class Unit:
    """A physical device. Build new ones with :meth:`register`.

    The other aggregates (reservation, rental, transfer, ticket, allocation) drive a unit
    through the methods below; each call moves it by ``UNIT_MACHINE`` and appends a
    :class:`Movement`. While in transit, ``current_station_id`` is still the origin.
    """

    asset_tag: str
    serial: str
    type_id: uuid.UUID
    home_station_id: uuid.UUID
    current_station_id: uuid.UUID
    condition: ConditionGrade
    acquisition: AcquisitionKind
    acquired_on: date
    cost_fen: int
    status: UnitStatus = UnitStatus.AVAILABLE
    cleaning_until: datetime | None = None
    model: str | None = None  # 型号 (None: not recorded, units taken in before recalls)
    batch: str | None = None  # 生产批次
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    movements: list[Movement] = field(default_factory=list, repr=False)
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def register(
        cls,
        *,
        asset_tag: str,
        serial: str,
        type_id: uuid.UUID,
        station_id: uuid.UUID,
        condition: ConditionGrade,
        acquisition: AcquisitionKind,
        acquired_on: date,
        cost_fen: int,
        now: datetime,
        unit_id: uuid.UUID | None = None,
        model: str | None = None,
        batch: str | None = None,
    ) -> Unit:
        """Take a unit into stock, available at its home station. A purchase has a cost
        above zero; a donation may be valued at zero. It cannot be acquired in the future."""
        errors = FieldErrors()
        tag = normalise(asset_tag)
        if not _TAG_RE.match(tag):
            errors.add("asset_tag", "资产编号应为3-32位大写字母、数字或连字符 "
                       "(3-32 of A-Z, 0-9, '-')")
        serial = errors.text("serial", serial, 64)
        errors.fen("cost_fen", cost_fen, 1 if acquisition == AcquisitionKind.PURCHASE else 0)
        if acquired_on > china_date(now):
            errors.add("acquired_on", "购置日期不能晚于今天 (cannot be in the future)")
        model = lot_code(errors, "model", model)
        batch = lot_code(errors, "batch", batch)
        errors.raise_if_any()
        unit = cls(
            asset_tag=tag, serial=serial, type_id=type_id, home_station_id=station_id,
            current_station_id=station_id, condition=condition, acquisition=acquisition,
            acquired_on=acquired_on, cost_fen=cost_fen, id=unit_id or uuid.uuid4(),
            model=model, batch=batch,
        )
        unit.movements.append(Movement(
            unit_id=unit.id, at=now, action="register", from_status=None,
            to_status=unit.status, from_station_id=None, to_station_id=station_id,
        ))
        unit._arrived("register", now)
        return unit

    # -- the one place that changes status or place -------------------------------------

    def _move(
        self,
        action: str,
        now: datetime,
        *,
        reference: uuid.UUID | None = None,
        note: str = "",
        to_station_id: uuid.UUID | None = None,
    ) -> None:
        new_status = UnitStatus(UNIT_MACHINE.next(self.status, action))
        to_station = to_station_id or self.current_station_id
        self.movements.append(Movement(
            unit_id=self.id, at=now, action=action, from_status=self.status,
            to_status=new_status, from_station_id=self.current_station_id,
            to_station_id=to_station, reference=reference, note=note,
        ))
        self.status = new_status
        self.current_station_id = to_station
        if action in ARRIVALS and new_status == UnitStatus.AVAILABLE:
            self._arrived(action, now)

    def _arrived(self, how: str, now: datetime) -> None:
        self.events.append(UnitAvailable(unit_id=self.id, type_id=self.type_id,
                                         station_id=self.current_station_id, how=how,
                                         occurred_at=now))

    def _ensure_issuable(self) -> None:
        if self.condition == ConditionGrade.D:
            raise Conflict("该设备成色为D，需维修后才能出借或发放 "
                           "(grade D units must be repaired first)", current_state=self.status)

    def ensure_at(self, station_id: uuid.UUID) -> None:
        if self.current_station_id != station_id:
            raise Conflict("该设备不在本站 (unit is not at this station)",
                           current_state=self.status)

    # -- actions ------------------------------------------------------------------------

    def describe(self, *, model: object, batch: object) -> None:
        """Record the model and batch from the device's plate (blank: not known)."""
        errors = FieldErrors()
        new_model = lot_code(errors, "model", model)
        new_batch = lot_code(errors, "batch", batch)
        errors.raise_if_any()
        self.model, self.batch = new_model, new_batch

    def relocate(self, now: datetime, station_id: uuid.UUID, reason: str,
                 reference: uuid.UUID | None = None) -> None:
        """A count found the unit at ``station_id``, not where the records had it: the
        records follow the shelf (a reason is required; the movement keeps it)."""
        reason = require_text("reason", reason)
        if station_id == self.current_station_id:
            raise Conflict("该设备已在本站 (the unit is already at this station)",
                           current_state=self.status)
        self._move("relocate", now, reference=reference, note=reason, to_station_id=station_id)

    def reserve(self, now: datetime, reservation_id: uuid.UUID) -> None:
        self._ensure_issuable()
        self._move("reserve", now, reference=reservation_id)

    def release(self, now: datetime, reservation_id: uuid.UUID, note: str) -> None:
        self._move("release", now, reference=reservation_id, note=note)

    def check_out(self, now: datetime, rental_id: uuid.UUID) -> None:
        self._ensure_issuable()
        self._move("check_out", now, reference=rental_id)

    def check_in(
        self,
        now: datetime,
        rental_id: uuid.UUID,
        condition: ConditionGrade,
        cleaning_buffer: timedelta,
        note: str = "",
    ) -> None:
        """Back from a loan: to cleaning until ``now + buffer``; grade D goes to maintenance."""
        if condition == ConditionGrade.D:
            self._move("check_in_damaged", now, reference=rental_id, note=note)
        else:
            self._move("check_in", now, reference=rental_id, note=note)
            self.cleaning_until = now + cleaning_buffer
        self.condition = condition

    def lose(self, now: datetime, rental_id: uuid.UUID, reason: str) -> None:
        reason = require_text("reason", reason)
        self._move("lose", now, reference=rental_id, note=reason)
        self._written_off(now, reason, rental_id)

    def finish_cleaning(self, now: datetime) -> None:
        if self.status == UnitStatus.CLEANING and self.cleaning_until and now < self.cleaning_until:
            raise Conflict(f"清洁间隔未满，{self.cleaning_until.isoformat()}后可用 "
                           "(cleaning buffer not over yet)", current_state=self.status)
        self._move("finish_cleaning", now)
        self.cleaning_until = None

    def settle(self, now: datetime) -> bool:
        """Time-driven step for the scheduled job: cleaning done -> available."""
        if (self.status == UnitStatus.CLEANING
                and (self.cleaning_until is None or now >= self.cleaning_until)):
            self.finish_cleaning(now)
            return True
        return False

    def send_to_maintenance(self, now: datetime, ticket_id: uuid.UUID, note: str) -> None:
        self._move("send_to_maintenance", now, reference=ticket_id, note=note)
        self.cleaning_until = None

    def finish_repair(self, now: datetime, ticket_id: uuid.UUID, condition: ConditionGrade) -> None:
        if condition == ConditionGrade.D:
            raise ValidationFailed.field("condition", "修复后成色不能为D (a repaired unit is A-C)")
        self._move("finish_repair", now, reference=ticket_id)
        self.condition = condition

    def swap_out(self, now: datetime, rental_id: uuid.UUID, fault: str) -> None:
        """A broken rented unit comes back for repair; another unit replaces it."""
        self._move("swap_out", now, reference=rental_id, note=fault)

    def swap_in(self, now: datetime, rental_id: uuid.UUID) -> None:
        """This unit replaces a broken one in a running rental."""
        self._ensure_issuable()
        self._move("swap_in", now, reference=rental_id)

    def repair_on_loan(self, now: datetime, ticket_id: uuid.UUID, fault: str) -> None:
        """A rented unit taken in for repair; the rental goes on."""
        self._move("repair_on_loan", now, reference=ticket_id, note=fault)

    def back_on_loan(self, now: datetime, ticket_id: uuid.UUID, condition: ConditionGrade) -> None:
        """Repaired and handed back to the borrower whose rental went on."""
        if condition == ConditionGrade.D:
            raise ValidationFailed.field("condition", "修复后成色不能为D (a repaired unit is A-C)")
        self._move("back_on_loan", now, reference=ticket_id)
        self.condition = condition

    def reclaim(self, now: datetime, allocation_id: uuid.UUID, condition: ConditionGrade,
                cleaning_buffer: timedelta, note: str) -> None:
        """A given-away unit comes back into stock: to cleaning, or to maintenance when D."""
        if condition == ConditionGrade.D:
            self._move("reclaim_damaged", now, reference=allocation_id, note=note)
        else:
            self._move("reclaim", now, reference=allocation_id, note=note)
            self.cleaning_until = now + cleaning_buffer
        self.condition = condition

    def dispatch(self, now: datetime, transfer_id: uuid.UUID) -> None:
        self._move("dispatch", now, reference=transfer_id)

    def receive(self, now: datetime, transfer_id: uuid.UUID, station_id: uuid.UUID) -> None:
        self._move("receive", now, reference=transfer_id, to_station_id=station_id)

    def allocate(self, now: datetime, allocation_id: uuid.UUID) -> None:
        self._ensure_issuable()
        self._move("allocate", now, reference=allocation_id)

    def write_off(self, now: datetime, reason: str, reference: uuid.UUID | None = None) -> None:
        """Take the unit out of stock for good (报废), with a required reason."""
        reason = require_text("reason", reason)
        self._move("write_off", now, reference=reference, note=reason)
        self.cleaning_until = None
        self._written_off(now, reason, reference)

    def _written_off(self, now: datetime, reason: str, reference: uuid.UUID | None) -> None:
        self.events.append(UnitWrittenOff(
            unit_id=self.id, type_id=self.type_id, station_id=self.current_station_id,
            reason=reason, reference=reference, occurred_at=now,
        ))
