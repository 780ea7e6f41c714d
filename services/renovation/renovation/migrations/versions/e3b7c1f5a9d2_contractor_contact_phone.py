"""a contractor's dispatch phone (new work orders are texted to it)

Revision ID: e3b7c1f5a9d2
Revises: d9a4e6b2c8f1
Create Date: 2026-12-07 18:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e3b7c1f5a9d2'
down_revision: str | None = 'd9a4e6b2c8f1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('contractors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contractors', schema=None) as batch_op:
        batch_op.drop_column('contact_phone')
