"""The renovation service's definition (无障碍改造, 一户一策)."""

from __future__ import annotations

from pathlib import Path

from svckit.service import PeriodicJob, ServiceDefinition, api_blueprints

from renovation import seed
from renovation.adapters import orm
from renovation.entrypoints import handlers
from renovation.service_layer import jobs
from renovation.service_layer.mapper import mapper
from renovation.service_layer.uow import RenovationUoW
from renovation.settings import RenovationSettings

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
    blueprints=api_blueprints("renovation.entrypoints.api"),
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
