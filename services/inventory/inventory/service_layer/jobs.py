"""Periodic jobs (``python -m inventory job NAME`` or the scheduler process).

Each object is handled in its own short transaction, picked with ``FOR UPDATE SKIP
LOCKED`` so that two schedulers (or a scheduler and a clerk) never work on one row, and a
failure on one object does not hold up the others. Each returns how many it changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from svckit.domain.clock import china_date, utcnow
from svckit.service import ServiceContext

from inventory.service_layer.requests import expire_hold
from inventory.service_layer.uow import InventoryUoW

log = logging.getLogger(__name__)
BATCH = 100


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
    """Raise ``rental.overdue`` once per overdue spell for every late, active rental."""
    at = now or utcnow()

    def step(uow: InventoryUoW) -> int:
        rentals = uow.repo.overdue_unnoticed(china_date(at), BATCH)
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
