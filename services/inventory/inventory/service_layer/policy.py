"""Who may do what in the inventory service: its one policy (``svckit.auth.policy``).

Clerks and supervisors act at the stations in their token, federation staff at every
station (or, with districts in the token, at the stations of those districts: a
station's division code); supervisors and staff may also override the overdue block and
write units off. Every other role is refused (403).

Borrowers (PIPL: personal data only where it is needed): any clerk may find a person by
the exact certificate number (the walk-in; a masked record). Lists, reads (masked or in
full) and edits of a borrower reach only the borrowers tied to the caller's stations
(registered there, or with a rental, reservation or allocation there, now or before);
supervisors also those living in their stations' counties; staff those in their
districts (no districts: the whole city). Anyone else is, to them, not there (404).

A use case checks the action on the object it loaded. An object of a station outside
the caller's scope is, to them, not there (404: its existence does not leak); an action
at a station the caller does not serve is refused (403).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

import sqlalchemy as sa
from svckit.auth.policy import Policy
from svckit.auth.principal import Principal, Role
from svckit.domain.errors import NotFound

from inventory.adapters import orm
from inventory.domain.borrowers import Borrower
from inventory.domain.catalogue import Station
from inventory.service_layer.uow import InventoryUoW

AT_STATIONS = {Role.CLERK, Role.SUPERVISOR, Role.STAFF}
OVERRIDE = {Role.SUPERVISOR, Role.STAFF}
STAFF = {Role.STAFF}

POLICY = Policy("inventory", {
    # the catalogue: read by everyone of the service, kept by federation staff
    "station.read": AT_STATIONS,
    "station.create": STAFF,
    "station.update": STAFF,
    "device_type.read": AT_STATIONS,
    "device_type.create": STAFF,
    "loan_limit.set": STAFF,
    # borrowers (see the module docstring for their scope)
    "borrower.read": AT_STATIONS,
    "borrower.register": AT_STATIONS,
    "borrower.update": AT_STATIONS,
    "borrower.read_personal": AT_STATIONS,
    "borrower.status": AT_STATIONS,  # deceased, moved away, certificate cancelled
    # objects of a station
    "unit.read": AT_STATIONS,
    "unit.register": AT_STATIONS,
    "unit.finish_cleaning": AT_STATIONS,
    "unit.update": AT_STATIONS,  # model and batch from the device's plate
    "unit.write_off": OVERRIDE,
    "reservation.read": AT_STATIONS,
    "reservation.place": AT_STATIONS,
    "reservation.cancel": AT_STATIONS,
    # the waiting list of a type at a station, and date bookings (ADR 0023)
    "waitlist.read": AT_STATIONS,
    "waitlist.join": AT_STATIONS,
    "waitlist.cancel": AT_STATIONS,
    "booking.read": AT_STATIONS,
    "booking.place": AT_STATIONS,
    "booking.cancel": AT_STATIONS,
    "rental.read": AT_STATIONS,
    "rental.contact": AT_STATIONS,  # the borrower's full name and phone (logged)
    "rental.check_out": AT_STATIONS,
    "rental.override_overdue": OVERRIDE,
    "rental.extend": AT_STATIONS,
    "rental.return": AT_STATIONS,
    "rental.report_lost": AT_STATIONS,
    "rental.visit": AT_STATIONS,  # ask for or call off a home delivery or pickup
    "rental.swap": AT_STATIONS,  # another unit for a broken one, the rental goes on
    "rental.repair": AT_STATIONS,  # the rented unit to repair, the rental goes on
    "allocation.read": AT_STATIONS,
    "allocation.allocate": AT_STATIONS,
    "allocation.reclaim": AT_STATIONS,
    "transfer.read": AT_STATIONS,
    "transfer.dispatch": AT_STATIONS,
    "transfer.receive": AT_STATIONS,
    "ticket.read": AT_STATIONS,
    "ticket.open": AT_STATIONS,
    "ticket.repair": AT_STATIONS,
    "ticket.write_off": OVERRIDE,
    "report.read": AT_STATIONS,
    # recalls: staff hold a type, model or batch; everyone of the service sees the holds
    # and, for their stations, the units out to recover
    "recall.read": AT_STATIONS,
    "recall.place": STAFF,
    "recall.lift": STAFF,
    # stocktake of a station's shelves (a write-off among the corrections: OVERRIDE)
    "stocktake.read": AT_STATIONS,
    "stocktake.start": AT_STATIONS,
    "stocktake.scan": AT_STATIONS,
    "stocktake.close": AT_STATIONS,
    "stocktake.correct": AT_STATIONS,
    # the payments ledger: clerks at their stations, staff everywhere
    "payment.read": AT_STATIONS,
    "payment.record": AT_STATIONS,
    "payment.reverse": AT_STATIONS,  # a correction is a reversing entry, never an edit
    "payment.settlement": AT_STATIONS,  # month-end settlement, deposits held
})


def _divisions(uow: InventoryUoW, principal: Principal,
               station_ids: Iterable[uuid.UUID]) -> list[str]:
    """The division codes of the stations, loaded only for a caller limited to districts
    (for the others a station's division decides nothing)."""
    if principal.division_filter() is None:
        return []
    stations = (uow.repo.get(Station, station_id) for station_id in station_ids)
    return [s.division_code for s in stations if s is not None]


def require_at(uow: InventoryUoW, principal: Principal, action: str,
               station: Station | uuid.UUID) -> None:
    """403 unless the caller may do ``action`` at ``station``."""
    if isinstance(station, Station):
        POLICY.require(principal, action, station=station.id, division=station.division_code)
    else:
        POLICY.require(principal, action, station=station,
                       division=_divisions(uow, principal, [station]))


def require_visible(uow: InventoryUoW, principal: Principal, action: str, kind: str,
                    key: object, *station_ids: uuid.UUID) -> None:
    """403 unless the caller's role may do ``action``; 404 unless their scope covers one
    of ``station_ids`` (the object's station; a transfer's origin or destination)."""
    POLICY.require_role(principal, action)
    if not principal.covers(station=station_ids,
                            division=_divisions(uow, principal, station_ids)):
        raise NotFound(kind, key)


T = TypeVar("T")


def load_visible(uow: InventoryUoW, principal: Principal, action: str, cls: type[T],
                 kind: str, obj_id: uuid.UUID, *, lock: bool,
                 stations: Callable[[T], tuple[uuid.UUID, ...]] | None = None) -> T:
    """The ``cls`` object ``obj_id`` for ``action``: 403 unless the role may do it; 404
    when there is none or the caller's scope covers none of its stations (``stations``;
    by default its ``station_id``). ``lock``: read ``FOR UPDATE``."""
    POLICY.require_role(principal, action)
    obj = uow.repo.get(cls, obj_id, lock=lock)
    if obj is None:
        raise NotFound(kind, obj_id)
    ids = stations(obj) if stations is not None else (obj.station_id,)  # type: ignore[attr-defined]
    require_visible(uow, principal, action, kind, obj_id, *ids)
    return obj


def stations_in_scope(uow: InventoryUoW, principal: Principal) -> list[uuid.UUID] | None:
    """The stations a list or report is limited to (``None``: every station)."""
    if principal.station_filter() is None and principal.division_filter() is None:
        return None
    return sorted(s.id for s in uow.repo.all_stations()
                  if principal.covers(station=s.id, division=s.division_code))


def _own_stations(principal: Principal) -> list[uuid.UUID]:
    ids = []
    for value in principal.stations:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue  # not a station of this service: reaches nothing
    return ids


def borrower_scope(uow: InventoryUoW, principal: Principal) -> sa.ColumnElement[bool] | None:
    """The condition on ``borrowers`` that limits a list to the caller's borrowers
    (``None``: every borrower). The rule is in the module docstring."""
    if principal.role in (Role.CLERK, Role.SUPERVISOR):
        stations = _own_stations(principal)
        tied: sa.ColumnElement[bool] = orm.borrowers.c.id.in_(uow.repo.borrowers_at(stations))
        if principal.role == Role.SUPERVISOR:
            divisions = [s.division_code for s in map(uow.repo.get_station, stations)
                         if s is not None]
            tied = sa.or_(tied, uow.repo.borrowers_in_divisions(divisions))
        return tied
    districts = principal.division_filter()
    return None if districts is None else uow.repo.borrowers_in_divisions(districts)


def borrower_in_scope(uow: InventoryUoW, principal: Principal, borrower: Borrower) -> bool:
    scope = borrower_scope(uow, principal)
    if scope is None:
        return True
    stmt = sa.select(orm.borrowers.c.id).where(orm.borrowers.c.id == borrower.id, scope)
    return uow.session.execute(stmt).first() is not None


def require_borrower(uow: InventoryUoW, principal: Principal, action: str,
                     borrower: Borrower) -> None:
    """403 unless the caller's role may do ``action``; 404 unless the borrower is theirs."""
    POLICY.require_role(principal, action)
    if not borrower_in_scope(uow, principal, borrower):
        raise NotFound("borrower", borrower.id)
