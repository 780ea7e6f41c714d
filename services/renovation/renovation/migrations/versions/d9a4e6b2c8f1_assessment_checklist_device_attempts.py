"""assessment checklist; device request attempts (re-requested when stock arrives)

Revision ID: d9a4e6b2c8f1
Revises: c5f8a2e1d6b9
Create Date: 2026-12-07 14:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd9a4e6b2c8f1'
down_revision: str | None = 'c5f8a2e1d6b9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checklist', sa.JSON(), server_default=sa.text("'{}'"),
                                      nullable=False))
    with op.batch_alter_table('device_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default=sa.text('1'),
                                      nullable=False))
        batch_op.create_index('ix_device_requests_waiting', ['device_type_code', 'status'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('device_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_device_requests_waiting')
        batch_op.drop_column('attempts')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_column('checklist')
