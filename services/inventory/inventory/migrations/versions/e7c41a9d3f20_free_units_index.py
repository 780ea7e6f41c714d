"""partial index for availability: free, issuable units per type and station

``GET /units/availability`` counts available units of grade A-C of a type at the stations
of a city. The partial index holds only those rows, so the count is an index-only scan
whatever the size of the rest of the stock (rented, in maintenance, written off).

Revision ID: e7c41a9d3f20
Revises: d2203bf1477d
Create Date: 2026-11-22 16:50:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e7c41a9d3f20'
down_revision: str | None = 'd2203bf1477d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = sa.text("status = 'available' AND condition <> 'D'")


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index('ix_units_free_type_station', ['type_id', 'current_station_id'],
                              unique=False, postgresql_where=_WHERE, sqlite_where=_WHERE)


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index('ix_units_free_type_station', postgresql_where=_WHERE,
                            sqlite_where=_WHERE)
