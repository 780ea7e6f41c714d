"""a year in operation: work-order termination, withdrawal at any stage, staff-recorded
satisfaction, programme window and year-end close, contractor status, catalogue prices

Revision ID: a1d3f0c2b7e4
Revises: 7bb89a97c7a7
Create Date: 2026-12-07 06:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import svckit.db  # noqa: F401 - custom column types (UtcDateTime)

revision: str = 'a1d3f0c2b7e4'
down_revision: str | None = '7bb89a97c7a7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_LIVE = "status NOT IN ('declined', 'cancelled')"
_NEW_LIVE = "status NOT IN ('declined', 'cancelled', 'terminated')"


def upgrade() -> None:
    with op.batch_alter_table('catalogue_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('price_history', sa.JSON(), server_default=sa.text("'[]'"),
                                      nullable=False))
    with op.batch_alter_table('contractors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), server_default='active',
                                      nullable=False))
        batch_op.add_column(sa.Column('status_reason', sa.String(length=200), nullable=True))
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closes_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=20), server_default='open',
                                      nullable=False))
        batch_op.add_column(sa.Column('closed_at', svckit.db.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('closing_report', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('previous_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key('programmes_previous_id_fkey', 'programmes',
                                    ['previous_id'], ['id'])
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawal_kind', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('released_fen', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('termination_kind', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('terminated_at', svckit.db.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('cost_incurred_fen', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('predecessor_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('satisfaction_missing_reason', sa.String(length=200),
                                      nullable=True))
        batch_op.create_foreign_key('work_orders_predecessor_id_fkey', 'work_orders',
                                    ['predecessor_id'], ['id'])
        batch_op.create_check_constraint(
            'ck_work_orders_cost', 'cost_incurred_fen IS NULL OR cost_incurred_fen >= 0')
        batch_op.drop_index('uq_work_orders_live_per_application',
                            postgresql_where=sa.text(_OLD_LIVE),
                            sqlite_where=sa.text(_OLD_LIVE))
        batch_op.create_index('uq_work_orders_live_per_application', ['application_id'],
                              unique=True, postgresql_where=sa.text(_NEW_LIVE),
                              sqlite_where=sa.text(_NEW_LIVE))


def downgrade() -> None:
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index('uq_work_orders_live_per_application',
                            postgresql_where=sa.text(_NEW_LIVE),
                            sqlite_where=sa.text(_NEW_LIVE))
        batch_op.create_index('uq_work_orders_live_per_application', ['application_id'],
                              unique=True, postgresql_where=sa.text(_OLD_LIVE),
                              sqlite_where=sa.text(_OLD_LIVE))
        batch_op.drop_constraint('ck_work_orders_cost', type_='check')
        batch_op.drop_constraint('work_orders_predecessor_id_fkey', type_='foreignkey')
        for column in ('satisfaction_missing_reason', 'predecessor_id', 'cost_incurred_fen',
                       'terminated_at', 'termination_kind'):
            batch_op.drop_column(column)
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('released_fen')
        batch_op.drop_column('withdrawal_kind')
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_constraint('programmes_previous_id_fkey', type_='foreignkey')
        for column in ('previous_id', 'closing_report', 'closed_at', 'status', 'closes_on',
                       'opens_on'):
            batch_op.drop_column(column)
    with op.batch_alter_table('contractors', schema=None) as batch_op:
        batch_op.drop_column('status_reason')
        batch_op.drop_column('status')
    with op.batch_alter_table('catalogue_items', schema=None) as batch_op:
        batch_op.drop_column('price_history')
