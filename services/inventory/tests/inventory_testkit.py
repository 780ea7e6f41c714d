"""Helpers of the inventory integration and API tests (conftest puts this folder on
sys.path)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from inventory.adapters import orm
from inventory.domain.units import AcquisitionKind, ConditionGrade, Unit
from inventory.seed import seed_id, station_ids
from inventory.service_layer.uow import InventoryUoW
from svckit.auth.principal import Principal, Role
from svckit.domain.clock import china_date
from svckit.service import ServiceContext

ST = station_ids()  # "SZX", "DCF", "CP", "YG", "LQ", "GX"
TY = {key: seed_id("type", key) for key in ("WC", "WF", "CC", "SC", "BD", "CU", "PR")}
BO = {f"B{n}": seed_id("borrower", f"B{n}") for n in range(1, 9)}
OVERDUE_RENTAL = seed_id("rental", "R2")  # 东昌府区, borrower B7, ten days overdue


def uow_of(ctx: ServiceContext) -> InventoryUoW:
    uow = ctx.uow()
    assert isinstance(uow, InventoryUoW)
    return uow


def principal(role: str, *stations: str, sub: str = "tester") -> Principal:
    return Principal(sub=sub, role=Role(role), stations=tuple(str(ST[s]) for s in stations))


def today() -> date:
    return china_date(datetime.now(UTC))


def due(days: int = 14) -> str:
    return (today() + timedelta(days=days)).isoformat()


def add_units(ctx: ServiceContext, station: str, type_key: str, n: int,
              prefix: str = "T") -> list[uuid.UUID]:
    ids = []
    uow = uow_of(ctx)
    with uow:
        for i in range(n):
            unit = Unit.register(
                asset_tag=f"{prefix}-{station}-{type_key}-{i:03d}", serial=f"S{i}",
                type_id=TY[type_key], station_id=ST[station], condition=ConditionGrade.B,
                acquisition=AcquisitionKind.PURCHASE, acquired_on=date(2024, 1, 1),
                cost_fen=10_000, now=datetime.now(UTC) - timedelta(days=1))
            uow.repo.add(unit)
            ids.append(unit.id)
        uow.commit()
    return ids


def outbox(ctx: ServiceContext, event_type: str | None = None) -> list[dict[str, Any]]:
    """The staged integration events (envelopes), oldest first."""
    o = ctx.tables.outbox
    stmt = sa.select(o.c.body).order_by(o.c.seq)
    if event_type:
        stmt = stmt.where(o.c.event_type == event_type)
    with ctx.engine.connect() as conn:
        return [json.loads(row[0]) for row in conn.execute(stmt)]


def count(ctx: ServiceContext, table: sa.Table, *where: Any) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)
                                .where(*where)).scalar_one())


def unit_status(ctx: ServiceContext, unit_id: uuid.UUID) -> str:
    with ctx.engine.connect() as conn:
        return str(conn.execute(sa.select(orm.units.c.status)
                                .where(orm.units.c.id == unit_id)).scalar_one())
