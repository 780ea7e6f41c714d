"""Use cases: check-out, extension, return, loss, home delivery and return pickup.

Check-out locks the unit row before anything changes: ``FOR UPDATE SKIP LOCKED`` when the
clerk asks for "a wheelchair" (any free unit of the type at the station), ``FOR UPDATE``
when a unit is named (asset tag / id / reservation). The partial unique index
``uq_rentals_active_unit`` is the last line: a unit is never rented twice.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime

from svckit.auth.principal import Principal
from svckit.domain.errors import Conflict, NotFound, ValidationFailed

from inventory.adapters.repository import CheckOutContext
from inventory.domain.borrowers import Borrower
from inventory.domain.catalogue import DeviceType, Station
from inventory.domain.maintenance import MaintenanceTicket
from inventory.domain.recalls import ensure_not_recalled
from inventory.domain.rentals import (
    NUMBER_PREFIX,
    ClassLimit,
    Logistics,
    Rental,
    SupervisorOverride,
)
from inventory.domain.reservations import Reservation
from inventory.domain.units import ConditionGrade, Unit, UnitStatus
from inventory.service_layer.payments import settle_deposit_at_return
from inventory.service_layer.policy import POLICY, load_visible, require_at
from inventory.service_layer.recalls import refuse_if_recalled
from inventory.service_layer.uow import InventoryUoW
from inventory.service_layer.waitlist import (
    guard_extension,
    guard_stock,
    loan_back_on,
    stock_window,
)


@dataclass(frozen=True)
class CheckOut:
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    due_on: date
    type_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    asset_tag: str | None = None
    reservation_id: uuid.UUID | None = None
    home_delivery: bool = False
    delivery_by: datetime | None = None
    override_reason: str | None = None


def _station(uow: InventoryUoW, station_id: uuid.UUID) -> Station:
    station = uow.repo.get(Station, station_id)
    if station is None:
        raise NotFound("station", station_id)
    return station


def _borrower(uow: InventoryUoW, borrower_id: uuid.UUID) -> Borrower:
    borrower = uow.repo.get(Borrower, borrower_id)
    if borrower is None:
        raise NotFound("borrower", borrower_id)
    return borrower


def _type(uow: InventoryUoW, type_id: uuid.UUID) -> DeviceType:
    device_type = uow.repo.get(DeviceType, type_id)
    if device_type is None:
        raise NotFound("device_type", type_id)
    return device_type


def _pick_unit(uow: InventoryUoW, cmd: CheckOut) -> tuple[Unit, Reservation | None]:
    """The unit to lend, locked; and its reservation when the loan fulfils one."""
    named = [x for x in (cmd.type_id, cmd.unit_id, cmd.asset_tag, cmd.reservation_id)
             if x is not None]
    if len(named) != 1:
        raise ValidationFailed.field("type_id", "请指定设备类型、设备、资产编号或预约之一 "
                                     "(give exactly one of type_id, unit_id, asset_tag, "
                                     "reservation_id)")
    if cmd.reservation_id is not None:
        reservation = uow.repo.get(Reservation, cmd.reservation_id, lock=True)
        if reservation is None or reservation.station_id != cmd.station_id:
            raise NotFound("reservation", cmd.reservation_id)
        unit = uow.repo.get(Unit, reservation.unit_id, lock=True)
        assert unit is not None
        return unit, reservation
    if cmd.type_id is not None:
        _type(uow, cmd.type_id)
        unit = uow.repo.pick_free_unit(cmd.type_id, cmd.station_id)  # never a recalled one
        if unit is None:
            refuse_if_recalled(uow, cmd.type_id, cmd.station_id)
            raise Conflict("本站暂无可出借的该类设备 (no unit of this type is free at this "
                           "station)", current_state="none_available")
        return unit, None
    unit = (uow.repo.get(Unit, cmd.unit_id, lock=True) if cmd.unit_id is not None
            else uow.repo.unit_by_tag(cmd.asset_tag or "", lock=True))
    if unit is None:
        raise NotFound("unit", cmd.unit_id or cmd.asset_tag)
    reservation = uow.repo.held_reservation_of_unit(unit.id)
    if reservation is not None and reservation.borrower_id != cmd.borrower_id:
        reservation = None  # held for someone else: the domain refuses the loan
    return unit, reservation


def _check_out_context(uow: InventoryUoW, cmd: CheckOut, *,
                       now: datetime) -> CheckOutContext:
    """Station, borrower, the unit (locked), its reservation and its type.

    A named unit (id or asset tag) is read with all the rest in one query, which also says
    whether a booking overlaps the loan's days and whether the borrower has a loan open
    (the stock guard and the open loans are read only then); otherwise, or when that finds
    nothing, one lookup after the other, which says what is missing."""
    named = [x for x in (cmd.type_id, cmd.unit_id, cmd.asset_tag, cmd.reservation_id)
             if x is not None]
    if len(named) == 1 and (cmd.unit_id is not None or cmd.asset_tag is not None):
        first_day, last_day = stock_window(now, loan_back_on(cmd.due_on))
        found = uow.repo.check_out_context(cmd.station_id, cmd.borrower_id,
                                           first_day=first_day, last_day=last_day,
                                           unit_id=cmd.unit_id, asset_tag=cmd.asset_tag)
        if found is not None:
            if found.recall is not None:
                raise found.recall.refusal()
            held = found.reservation
            if held is not None and held.borrower_id != cmd.borrower_id:
                # held for someone else: the domain refuses the loan
                found = replace(found, reservation=None)
            return found
    station = _station(uow, cmd.station_id)
    borrower = _borrower(uow, cmd.borrower_id)
    unit, reservation = _pick_unit(uow, cmd)
    if cmd.type_id is None:  # a picked unit is never a recalled one
        ensure_not_recalled(unit, uow.repo.active_recalls(unit.type_id))
    # not read here: the bookings and the open loans are looked at
    return CheckOutContext(unit, _type(uow, unit.type_id), station, borrower, reservation,
                           recall=None, booked=True, borrowing=True)


def default_loan_limit() -> int | None:
    """Open loans per borrower and ISO class when staff set none for the class
    (``INVENTORY_DEFAULT_LOAN_LIMIT``; unset: no limit)."""
    raw = os.environ.get("INVENTORY_DEFAULT_LOAN_LIMIT", "").strip()
    return int(raw) if raw else None


def _class_limit(uow: InventoryUoW, device_type: DeviceType,
                 open_rentals: list[Rental]) -> ClassLimit | None:
    """The type's class limit and the borrower's open loans of that class (the other
    types are read only when the borrower has loans of them); None: no limit."""
    max_open = device_type.loan_limit
    if max_open is None:
        max_open = default_loan_limit()
    if max_open is None:
        return None
    held = 0
    for r in open_rentals:
        if r.type_id == device_type.id:
            held += 1
        else:
            other = uow.repo.get(DeviceType, r.type_id)
            held += other is not None and other.iso_class == device_type.iso_class
    return ClassLimit(iso_class=device_type.iso_class, open_in_class=held, max_open=max_open)


def check_out(uow: InventoryUoW, principal: Principal, cmd: CheckOut, *, now: datetime) -> Rental:
    with uow:
        require_at(uow, principal, "rental.check_out", cmd.station_id)
        ctx = _check_out_context(uow, cmd, now=now)
        station, borrower, unit, reservation, device_type = (
            ctx.station, ctx.borrower, ctx.unit, ctx.reservation, ctx.device_type)
        override = None
        if cmd.override_reason is not None:
            override = SupervisorOverride(
                by=principal.sub, reason=cmd.override_reason,
                permitted=POLICY.allows(principal, "rental.override_overdue",
                                        station=station.id, division=station.division_code))
        if reservation is None and unit.status == UnitStatus.AVAILABLE and ctx.booked:
            guard_stock(uow, unit.type_id, station.id, now=now,
                        back_on=loan_back_on(cmd.due_on), borrower_id=borrower.id)
        open_rentals = uow.repo.open_rentals_of(borrower.id) if ctx.borrowing else []
        rental = Rental.check_out(
            unit=unit, device_type=device_type, station=station, borrower=borrower,
            due_on=cmd.due_on, now=now, borrower_rentals=open_rentals,
            reservation=reservation, override=override, delivery=cmd.home_delivery,
            delivery_by=cmd.delivery_by, limit=_class_limit(uow, device_type, open_rentals),
        )
        # numbered once the loan is allowed; the station's district and the China year
        rental.number = uow.repo.next_number(NUMBER_PREFIX, station.division_code, now)
        uow.repo.add(rental)
        uow.session.flush()  # the unique index speaks here, inside the transaction
        uow.commit()
    return rental


def _load(uow: InventoryUoW, principal: Principal, action: str, rental_id: uuid.UUID,
          lock: bool = True) -> tuple[Rental, Unit, DeviceType, Borrower]:
    rental = load_visible(uow, principal, action, Rental, "rental", rental_id, lock=lock)
    unit = uow.repo.get(Unit, rental.unit_id, lock=lock)
    assert unit is not None
    return rental, unit, _type(uow, rental.type_id), _borrower(uow, rental.borrower_id)


def extend(uow: InventoryUoW, principal: Principal, rental_id: uuid.UUID, due_on: date,
           *, now: datetime) -> Rental:
    with uow:
        rental, *_ = _load(uow, principal, "rental.extend", rental_id)
        old_due = rental.due_on
        rental.extend(due_on, now)  # the domain's checks (limits, state) first
        guard_extension(uow, rental.type_id, rental.station_id, now=now, old_due=old_due,
                        new_due=rental.due_on)
        uow.commit()
    return rental


@dataclass(frozen=True)
class Return:
    condition: str
    notes: str = ""
    damage_charge_fen: int = 0
    #: given: the deposit held is settled in the same transaction (the damage charge
    #: deducted, the rest refunded by this method; see ``payments.py``)
    refund_method: str | None = None
    refund_reference: str = ""


def _cancel_pending_delivery(rental: Rental, now: datetime, reason: str) -> None:
    if rental.logistics == Logistics.DELIVERY_REQUESTED:
        rental.cancel_delivery(now, reason)


def return_rental(uow: InventoryUoW, principal: Principal, rental_id: uuid.UUID, cmd: Return,
                  *, now: datetime) -> Rental:
    try:
        condition = ConditionGrade(cmd.condition)
    except ValueError:
        raise ValidationFailed.field("condition", "成色应为A、B、C或D (grade A-D)") from None
    with uow:
        rental, unit, device_type, _ = _load(uow, principal, "rental.return", rental_id)
        _cancel_pending_delivery(rental, now, "设备已归还，无需送货 (returned)")
        rental.return_(unit=unit, device_type=device_type, now=now, condition=condition,
                       notes=cmd.notes, damage_charge_fen=cmd.damage_charge_fen)
        if cmd.refund_method is not None:
            settle_deposit_at_return(uow, principal, rental, method=cmd.refund_method,
                                     reference=cmd.refund_reference, now=now)
            uow.session.flush()
        uow.commit()
    return rental


def report_lost(uow: InventoryUoW, principal: Principal, rental_id: uuid.UUID, reason: str,
                *, now: datetime) -> Rental:
    with uow:
        rental, unit, _, _ = _load(uow, principal, "rental.report_lost", rental_id)
        _cancel_pending_delivery(rental, now, "设备已报失 (reported lost)")
        rental.report_lost(unit=unit, now=now, reason=reason)
        uow.commit()
    return rental


def request_delivery(uow: InventoryUoW, principal: Principal, rental_id: uuid.UUID,
                     *, now: datetime, window_end: datetime | None = None) -> Rental:
    with uow:
        rental, *_ = _load(uow, principal, "rental.visit", rental_id)
        rental.request_delivery(now, window_end)
        uow.commit()
    return rental


def cancel_delivery(uow: InventoryUoW, principal: Principal, rental_id: uuid.UUID, reason: str,
                    *, now: datetime) -> Rental:
    with uow:
        rental, *_ = _load(uow, principal, "rental.visit", rental_id)
        rental.cancel_delivery(now, reason.strip() or "借用人自取 (collected in person)")
        uow.commit()
    return rental


def request_pickup(uow: InventoryUoW, principal: Principal, rental_id: uuid.UUID,
                   *, now: datetime, window_end: datetime | None = None) -> Rental:
    with uow:
        rental, *_ = _load(uow, principal, "rental.visit", rental_id)
        rental.request_pickup(now, window_end)
        uow.commit()
    return rental


@dataclass(frozen=True)
class Swap:
    fault: str
    unit_id: uuid.UUID | None = None
    asset_tag: str | None = None


def swap_unit(uow: InventoryUoW, principal: Principal, rental_id: uuid.UUID, cmd: Swap,
              *, now: datetime) -> Rental:
    """A broken rented unit for another of its type at the station (named, or any free
    one): the rental goes on with the new unit; the broken one gets a repair ticket. A unit
    already in repair for this rental is detached from it (it goes to the shelf when
    repaired)."""
    with uow:
        rental, old, device_type, _ = _load(uow, principal, "rental.swap", rental_id)
        if cmd.unit_id is not None and cmd.asset_tag is not None:
            raise ValidationFailed.field("unit_id", "设备与资产标签只能给一个 "
                                         "(give unit_id or asset_tag, not both)")
        if cmd.unit_id is not None or cmd.asset_tag is not None:
            new = (uow.repo.get(Unit, cmd.unit_id, lock=True) if cmd.unit_id is not None
                   else uow.repo.unit_by_tag(cmd.asset_tag or "", lock=True))
            if new is None:
                raise NotFound("unit", cmd.unit_id or cmd.asset_tag)
            ensure_not_recalled(new, uow.repo.active_recalls(new.type_id))
        else:
            new = uow.repo.pick_free_unit(rental.type_id, rental.station_id)
            if new is None:
                refuse_if_recalled(uow, rental.type_id, rental.station_id)
                raise Conflict("本站暂无可替换的同类设备 (no unit of this type is free at this "
                               "station)", current_state="none_available")
        if new.status == UnitStatus.AVAILABLE:
            guard_stock(uow, new.type_id, rental.station_id, now=now,
                        back_on=loan_back_on(rental.due_on))
        ticket = uow.repo.open_ticket_of(old.id)
        on_loan_repair = ticket is not None and ticket.rental_id == rental.id
        rental.swap(old=None if on_loan_repair else old, new=new, device_type=device_type,
                    now=now, fault=cmd.fault)
        if ticket is not None and on_loan_repair:
            ticket.detach_from_rental()
        else:
            if ticket is not None:  # cannot be: a rented unit has no open ticket
                raise Conflict("该设备已有未关闭的维修单 (unit already has an open ticket)",
                               current_state=old.status)
            uow.repo.add(MaintenanceTicket(unit_id=old.id, station_id=old.current_station_id,
                                           fault=cmd.fault.strip(), opened_at=now))
        uow.session.flush()
        uow.commit()
    return rental


def report_repair(uow: InventoryUoW, principal: Principal, rental_id: uuid.UUID, fault: str,
                  *, now: datetime) -> MaintenanceTicket:
    """The rented unit goes to repair and the rental goes on; once repaired, the unit goes
    back to the borrower (or the clerk swaps it meanwhile)."""
    with uow:
        rental, unit, _, _ = _load(uow, principal, "rental.repair", rental_id)
        rental.report_repair(unit=unit)
        if uow.repo.open_ticket_of(unit.id) is not None:
            raise Conflict("该设备已有未关闭的维修单 (unit already has an open ticket)",
                           current_state=unit.status)
        ticket = MaintenanceTicket.open_on_loan(unit=unit, rental_id=rental.id, now=now,
                                                fault=fault)
        uow.repo.add(ticket)
        uow.session.flush()
        uow.commit()
    return ticket
