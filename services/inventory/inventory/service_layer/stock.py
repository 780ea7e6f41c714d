"""Use cases on the stock: units, reservations, free allocation, transfers, maintenance."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from svckit.auth.principal import Principal
from svckit.domain.errors import Conflict, NotFound, ValidationFailed

from inventory.domain.allocations import Allocation
from inventory.domain.borrowers import Borrower
from inventory.domain.catalogue import DeviceType, Station
from inventory.domain.maintenance import MaintenanceTicket
from inventory.domain.recalls import ensure_not_recalled
from inventory.domain.reservations import Reservation
from inventory.domain.transfers import Transfer
from inventory.domain.units import AcquisitionKind, ConditionGrade, Unit, UnitStatus
from inventory.service_layer.policy import POLICY, load_visible, require_at, require_visible
from inventory.service_layer.recalls import refuse_if_recalled
from inventory.service_layer.uow import InventoryUoW
from inventory.service_layer.waitlist import guard_stock, hold_back_on

#: a clerk's hold lasts this long unless they say otherwise (at most MAX_HOLD)
DEFAULT_HOLD = timedelta(hours=48)
MAX_HOLD = timedelta(days=14)


def _grade(raw: str, field: str = "condition") -> ConditionGrade:
    try:
        return ConditionGrade(raw)
    except ValueError:
        raise ValidationFailed.field(field, "成色应为A、B、C或D (grade A-D)") from None


def _unit(uow: InventoryUoW, principal: Principal, action: str, unit_id: uuid.UUID, *,
          lock: bool = True) -> Unit:
    return load_visible(uow, principal, action, Unit, "unit", unit_id, lock=lock,
                        stations=lambda u: (u.current_station_id,))


def _get(uow: InventoryUoW, cls: type, obj_id: uuid.UUID, kind: str) -> object:
    obj = uow.repo.get(cls, obj_id)
    if obj is None:
        raise NotFound(kind, obj_id)
    return obj


# -- units ------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewUnit:
    asset_tag: str
    serial: str
    type_id: uuid.UUID
    station_id: uuid.UUID
    condition: str
    acquisition: str
    acquired_on: date
    cost_fen: int
    model: str | None = None
    batch: str | None = None


def register_unit(uow: InventoryUoW, principal: Principal, cmd: NewUnit, *, now: datetime) -> Unit:
    with uow:
        require_at(uow, principal, "unit.register", cmd.station_id)
        try:
            acquisition = AcquisitionKind(cmd.acquisition)
        except ValueError:
            raise ValidationFailed.field("acquisition", "应为purchase或donation "
                                         "(purchase or donation)") from None
        unit = Unit.register(
            asset_tag=cmd.asset_tag, serial=cmd.serial, type_id=cmd.type_id,
            station_id=cmd.station_id, condition=_grade(cmd.condition), acquisition=acquisition,
            acquired_on=cmd.acquired_on, cost_fen=cmd.cost_fen, now=now,
            model=cmd.model, batch=cmd.batch,
        )
        station = _get(uow, Station, cmd.station_id, "station")
        assert isinstance(station, Station)
        station.ensure_active()
        _get(uow, DeviceType, cmd.type_id, "device_type")
        if uow.repo.unit_by_tag(unit.asset_tag) is not None:
            raise Conflict(f"资产编号{unit.asset_tag}已被使用 (asset tag in use)",
                           current_state="exists")
        uow.repo.add(unit)
        uow.commit()
    return unit


def get_unit(uow: InventoryUoW, principal: Principal, unit_id: uuid.UUID) -> Unit:
    with uow:
        return _unit(uow, principal, "unit.read", unit_id, lock=False)


def describe_unit(uow: InventoryUoW, principal: Principal, unit_id: uuid.UUID,
                  changes: dict[str, str | None]) -> Unit:
    """Record (or correct) a unit's model and batch; a field left out keeps its value."""
    with uow:
        unit = _unit(uow, principal, "unit.update", unit_id)
        unit.describe(model=changes.get("model", unit.model),
                      batch=changes.get("batch", unit.batch))
        uow.commit()
    return unit


def unit_by_tag(uow: InventoryUoW, principal: Principal, asset_tag: str) -> Unit:
    POLICY.require_role(principal, "unit.read")
    with uow:
        unit = uow.repo.unit_by_tag(asset_tag)
        if unit is None:
            raise NotFound("unit", asset_tag)
        require_visible(uow, principal, "unit.read", "unit", asset_tag, unit.current_station_id)
        return unit


def write_off_unit(uow: InventoryUoW, principal: Principal, unit_id: uuid.UUID, reason: str,
                   *, now: datetime) -> Unit:
    """报废 by a supervisor or staff. A unit in maintenance is written off through its
    ticket so that the ticket closes too."""
    with uow:
        unit = _unit(uow, principal, "unit.write_off", unit_id)
        ticket = uow.repo.open_ticket_of(unit.id)
        transfer = (uow.repo.transfer_in_transit_of(unit.id)
                    if unit.status == UnitStatus.IN_TRANSIT else None)
        if ticket is not None:
            ticket.write_off(unit=unit, now=now, reason=reason)
        elif transfer is not None:  # lost on the way: the transfer closes as lost
            transfer.lose(unit=unit, now=now, reason=reason)
        else:
            unit.write_off(now, reason)
        uow.commit()
    return unit


def finish_cleaning(uow: InventoryUoW, principal: Principal, unit_id: uuid.UUID, *,
                    now: datetime) -> Unit:
    """A clerk of the unit's station marks it cleaned; the domain refuses before the
    type's cleaning buffer is over (409)."""
    with uow:
        unit = _unit(uow, principal, "unit.finish_cleaning", unit_id)
        unit.finish_cleaning(now)
        uow.commit()
    return unit


# -- reservations -----------------------------------------------------------------------

@dataclass(frozen=True)
class Reserve:
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    type_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    expires_at: datetime | None = None


def reserve(uow: InventoryUoW, principal: Principal, cmd: Reserve, *, now: datetime) -> Reservation:
    with uow:
        require_at(uow, principal, "reservation.place", cmd.station_id)
        if (cmd.type_id is None) == (cmd.unit_id is None):
            raise ValidationFailed.field("type_id", "请指定设备类型或设备之一 "
                                         "(give exactly one of type_id, unit_id)")
        expires_at = cmd.expires_at or now + DEFAULT_HOLD
        if expires_at > now + MAX_HOLD:
            raise ValidationFailed.field("expires_at", "预约最长14天 (a hold lasts at most 14 "
                                         "days)")
        station = _get(uow, Station, cmd.station_id, "station")
        borrower = _get(uow, Borrower, cmd.borrower_id, "borrower")
        assert isinstance(station, Station) and isinstance(borrower, Borrower)
        if cmd.type_id is not None:
            _get(uow, DeviceType, cmd.type_id, "device_type")
            unit = uow.repo.pick_free_unit(cmd.type_id, cmd.station_id)
            if unit is None:
                refuse_if_recalled(uow, cmd.type_id, cmd.station_id)
                raise Conflict("本站暂无可预约的该类设备 (no unit of this type is free here)",
                               current_state="none_available")
        else:
            assert cmd.unit_id is not None
            unit = _unit(uow, principal, "reservation.place", cmd.unit_id)
            ensure_not_recalled(unit, uow.repo.active_recalls(unit.type_id))
        if unit.status == UnitStatus.AVAILABLE:
            guard_stock(uow, unit.type_id, station.id, now=now,
                        back_on=hold_back_on(expires_at))
        reservation = Reservation.place(unit=unit, station=station, now=now,
                                        expires_at=expires_at, borrower=borrower)
        uow.repo.add(reservation)
        uow.session.flush()
        uow.commit()
    return reservation


def _reservation(uow: InventoryUoW, principal: Principal, action: str,
                 reservation_id: uuid.UUID, lock: bool = True) -> Reservation:
    return load_visible(uow, principal, action, Reservation, "reservation", reservation_id,
                        lock=lock)


def get_reservation(uow: InventoryUoW, principal: Principal,
                    reservation_id: uuid.UUID) -> Reservation:
    with uow:
        return _reservation(uow, principal, "reservation.read", reservation_id, lock=False)


def cancel_reservation(uow: InventoryUoW, principal: Principal, reservation_id: uuid.UUID,
                       *, now: datetime) -> Reservation:
    with uow:
        reservation = _reservation(uow, principal, "reservation.cancel", reservation_id)
        unit = uow.repo.get(Unit, reservation.unit_id, lock=True)
        assert unit is not None
        reservation.cancel(unit, now)
        uow.commit()
    return reservation


# -- free allocation (发放) --------------------------------------------------------------

@dataclass(frozen=True)
class Allocate:
    unit_id: uuid.UUID
    borrower_id: uuid.UUID
    reason: str


def allocate(uow: InventoryUoW, principal: Principal, cmd: Allocate,
             *, now: datetime) -> Allocation:
    with uow:
        unit = _unit(uow, principal, "allocation.allocate", cmd.unit_id)
        borrower = _get(uow, Borrower, cmd.borrower_id, "borrower")
        device_type = _get(uow, DeviceType, unit.type_id, "device_type")
        station = _get(uow, Station, unit.current_station_id, "station")
        assert isinstance(borrower, Borrower) and isinstance(device_type, DeviceType)
        assert isinstance(station, Station)
        ensure_not_recalled(unit, uow.repo.active_recalls(unit.type_id))
        reservation = None
        if unit.status == UnitStatus.RESERVED:
            reservation = uow.repo.held_reservation_of_unit(unit.id)
        elif unit.status == UnitStatus.AVAILABLE:  # given away: never back for a booking
            guard_stock(uow, unit.type_id, station.id, now=now, back_on=date.max)
        allocation = Allocation.allocate(unit=unit, device_type=device_type, station=station,
                                         borrower=borrower, now=now, reason=cmd.reason,
                                         reservation=reservation)
        uow.repo.add(allocation)
        uow.session.flush()
        uow.commit()
    return allocation


def reclaim_allocation(uow: InventoryUoW, principal: Principal, allocation_id: uuid.UUID,
                       condition: str, reason: str, *, now: datetime) -> Allocation:
    """A given-away device comes back into stock at the allocating station."""
    POLICY.require_role(principal, "allocation.reclaim")
    with uow:
        allocation = uow.repo.get(Allocation, allocation_id, lock=True)
        if allocation is None:
            raise NotFound("allocation", allocation_id)
        require_visible(uow, principal, "allocation.reclaim", "allocation", allocation_id,
                        allocation.station_id)
        unit = uow.repo.get(Unit, allocation.unit_id, lock=True)
        assert unit is not None
        device_type = _get(uow, DeviceType, unit.type_id, "device_type")
        assert isinstance(device_type, DeviceType)
        allocation.reclaim(unit=unit, device_type=device_type, now=now,
                           condition=_grade(condition), reason=reason)
        uow.commit()
    return allocation


def get_allocation(uow: InventoryUoW, principal: Principal, allocation_id: uuid.UUID) -> Allocation:
    POLICY.require_role(principal, "allocation.read")
    with uow:
        allocation = uow.repo.get(Allocation, allocation_id)
        if allocation is None:
            raise NotFound("allocation", allocation_id)
        require_visible(uow, principal, "allocation.read", "allocation", allocation_id,
                        allocation.station_id)
        return allocation


# -- transfers --------------------------------------------------------------------------

def dispatch(uow: InventoryUoW, principal: Principal, unit_id: uuid.UUID,
             to_station_id: uuid.UUID, note: str, *, now: datetime) -> Transfer:
    with uow:
        unit = _unit(uow, principal, "transfer.dispatch", unit_id)
        origin = _get(uow, Station, unit.current_station_id, "station")
        target = _get(uow, Station, to_station_id, "station")
        assert isinstance(origin, Station) and isinstance(target, Station)
        transfer = Transfer.dispatch(unit=unit, from_station=origin, to_station=target,
                                     now=now, note=note)
        uow.repo.add(transfer)
        uow.session.flush()
        uow.commit()
    return transfer


def _transfer(uow: InventoryUoW, principal: Principal, action: str, transfer_id: uuid.UUID,
              lock: bool = True) -> Transfer:
    """Seen by the stations at both ends."""
    return load_visible(uow, principal, action, Transfer, "transfer", transfer_id, lock=lock,
                        stations=lambda t: (t.from_station_id, t.to_station_id))


def get_transfer(uow: InventoryUoW, principal: Principal, transfer_id: uuid.UUID) -> Transfer:
    with uow:
        return _transfer(uow, principal, "transfer.read", transfer_id, lock=False)


def receive(uow: InventoryUoW, principal: Principal, transfer_id: uuid.UUID,
            at_station_id: uuid.UUID, *, now: datetime) -> Transfer:
    """Received by a clerk of ``at_station_id``; the domain refuses any station but the
    destination (409)."""
    with uow:
        require_at(uow, principal, "transfer.receive", at_station_id)
        transfer = _transfer(uow, principal, "transfer.receive", transfer_id)
        unit = uow.repo.get(Unit, transfer.unit_id, lock=True)
        assert unit is not None
        transfer.receive(unit=unit, at_station_id=at_station_id, now=now)
        uow.commit()
    return transfer


# -- maintenance ------------------------------------------------------------------------

def open_ticket(uow: InventoryUoW, principal: Principal, unit_id: uuid.UUID, fault: str,
                *, now: datetime) -> MaintenanceTicket:
    with uow:
        unit = _unit(uow, principal, "ticket.open", unit_id)
        if uow.repo.open_ticket_of(unit.id) is not None:
            raise Conflict("该设备已有未关闭的维修单 (unit already has an open ticket)",
                           current_state=unit.status)
        ticket = MaintenanceTicket.open(unit=unit, now=now, fault=fault)
        uow.repo.add(ticket)
        uow.session.flush()
        uow.commit()
    return ticket


def _ticket(uow: InventoryUoW, principal: Principal, action: str, ticket_id: uuid.UUID,
            lock: bool = True) -> tuple[MaintenanceTicket, Unit]:
    ticket = load_visible(uow, principal, action, MaintenanceTicket, "maintenance_ticket",
                          ticket_id, lock=lock)
    unit = uow.repo.get(Unit, ticket.unit_id, lock=lock)
    assert unit is not None
    return ticket, unit


def get_ticket(uow: InventoryUoW, principal: Principal, ticket_id: uuid.UUID) -> MaintenanceTicket:
    with uow:
        return _ticket(uow, principal, "ticket.read", ticket_id, lock=False)[0]


def start_repair(uow: InventoryUoW, principal: Principal,
                 ticket_id: uuid.UUID) -> MaintenanceTicket:
    with uow:
        ticket, _ = _ticket(uow, principal, "ticket.repair", ticket_id)
        ticket.start_repair()
        uow.commit()
    return ticket


def resolve_ticket(uow: InventoryUoW, principal: Principal, ticket_id: uuid.UUID,
                   condition: str, repair_cost_fen: int, resolution: str,
                   *, now: datetime) -> MaintenanceTicket:
    with uow:
        ticket, unit = _ticket(uow, principal, "ticket.repair", ticket_id)
        ticket.resolve(unit=unit, now=now, condition=_grade(condition),
                       repair_cost_fen=repair_cost_fen, resolution=resolution)
        uow.commit()
    return ticket


def write_off_ticket(uow: InventoryUoW, principal: Principal, ticket_id: uuid.UUID,
                     reason: str, repair_cost_fen: int, *, now: datetime) -> MaintenanceTicket:
    with uow:
        ticket, unit = _ticket(uow, principal, "ticket.write_off", ticket_id)
        ticket.write_off(unit=unit, now=now, reason=reason, repair_cost_fen=repair_cost_fen)
        uow.commit()
    return ticket
