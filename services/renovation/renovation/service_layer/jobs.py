"""Periodic jobs: ``python -m renovation job deadlines`` (and the scheduler)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from renovation.domain.deadlines import record_breach, unreported
from renovation.service_layer.integration import publish
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
        raised = 0
        for breach in unreported(orders, settings, now):
            order = by_id[breach.work_order_id]
            if record_breach(order, breach, now):
                app = uow.repo.application(order.application_id)
                assert app is not None
                publish(uow, app, order.events, actor=None)
                order.events.clear()
                raised += 1
        uow.commit()
    return raised


def deadlines(ctx: ServiceContext) -> int:
    return scan_deadlines(cast(RenovationUoW, ctx.uow()), now=datetime.now(UTC))
