"""The notifications service's definition: what svckit needs to run every process."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from svckit.service import ServiceContext, ServiceDefinition

from notify import jobs, seed
from notify.adapters import orm
from notify.config import NotifySettings
from notify.entrypoints import handlers
from notify.service_layer.mapper import mapper
from notify.service_layer.uow import NotifyUoW

if TYPE_CHECKING:
    from flask_smorest import Blueprint


def _blueprints(ctx: ServiceContext) -> list[Blueprint]:
    """The API's blueprints, imported by the process that serves it: the relay, the
    consumer and the scheduler load no Flask (docs/performance.md)."""
    from notify.entrypoints import api

    return api.blueprints(ctx)


definition = ServiceDefinition(
    name="notify",
    title="消息通知 Notifications API",
    description=(
        "Who is told what: borrower reminders by SMS (before and after the due date, "
        "re-armed on extension, cancelled on return), e-mail, the console inbox of every "
        "staff role, and the escalation of renovation deadline breaches. Quiet hours, one "
        "reminder SMS a day (merged), a daily cap, retries, exactly-once delivery."
    ),
    metadata=orm.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=_blueprints,
    handlers=handlers.handlers,
    start_mappers=orm.start_mappers,
    uow_class=NotifyUoW,
    event_mapper=mapper,
    seed=seed.seed,
    jobs=jobs.JOBS,
    slot=5,
    processes=("api", "consumer", "scheduler"),
    settings=NotifySettings,
)
