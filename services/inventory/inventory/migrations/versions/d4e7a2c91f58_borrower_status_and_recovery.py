"""borrower status, recovery flags, reclaimed allocations, PIPL anonymisation

Revision ID: d4e7a2c91f58
Revises: c81d5e2a9b34
Create Date: 2026-12-07 06:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import svckit.db  # noqa: F401 - custom column types (UtcDateTime)


revision: str = 'd4e7a2c91f58'
down_revision: str | None = 'c81d5e2a9b34'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('borrowers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum(
            'active', 'deceased', 'moved_away', 'certificate_cancelled', 'anonymised',
            name='borrowerstatus', native_enum=False, length=30),
            nullable=False, server_default='active'))
        batch_op.add_column(sa.Column('status_reason', sa.String(length=500), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('status_changed_at', svckit.db.UtcDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', svckit.db.UtcDateTime(), nullable=True))
    with op.batch_alter_table('rentals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recovery_reason', sa.String(length=500), nullable=True))
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recovery_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('reclaimed_at', svckit.db.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reclaim_reason', sa.String(length=500), nullable=False,
                                      server_default=''))
        batch_op.drop_constraint('uq_allocations_unit_id', type_='unique')
    op.create_index('uq_allocations_standing_unit', 'allocations', ['unit_id'], unique=True,
                    postgresql_where=sa.text('reclaimed_at IS NULL'),
                    sqlite_where=sa.text('reclaimed_at IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_allocations_standing_unit', table_name='allocations')
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_allocations_unit_id', ['unit_id'])
        batch_op.drop_column('reclaim_reason')
        batch_op.drop_column('reclaimed_at')
        batch_op.drop_column('recovery_reason')
    with op.batch_alter_table('rentals', schema=None) as batch_op:
        batch_op.drop_column('recovery_reason')
    with op.batch_alter_table('borrowers', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('status_reason')
        batch_op.drop_column('status')
