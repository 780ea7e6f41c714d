"""Periodic jobs (``python -m inventory job NAME`` or the scheduler process).

Each object is handled in its own short transaction, picked with ``FOR UPDATE SKIP
LOCKED`` so that two schedulers (or a scheduler and a clerk) never work on one row, and a
failure on one object does not hold up the others. Each returns how many it changed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import date, datetime, timedelta

from svckit.domain.certificate import make_certificate
from svckit.domain.clock import china_date, utcnow
from svckit.service import ServiceContext

from inventory.domain.borrowers import Borrower
from inventory.domain.rentals import overdue_call_due_by
from inventory.service_layer.requests import expire_hold
from inventory.service_layer.uow import InventoryUoW
from inventory.service_layer.waitlist import start_booking

log = logging.getLogger(__name__)
BATCH = 100

#: PIPL retention: a borrower's personal data is anonymised this long after their last
#: transaction (``INVENTORY_PIPL_RETENTION_DAYS``, default three years)
RETENTION_ENV = "INVENTORY_PIPL_RETENTION_DAYS"
DEFAULT_RETENTION = timedelta(days=3 * 365)


def retention_period() -> timedelta:
    raw = os.environ.get(RETENTION_ENV, "").strip()
    if not raw:
        return DEFAULT_RETENTION
    days = int(raw)
    if days < 1:
        raise ValueError(f"{RETENTION_ENV} must be a positive number of days")
    return timedelta(days=days)


def anonymous_certificate(borrower: Borrower, taken: Callable[[str], bool]) -> str:
    """A synthetic, checksum-valid certificate number for an anonymised borrower: region
    ``000000``, a made-up birth date and sequence from the record's id, and the original
    category and grade (kept for the statistics)."""
    n = borrower.id.int
    while True:
        birth = date(1900, 1, 1) + timedelta(days=(n >> 10) % 40_000)
        first17 = "000000" + birth.strftime("%Y%m%d") + f"{n % 1000:03d}"
        number = make_certificate(first17, int(borrower.category), borrower.grade)
        if not taken(number):
            return number
        n += 1


def anonymise_borrowers(ctx: ServiceContext, now: datetime | None = None,
                        retention: timedelta | None = None) -> int:
    """PIPL: anonymise borrowers whose last transaction is older than the retention period
    and who hold no open loan and no device to recover."""
    at = now or utcnow()
    cutoff = at - (retention or retention_period())

    def step(uow: InventoryUoW) -> int:
        found = uow.repo.borrowers_to_anonymise(cutoff, BATCH)
        for borrower in found:
            borrower.anonymise(at, anonymous_certificate(borrower, uow.repo.certificate_taken))
            uow.session.flush()
        return len(found)

    return _drain(step, ctx)


def _uow(ctx: ServiceContext) -> InventoryUoW:
    uow = ctx.uow()
    assert isinstance(uow, InventoryUoW)
    return uow


def _drain(step: Callable[[InventoryUoW], int], ctx: ServiceContext) -> int:
    total = 0
    while True:
        uow = _uow(ctx)
        with uow:
            n = step(uow)
            uow.commit()
        total += n
        if n < BATCH:
            return total


def overdue_scan(ctx: ServiceContext, now: datetime | None = None) -> int:
    """Raise ``rental.overdue`` (a volunteer's phone call) once per overdue spell for every
    active rental 7 days overdue, after that morning's last SMS reminder
    (``OVERDUE_CALL_AFTER``)."""
    at = now or utcnow()

    def step(uow: InventoryUoW) -> int:
        rentals = uow.repo.overdue_unnoticed(overdue_call_due_by(at), BATCH)
        for rental in rentals:
            rental.notice_overdue(at)
        return len(rentals)

    return _drain(step, ctx)


def expire_reservations(ctx: ServiceContext, now: datetime | None = None) -> int:
    """Holds past their expiry free their unit (a renovation hold also says so by event)."""
    at = now or utcnow()

    def step(uow: InventoryUoW) -> int:
        holds = uow.repo.expired_holds(at, BATCH)
        for reservation in holds:
            expire_hold(uow, reservation, at)
        return len(holds)

    return _drain(step, ctx)


def release_cleaned(ctx: ServiceContext, now: datetime | None = None) -> int:
    """Units whose cleaning buffer is over become available again."""
    at = now or utcnow()

    def step(uow: InventoryUoW) -> int:
        done = uow.repo.cleaning_done(at, BATCH)
        for unit in done:
            unit.settle(at)
        return len(done)

    return _drain(step, ctx)


def start_bookings(ctx: ServiceContext, now: datetime | None = None) -> int:
    """Date bookings whose first day has come become holds of a free unit (the borrower
    is told); with none free they wait for the first unit freed at the station; past
    their last day they lapse. Returns how many were held or lapsed."""
    at = now or utcnow()
    changed = 0

    def step(uow: InventoryUoW) -> int:
        nonlocal changed
        found = uow.repo.bookings_to_start(china_date(at), BATCH)
        for booking in found:
            changed += start_booking(uow, booking, at) != "waiting"
        return len(found)

    # a booking left waiting is picked again by the next run, not by this one's next batch
    uow = _uow(ctx)
    with uow:
        step(uow)
        uow.commit()
    return changed
