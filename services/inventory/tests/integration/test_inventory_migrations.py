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


def test_personal_data_reads_move_into_the_shared_access_log(pg_url: str) -> None:
    """The migration to the shared access log keeps every old read (and the downgrade
    brings them back)."""
    import uuid
    from datetime import UTC, datetime

    from alembic import command
    from svckit.migrations import alembic_config, upgrade

    script = definition.migrations
    upgrade(script, pg_url, "b5e250dcf27b")
    engine = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    borrower = uuid.uuid4()
    at = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO borrowers (id, certificate_number, name, phone, address, "
            "division_code, dibao, tekun) VALUES (:id, '37150219500101001X11', '王', "
            "'13800000000', '东昌府区', '371502', false, false)"), {"id": borrower})
        conn.execute(sa.text(
            "INSERT INTO personal_data_reads (borrower_id, actor, role, purpose, at) "
            "VALUES (:b, 'clerk-wang', 'clerk', '电话确认送货时间', :at)"),
            {"b": borrower, "at": at})
    upgrade(script, pg_url)
    log = orm.metadata.tables["personal_data_access_log"]
    with engine.connect() as conn:
        [row] = conn.execute(sa.select(log)).mappings().all()
        tables = set(sa.inspect(conn).get_table_names())
    assert (row["actor"], row["actor_role"], row["record_type"], row["record_id"]) == (
        "clerk-wang", "clerk", "borrower", str(borrower))
    assert (row["purpose"], row["at"]) == ("电话确认送货时间", at)
    assert row["fields"] == ["certificate_number", "name", "phone", "address"]
    assert "personal_data_reads" not in tables and "audit_log" in tables
    command.downgrade(alembic_config(script, pg_url), "b5e250dcf27b")
    with engine.connect() as conn:
        back = conn.execute(sa.text("SELECT borrower_id, actor, purpose FROM "
                                    "personal_data_reads")).all()
    assert back == [(borrower, "clerk-wang", "电话确认送货时间")]
    engine.dispose()
