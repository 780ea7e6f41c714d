"""defect period and warranty orders

Revision ID: c5f8a2e1d6b9
Revises: b7e2c4d9a310
Create Date: 2026-12-07 06:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import svckit.db  # noqa: F401 - custom column types (UtcDateTime)

revision: str = 'c5f8a2e1d6b9'
down_revision: str | None = 'b7e2c4d9a310'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_LIVE = "status NOT IN ('declined', 'cancelled', 'terminated')"
_NEW_LIVE = "status NOT IN ('declined', 'cancelled', 'terminated') AND kind = 'works'"
_OPEN_WARRANTY = ("status NOT IN ('declined', 'cancelled', 'terminated', 'closed') "
                  "AND kind = 'warranty'")


def upgrade() -> None:
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('defect_days', sa.Integer(), server_default='365',
                                      nullable=False))
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='works',
                                      nullable=False))
        batch_op.add_column(sa.Column('defect', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('warranty_of', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key('work_orders_warranty_of_fkey', 'work_orders',
                                    ['warranty_of'], ['id'])
        batch_op.drop_index('uq_work_orders_live_per_application',
                            postgresql_where=sa.text(_OLD_LIVE),
                            sqlite_where=sa.text(_OLD_LIVE))
        batch_op.create_index('uq_work_orders_live_per_application', ['application_id'],
                              unique=True, postgresql_where=sa.text(_NEW_LIVE),
                              sqlite_where=sa.text(_NEW_LIVE))
        batch_op.create_index('uq_work_orders_open_warranty', ['application_id'],
                              unique=True, postgresql_where=sa.text(_OPEN_WARRANTY),
                              sqlite_where=sa.text(_OPEN_WARRANTY))


def downgrade() -> None:
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index('uq_work_orders_open_warranty',
                            postgresql_where=sa.text(_OPEN_WARRANTY),
                            sqlite_where=sa.text(_OPEN_WARRANTY))
        batch_op.drop_index('uq_work_orders_live_per_application',
                            postgresql_where=sa.text(_NEW_LIVE),
                            sqlite_where=sa.text(_NEW_LIVE))
        batch_op.create_index('uq_work_orders_live_per_application', ['application_id'],
                              unique=True, postgresql_where=sa.text(_OLD_LIVE),
                              sqlite_where=sa.text(_OLD_LIVE))
        batch_op.drop_constraint('work_orders_warranty_of_fkey', type_='foreignkey')
        for column in ('warranty_of', 'defect', 'kind'):
            batch_op.drop_column(column)
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('defect_days')
