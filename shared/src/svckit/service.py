"""A service's definition and its composition root.

Every service exposes one :class:`ServiceDefinition` (``<svc>/service.py``, entry point
group ``svckit.services``) and gets the same processes from it: API, relay, consumer,
scheduler, migrations, seed, parked-message tools (see :mod:`svckit.cli`). A web app with
no database and no events of its own (the console) is an :class:`AppDefinition` (entry
point group ``svckit.apps``). The runners (:mod:`svckit.embedded`, :mod:`svckit.cluster`)
find both through :func:`discover` and :func:`discover_apps`: they name no service.

:class:`ServiceContext` wires config, settings, database, unit of work, bus and auth
together: the one place a service's dependencies are built.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kombu import Connection
from pydantic_settings import BaseSettings
from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import Session, sessionmaker

from svckit import context, db
from svckit.auth.tokens import TokenVerifier
from svckit.config import Config, PlatformSettings
from svckit.events.catalogue import Catalogue, load_all
from svckit.events.mapper import EventMapper
from svckit.idempotency import TABLE as IDEMPOTENCY_TABLE
from svckit.messaging.consumer import ConsumerRunner, Handlers, Processor
from svckit.messaging.parked import ParkedQueue
from svckit.messaging.tables import MessagingTables, messaging_tables
from svckit.messaging.topology import Topology
from svckit.uow import OutboxSignal, UnitOfWork

# Flask only where a process serves the API, pika only in the relay (docs/performance.md)
if TYPE_CHECKING:
    from flask import Flask
    from flask_smorest import Blueprint

    from svckit.messaging.relay import Relay

log = logging.getLogger(__name__)

Job = Callable[["ServiceContext"], int]
#: the processes a service can run (``python -m <svc> <role>``; ``api`` under gunicorn)
ROLES = ("api", "relay", "consumer", "scheduler")


def api_blueprints(module: str) -> Callable[[ServiceContext], list[Blueprint]]:
    """``blueprints=`` of a definition: ``<module>.blueprints(ctx)``, the API module imported
    only when an app is built. Every process imports the definition; the relay, the
    consumer and the scheduler then load no Flask (docs/performance.md)."""

    def blueprints(ctx: ServiceContext) -> list[Blueprint]:
        found: list[Blueprint] = importlib.import_module(module).blueprints(ctx)
        return found

    return blueprints


@dataclass(frozen=True)
class PeriodicJob:
    """A scheduled job (overdue scan, expiry sweep...). Returns how many objects it changed."""

    name: str
    fn: Job
    every_seconds: float


@dataclass(frozen=True)
class Command:
    """A command of a service's own (``python -m <svc> <name>``, next to svckit's ``migrate``,
    ``seed`` ...): ``arguments`` adds its options to its sub-parser, ``run`` does the work and
    returns the exit status."""

    help: str
    run: Callable[[ServiceContext, argparse.Namespace], int]
    arguments: Callable[[argparse.ArgumentParser], None] = lambda _parser: None


@dataclass(frozen=True)
class ServiceDefinition:
    """Everything the runners need to know about a service.

    Conventions: the package is named like the service (``python -m <name> <command>``,
    ``<name>.wsgi:app`` for gunicorn), its API is mounted at ``/<name>`` in the embedded
    mode, and its database URL is read from ``<NAME>_DATABASE_URL``.
    """

    name: str
    title: str
    metadata: MetaData
    migrations: Path
    blueprints: Callable[[ServiceContext], list[Blueprint]]
    handlers: Handlers
    version: str = "0.1.0"
    description: str = ""
    start_mappers: Callable[[], None] = lambda: None
    uow_class: type[UnitOfWork] = UnitOfWork
    #: domain events -> catalogue events (``service_layer/mapper.py``; ADR 0010)
    event_mapper: EventMapper | None = None
    seed: Callable[[ServiceContext], None] | None = None
    jobs: tuple[PeriodicJob, ...] = ()
    #: a catalogue of its own (test services); the platform's by default
    catalogue: Catalogue | None = None
    #: paths served without a bearer token (besides health and docs), e.g. a login
    public_paths: tuple[str, ...] = ()
    #: its place among the installed services and apps: the runners start them in this
    #: order and ``svckit.cluster`` serves its API on ``port_base + slot``
    slot: int = 0
    #: the processes it runs (a service that neither publishes nor consumes events runs
    #: no relay and no consumer)
    processes: tuple[str, ...] = ROLES
    #: its own settings (``pydantic_settings.BaseSettings``, read from the environment):
    #: built once per process as ``ctx.settings`` and passed to its unit of work as
    #: ``uow_class(..., settings=ctx.settings)``
    settings: type[BaseSettings] | None = None
    #: environment ``svckit.cluster`` adds to its processes (everything on one host)
    local_env: Mapping[str, str] = field(default_factory=dict)
    #: its own commands (name -> :class:`Command`), run by ``python -m <svc> <name>``
    commands: Mapping[str, Command] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def mount(self) -> str:
        """Its URL prefix in the embedded mode."""
        return f"/{self.name}"

    @property
    def wsgi(self) -> str:
        """gunicorn's target for its API."""
        return f"{self.name}.wsgi:app"


@dataclass(frozen=True)
class AppDefinition:
    """A web app without a database or events of its own, acting through the services'
    APIs (the console). Mounted at ``/<name>`` in the embedded mode; a gunicorn app of its
    own in ``svckit.cluster``, which tells it each service's base URL as
    ``<NAME>_<SERVICE>_URL``."""

    name: str
    #: the WSGI app of the embedded mode, given the platform settings and each service's
    #: base URL by service name
    create_app: Callable[[PlatformSettings, Mapping[str, str]], Any]
    #: gunicorn's target (``"console.wsgi:app"``)
    wsgi: str
    slot: int = 0
    #: extra environment for ``make up`` (everything on one host)
    local_env: Mapping[str, str] = field(default_factory=dict)
    #: its name for people (the embedded mode's root page links to it by this name)
    title: str = ""

    @property
    def mount(self) -> str:
        return f"/{self.name}"


_D = TypeVar("_D", ServiceDefinition, AppDefinition)


def _load(group: str, kind: type[_D]) -> list[_D]:
    found = []
    for ep in entry_points(group=group):
        definition = ep.load()
        if not isinstance(definition, kind):
            raise TypeError(f"entry point {ep.name} of {group} is not a {kind.__name__}")
        found.append(definition)
    return sorted(found, key=lambda d: (d.slot, d.name))


def discover() -> list[ServiceDefinition]:
    """The installed services (entry point group ``svckit.services``), in slot order."""
    services = _load("svckit.services", ServiceDefinition)
    slots = [d.slot for d in services] + [a.slot for a in discover_apps()]
    if len(set(slots)) != len(slots):
        raise ValueError(f"two installed services or apps share a slot: {slots}")
    return services


def discover_apps() -> list[AppDefinition]:
    """The installed web apps (entry point group ``svckit.apps``), in slot order."""
    return _load("svckit.apps", AppDefinition)


class BrokerCheck:
    """Readiness of the broker: one short connection, remembered for a few seconds."""

    def __init__(self, url: str, ttl: float = 5.0) -> None:
        self.url = url
        self.ttl = ttl
        self._ok_until = 0.0

    def __call__(self) -> None:
        if self.url.startswith("memory://") or time.monotonic() < self._ok_until:
            return
        with Connection(self.url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        self._ok_until = time.monotonic() + self.ttl


class ServiceContext:
    def __init__(
        self,
        definition: ServiceDefinition,
        config: Config | None = None,
        *,
        catalogue: Catalogue | None = None,
        verifier: TokenVerifier | None = None,
    ) -> None:
        self.definition = definition
        self.config = config or Config(definition.name)
        self.catalogue = catalogue or definition.catalogue or load_all()
        self._verifier = verifier
        self.signal = OutboxSignal(f"outbox_{definition.name}")
        definition.start_mappers()

    @property
    def name(self) -> str:
        return self.definition.name

    @cached_property
    def engine(self) -> Engine:
        return db.make_engine(self.config.database_url)

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        return db.session_factory(self.engine)

    @cached_property
    def tables(self) -> MessagingTables:
        return messaging_tables(self.definition.metadata)

    @property
    def bus_url(self) -> str:
        return self.config.platform.bus_url.get_secret_value()

    @cached_property
    def settings(self) -> Any:
        """The service's own settings (``definition.settings``), read once per context."""
        if self.definition.settings is None:
            raise AttributeError(f"{self.name} declares no settings")
        return self.definition.settings()

    def uow(self) -> UnitOfWork:
        own = {} if self.definition.settings is None else {"settings": self.settings}
        return self.definition.uow_class(
            self.session_factory,
            producer=self.name,
            catalogue=self.catalogue,
            tables=self.tables,
            signal=self.signal,
            mapper=self.definition.event_mapper,
            **own,
        )

    @cached_property
    def topology(self) -> Topology:
        p = self.config.platform
        return Topology(
            service=self.name,
            bindings=self.definition.handlers.event_types,
            prefix=p.bus_prefix,
            retry_delays_ms=p.retry_delays_ms,
            delivery_limit=p.delivery_limit,
            quorum=not p.bus_is_memory,
        )

    # -- processes ---------------------------------------------------------------
    def migrate(self) -> None:
        from svckit import migrations  # alembic only where a process migrates (~7 MB)

        migrations.upgrade(self.definition.migrations, self.config.database_url)

    def relay(self, name: str | None = None) -> Relay:
        # pika (the relay's publisher) only in the relay: the API and the consumer use kombu
        from svckit.messaging.publishers import make_publisher
        from svckit.messaging.relay import Relay

        p = self.config.platform
        return Relay(
            self.engine,
            self.tables,
            lambda: make_publisher(self.bus_url, prefix=p.bus_prefix,
                                   confirm_timeout=p.relay_confirm_timeout),
            batch_size=p.relay_batch_size,
            idle_poll=p.relay_idle_poll,
            signal=self.signal,
            name=name or f"{self.name}-relay",
            service=self.name,
        )

    def processor(self) -> Processor:
        return Processor(
            handlers=self.definition.handlers,
            uow_factory=self.uow,
            catalogue=self.catalogue,
            max_retries=len(self.config.platform.retry_delays_ms),
        )

    def consumer(self) -> ConsumerRunner:
        return ConsumerRunner(
            url=self.bus_url,
            topology=self.topology,
            processor=self.processor(),
            prefetch=self.config.platform.consumer_prefetch,
            heartbeat=self.config.platform.consumer_heartbeat,
            workers=self.config.platform.consumer_workers,
        )

    @property
    def verifier(self) -> TokenVerifier | None:
        if self._verifier is None:
            p = self.config.platform
            if p.auth_jwks_url or p.auth_public_key:
                self._verifier = TokenVerifier(
                    public_key=p.auth_public_key.get_secret_value() if p.auth_public_key else None,
                    jwks_url=p.auth_jwks_url,
                    issuer=p.auth_issuer,
                    audience=p.auth_audience,
                )
        return self._verifier

    def create_app(self) -> Flask:
        # the HTTP side is imported here: a relay or consumer never loads Flask (~10 MB)
        from svckit.http.app import create_app

        d = self.definition
        app = create_app(
            name=d.name,
            title=d.title,
            version=d.version,
            description=d.description,
            blueprints=[*d.blueprints(self), *self._platform_blueprints()],
            verifier=self.verifier,
            ready_checks={"database": lambda: db.ping(self.engine),
                          "broker": BrokerCheck(self.bus_url)},
            ready_details=({"parked": ParkedQueue(self.bus_url, self.topology).count}
                           if d.handlers.event_types else {}),
            max_body_bytes=self.config.platform.max_body_bytes,
            public_paths=d.public_paths,
            report_rate_limit=self.config.platform.report_rate_limit,
            idempotency=d.metadata.tables.get(IDEMPOTENCY_TABLE),
        )
        app.extensions["svckit.context"] = self
        return app

    def _platform_blueprints(self) -> list[Blueprint]:
        """What every service gets without declaring it: ``/parked`` where it consumes."""
        from svckit.http.parked import parked_blueprint

        return [parked_blueprint()] if self.definition.handlers.event_types else []

    def run_scheduler(self, stop: threading.Event, tick: float = 1.0) -> None:
        """Run the periodic jobs until ``stop`` is set (a process of its own, or a thread)."""
        last: dict[str, float] = {}
        while not stop.is_set():
            now = time.monotonic()
            for job in self.definition.jobs:
                if now - last.get(job.name, -1e9) >= job.every_seconds:
                    last[job.name] = now
                    try:
                        with context.acting(f"system:{job.name}"):
                            changed = job.fn(self)
                        if changed:
                            log.info("job %s changed %d", job.name, changed)
                    except Exception:
                        log.exception("job %s failed", job.name)
            stop.wait(tick)
