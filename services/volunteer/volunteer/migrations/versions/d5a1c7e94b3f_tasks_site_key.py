"""tasks site key (the printed sheet whose QR code checks a visit in)

Revision ID: d5a1c7e94b3f
Revises: b7c3e9d1a2f4
Create Date: 2026-12-07 17:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'd5a1c7e94b3f'
down_revision: str | None = 'b7c3e9d1a2f4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_key', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('site_key')
