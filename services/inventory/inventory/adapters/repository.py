"""Queries and row locks over the session of one unit of work.

``FOR UPDATE`` takes a row lock on PostgreSQL and is ignored by SQLite, where the unit of
work's ``BEGIN IMMEDIATE`` already serialises writers. ``SKIP LOCKED`` lets many clerks
asking "any wheelchair at my station" each get a different free unit without waiting
on one another.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from svckit.domain.identifiers import normalise
from svckit.http.pagination import MAX_PAGE_SIZE
from svckit.numbering import next_number

from inventory.adapters import orm
from inventory.domain.allocations import Allocation
from inventory.domain.borrowers import Borrower
from inventory.domain.catalogue import DeviceType, Station
from inventory.domain.maintenance import MaintenanceTicket
from inventory.domain.payments import Payment
from inventory.domain.recalls import Recall, RecallStatus
from inventory.domain.rentals import Rental, RentalStatus
from inventory.domain.reservations import Reservation, ReservationStatus
from inventory.domain.stocktakes import (
    ShelfUnit,
    Stocktake,
    StocktakeCorrection,
    StocktakeScan,
    StocktakeStatus,
)
from inventory.domain.transfers import Transfer
from inventory.domain.units import ConditionGrade, Movement, Unit, UnitStatus
from inventory.domain.waitlist import Booking, BookingStatus, WaitlistEntry, WaitStatus

T = TypeVar("T")


def _recall_covers_unit() -> sa.ColumnElement[bool]:
    """A standing recall covers the ``units`` row of the enclosing query."""
    rc, u = orm.recalls.c, orm.units.c
    return sa.and_(rc.status == RecallStatus.ACTIVE.value, rc.type_id == u.type_id,
                   sa.or_(rc.model.is_(None), rc.model == u.model),
                   sa.or_(rc.batch.is_(None), rc.batch == u.batch))


def _not_recalled() -> sa.ColumnElement[bool]:
    return ~sa.exists().where(_recall_covers_unit())


@functools.cache
def _check_out_context_stmt(by_tag: bool) -> Any:
    """Built once (bound parameters ``station_id``, ``borrower_id``, ``unit``, and the
    booking window ``first_day``/``last_day``): the check-out reads it on every request."""
    u, r, b, rt = orm.units.c, orm.reservations.c, orm.bookings.c, orm.rentals.c
    # the first standing recall covering the unit, if any (no further round trip)
    recall_id = (sa.select(orm.recalls.c.id).where(_recall_covers_unit())
                 .order_by(orm.recalls.c.placed_at).limit(1).scalar_subquery())
    # whether a booking of the type at the station overlaps the loan's days (only then
    # does the stock guard read them) and whether the borrower has a loan open (only then
    # are their open rentals loaded): the common check-out needs neither query
    booked = sa.exists().where(
        b.type_id == u.type_id, b.station_id == sa.bindparam("station_id", type_=sa.Uuid),
        b.status == BookingStatus.BOOKED.value,
        b.ends_on >= sa.bindparam("first_day", type_=sa.Date),
        b.starts_on <= sa.bindparam("last_day", type_=sa.Date))
    borrowing = sa.exists().where(
        rt.borrower_id == sa.bindparam("borrower_id", type_=sa.Uuid),
        rt.status == RentalStatus.ACTIVE.value)
    return (
        sa.select(Unit, DeviceType, Station, Borrower, Reservation, recall_id, booked,
                  borrowing)
        .select_from(orm.units)
        .join(orm.device_types, orm.device_types.c.id == u.type_id)
        .join(orm.stations, orm.stations.c.id == sa.bindparam("station_id", type_=sa.Uuid))
        .join(orm.borrowers, orm.borrowers.c.id == sa.bindparam("borrower_id", type_=sa.Uuid))
        .outerjoin(orm.reservations, sa.and_(
            r.unit_id == u.id, r.status == ReservationStatus.HELD.value))
        .where((u.asset_tag if by_tag else u.id) == sa.bindparam("unit"))
        .limit(1)
        .with_for_update(of=orm.units)
    )


@dataclass(frozen=True)
class CheckOutContext:
    """What a check-out of a named unit reads in one round trip."""
    unit: Unit
    device_type: DeviceType
    station: Station
    borrower: Borrower
    reservation: Reservation | None
    recall: Recall | None
    #: a booking of the unit's type at the station may overlap the window asked about
    #: (False: the one-query read saw none, the stock guard need not look)
    booked: bool
    #: the borrower may have a loan open (False: the read saw none)
    borrowing: bool


class Repository:
    """One repository for the service's aggregates (they share one session)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- generic --------------------------------------------------------------------
    def add(self, obj: object) -> None:
        self.session.add(obj)

    def get(self, cls: type[T], obj_id: uuid.UUID, *, lock: bool = False) -> T | None:
        if lock:
            return self.session.get(cls, obj_id, with_for_update=True)
        return self.session.get(cls, obj_id)

    def next_number(self, prefix: str, division: str, at: datetime) -> str:
        """The next document number of ``prefix`` for ``division`` in the China year of
        ``at`` (svckit.numbering: the counter row stays locked until this transaction ends,
        so concurrent documents never share a number)."""
        return next_number(self.session, orm.document_counters, prefix, division, at)

    def page(self, stmt: sa.Select[Any], page: int, page_size: int) -> tuple[list[Any], int]:
        """A page of ``stmt`` (ordered by the caller) and the total count."""
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        total = self.session.execute(
            sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
        ).scalar_one()
        rows = self.session.execute(
            stmt.limit(page_size).offset((max(page, 1) - 1) * page_size)
        ).scalars().all()
        return list(rows), int(total)

    # -- stations and catalogue -----------------------------------------------------
    def get_station(self, station_id: uuid.UUID) -> Station | None:
        return self.get(Station, station_id)

    def all_stations(self) -> list[Station]:
        return list(self.session.execute(sa.select(Station)).scalars())

    def stations_in_city(self, city_prefix: str) -> list[Station]:
        stmt = sa.select(Station).where(orm.stations.c.division_code.startswith(city_prefix))
        return list(self.session.execute(stmt).scalars())

    def types_by_iso(self, iso_code: str) -> list[DeviceType]:
        stmt = sa.select(DeviceType).where(orm.device_types.c.iso_code == iso_code)
        return list(self.session.execute(stmt).scalars())

    def type_by_iso(self, iso_code: str) -> DeviceType | None:
        stmt = sa.select(DeviceType).where(orm.device_types.c.iso_code == iso_code)
        return self.session.execute(stmt).scalars().first()

    # -- units ----------------------------------------------------------------------
    def unit_by_tag(self, asset_tag: str, *, lock: bool = False) -> Unit | None:
        stmt = sa.select(Unit).where(orm.units.c.asset_tag == normalise(asset_tag))
        if lock:
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalars().first()

    def check_out_context(
        self, station_id: uuid.UUID, borrower_id: uuid.UUID, *, first_day: date,
        last_day: date, unit_id: uuid.UUID | None = None, asset_tag: str | None = None,
    ) -> CheckOutContext | None:
        """What a check-out of a named unit reads, in one round trip: the unit (locked,
        ``FOR UPDATE OF units``), its type, the station, the borrower, the unit's held
        reservation if any, the standing recall covering it if any (loaded only then),
        whether a booking of the type at the station overlaps ``first_day``-``last_day``
        and whether the borrower has a loan open. None when the unit, station or borrower
        does not exist (the caller then looks them up one by one to say which)."""
        by_tag = unit_id is None
        params: dict[str, Any] = {"station_id": station_id, "borrower_id": borrower_id,
                                  "unit": normalise(asset_tag) if by_tag
                                  else unit_id, "first_day": first_day, "last_day": last_day}
        row = self.session.execute(_check_out_context_stmt(by_tag), params).first()
        if row is None:
            return None
        unit, device_type, station, borrower, reservation, recall_id, booked, borrowing = row
        recall = self.get(Recall, recall_id) if recall_id is not None else None
        return CheckOutContext(unit, device_type, station, borrower, reservation, recall,
                               bool(booked), bool(borrowing))

    def pick_free_unit(self, type_id: uuid.UUID, station_id: uuid.UUID) -> Unit | None:
        """Lock one available, issuable unit of the type at the station (best grade first),
        skipping units another transaction has locked: concurrent picks never collide."""
        u = orm.units.c
        stmt = (
            sa.select(Unit)
            .where(u.type_id == type_id, u.current_station_id == station_id,
                   u.status == UnitStatus.AVAILABLE.value, u.condition != ConditionGrade.D.value,
                   _not_recalled())
            .order_by(u.condition, u.asset_tag)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return self.session.execute(stmt).scalars().first()

    def availability(self, type_id: uuid.UUID,
                     station_ids: Sequence[uuid.UUID] | None = None) -> dict[uuid.UUID, int]:
        u, rc = orm.units.c, orm.recalls.c
        stmt = (
            sa.select(u.current_station_id, sa.func.count())
            .where(u.type_id == type_id, u.status == UnitStatus.AVAILABLE.value,
                   u.condition != ConditionGrade.D.value)
            .group_by(u.current_station_id)
        )
        # the recall filter needs every counted unit's model and batch (a join over all of
        # them, not an index-only count): only when a recall of the type stands
        recalled = sa.select(rc.id).where(rc.type_id == type_id,
                                          rc.status == RecallStatus.ACTIVE.value).limit(1)
        if self.session.execute(recalled).first() is not None:
            stmt = stmt.where(_not_recalled())
        if station_ids is not None:
            stmt = stmt.where(u.current_station_id.in_(list(station_ids)))
        return {row[0]: int(row[1]) for row in self.session.execute(stmt)}

    def stock_counts(self, station_ids: Sequence[uuid.UUID] | None) -> list[Any]:
        u = orm.units.c
        stmt = (
            sa.select(u.current_station_id, u.type_id, u.status, sa.func.count())
            .where(u.status.notin_([UnitStatus.ALLOCATED.value, UnitStatus.WRITTEN_OFF.value]))
            .group_by(u.current_station_id, u.type_id, u.status)
        )
        if station_ids is not None:
            stmt = stmt.where(u.current_station_id.in_(list(station_ids)))
        return list(self.session.execute(stmt))

    def units_with_history(self, station_ids: Sequence[uuid.UUID] | None) -> list[Unit]:
        """Units with their whole movement history (a loaded unit's ``movements`` start
        empty, see ``orm._history_not_loaded``): one query per 500 units for the history."""
        stmt = sa.select(Unit)
        if station_ids is not None:
            stmt = stmt.where(orm.units.c.current_station_id.in_(list(station_ids)))
        units = list(self.session.execute(stmt).scalars())
        history: dict[uuid.UUID, list[Movement]] = {u.id: [] for u in units}
        m = orm.unit_movements.c
        ids = list(history)
        for start in range(0, len(ids), 500):
            moves = self.session.execute(
                sa.select(Movement).where(m.unit_id.in_(ids[start:start + 500]))
                .order_by(m.unit_id, m.at)).scalars()
            for move in moves:
                history[move.unit_id].append(move)
        for unit in units:
            set_committed_value(unit, "movements", history[unit.id])
        return units

    def cleaning_done(self, now: datetime, limit: int) -> list[Unit]:
        u = orm.units.c
        stmt = (
            sa.select(Unit)
            .where(u.status == UnitStatus.CLEANING.value,
                   sa.or_(u.cleaning_until.is_(None), u.cleaning_until <= now))
            .limit(limit).with_for_update(skip_locked=True)
        )
        return list(self.session.execute(stmt).scalars())

    def transfer_in_transit_of(self, unit_id: uuid.UUID) -> Transfer | None:
        t = orm.transfers.c
        stmt = sa.select(Transfer).where(t.unit_id == unit_id, t.status == "in_transit")
        return self.session.execute(stmt.with_for_update()).scalars().first()

    def open_ticket_of(self, unit_id: uuid.UUID) -> MaintenanceTicket | None:
        t = orm.maintenance_tickets.c
        stmt = sa.select(MaintenanceTicket).where(
            t.unit_id == unit_id, t.status.in_(["open", "in_repair"]))
        return self.session.execute(stmt).scalars().first()

    # -- recalls --------------------------------------------------------------------
    def active_recalls(self, type_id: uuid.UUID) -> list[Recall]:
        rc = orm.recalls.c
        stmt = (sa.select(Recall)
                .where(rc.type_id == type_id, rc.status == RecallStatus.ACTIVE.value)
                .order_by(rc.placed_at))
        return list(self.session.execute(stmt).scalars())

    def recalled_free_units(self, type_id: uuid.UUID, station_id: uuid.UUID) -> list[Unit]:
        """Available units of the type at the station that a standing recall holds back."""
        u = orm.units.c
        stmt = sa.select(Unit).where(
            u.type_id == type_id, u.current_station_id == station_id,
            u.status == UnitStatus.AVAILABLE.value, ~_not_recalled()).limit(20)
        return list(self.session.execute(stmt).scalars())

    # -- stocktakes -----------------------------------------------------------------
    def open_stocktake_at(self, station_id: uuid.UUID) -> Stocktake | None:
        st = orm.stocktakes.c
        stmt = sa.select(Stocktake).where(st.station_id == station_id,
                                          st.status == StocktakeStatus.OPEN.value)
        return self.session.execute(stmt).scalars().first()

    def scans_of(self, stocktake_id: uuid.UUID) -> list[StocktakeScan]:
        sc = orm.stocktake_scans.c
        stmt = (sa.select(StocktakeScan).where(sc.stocktake_id == stocktake_id)
                .order_by(sc.scanned_at, sc.tag))
        return list(self.session.execute(stmt).scalars())

    def scan_of(self, stocktake_id: uuid.UUID, tag: str) -> StocktakeScan | None:
        sc = orm.stocktake_scans.c
        stmt = sa.select(StocktakeScan).where(sc.stocktake_id == stocktake_id, sc.tag == tag)
        return self.session.execute(stmt).scalars().first()

    def corrections_of(self, stocktake_id: uuid.UUID) -> list[StocktakeCorrection]:
        c = orm.stocktake_corrections.c
        stmt = (sa.select(StocktakeCorrection).where(c.stocktake_id == stocktake_id)
                .order_by(c.applied_at))
        return list(self.session.execute(stmt).scalars())

    def shelf_units(self, *, station_id: uuid.UUID | None = None,
                    unit_ids: Sequence[uuid.UUID] = ()) -> list[ShelfUnit]:
        """The units the records have at ``station_id`` and/or the units ``unit_ids``, as a
        count compares them (no ORM objects: a station may hold thousands)."""
        u = orm.units.c
        conditions = []
        if station_id is not None:
            conditions.append(u.current_station_id == station_id)
        if unit_ids:
            conditions.append(u.id.in_(list(unit_ids)))
        if not conditions:
            return []
        stmt = sa.select(u.id, u.asset_tag, u.status, u.current_station_id).where(
            sa.or_(*conditions))
        return [ShelfUnit(unit_id=row[0], asset_tag=row[1], status=row[2], station_id=row[3])
                for row in self.session.execute(stmt)]

    # -- borrowers ------------------------------------------------------------------
    def borrower_by_certificate(self, number: str) -> Borrower | None:
        stmt = sa.select(Borrower).where(orm.borrowers.c.certificate_number == number)
        return self.session.execute(stmt).scalars().first()

    @staticmethod
    def borrowers_at(station_ids: Sequence[uuid.UUID]) -> sa.CompoundSelect[Any]:
        """The ids of the borrowers tied to the stations: registered there, or with a
        rental, reservation or allocation there (now or before)."""
        tied = [sa.select(t.c.borrower_id).where(t.c.station_id.in_(station_ids))
                for t in (orm.rentals, orm.reservations, orm.allocations)]
        b = orm.borrowers.c
        return sa.union(sa.select(b.id).where(b.registered_station_id.in_(station_ids)), *tied)

    @staticmethod
    def borrowers_in_divisions(divisions: Sequence[str]) -> sa.ColumnElement[bool]:
        """Borrowers living within any of ``divisions`` (``is_within`` in SQL: a city
        covers its counties)."""
        column = orm.borrowers.c.division_code

        def within(scope: str) -> sa.ColumnElement[bool]:
            if scope.endswith("0000"):
                return column.startswith(scope[:2])
            if scope.endswith("00"):
                return column.startswith(scope[:4])
            return column == scope

        return sa.or_(sa.false(), *(within(d) for d in divisions))

    # -- rentals and reservations ---------------------------------------------------
    def standing_allocations_of(self, borrower_id: uuid.UUID) -> list[Allocation]:
        a = orm.allocations.c
        stmt = sa.select(Allocation).where(a.borrower_id == borrower_id,
                                           a.reclaimed_at.is_(None))
        return list(self.session.execute(stmt).scalars())

    def borrowers_to_anonymise(self, cutoff: datetime, limit: int) -> list[Borrower]:
        """Borrowers (locked, skipping locked ones) whose last transaction (loan, return,
        hold, allocation, status change, consent) is before ``cutoff``, with no open loan
        and no device to recover."""
        r, a, h, b = (orm.rentals.c, orm.allocations.c, orm.reservations.c,
                      orm.borrowers.c)
        moments = sa.union_all(
            sa.select(r.borrower_id.label("bid"), r.checked_out_at.label("at")),
            sa.select(r.borrower_id, r.returned_at).where(r.returned_at.is_not(None)),
            sa.select(a.borrower_id, a.allocated_at).where(a.borrower_id.is_not(None)),
            sa.select(a.borrower_id, a.reclaimed_at).where(a.reclaimed_at.is_not(None),
                                                           a.borrower_id.is_not(None)),
            sa.select(h.borrower_id, h.created_at).where(h.borrower_id.is_not(None)),
            sa.select(b.id, b.status_changed_at).where(b.status_changed_at.is_not(None)),
            sa.select(b.id, b.consent_at).where(b.consent_at.is_not(None)),
        ).subquery()
        last = (sa.select(moments.c.bid, sa.func.max(moments.c.at).label("last"))
                .group_by(moments.c.bid).subquery())
        open_loan = sa.exists().where(r.borrower_id == b.id, r.status == "active")
        to_recover = sa.exists().where(a.borrower_id == b.id, a.reclaimed_at.is_(None),
                                       a.recovery_reason.is_not(None))
        stmt = (sa.select(Borrower).join(last, last.c.bid == b.id)
                .where(b.anonymised_at.is_(None), last.c.last < cutoff, ~open_loan,
                       ~to_recover)
                .order_by(b.id).limit(limit).with_for_update(of=orm.borrowers,
                                                            skip_locked=True))
        return list(self.session.execute(stmt).scalars())

    def certificate_taken(self, number: str) -> bool:
        stmt = sa.select(orm.borrowers.c.id).where(orm.borrowers.c.certificate_number == number)
        return self.session.execute(stmt).first() is not None

    def open_rentals_of(self, borrower_id: uuid.UUID) -> list[Rental]:
        r = orm.rentals.c
        stmt = sa.select(Rental).where(r.borrower_id == borrower_id,
                                       r.status == RentalStatus.ACTIVE.value)
        return list(self.session.execute(stmt).scalars())

    def overdue_unnoticed(self, due_by: date, limit: int) -> list[Rental]:
        """Active rentals due on ``due_by`` or before whose overdue spell raised nothing."""
        r = orm.rentals.c
        stmt = (
            sa.select(Rental)
            .where(r.status == RentalStatus.ACTIVE.value, r.due_on <= due_by,
                   r.overdue_noticed_at.is_(None))
            .order_by(r.due_on).limit(limit).with_for_update(skip_locked=True)
        )
        return list(self.session.execute(stmt).scalars())

    def held_reservation_of_unit(self, unit_id: uuid.UUID) -> Reservation | None:
        r = orm.reservations.c
        stmt = sa.select(Reservation).where(r.unit_id == unit_id,
                                            r.status == ReservationStatus.HELD.value)
        return self.session.execute(stmt).scalars().first()

    def reservations_for_request(self, request_ref: str) -> list[Reservation]:
        stmt = sa.select(Reservation).where(orm.reservations.c.request_ref == request_ref)
        return list(self.session.execute(stmt).scalars())

    def expired_holds(self, now: datetime, limit: int) -> list[Reservation]:
        r = orm.reservations.c
        stmt = (
            sa.select(Reservation)
            .where(r.status == ReservationStatus.HELD.value, r.expires_at <= now)
            .order_by(r.expires_at).limit(limit).with_for_update(skip_locked=True)
        )
        return list(self.session.execute(stmt).scalars())

    # -- visits ---------------------------------------------------------------------
    def record_visit(self, **values: Any) -> None:
        self.session.execute(sa.insert(orm.visit_reports).values(**values))

    def visits_for(self, kind: str, source_id: str) -> list[dict[str, Any]]:
        v = orm.visit_reports.c
        stmt = (sa.select(orm.visit_reports)
                .where(v.source_kind == kind, v.source_id == source_id).order_by(v.id))
        return [dict(row._mapping) for row in self.session.execute(stmt)]

    # -- the payments ledger --------------------------------------------------------------

    def payments_of(self, rental_id: uuid.UUID) -> list[Payment]:
        stmt = (sa.select(Payment).where(orm.payments.c.rental_id == rental_id)
                .order_by(orm.payments.c.recorded_at, orm.payments.c.number))
        return list(self.session.scalars(stmt))

    def station_payments(self, station_id: uuid.UUID, *, before: datetime | None = None,
                         since: datetime | None = None) -> list[Payment]:
        """A station's entries recorded in ``[since, before)``, in time order."""
        p = orm.payments.c
        stmt = sa.select(Payment).where(p.station_id == station_id)
        if since is not None:
            stmt = stmt.where(p.recorded_at >= since)
        if before is not None:
            stmt = stmt.where(p.recorded_at < before)
        return list(self.session.scalars(stmt.order_by(p.recorded_at, p.number)))

    # -- the waiting list and date bookings ---------------------------------------------
    def lock_stock(self, type_id: uuid.UUID, station_id: uuid.UUID) -> None:
        """Serialise the changes that count the free units of a type at a station against
        its date bookings (ADR 0023): a transaction-scoped advisory lock on the pair.
        SQLite (embedded mode) has one writer at a time anyway."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        self.session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 23))"),
                             {"key": f"stock:{type_id}:{station_id}"})

    def free_count(self, type_id: uuid.UUID, station_id: uuid.UUID, *,
                   lock: bool = False) -> int:
        """The free (lendable) units of the type at the station; ``lock``: row-locked
        (waiting for a check-out or hold that has one locked, so that it is counted as it
        ends up)."""
        if not lock:
            return self.availability(type_id, [station_id]).get(station_id, 0)
        u = orm.units.c
        stmt = (sa.select(u.id)
                .where(u.type_id == type_id, u.current_station_id == station_id,
                       u.status == UnitStatus.AVAILABLE.value,
                       u.condition != ConditionGrade.D.value, _not_recalled())
                .with_for_update(of=orm.units))
        return len(self.session.execute(stmt).all())

    def coming_back(self, type_id: uuid.UUID,
                    station_id: uuid.UUID) -> tuple[list[date], int]:
        """What will be lendable again at the station: the due dates of the type's loans
        from there, and the cleaning-until times of its units in cleaning."""
        r, u = orm.rentals.c, orm.units.c
        due = self.session.execute(sa.select(r.due_on).where(
            r.type_id == type_id, r.station_id == station_id,
            r.status == RentalStatus.ACTIVE.value)).scalars()
        cleaning = self.session.execute(sa.select(sa.func.count()).where(
            u.type_id == type_id, u.current_station_id == station_id,
            u.status == UnitStatus.CLEANING.value)).scalar_one()
        return list(due), int(cleaning)

    def booked(self, type_id: uuid.UUID, station_id: uuid.UUID, start: date,
               until: date) -> list[Booking]:
        """Booked (not yet held) bookings of the type at the station overlapping the days."""
        b = orm.bookings.c
        stmt = (sa.select(Booking)
                .where(b.type_id == type_id, b.station_id == station_id,
                       b.status == BookingStatus.BOOKED.value, b.ends_on >= start,
                       b.starts_on <= until)
                .order_by(b.starts_on, b.created_at))
        return list(self.session.execute(stmt).scalars())

    def bookings_to_start(self, today: date, limit: int) -> list[Booking]:
        b = orm.bookings.c
        stmt = (sa.select(Booking)
                .where(b.status == BookingStatus.BOOKED.value, b.starts_on <= today)
                .order_by(b.starts_on, b.created_at).limit(limit)
                .with_for_update(skip_locked=True))
        return list(self.session.execute(stmt).scalars())

    def waiting_line(self, type_id: uuid.UUID, station_id: uuid.UUID) -> list[WaitlistEntry]:
        """The open entries (waiting or holding a unit) of the type at the station."""
        w = orm.waitlist_entries.c
        stmt = sa.select(WaitlistEntry).where(
            w.type_id == type_id, w.station_id == station_id,
            w.status.in_([WaitStatus.WAITING.value, WaitStatus.HELD.value]))
        return list(self.session.execute(stmt).scalars())

    def open_entry(self, borrower_id: uuid.UUID, type_id: uuid.UUID,
                   station_id: uuid.UUID) -> WaitlistEntry | None:
        w = orm.waitlist_entries.c
        stmt = sa.select(WaitlistEntry).where(
            w.borrower_id == borrower_id, w.type_id == type_id, w.station_id == station_id,
            w.status.in_([WaitStatus.WAITING.value, WaitStatus.HELD.value]))
        return self.session.execute(stmt).scalars().first()

    def entries_holding(self, reservation_ids: Sequence[uuid.UUID]) -> list[WaitlistEntry]:
        w = orm.waitlist_entries.c
        stmt = (sa.select(WaitlistEntry)
                .where(w.reservation_id.in_(list(reservation_ids)),
                       w.status == WaitStatus.HELD.value)
                .with_for_update())
        return list(self.session.execute(stmt).scalars())

    def borrowers_booking_today(self, borrower_id: uuid.UUID, type_id: uuid.UUID,
                                station_id: uuid.UUID, today: date) -> Booking | None:
        b = orm.bookings.c
        stmt = (sa.select(Booking)
                .where(b.borrower_id == borrower_id, b.type_id == type_id,
                       b.station_id == station_id, b.status == BookingStatus.BOOKED.value,
                       b.starts_on <= today, b.ends_on >= today)
                .order_by(b.starts_on).limit(1).with_for_update())
        return self.session.execute(stmt).scalars().first()
