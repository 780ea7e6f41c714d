"""loan limits per borrower and ISO class

Revision ID: e5b8c3d71a02
Revises: d4e7a2c91f58
Create Date: 2026-12-07 07:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'e5b8c3d71a02'
down_revision: str | None = 'd4e7a2c91f58'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'loan_limits',
        sa.Column('iso_class', sa.String(length=5), nullable=False),
        sa.Column('max_open', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('iso_class', name=op.f('pk_loan_limits')),
    )
    with op.batch_alter_table('device_types', schema=None) as batch_op:
        batch_op.add_column(sa.Column('loan_limit', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('device_types', schema=None) as batch_op:
        batch_op.drop_column('loan_limit')
    op.drop_table('loan_limits')
