"""inbox messages addressed to one contractor company

Revision ID: 3e7a0c5d9b21
Revises: b884faf63c17
Create Date: 2026-12-07 17:20:00

A contractor's inbox is its company's: ``audience_company`` names the company a message
is for (a work order assigned to it). Existing messages have none.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '3e7a0c5d9b21'
down_revision: str | None = 'b884faf63c17'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience_company', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_notifications_inbox_company', ['audience_company', 'read_at'],
                              unique=False,
                              postgresql_where=sa.text('audience_company IS NOT NULL'),
                              sqlite_where=sa.text('audience_company IS NOT NULL'))


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_inbox_company',
                            postgresql_where=sa.text('audience_company IS NOT NULL'),
                            sqlite_where=sa.text('audience_company IS NOT NULL'))
        batch_op.drop_column('audience_company')
