"""Fixtures of the inventory integration and API tests (real PostgreSQL).

The demo data is part of what is tested, so every test starts from a database migrated
with Alembic and seeded. To keep the run short this is done once per session into a
template database; each test then gets a fresh copy (``CREATE DATABASE ... TEMPLATE``),
dropped afterwards. ``test_inventory_migrations.py`` still migrates and seeds a plain
``pg_url`` database from scratch.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from flask.testing import FlaskClient
from inventory.service import definition
from svckit.service import ServiceContext
from svckit.testing import PG_ADMIN_URL, create_database, drop_database, service_context

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def inventory_template(keypair: tuple[str, str]) -> Iterator[str]:
    name = f"t_invtpl_{uuid.uuid4().hex[:10]}"
    try:
        url = create_database(name)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
    context = service_context(definition, url, public_key=keypair[1])
    assert definition.seed is not None
    definition.seed(context)
    context.engine.dispose()
    yield name
    drop_database(name)


@pytest.fixture
def ctx(inventory_template: str, keypair: tuple[str, str]) -> Iterator[ServiceContext]:
    """A fresh, migrated and seeded database of its own."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{inventory_template}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    context = service_context(definition, f"{base}/{name}", public_key=keypair[1],
                              migrate=False)
    yield context
    context.engine.dispose()
    drop_database(name)


@pytest.fixture
def client(ctx: ServiceContext) -> FlaskClient:
    return ctx.create_app().test_client()


@pytest.fixture
def headers(token_for: Callable[..., str]) -> Callable[..., dict[str, str]]:
    """``headers("clerk", "DCF")`` -> an Authorization header for a clerk of 东昌府区."""
    from inventory_testkit import ST

    def make(role: str, *stations: str, sub: str | None = None) -> dict[str, str]:
        token = token_for(role, sub=sub, stations=[str(ST[s]) for s in stations])
        return {"Authorization": f"Bearer {token}"}

    return make
