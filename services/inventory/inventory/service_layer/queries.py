"""Read side: paginated lists limited to the caller's stations, availability and reports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from svckit.auth.principal import Principal
from svckit.domain.certificate import mask
from svckit.domain.clock import YEAR_MESSAGE, china_date, china_midnight, in_system_years
from svckit.domain.division import city_of, validate_division
from svckit.domain.docnumbers import normalise_number
from svckit.domain.errors import NotFound, ValidationFailed
from svckit.domain.fields import FieldErrors
from svckit.domain.identifiers import normalise

from inventory.adapters import orm
from inventory.domain.allocations import Allocation
from inventory.domain.borrowers import Borrower
from inventory.domain.catalogue import DeviceType, Station, rank_stations
from inventory.domain.maintenance import MaintenanceTicket
from inventory.domain.rentals import Rental, RentalStatus
from inventory.domain.reports import utilisation_by_type
from inventory.domain.reservations import Reservation
from inventory.domain.transfers import Transfer
from inventory.domain.units import Movement, Unit
from inventory.domain.waitlist import Booking
from inventory.service_layer.policy import (
    POLICY,
    borrower_scope,
    require_visible,
    stations_in_scope,
)
from inventory.service_layer.uow import InventoryUoW

#: the longest period a utilisation report covers
MAX_REPORT_DAYS = 366


@dataclass(frozen=True)
class Page:
    page: int = 1
    page_size: int = 20


def _paged(uow: InventoryUoW, stmt: sa.Select[Any], page: Page) -> dict[str, Any]:
    items, total = uow.repo.page(stmt, page.page, page.page_size)
    return {"items": items, "total": total, "page": page.page, "page_size": page.page_size}


def _scoped(uow: InventoryUoW, stmt: sa.Select[Any], principal: Principal,
            *columns: Any) -> sa.Select[Any]:
    """``stmt`` limited to the rows of the caller's stations (any of ``columns``)."""
    scope = stations_in_scope(uow, principal)
    if scope is None:
        return stmt
    return stmt.where(sa.or_(*(c.in_(scope) for c in columns)))


def _filters(stmt: sa.Select[Any], table: sa.Table, **values: Any) -> sa.Select[Any]:
    for name, value in values.items():
        if value is not None:
            stmt = stmt.where(table.c[name] == value)
    return stmt


def list_stations(uow: InventoryUoW, principal: Principal, page: Page,
                  division_code: str | None = None) -> dict[str, Any]:
    POLICY.require_role(principal, "station.read")
    t = orm.stations
    stmt = sa.select(Station).order_by(t.c.division_code, t.c.name)
    if division_code:
        prefix = normalise(division_code).rstrip("0")[:6]
        stmt = stmt.where(t.c.division_code.startswith(prefix))
    with uow:
        return _paged(uow, stmt, page)


def get_station(uow: InventoryUoW, principal: Principal, station_id: uuid.UUID) -> Station:
    POLICY.require_role(principal, "station.read")
    with uow:
        station = uow.repo.get(Station, station_id)
        if station is None:
            raise NotFound("station", station_id)
        return station


def list_types(uow: InventoryUoW, principal: Principal, page: Page) -> dict[str, Any]:
    POLICY.require_role(principal, "device_type.read")
    with uow:
        return _paged(uow, sa.select(DeviceType).order_by(orm.device_types.c.iso_code), page)


def get_type(uow: InventoryUoW, principal: Principal, type_id: uuid.UUID) -> DeviceType:
    POLICY.require_role(principal, "device_type.read")
    with uow:
        device_type = uow.repo.get(DeviceType, type_id)
        if device_type is None:
            raise NotFound("device_type", type_id)
        return device_type


def list_units(uow: InventoryUoW, principal: Principal, page: Page, *,
               station_id: uuid.UUID | None = None, type_id: uuid.UUID | None = None,
               status: str | None = None) -> dict[str, Any]:
    t = orm.units
    POLICY.require_role(principal, "unit.read")
    with uow:
        stmt = _scoped(uow, sa.select(Unit).order_by(t.c.asset_tag), principal,
                       t.c.current_station_id)
        stmt = _filters(stmt, t, current_station_id=station_id, type_id=type_id, status=status)
        return _paged(uow, stmt, page)


def unit_movements(uow: InventoryUoW, principal: Principal, unit_id: uuid.UUID,
                   page: Page) -> dict[str, Any]:
    """A page of the unit's append-only history of status and place."""
    POLICY.require_role(principal, "unit.read")
    m = orm.unit_movements.c
    stmt = sa.select(Movement).where(m.unit_id == unit_id).order_by(m.at, m.id)
    with uow:
        unit = uow.repo.get(Unit, unit_id)
        if unit is None:
            raise NotFound("unit", unit_id)
        require_visible(uow, principal, "unit.read", "unit", unit_id, unit.current_station_id)
        return _paged(uow, stmt, page)


def list_borrowers(uow: InventoryUoW, principal: Principal, page: Page,
                   division_code: str | None = None,
                   certificate_tail: str | None = None) -> dict[str, Any]:
    POLICY.require_role(principal, "borrower.read")
    t = orm.borrowers
    stmt = sa.select(Borrower).order_by(t.c.division_code, t.c.id)
    if division_code:
        stmt = stmt.where(t.c.division_code == normalise(division_code))
    if certificate_tail:
        stmt = stmt.where(t.c.certificate_number.endswith(normalise(certificate_tail),
                                                          autoescape=True))
    with uow:
        scope = borrower_scope(uow, principal)
        return _paged(uow, stmt if scope is None else stmt.where(scope), page)


def list_rentals(uow: InventoryUoW, principal: Principal, page: Page, *,
                 station_id: uuid.UUID | None = None, borrower_id: uuid.UUID | None = None,
                 unit_id: uuid.UUID | None = None, status: str | None = None,
                 number: str | None = None) -> dict[str, Any]:
    t = orm.rentals
    POLICY.require_role(principal, "rental.read")
    with uow:
        stmt = _scoped(uow, sa.select(Rental).order_by(t.c.checked_out_at.desc(), t.c.id),
                       principal, t.c.station_id)
        stmt = _filters(stmt, t, station_id=station_id, borrower_id=borrower_id, unit_id=unit_id,
                        status=status)
        if number is not None:  # as typed (full-width, lower case); a non-number finds none
            stmt = stmt.where(t.c.number == (normalise_number(number) or ""))
        return _paged(uow, stmt, page)


def list_reservations(uow: InventoryUoW, principal: Principal, page: Page, *,
                      station_id: uuid.UUID | None = None,
                      status: str | None = None) -> dict[str, Any]:
    t = orm.reservations
    POLICY.require_role(principal, "reservation.read")
    with uow:
        stmt = _scoped(uow, sa.select(Reservation).order_by(t.c.created_at.desc(), t.c.id),
                       principal, t.c.station_id)
        stmt = _filters(stmt, t, station_id=station_id, status=status)
        return _paged(uow, stmt, page)


def list_bookings(uow: InventoryUoW, principal: Principal, page: Page, *,
                  station_id: uuid.UUID | None = None, type_id: uuid.UUID | None = None,
                  status: str | None = None) -> dict[str, Any]:
    t = orm.bookings
    POLICY.require_role(principal, "booking.read")
    with uow:
        stmt = _scoped(uow, sa.select(Booking).order_by(t.c.starts_on, t.c.created_at, t.c.id),
                       principal, t.c.station_id)
        stmt = _filters(stmt, t, station_id=station_id, type_id=type_id, status=status)
        return _paged(uow, stmt, page)


def list_allocations(uow: InventoryUoW, principal: Principal, page: Page, *,
                     station_id: uuid.UUID | None = None) -> dict[str, Any]:
    t = orm.allocations
    POLICY.require_role(principal, "allocation.read")
    with uow:
        stmt = _scoped(uow, sa.select(Allocation).order_by(t.c.allocated_at.desc(), t.c.id),
                       principal, t.c.station_id)
        stmt = _filters(stmt, t, station_id=station_id)
        return _paged(uow, stmt, page)


def list_transfers(uow: InventoryUoW, principal: Principal, page: Page, *,
                   status: str | None = None) -> dict[str, Any]:
    t = orm.transfers
    POLICY.require_role(principal, "transfer.read")
    with uow:
        stmt = _scoped(uow, sa.select(Transfer).order_by(t.c.dispatched_at.desc(), t.c.id),
                       principal, t.c.from_station_id, t.c.to_station_id)
        stmt = _filters(stmt, t, status=status)
        body = _paged(uow, stmt, page)
        ids = {tr.unit_id for tr in body["items"]}
        u = orm.units.c
        tags = dict(uow.session.execute(sa.select(u.id, u.asset_tag).where(u.id.in_(ids))).all()
                    ) if ids else {}
        # the destination's clerk cannot open a unit still in transit: say which one it is
        body["items"] = [{**{name: getattr(tr, name) for name in TRANSFER_FIELDS},
                          "asset_tag": tags.get(tr.unit_id)} for tr in body["items"]]
        return body


TRANSFER_FIELDS = ("id", "unit_id", "from_station_id", "to_station_id", "dispatched_at", "note",
                   "status", "received_at")


def list_tickets(uow: InventoryUoW, principal: Principal, page: Page, *,
                 station_id: uuid.UUID | None = None,
                 status: str | None = None) -> dict[str, Any]:
    t = orm.maintenance_tickets
    POLICY.require_role(principal, "ticket.read")
    with uow:
        stmt = _scoped(uow, sa.select(MaintenanceTicket).order_by(t.c.opened_at.desc(), t.c.id),
                       principal, t.c.station_id)
        stmt = _filters(stmt, t, station_id=station_id, status=status)
        return _paged(uow, stmt, page)


def rental_detail(uow: InventoryUoW, principal: Principal,
                  rental_id: uuid.UUID) -> dict[str, Any]:
    """One rental and what volunteers reported about its delivery and pickup."""
    POLICY.require_role(principal, "rental.read")
    with uow:
        rental = uow.repo.get(Rental, rental_id)
        if rental is None:
            raise NotFound("rental", rental_id)
        require_visible(uow, principal, "rental.read", "rental", rental_id, rental.station_id)
        visits = (uow.repo.visits_for("rental_delivery", str(rental_id))
                  + uow.repo.visits_for("rental_pickup", str(rental_id)))
        return {**{c.key: getattr(rental, c.key) for c in orm.rentals.columns},
                "logistics_problem": rental.logistics_problem, "visits": visits}


# -- availability -----------------------------------------------------------------------

def availability(uow: InventoryUoW, principal: Principal, type_id: uuid.UUID,
                 division_code: str | None = None) -> list[dict[str, Any]]:
    """Free units of a type per station; with ``division_code`` only the stations of that
    city that have one, nearest first (same county, then the rest of the city)."""
    POLICY.require_role(principal, "unit.read")
    with uow:
        if division_code is None:
            counts = uow.repo.availability(type_id)
            stations = [s for s in uow.session.execute(sa.select(Station)).scalars()
                        if s.id in counts]
            stations.sort(key=lambda s: (s.division_code, s.name))
        else:
            try:
                division_code = validate_division(division_code)
            except ValueError as exc:
                raise ValidationFailed.field("division_code", str(exc)) from None
            city = uow.repo.stations_in_city(city_of(division_code)[:4])
            # count only the city's stations (ix_units_free_type_station), not the country
            counts = uow.repo.availability(type_id, [s.id for s in city]) if city else {}
            stations = [s for s in rank_stations(division_code, city) if s.id in counts]
        return [{"station_id": s.id, "station_name": s.name, "division_code": s.division_code,
                 "same_county": s.division_code == division_code, "available": counts[s.id]}
                for s in stations]


# -- reports ----------------------------------------------------------------------------

def stock_report(uow: InventoryUoW, principal: Principal,
                 station_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
    POLICY.require_role(principal, "report.read")
    with uow:
        scope = stations_in_scope(uow, principal)
        if station_id is not None:
            scope = [station_id] if scope is None or station_id in scope else []
        names = {s.id: s.name for s in uow.session.execute(sa.select(Station)).scalars()}
        types = {t.id: t for t in uow.session.execute(sa.select(DeviceType)).scalars()}
        rows: dict[tuple[uuid.UUID, uuid.UUID], dict[str, int]] = {}
        for station_id, type_id, status, n in uow.repo.stock_counts(scope):
            rows.setdefault((station_id, type_id), {})[str(status)] = int(n)
    out = []
    for (station_id, type_id), counts in sorted(
            rows.items(), key=lambda kv: (names.get(kv[0][0], ""), types[kv[0][1]].iso_code)):
        out.append({"station_id": station_id, "station_name": names.get(station_id, ""),
                    "type_id": type_id, "iso_code": types[type_id].iso_code,
                    "type_name": types[type_id].name_zh, "counts": counts,
                    "total": sum(counts.values())})
    return out


def utilisation_report(uow: InventoryUoW, principal: Principal, start: date | None,
                       end: date | None, *, now: datetime) -> dict[str, Any]:
    """Per type over ``[start, end)`` (China dates; default the last 30 days)."""
    POLICY.require_role(principal, "report.read")
    errors = FieldErrors()
    for name, day in (("start", start), ("end", end)):
        if day is not None and not in_system_years(day):
            errors.add(name, YEAR_MESSAGE)
    errors.raise_if_any()  # before any arithmetic or time-zone conversion on them
    end = end or china_date(now) + timedelta(days=1)
    start = start or end - timedelta(days=30)
    if start >= end or (end - start).days > MAX_REPORT_DAYS:
        raise ValidationFailed.field("start", f"统计区间应为1-{MAX_REPORT_DAYS}天，且开始早于结束 "
                                     f"(period of 1-{MAX_REPORT_DAYS} days, start before end)")
    lo, hi = china_midnight(start), min(china_midnight(end), now)
    with uow:
        types = {t.id: t for t in uow.session.execute(sa.select(DeviceType)).scalars()}
        scope = stations_in_scope(uow, principal)
        figures = utilisation_by_type(uow.repo.units_with_history(scope), lo, hi)
    items = [{"type_id": type_id, "iso_code": types[type_id].iso_code,
              "type_name": types[type_id].name_zh,
              "rented_hours": round(u.rented.total_seconds() / 3600, 1),
              "in_stock_hours": round(u.in_stock.total_seconds() / 3600, 1), "rate": u.rate}
             for type_id, u in figures.items()]
    items.sort(key=lambda i: str(i["iso_code"]))
    return {"start": start, "end": end, "items": items}


def overdue_report(uow: InventoryUoW, principal: Principal, page: Page,
                   *, now: datetime) -> dict[str, Any]:
    """Active rentals past their due date, longest overdue first."""
    t = orm.rentals
    POLICY.require_role(principal, "report.read")
    with uow:
        stmt = _scoped(uow, sa.select(Rental).where(
            t.c.status == RentalStatus.ACTIVE.value, t.c.due_on < china_date(now),
        ).order_by(t.c.due_on, t.c.checked_out_at), principal, t.c.station_id)
        result = _paged(uow, stmt, page)
        borrowers = {b.id: b for b in uow.session.execute(
            sa.select(Borrower).where(orm.borrowers.c.id.in_(
                [r.borrower_id for r in result["items"]]))).scalars()}
        tags = dict(uow.session.execute(
            sa.select(orm.units.c.id, orm.units.c.asset_tag).where(
                orm.units.c.id.in_([r.unit_id for r in result["items"]]))).all())
    result["items"] = [{
        "rental_id": r.id, "rental_number": r.number, "station_id": r.station_id,
        "unit_id": r.unit_id,
        "asset_tag": tags.get(r.unit_id, ""), "due_on": r.due_on,
        "days_overdue": r.days_overdue(now),
        "borrower_id": r.borrower_id,
        "borrower_certificate": borrowers[r.borrower_id].masked_certificate,
        "borrower_phone": borrowers[r.borrower_id].masked_phone,
        "borrower_contact_name": borrowers[r.borrower_id].contact_name,
        "overdue_noticed_at": r.overdue_noticed_at,
    } for r in result["items"]]
    return result


def recovery_report(uow: InventoryUoW, principal: Principal, page: Page) -> dict[str, Any]:
    """Open rentals and standing allocations flagged for recovery (the borrower died,
    moved away, lost the certificate), with the unit and the masked borrower."""
    r, a, u, b = orm.rentals.c, orm.allocations.c, orm.units.c, orm.borrowers.c
    POLICY.require_role(principal, "report.read")
    rentals_q = (sa.select(sa.literal("rental").label("kind"), r.id.label("rental_id"),
                           r.number.label("rental_number"),
                           sa.cast(sa.null(), sa.Uuid).label("allocation_id"),
                           r.station_id, r.unit_id, r.borrower_id,
                           r.recovery_reason.label("reason"))
                 .where(r.status == RentalStatus.ACTIVE.value, r.recovery_reason.is_not(None)))
    alloc_q = (sa.select(sa.literal("allocation"), sa.cast(sa.null(), sa.Uuid),
                         sa.cast(sa.null(), sa.String), a.id, a.station_id, a.unit_id,
                         a.borrower_id, a.recovery_reason)
               .where(a.reclaimed_at.is_(None), a.recovery_reason.is_not(None)))
    scope = None
    with uow:
        scope = stations_in_scope(uow, principal)
        if scope is not None:
            rentals_q = rentals_q.where(r.station_id.in_(scope))
            alloc_q = alloc_q.where(a.station_id.in_(scope))
        both = sa.union_all(rentals_q, alloc_q).subquery()
        stmt = (sa.select(both, u.asset_tag, b.certificate_number)
                .join(orm.units, u.id == both.c.unit_id)
                .join(orm.borrowers, b.id == both.c.borrower_id)
                .order_by(both.c.kind.desc(), u.asset_tag))
        total = uow.session.execute(
            sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
        rows = uow.session.execute(stmt.limit(page.page_size)
                                   .offset((page.page - 1) * page.page_size)).mappings().all()
    items = [{
        "kind": row["kind"], "rental_id": row["rental_id"],
        "rental_number": row["rental_number"], "allocation_id": row["allocation_id"],
        "station_id": row["station_id"], "unit_id": row["unit_id"],
        "asset_tag": row["asset_tag"], "borrower_id": row["borrower_id"],
        "borrower_certificate": mask(row["certificate_number"]), "reason": row["reason"],
    } for row in rows]
    return {"items": items, "total": int(total), "page": page.page,
            "page_size": page.page_size}
