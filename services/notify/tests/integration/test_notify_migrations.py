"""The migrations make exactly the tables the code maps (PostgreSQL and SQLite), and the
inbox's company column is added to a database that already holds messages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from notify.adapters import orm
from notify.service import definition
from svckit.db import make_engine
from svckit.migrations import upgrade

BEFORE_COMPANY = "b884faf63c17"
T0 = datetime(2026, 12, 7, 2, tzinfo=UTC)


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest, pg_url: str, tmp_path: Path) -> str:
    return pg_url if request.param == "postgresql" else f"sqlite:///{tmp_path / 'n.db'}"


def test_the_company_column_comes_on_a_database_with_messages(db_url: str) -> None:
    upgrade(definition.migrations, db_url, BEFORE_COMPANY)
    engine = make_engine(db_url)
    n = orm.notifications.c
    old = sa.table("notifications", *(sa.column(c.name, c.type) for c in orm.notifications.columns
                                      if c.name != "audience_company"))
    with engine.begin() as conn:
        conn.execute(old.insert().values(
            id=uuid.uuid4(), idempotency_key="k1", channel="inbox",
            template="deadline_breached", params={}, state="sent", due_at=T0,
            audience_role="staff", audience_division="371502", attempts=0, created_at=T0))
    upgrade(definition.migrations, db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(n.idempotency_key, n.audience_company)).all()
        diff = compare_metadata(MigrationContext.configure(conn), orm.metadata)
    engine.dispose()
    assert [tuple(r) for r in rows] == [("k1", None)]
    assert diff == []
