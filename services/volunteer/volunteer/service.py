"""The volunteer service's definition: what svckit needs to run every process."""

from __future__ import annotations

from pathlib import Path

from svckit.service import ServiceDefinition, api_blueprints

from volunteer import jobs, seed
from volunteer.adapters import orm
from volunteer.config import VolunteerSettings
from volunteer.entrypoints import VERIFY_PREFIX, handlers
from volunteer.service_layer.mapper import mapper
from volunteer.service_layer.uow import VolunteerUoW

definition = ServiceDefinition(
    name="volunteer",
    title="绿挎包志愿服务 Volunteer dispatch API",
    description=(
        "Roster of the Green Satchel (绿挎包) volunteer teams, tasks raised by the rental and "
        "renovation services, matching with reasons, offers, check-in/out and the service-"
        "hours ledger (谁记录谁认证)."
    ),
    metadata=orm.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=api_blueprints("volunteer.entrypoints.api"),
    handlers=handlers.handlers,
    start_mappers=orm.start_mappers,
    uow_class=VolunteerUoW,
    event_mapper=mapper,
    seed=seed.seed,
    jobs=jobs.JOBS,
    slot=2,
    settings=VolunteerSettings,
    public_paths=(VERIFY_PREFIX,),  # the certificate verification (no token)
    extra={"token_hints": seed.token_hints},
)
