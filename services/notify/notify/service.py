"""The notifications service's definition: what svckit needs to run every process."""

from __future__ import annotations

from pathlib import Path

from svckit.service import ServiceDefinition, api_blueprints

from notify import jobs, seed
from notify.adapters import orm
from notify.config import NotifySettings
from notify.entrypoints import handlers
from notify.service_layer.mapper import mapper
from notify.service_layer.uow import NotifyUoW

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
    blueprints=api_blueprints("notify.entrypoints.api"),
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
