"""Test support, loaded as a pytest plugin by the repository's ``conftest.py``.

Real servers, never mocks: each test that asks for ``pg_url`` gets a fresh PostgreSQL
database (dropped afterwards); ``amqp_url`` + ``bus_prefix`` give it RabbitMQ with its
own exchange and queue names (deleted afterwards). When a server does not answer the
test FAILS (it is never skipped): CI must not turn green without them.

Servers: ``TEST_PG_ADMIN_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``)
and ``TEST_AMQP_URL`` (default ``amqp://guest:guest@127.0.0.1:5672//``).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from kombu import Connection
from pydantic import SecretStr

from svckit.auth.principal import Principal, Role
from svckit.auth.tokens import generate_keypair, mint
from svckit.config import Config, PlatformSettings, ServiceSettings
from svckit.service import ServiceContext, ServiceDefinition

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def wait_until(pred: Callable[[], bool], timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Poll ``pred`` until it is true or ``timeout`` passes (no fixed sleeps in tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(interval)
    return bool(pred())


def create_database(name: str) -> str:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url() -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:16]}"
    try:
        url = create_database(name)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
    yield url
    drop_database(name)


@pytest.fixture
def amqp_url() -> str:
    try:
        with Connection(AMQP_URL, connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=2)
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"RabbitMQ is not reachable at {AMQP_URL}: {exc}")
    return AMQP_URL


@pytest.fixture
def bus_prefix(amqp_url: str) -> str:
    """A unique prefix for exchange and queue names (cleaned up at the session's end)."""
    return claim_prefix()


def claim_prefix() -> str:
    """A new ``t-<hex>.`` prefix, remembered so that this session deletes what it made."""
    prefix = f"{TEST_PREFIX}{uuid.uuid4().hex[:10]}."
    _claimed.add(prefix)
    return prefix


_claimed: set[str] = set()
TEST_PREFIX = "t-"


def delete_test_topology(url: str = AMQP_URL, prefixes: set[str] | None = None) -> int:
    """Delete the queues and exchanges this session's tests declared (their prefixes were
    claimed with :func:`claim_prefix`); other sessions on the same broker keep theirs."""
    wanted = tuple(prefixes if prefixes is not None else _claimed)
    if not wanted:
        return 0
    import subprocess

    def names(kind: str) -> list[str]:
        try:
            out = subprocess.run(
                ["rabbitmqctl", "-q", f"list_{kind}", "name"],
                capture_output=True, text=True, timeout=60, check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        return [n.strip() for n in out.splitlines() if n.strip().startswith(wanted)]

    deleted = 0
    with Connection(url, connect_timeout=5) as conn:
        for kind, name in [("queue", n) for n in names("queues")] + [
            ("exchange", n) for n in names("exchanges")
        ]:
            ch = conn.channel()
            try:
                ch.queue_delete(name) if kind == "queue" else ch.exchange_delete(name)
                deleted += 1
            except Exception:  # noqa: BLE001 - already gone
                pass
            finally:
                try:
                    ch.close()
                except Exception:  # noqa: BLE001
                    pass
    return deleted


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("SVCKIT_KEEP_TEST_TOPOLOGY"):
        return
    try:
        delete_test_topology()
    except Exception:  # noqa: BLE001 - cleanup must never fail the run
        pass


@pytest.fixture(scope="session")
def keypair() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def token_for(keypair: tuple[str, str]) -> Callable[..., str]:
    """``token_for("clerk", stations=["s1"])`` → a signed bearer token."""

    def make(role: str, *, sub: str | None = None, ttl: int = 600, **scope: object) -> str:
        principal = Principal(
            sub=sub or f"{role}-{uuid.uuid4().hex[:6]}",
            role=Role(role),
            stations=tuple(scope.get("stations", ()) or ()),  # type: ignore[arg-type]
            company=scope.get("company"),  # type: ignore[arg-type]
            districts=tuple(scope.get("districts", ()) or ()),  # type: ignore[arg-type]
            volunteer_id=scope.get("volunteer_id"),  # type: ignore[arg-type]
            name=str(scope.get("name", "")),
        )
        return mint(principal, keypair[0], ttl=ttl)

    return make


def service_context(
    definition: ServiceDefinition,
    db_url: str,
    *,
    public_key: str | None = None,
    bus_url: str = "memory://",
    bus_prefix: str = "",
    migrate: bool = True,
    **platform: Any,
) -> ServiceContext:
    """A real service context for tests: its own database, migrated with Alembic."""
    settings = PlatformSettings(
        bus_url=bus_url, bus_prefix=bus_prefix, log_json=False,  # type: ignore[arg-type]
        auth_public_key=SecretStr(public_key) if public_key else None, **platform,
    )
    ctx = ServiceContext(definition, Config(definition.name, settings,
                                            ServiceSettings(database_url=db_url)))  # type: ignore[arg-type]
    if migrate:
        ctx.migrate()
    return ctx


def event_json(
    type: str,
    payload: dict[str, Any],
    *,
    subject_id: str = "subject",
    producer: str = "test",
    version: int | None = None,
    event_id: uuid.UUID | None = None,
) -> str:
    """An envelope as the broker would carry it, validated against the catalogue."""
    from svckit.events.catalogue import load_all
    from svckit.events.envelope import Envelope

    spec, data = load_all().serialise(type, version, payload)
    env = Envelope(type=type, version=spec.version, producer=producer, subject_id=subject_id,
                   payload=data, correlation_id=uuid.uuid4().hex, id=event_id or uuid.uuid4())
    return env.to_json()
