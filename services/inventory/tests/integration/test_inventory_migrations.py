"""The Alembic migration applies on a plain PostgreSQL database, the ORM matches it,
and the seed is idempotent there too."""

from __future__ import annotations

import sqlalchemy as sa
from inventory.adapters import orm
from inventory.service import definition
from svckit.testing import service_context


def test_migrate_and_seed_twice_on_postgresql(pg_url: str, keypair: tuple[str, str]) -> None:
    ctx = service_context(definition, pg_url, public_key=keypair[1])
    assert definition.seed is not None
    definition.seed(ctx)
    definition.seed(ctx)
    with ctx.engine.connect() as conn:
        counts = {t: conn.execute(sa.select(sa.func.count()).select_from(orm.metadata.tables[t]))
                  .scalar_one() for t in ("stations", "device_types", "units", "borrowers",
                                          "rentals")}
        indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("rentals")}
    assert counts == {"stations": 6, "device_types": 7, "units": 45, "borrowers": 8,
                      "rentals": 2}
    assert "uq_rentals_active_unit" in indexes
    ctx.engine.dispose()
