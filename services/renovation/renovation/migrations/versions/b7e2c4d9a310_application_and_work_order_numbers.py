"""application and work-order numbers and the document counters

Revision ID: b7e2c4d9a310
Revises: a1d3f0c2b7e4
Create Date: 2026-12-07 06:30:00

Every application gets the number people see (``GZ-<division>-<year>-<sequence>``) and
every work order its own (``SG-...``), svckit.domain.docnumbers. Existing rows are numbered
in creation order per division and China year, and the counters start after them.
"""
from collections.abc import Sequence
from datetime import UTC, timedelta

import sqlalchemy as sa
from alembic import op

import svckit.db  # noqa: F401 - custom column types (UtcDateTime)

revision: str = 'b7e2c4d9a310'
down_revision: str | None = 'a1d3f0c2b7e4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHINA = timedelta(hours=8)
#: (table, prefix, the time that orders and dates its numbers)
NUMBERED = (("applications", "GZ", "submitted_at"), ("work_orders", "SG", "assigned_at"))


def upgrade() -> None:
    op.create_table(
        'document_counters',
        sa.Column('prefix', sa.String(length=4), nullable=False),
        sa.Column('division', sa.String(length=6), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last_value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('prefix', 'division', 'year', name='pk_document_counters'),
    )
    conn = op.get_bind()
    for table, prefix, at_column in NUMBERED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('number', sa.String(length=24), nullable=True))
        rows = conn.execute(sa.text(
            f"SELECT id, {at_column}, division FROM {table} ORDER BY {at_column}, id")).all()
        counters: dict[tuple[str, int], int] = {}
        for row_id, at, division in rows:
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
            year = (at.astimezone(UTC) + CHINA).year
            seq = counters[(division, year)] = counters.get((division, year), 0) + 1
            conn.execute(sa.text(f"UPDATE {table} SET number = :n WHERE id = :id"),
                         {"n": f"{prefix}-{division}-{year}-{seq:06d}", "id": row_id})
        for (division, year), last in counters.items():
            conn.execute(sa.text(
                "INSERT INTO document_counters (prefix, division, year, last_value) "
                "VALUES (:p, :d, :y, :v)"), {"p": prefix, "d": division, "y": year, "v": last})
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('number', existing_type=sa.String(length=24), nullable=False)
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_number'), ['number'])


def downgrade() -> None:
    for table, _prefix, _at in NUMBERED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'uq_{table}_number'), type_='unique')
            batch_op.drop_column('number')
    op.drop_table('document_counters')
