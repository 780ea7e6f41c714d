"""Use cases of the waiting list and of date bookings, and the stock guard that keeps
date bookings servable (ADR 0023).

* A clerk puts a borrower on the waiting list of a type at a station, reads the line
  (position, waiting since) and takes an entry off it.
* Whenever a unit becomes free at a station (taken into stock, received, cleaned after a
  return, repaired, a hold released), :func:`serve_freed` runs in the same transaction
  (the unit of work calls it before it commits): a booking whose day has come is served
  first, then the first borrower in line gets a hold of the unit and is told
  (``inventory.waitlist_unit_held``). A hold that ends unused closes its entry and frees
  the unit again, so the next in line gets it.
* A date booking reserves a unit of a type at a station for future days;
  :func:`guard_stock` refuses a loan or hold that would leave a booked day without a unit.

Concurrency (ADR 0023): a booking is placed under the pair's advisory lock after
row-locking the free units it counts; a check-out or hold that finds booked days takes
the same advisory lock before counting.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from svckit.auth.principal import Principal
from svckit.domain.clock import china_date, china_midnight
from svckit.domain.errors import Conflict, NotFound, ValidationFailed

from inventory.domain.borrowers import Borrower
from inventory.domain.catalogue import DeviceType, Station
from inventory.domain.rentals import loan_blocks
from inventory.domain.reservations import Reservation, ReservationStatus
from inventory.domain.units import Unit, UnitStatus
from inventory.domain.waitlist import (
    Booking,
    WaitlistEntry,
    WaitStatus,
    first_unservable,
    in_line,
    overbooked,
    refusal,
)
from inventory.service_layer.policy import load_visible, require_at
from inventory.service_layer.uow import InventoryUoW

#: how long a unit stays held for the borrower it was held for from the waiting list or a
#: booking (``INVENTORY_WAITLIST_HOLD_DAYS``, default three days)
HOLD_ENV = "INVENTORY_WAITLIST_HOLD_DAYS"
DEFAULT_HOLD_DAYS = 3
#: a unit on loan counts for bookings from two days after its due date (the return day
#: and its cleaning); one being cleaned from tomorrow
BACK_AFTER_DUE = timedelta(days=2)


def hold_period() -> timedelta:
    raw = os.environ.get(HOLD_ENV, "").strip()
    days = int(raw) if raw else DEFAULT_HOLD_DAYS
    if days < 1:
        raise ValueError(f"{HOLD_ENV} must be a positive number of days")
    return timedelta(days=days)


def _load(uow: InventoryUoW, cls: type, obj_id: uuid.UUID, kind: str) -> Any:
    obj = uow.repo.get(cls, obj_id)
    if obj is None:
        raise NotFound(kind, obj_id)
    return obj


def _blocks(uow: InventoryUoW, borrower: Borrower, device_type: DeviceType,
            now: datetime) -> list[Conflict]:
    """What a check-out would refuse for the borrower (overdue loan, class limit)."""
    from inventory.service_layer.rentals import _class_limit

    open_rentals = uow.repo.open_rentals_of(borrower.id)
    return loan_blocks(borrower, open_rentals, _class_limit(uow, device_type, open_rentals),
                       now)


# -- the stock guard ---------------------------------------------------------------------

def _coming(uow: InventoryUoW, type_id: uuid.UUID, station_id: uuid.UUID,
            today: date) -> list[date]:
    due, cleaning = uow.repo.coming_back(type_id, station_id)
    return [loan_back_on(d) for d in due] + [today + timedelta(days=1)] * cleaning


def loan_back_on(due_on: date) -> date:
    """The day a unit lent until ``due_on`` counts for bookings again."""
    return due_on + BACK_AFTER_DUE


def hold_back_on(expires_at: datetime) -> date:
    """The day a unit held until ``expires_at`` counts for bookings again."""
    return china_date(expires_at) + timedelta(days=1)


def stock_window(now: datetime, back_on: date) -> tuple[date, date]:
    """The China days a unit taken now and counting again on ``back_on`` is away: the
    bookings overlapping them are the ones :func:`guard_stock` weighs."""
    today = china_date(now)
    return today, max(back_on - timedelta(days=1), today)


def guard_stock(uow: InventoryUoW, type_id: uuid.UUID, station_id: uuid.UUID, *,
                now: datetime, back_on: date, borrower_id: uuid.UUID | None = None) -> None:
    """Before a free unit of the type is taken at the station until the day before
    ``back_on`` (:func:`loan_back_on`, :func:`hold_back_on`): 409 naming the booking that
    would be left without a unit. A
    loan to a borrower whose own booking covers today is lent against that booking
    (``borrower_id``: it is fulfilled). Call before the unit changes (the count reads it
    as free). One query when the station has no booking of the type in the period."""
    today, until = stock_window(now, back_on)
    bookings = uow.repo.booked(type_id, station_id, today, until)
    if not bookings:
        return
    if borrower_id is not None:
        own = next((b for b in bookings if b.borrower_id == borrower_id
                    and b.starts_on <= today <= b.ends_on), None)
        if own is not None:
            own.fulfil(now, today)
            return
    uow.repo.lock_stock(type_id, station_id)
    bookings = uow.repo.booked(type_id, station_id, today, until)
    clash = first_unservable(bookings, free=uow.repo.free_count(type_id, station_id),
                             coming=_coming(uow, type_id, station_id, today), start=today,
                             until=until, taking=1)
    if clash is not None:
        raise refusal(clash)


def guard_extension(uow: InventoryUoW, type_id: uuid.UUID, station_id: uuid.UUID, *,
                    now: datetime, old_due: date, new_due: date) -> None:
    """After a loan was extended from ``old_due`` to ``new_due`` (in this unit of work,
    before it commits): 409 naming the booking
    that counted on its unit coming back after ``old_due``. Nothing to check when the new
    due date brings the unit back no later. One query when no booking overlaps the days
    the unit is now kept."""
    today = china_date(now)
    was_back, back_on = loan_back_on(old_due), loan_back_on(new_due)
    if back_on <= was_back:
        return
    start, until = max(was_back, today), back_on - timedelta(days=1)
    if start > until or not uow.repo.booked(type_id, station_id, start, until):
        return
    uow.repo.lock_stock(type_id, station_id)
    bookings = uow.repo.booked(type_id, station_id, start, until)
    uow.session.flush()  # the loan at its new due date, as the count below reads it
    coming = _coming(uow, type_id, station_id, today)
    coming.remove(back_on)  # this loan: back only after the period checked
    clash = first_unservable(bookings, free=uow.repo.free_count(type_id, station_id),
                             coming=coming, start=start, until=until)
    if clash is not None:
        raise refusal(clash)


# -- serving freed units (called by the unit of work before it commits) ------------------

def _hold_until(now: datetime, last_day: date | None = None) -> datetime:
    until = now + hold_period()
    if last_day is not None:
        until = min(until, china_midnight(last_day + timedelta(days=1)))
    return max(until, now + timedelta(hours=1))


def serve_freed(uow: InventoryUoW, freed: list[Unit], closed: list[Reservation],
                now: datetime) -> None:
    """``closed``: holds that ended in this transaction (their waiting-list entries end:
    served or lapsed). ``freed``: units that became free; each goes to a booking whose
    day has come, else to the first borrower in line of its type at its station."""
    if closed:
        for entry in uow.repo.entries_holding([r.id for r in closed]):
            entry.hold_ended(next(r for r in closed if r.id == entry.reservation_id), now)
    for unit in freed:
        if unit.status == UnitStatus.AVAILABLE:
            _serve(uow, unit, now)


def _serve(uow: InventoryUoW, unit: Unit, now: datetime) -> None:
    station = uow.repo.get(Station, unit.current_station_id)
    if station is None or not station.active or unit.condition == "D":
        return
    if any(r.active and r.matches(unit) for r in uow.repo.active_recalls(unit.type_id)):
        return  # held back by a recall: lent to no one
    today = china_date(now)
    for booking in uow.repo.booked(unit.type_id, station.id, today, today):
        if booking.starts_on <= today:
            _hold_booking(uow, booking, unit, station, now)
            return
    line = in_line(uow.repo.waiting_line(unit.type_id, station.id))
    for entry in line:
        borrower = uow.repo.get(Borrower, entry.borrower_id)
        if borrower is None or borrower.status != "active" or borrower.consent_at is None:
            continue  # no longer usable: skipped, stays in line for the clerk to see
        expires_at = _hold_until(now)
        try:
            guard_stock(uow, unit.type_id, station.id, now=now,
                        back_on=hold_back_on(expires_at))
        except Conflict:
            return  # the unit is promised to a booking
        uow.repo.add(entry.hold(unit=unit, station=station, borrower=borrower, now=now,
                                expires_at=expires_at))
        uow.session.flush()
        return


def _hold_booking(uow: InventoryUoW, booking: Booking, unit: Unit, station: Station,
                  now: datetime) -> bool:
    borrower = uow.repo.get(Borrower, booking.borrower_id)
    if borrower is None or borrower.status != "active" or borrower.consent_at is None:
        return False
    uow.repo.add(booking.hold(unit=unit, station=station, borrower=borrower, now=now,
                              expires_at=_hold_until(now, booking.ends_on)))
    uow.session.flush()
    return True


# -- the waiting list --------------------------------------------------------------------

@dataclass(frozen=True)
class Join:
    station_id: uuid.UUID
    type_id: uuid.UUID
    borrower_id: uuid.UUID


def join(uow: InventoryUoW, principal: Principal, cmd: Join, *, now: datetime) -> WaitlistEntry:
    """Put a borrower on the line; if a unit is free right now it is held for the first
    in line at once (the borrower, when the line was empty)."""
    with uow:
        require_at(uow, principal, "waitlist.join", cmd.station_id)
        station: Station = _load(uow, Station, cmd.station_id, "station")
        device_type: DeviceType = _load(uow, DeviceType, cmd.type_id, "device_type")
        borrower: Borrower = _load(uow, Borrower, cmd.borrower_id, "borrower")
        uow.repo.lock_stock(device_type.id, station.id)
        existing = uow.repo.open_entry(borrower.id, device_type.id, station.id)
        if existing is not None:
            raise Conflict("该借用人已在本站该类设备的候补名单中 (the borrower is already on this "
                           "waiting list)", current_state=existing.status,
                           entry_id=str(existing.id))
        entry = WaitlistEntry.join(station=station, device_type=device_type, borrower=borrower,
                                   now=now, blocks=_blocks(uow, borrower, device_type, now))
        uow.repo.add(entry)
        uow.session.flush()
        unit = uow.repo.pick_free_unit(device_type.id, station.id)
        if unit is not None:
            _serve(uow, unit, now)
        uow.commit()
    return entry


def _entry(uow: InventoryUoW, principal: Principal, action: str, entry_id: uuid.UUID,
           lock: bool = False) -> WaitlistEntry:
    return load_visible(uow, principal, action, WaitlistEntry, "waitlist_entry", entry_id,
                        lock=lock)


def positions(entries: list[WaitlistEntry]) -> dict[uuid.UUID, int]:
    return {e.id: i for i, e in enumerate(in_line(entries), 1)}


def get_entry(uow: InventoryUoW, principal: Principal, entry_id: uuid.UUID) -> dict[str, Any]:
    with uow:
        entry = _entry(uow, principal, "waitlist.read", entry_id)
        line = uow.repo.waiting_line(entry.type_id, entry.station_id)
        return entry_view(entry, positions(line).get(entry.id))


def entry_view(entry: WaitlistEntry, position: int | None) -> dict[str, Any]:
    return {"id": entry.id, "type_id": entry.type_id, "station_id": entry.station_id,
            "borrower_id": entry.borrower_id, "waiting_since": entry.created_at,
            "priority": entry.priority, "status": entry.status, "position": position,
            "reservation_id": entry.reservation_id, "held_at": entry.held_at,
            "closed_at": entry.closed_at}


def read_line(uow: InventoryUoW, principal: Principal, station_id: uuid.UUID,
              type_id: uuid.UUID) -> list[dict[str, Any]]:
    """The open entries of a type at a station: held ones first, then the line in order."""
    with uow:
        require_at(uow, principal, "waitlist.read", station_id)
        entries = uow.repo.waiting_line(type_id, station_id)
        pos = positions(entries)
        held = sorted((e for e in entries if e.status == WaitStatus.HELD),
                      key=lambda e: e.held_at or e.created_at)
        return ([entry_view(e, None) for e in held]
                + [entry_view(e, pos[e.id]) for e in in_line(entries)])


def cancel_entry(uow: InventoryUoW, principal: Principal, entry_id: uuid.UUID,
                 *, now: datetime) -> dict[str, Any]:
    """Off the list; a unit held for the entry is released (and goes to the next)."""
    with uow:
        entry = _entry(uow, principal, "waitlist.cancel", entry_id, lock=True)
        entry.cancel(now)
        if entry.reservation_id is not None:
            reservation = uow.repo.get(Reservation, entry.reservation_id, lock=True)
            if reservation is not None and reservation.status == ReservationStatus.HELD:
                unit = uow.repo.get(Unit, reservation.unit_id, lock=True)
                assert unit is not None
                reservation.cancel(unit, now)
        uow.commit()
        return entry_view(entry, None)


# -- date bookings -----------------------------------------------------------------------

@dataclass(frozen=True)
class Book:
    station_id: uuid.UUID
    type_id: uuid.UUID
    borrower_id: uuid.UUID
    starts_on: date
    ends_on: date


def book(uow: InventoryUoW, principal: Principal, cmd: Book, *, now: datetime) -> Booking:
    with uow:
        require_at(uow, principal, "booking.place", cmd.station_id)
        station: Station = _load(uow, Station, cmd.station_id, "station")
        device_type: DeviceType = _load(uow, DeviceType, cmd.type_id, "device_type")
        borrower: Borrower = _load(uow, Borrower, cmd.borrower_id, "borrower")
        today = china_date(now)
        booking = Booking.book(station=station, device_type=device_type, borrower=borrower,
                               starts_on=cmd.starts_on, ends_on=cmd.ends_on, today=today,
                               now=now, blocks=_blocks(uow, borrower, device_type, now))
        uow.repo.lock_stock(device_type.id, station.id)
        free = uow.repo.free_count(device_type.id, station.id, lock=True)
        others = uow.repo.booked(device_type.id, station.id, booking.starts_on,
                                 booking.ends_on)
        clash = overbooked(booking, others, free=free,
                           coming=_coming(uow, device_type.id, station.id, today))
        if clash is not None:
            raise clash
        uow.repo.add(booking)
        uow.session.flush()
        uow.commit()
    return booking


def availability(uow: InventoryUoW, principal: Principal, station_id: uuid.UUID,
                 type_id: uuid.UUID, starts_on: date, ends_on: date,
                 *, now: datetime) -> dict[str, Any]:
    """How many more bookings the days could take: the fewest units left on any day."""
    if ends_on < starts_on:
        raise ValidationFailed.field("ends_on", "结束日期不能早于开始日期 "
                                     "(cannot be before the start)")
    if ends_on - starts_on > timedelta(days=366):
        raise ValidationFailed.field("ends_on", "最多查询一年 (at most a year)")
    with uow:
        require_at(uow, principal, "booking.read", station_id)
        today = china_date(now)
        free = uow.repo.free_count(type_id, station_id)
        coming = _coming(uow, type_id, station_id, today)
        bookings = uow.repo.booked(type_id, station_id, starts_on, ends_on)
        start = max(starts_on, today)
        days = sorted({start} | {max(b.starts_on, start) for b in bookings})
        left = min((free + sum(1 for c in coming if c <= d)
                    - sum(1 for b in bookings if b.covers(d))) for d in days
                   if d <= max(ends_on, start))
        return {"station_id": station_id, "type_id": type_id, "starts_on": starts_on,
                "ends_on": ends_on, "free_now": free, "booked": len(bookings),
                "available": max(left, 0)}


def _booking(uow: InventoryUoW, principal: Principal, action: str, booking_id: uuid.UUID,
             lock: bool = False) -> Booking:
    return load_visible(uow, principal, action, Booking, "booking", booking_id, lock=lock)


def get_booking(uow: InventoryUoW, principal: Principal, booking_id: uuid.UUID) -> Booking:
    with uow:
        return _booking(uow, principal, "booking.read", booking_id)


def cancel_booking(uow: InventoryUoW, principal: Principal, booking_id: uuid.UUID,
                   *, now: datetime) -> Booking:
    with uow:
        booking = _booking(uow, principal, "booking.cancel", booking_id, lock=True)
        booking.cancel(now)
        uow.commit()
    return booking


def start_booking(uow: InventoryUoW, booking: Booking, now: datetime) -> str:
    """The job's step for a booking whose first day came: hold a free unit for it; with
    none free it stays booked (the first unit freed at the station goes to it); once its
    last day has passed it lapses."""
    today = china_date(now)
    if booking.ends_on < today:
        booking.lapse(now)
        return "lapsed"
    station = uow.repo.get(Station, booking.station_id)
    unit = uow.repo.pick_free_unit(booking.type_id, booking.station_id)
    if station is None or unit is None:
        return "waiting"
    return "held" if _hold_booking(uow, booking, unit, station, now) else "waiting"

