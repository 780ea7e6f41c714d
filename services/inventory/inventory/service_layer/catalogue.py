"""Use cases: stations and device types (federation staff maintain them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from svckit.auth.principal import Principal
from svckit.domain.errors import Conflict, NotFound, ValidationFailed

from inventory.adapters import orm
from inventory.domain.catalogue import DeviceType, Station, SupplyMode
from inventory.domain.iso9999 import validate_class, validate_code
from inventory.service_layer.policy import POLICY
from inventory.service_layer.uow import InventoryUoW


@dataclass(frozen=True)
class NewStation:
    name: str
    division_code: str
    address: str
    phone: str
    opening_days: list[int]
    active: bool = True


def create_station(uow: InventoryUoW, principal: Principal, cmd: NewStation) -> Station:
    POLICY.require_role(principal, "station.create")
    station = Station(name=cmd.name, division_code=cmd.division_code, address=cmd.address,
                      phone=cmd.phone, opening_days=list(cmd.opening_days), active=cmd.active)
    with uow:
        uow.repo.add(station)
        uow.session.flush()
        uow.commit()
    return station


def update_station(uow: InventoryUoW, principal: Principal, station_id: uuid.UUID,
                   changes: dict[str, Any]) -> Station:
    """Change a station's details or (de)activate it; the result is validated whole."""
    POLICY.require_role(principal, "station.update")
    with uow:
        station = uow.repo.get(Station, station_id, lock=True)
        if station is None:
            raise NotFound("station", station_id)
        merged = {k: getattr(station, k) for k in
                  ("name", "division_code", "address", "phone", "opening_days", "active")}
        merged.update(changes)
        checked = Station(**merged)  # validates every field together
        for key in merged:
            setattr(station, key, getattr(checked, key))
        uow.commit()
    return station


@dataclass(frozen=True)
class NewDeviceType:
    iso_code: str
    name_zh: str
    mode: str
    daily_fee_fen: int = 0
    deposit_fen: int = 0
    max_rental_days: int | None = None
    cleaning_buffer_hours: int = 0
    specs: dict[str, str] = field(default_factory=dict)


def create_device_type(uow: InventoryUoW, principal: Principal, cmd: NewDeviceType) -> DeviceType:
    POLICY.require_role(principal, "device_type.create")
    device_type = DeviceType(
        iso_code=cmd.iso_code, name_zh=cmd.name_zh, mode=SupplyMode(cmd.mode)
        if cmd.mode in {m.value for m in SupplyMode} else cmd.mode,  # type: ignore[arg-type]
        daily_fee_fen=cmd.daily_fee_fen, deposit_fen=cmd.deposit_fen,
        max_rental_days=cmd.max_rental_days, cleaning_buffer_hours=cmd.cleaning_buffer_hours,
        specs=dict(cmd.specs),
    )
    try:
        validate_code(device_type.iso_code)
    except ValueError as exc:
        raise ValidationFailed.field("iso_code", str(exc)) from None
    with uow:
        # several models per class (two wheelchairs of 12 22 03), never two of one name
        if any(t.name_zh == device_type.name_zh
               for t in uow.repo.types_by_iso(device_type.iso_code)):
            raise Conflict(f"分类{device_type.iso_code}下已有“{device_type.name_zh}” "
                           "(a type of this code and name is listed already)",
                           current_state="exists")
        device_type.loan_limit = uow.session.execute(
            sa.select(orm.loan_limits.c.max_open).where(
                orm.loan_limits.c.iso_class == device_type.iso_class)).scalar()
        uow.repo.add(device_type)
        uow.commit()
    return device_type


def loan_limits(uow: InventoryUoW, principal: Principal,
                iso_class: str | None = None) -> list[dict[str, Any]]:
    POLICY.require_role(principal, "device_type.read")
    stmt = sa.select(orm.loan_limits).order_by(orm.loan_limits.c.iso_class)
    if iso_class is not None:
        try:
            stmt = stmt.where(orm.loan_limits.c.iso_class == validate_class(iso_class))
        except ValueError as exc:
            raise ValidationFailed.field("iso_class", str(exc)) from None
    with uow:
        rows = uow.session.execute(stmt).mappings().all()
    return [dict(row) for row in rows]


def set_loan_limit(uow: InventoryUoW, principal: Principal, iso_class: str,
                   max_open: int) -> dict[str, Any]:
    """Staff set how many open loans of an ISO class a borrower may hold; the class's
    device types carry it from now on (a supervisor may still override one loan)."""
    POLICY.require_role(principal, "loan_limit.set")
    try:
        value = validate_class(iso_class)
    except ValueError as exc:
        raise ValidationFailed.field("iso_class", str(exc)) from None
    if not isinstance(max_open, int) or not 1 <= max_open <= 99:
        raise ValidationFailed.field("max_open", "上限应为1-99件 (1-99)")
    t = orm.loan_limits
    with uow:
        if uow.session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        uow.session.execute(insert(t).values(iso_class=value, max_open=max_open)
                            .on_conflict_do_update(index_elements=[t.c.iso_class],
                                                   set_={"max_open": max_open}))
        for device_type in uow.session.execute(sa.select(DeviceType)).scalars():
            if device_type.iso_class == value:
                device_type.loan_limit = max_open
        uow.commit()
    return {"iso_class": value, "max_open": max_open}
