"""The renovation service's definition (无障碍改造, 一户一策)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from svckit.service import PeriodicJob, ServiceContext, ServiceDefinition

from renovation import seed
from renovation.adapters import orm
from renovation.entrypoints import handlers
from renovation.service_layer import jobs
from renovation.service_layer.mapper import mapper
from renovation.service_layer.uow import RenovationUoW
from renovation.settings import RenovationSettings

if TYPE_CHECKING:
    from flask_smorest import Blueprint


def _blueprints(ctx: ServiceContext) -> list[Blueprint]:
    """The API's blueprints, imported by the process that serves it: the relay, the
    consumer and the scheduler load no Flask (docs/performance.md)."""
    from renovation.entrypoints import api

    return api.blueprints(ctx)


definition = ServiceDefinition(
    name="renovation",
    title="无障碍改造 Home accessibility renovation API",
    description=(
        "Programmes and budgets, household applications, home assessments, per-household "
        "plans (一户一策) within the cap, contractors' work orders, acceptance inspections "
        "and the household file (一户一档). Money is int fen."
    ),
    metadata=orm.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=_blueprints,
    handlers=handlers.handlers,
    start_mappers=orm.start_mappers,
    uow_class=RenovationUoW,
    event_mapper=mapper,
    seed=seed.seed,
    jobs=(PeriodicJob("deadlines", jobs.deadlines, 900),),
    slot=1,
    settings=RenovationSettings,
    extra={"token_hints": seed.token_hints},
)
