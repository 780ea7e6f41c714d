"""Allocating document numbers (the format is ``svckit.domain.docnumbers``; ADR 0015).

Each service holds one counter row per ``(prefix, division, year)`` in its own database
(:func:`document_counters_table`). :func:`next_number` advances it with one statement::

    INSERT INTO document_counters (prefix, division, year, last_value) VALUES (..., 1)
    ON CONFLICT (prefix, division, year) DO UPDATE SET last_value = last_value + 1
    RETURNING last_value

run in the transaction that creates the document. The row lock it takes is held until
that transaction ends, so two concurrent allocations for one key queue (never the same
number), and a transaction that rolls back gives its number back (no gaps from failed
requests). Different keys (another station's district, another kind of document) never
wait for each other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Integer, MetaData, PrimaryKeyConstraint, String, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from svckit.domain.clock import china_date
from svckit.domain.docnumbers import check_prefix, format_number

TABLE = "document_counters"


def document_counters_table(metadata: MetaData) -> Table:
    """The counters table in ``metadata`` (created once, returned thereafter)."""
    if TABLE in metadata.tables:
        return metadata.tables[TABLE]
    return Table(
        TABLE,
        metadata,
        Column("prefix", String(4), nullable=False),
        Column("division", String(6), nullable=False),
        Column("year", Integer, nullable=False),
        Column("last_value", Integer, nullable=False),
        PrimaryKeyConstraint("prefix", "division", "year", name="pk_document_counters"),
    )


def next_sequence(session: Session, table: Table, prefix: str, division: str,
                  year: int) -> int:
    """Advance the counter of ``(prefix, division, year)`` and return its new value."""
    check_prefix(prefix)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(table).values(prefix=prefix, division=division, year=year, last_value=1)
    upsert = stmt.on_conflict_do_update(
        index_elements=[table.c.prefix, table.c.division, table.c.year],
        set_={"last_value": table.c.last_value + 1},
    ).returning(table.c.last_value)
    value: int = session.execute(upsert).scalar_one()
    return value


def next_number(session: Session, table: Table, prefix: str, division: str,
                at: datetime) -> str:
    """The next number of ``prefix`` for ``division`` in the China year of ``at``."""
    year = china_date(at).year
    return format_number(prefix, division, year,
                         next_sequence(session, table, prefix, division, year))
