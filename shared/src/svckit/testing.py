"""Test support, loaded as a pytest plugin by the repository's ``conftest.py``.

Real servers, never mocks: each test that asks for ``pg_url`` gets a fresh PostgreSQL
database (dropped afterwards); ``amqp_url`` + ``bus_prefix`` give it RabbitMQ with its
own exchange and queue names (deleted afterwards). When a server does not answer the
test FAILS (it is never skipped): CI must not turn green without them.

Every name a test run makes carries the run's id (:data:`RUN_ID`): databases
(:func:`unique_name`), bus prefixes (:func:`claim_prefix`), and every process started
from the run inherits ``SVCKIT_TEST_RUN=<run id>`` in its environment. At the end of the
run :func:`find_leaks` looks for what is left of THIS run only (other runs may share the
servers) and fails the run if anything is (then removes it).

Servers: ``TEST_PG_ADMIN_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``)
and ``TEST_AMQP_URL`` (default ``amqp://guest:guest@127.0.0.1:5672//``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
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


#: this test run's id: in every database name and bus prefix it makes, and in the
#: environment of every process it starts (``SVCKIT_TEST_RUN``)
RUN_ID = uuid.uuid4().hex[:8]
RUN_ENV = "SVCKIT_TEST_RUN"


def unique_name(kind: str = "t") -> str:
    """A database name of this run: ``<kind>_<run id>_<random>``."""
    return f"{kind}_{RUN_ID}_{uuid.uuid4().hex[:10]}"


def create_database(name: str, template: str | None = None) -> str:
    """Create a database (name it with :func:`unique_name`) and return its URL."""
    _databases.add(name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _databases.discard(name)


_databases: set[str] = set()


@pytest.fixture
def pg_url() -> Iterator[str]:
    name = unique_name()
    try:
        url = create_database(name)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
    try:
        yield url
    finally:
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
def bus_prefix(amqp_url: str) -> Iterator[str]:
    """A unique prefix for exchange and queue names; what the test declared under it is
    deleted afterwards."""
    prefix = claim_prefix()
    try:
        yield prefix
    finally:
        delete_test_topology(prefixes={prefix})


#: every bus prefix of this run starts with it
TEST_PREFIX = f"t-{RUN_ID}-"


def claim_prefix() -> str:
    """A new ``t-<run id>-<hex>.`` prefix for exchange and queue names."""
    return f"{TEST_PREFIX}{uuid.uuid4().hex[:10]}."


def topology_names(prefixes: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(kind, name)`` of the queues and exchanges whose names start with a prefix
    (``rabbitmqctl``: the management API may be off)."""
    found = []
    for kind in ("queues", "exchanges"):
        out = subprocess.run(["rabbitmqctl", "-q", f"list_{kind}", "name"],
                             capture_output=True, text=True, timeout=60, check=True).stdout
        found += [(kind[:-1], n.strip()) for n in out.splitlines()
                  if n.strip().startswith(prefixes)]
    return found


def delete_test_topology(url: str = AMQP_URL, prefixes: set[str] | None = None) -> int:
    """Delete the queues and exchanges under ``prefixes`` (default: all of this run's)."""
    wanted = tuple(prefixes if prefixes is not None else {TEST_PREFIX})
    deleted = 0
    with Connection(url, connect_timeout=5) as conn:
        for kind, name in topology_names(wanted):
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


# -- what a run leaves behind ------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    os.environ[RUN_ENV] = RUN_ID  # inherited by every process the run starts


def _proc_stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a process, from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[1]), fields[0]


def leaked_processes() -> dict[int, str]:
    """Live processes of this run other than pytest itself: its descendants, and any
    process whose environment has ``SVCKIT_TEST_RUN=<run id>`` (e.g. gunicorn workers
    whose master was killed). ``{pid: command line}``."""
    me = os.getpid()
    marker = f"{RUN_ENV}={RUN_ID}".encode()
    parents: dict[int, int] = {}
    ours: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        pid = int(entry.name)
        stat = _proc_stat(pid)
        if stat is None or stat[1] in "ZX":
            continue
        parents[pid] = stat[0]
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                ours.add(pid)
        except OSError:
            pass
    for pid in parents:
        p, seen = pid, 0
        while p in parents and seen < 64:
            p, seen = parents[p], seen + 1
            if p == me:
                ours.add(pid)
                break
    out = {}
    for pid in sorted(ours):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        out[pid] = cmd.strip()[:200]
    return out


def leaked_databases() -> list[str]:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database")]
    return sorted(n for n in names if f"_{RUN_ID}_" in n or n in _databases)


def find_leaks() -> list[str]:
    """What this run left: processes, databases, queues and exchanges (one line each)."""
    lines = [f"process {pid}: {cmd}" for pid, cmd in leaked_processes().items()]
    try:
        lines += [f"database {n}" for n in leaked_databases()]
    except psycopg.Error as exc:
        lines.append(f"(could not list databases: {exc})")
    try:
        lines += [f"{kind} {name}" for kind, name in topology_names((TEST_PREFIX,))]
    except (OSError, subprocess.SubprocessError) as exc:
        lines.append(f"(could not list queues and exchanges: {exc})")
    return lines


def remove_leaks() -> None:
    for pid in leaked_processes():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for name in leaked_databases():
        drop_database(name)
    delete_test_topology()


_LEAKS = pytest.StashKey[list[str]]()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if it left a process, a database, a queue or an exchange behind."""
    found = find_leaks()
    session.config.stash[_LEAKS] = found
    leaks = [line for line in found if not line.startswith("(")]
    if not leaks:
        return
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    try:
        remove_leaks()
    except Exception:  # noqa: BLE001 - the run fails anyway; report what is left
        pass


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    found = terminalreporter.config.stash.get(_LEAKS, [])
    notes = [line for line in found if line.startswith("(")]
    leaks = [line for line in found if not line.startswith("(")]
    if leaks:
        terminalreporter.section("LEAKED by this test run (now removed)", red=True)
        for line in leaks:
            terminalreporter.write_line(line, red=True)
    for line in notes:
        terminalreporter.write_line(f"leak check incomplete {line}", yellow=True)


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
