"""The table of ``Idempotency-Key`` answers, without the HTTP side: a service's ORM module
declares it with its other tables, and its relay and consumer import that module without
importing Flask. What the API does with it: :mod:`svckit.http.idempotency`."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text

from svckit.db import UtcDateTime

TABLE = "idempotency_keys"


def idempotency_table(metadata: MetaData) -> Table:
    """The keys table in ``metadata`` (created once, returned thereafter)."""
    if TABLE in metadata.tables:
        return metadata.tables[TABLE]
    return Table(
        TABLE,
        metadata,
        Column("key", String(100), nullable=False),
        Column("principal", String(100), nullable=False),
        Column("method", String(10), nullable=False),
        Column("path", String(300), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("status", Integer, nullable=True),
        Column("body", Text, nullable=True),
        Column("content_type", String(100), nullable=True),
        PrimaryKeyConstraint("key", "principal", name="pk_idempotency_keys"),
    )
