"""rental numbers and the document counters

Revision ID: a3c9e1f04d27
Revises: 9612d913882e
Create Date: 2026-12-07 06:05:00

Every rental gets the number people see (``ZL-<division>-<year>-<sequence>``,
svckit.domain.docnumbers). Existing rentals are numbered in check-out order per station
district and China year, and the counters start after them.
"""
from collections.abc import Sequence
from datetime import UTC, timedelta

import sqlalchemy as sa
from alembic import op

import svckit.db  # noqa: F401 - custom column types (UtcDateTime)


revision: str = 'a3c9e1f04d27'
down_revision: str | None = '9612d913882e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHINA = timedelta(hours=8)


def upgrade() -> None:
    op.create_table(
        'document_counters',
        sa.Column('prefix', sa.String(length=4), nullable=False),
        sa.Column('division', sa.String(length=6), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last_value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('prefix', 'division', 'year', name='pk_document_counters'),
    )
    with op.batch_alter_table('rentals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.String(length=24), nullable=True))

    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT r.id, r.checked_out_at, s.division_code FROM rentals r "
        "JOIN stations s ON s.id = r.station_id ORDER BY r.checked_out_at, r.id")).all()
    counters: dict[tuple[str, int], int] = {}
    for rental_id, checked_out_at, division in rows:
        at = checked_out_at if checked_out_at.tzinfo else checked_out_at.replace(tzinfo=UTC)
        year = (at.astimezone(UTC) + CHINA).year
        seq = counters[(division, year)] = counters.get((division, year), 0) + 1
        conn.execute(sa.text("UPDATE rentals SET number = :n WHERE id = :id"),
                     {"n": f"ZL-{division}-{year}-{seq:06d}", "id": rental_id})
    for (division, year), last in counters.items():
        conn.execute(sa.text(
            "INSERT INTO document_counters (prefix, division, year, last_value) "
            "VALUES ('ZL', :d, :y, :v)"), {"d": division, "y": year, "v": last})

    with op.batch_alter_table('rentals', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.String(length=24), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_rentals_number'), ['number'])


def downgrade() -> None:
    with op.batch_alter_table('rentals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_rentals_number'), type_='unique')
        batch_op.drop_column('number')
    op.drop_table('document_counters')
