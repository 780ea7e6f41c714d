"""Periodic jobs: ``python -m renovation job deadlines`` (and the scheduler)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast

from svckit.domain.clock import utcnow

from renovation.domain.deadlines import record_breach, unreported
from renovation.service_layer.uow import RenovationUoW

if TYPE_CHECKING:
    from svckit.service import ServiceContext


def scan_deadlines(uow: RenovationUoW, *, now: datetime) -> int:
    """Raise ``renovation.deadline_breached`` once per breach. The clocked orders are
    locked, so two scans at once cannot both report the same breach."""
    with uow:
        orders = list(uow.repo.clocked_work_orders(lock=True))
        settings = {p.id: p.deadlines for p in uow.repo.programmes()}
        by_id = {o.id: o for o in orders}
        raised = sum(record_breach(by_id[breach.work_order_id], breach, now)
                     for breach in unreported(orders, settings, now))
        uow.commit()
    return raised


def deadlines(ctx: ServiceContext) -> int:
    return scan_deadlines(cast(RenovationUoW, ctx.uow()), now=utcnow())
