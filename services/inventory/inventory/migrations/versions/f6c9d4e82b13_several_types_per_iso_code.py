"""several device types per ISO code

Revision ID: f6c9d4e82b13
Revises: e5b8c3d71a02
Create Date: 2026-12-07 07:10:00
"""
from collections.abc import Sequence

from alembic import op


revision: str = 'f6c9d4e82b13'
down_revision: str | None = 'e5b8c3d71a02'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('device_types', schema=None) as batch_op:
        batch_op.drop_constraint('uq_device_types_iso_code', type_='unique')
        batch_op.create_index(batch_op.f('ix_device_types_iso_code'), ['iso_code'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('device_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_types_iso_code'))
        batch_op.create_unique_constraint('uq_device_types_iso_code', ['iso_code'])
