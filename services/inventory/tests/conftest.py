"""Fixtures of the inventory integration and API tests (real PostgreSQL).

The demo data is part of what is tested, so every test starts from a database migrated
with Alembic and seeded. To keep the run short this is done once per session into a
template database; each test then gets a fresh copy (``CREATE DATABASE ... TEMPLATE``),
dropped afterwards. ``test_inventory_migrations.py`` still migrates and seeds a plain
``pg_url`` database from scratch.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from flask.testing import FlaskClient
from inventory.service import definition
from svckit.service import ServiceContext
from svckit.testing import (
    PG_ADMIN_URL,
    create_database,
    drop_database,
    service_context,
    unique_name,
)

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def inventory_template(keypair: tuple[str, str]) -> Iterator[str]:
    name = unique_name("t_invtpl")
    try:
        url = create_database(name)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
    try:
        context = service_context(definition, url, public_key=keypair[1])
        assert definition.seed is not None
        definition.seed(context)
        context.engine.dispose()
        yield name
    finally:
        drop_database(name)


@pytest.fixture
def ctx(inventory_template: str, keypair: tuple[str, str]) -> Iterator[ServiceContext]:
    """A fresh, migrated and seeded database of its own."""
    name = unique_name()
    url = create_database(name, template=inventory_template)
    try:
        context = service_context(definition, url, public_key=keypair[1], migrate=False)
        yield context
        context.engine.dispose()
    finally:
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
