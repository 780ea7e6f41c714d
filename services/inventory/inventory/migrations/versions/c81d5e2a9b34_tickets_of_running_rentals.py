"""repair tickets of running rentals

Revision ID: c81d5e2a9b34
Revises: a3c9e1f04d27
Create Date: 2026-12-07 06:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'c81d5e2a9b34'
down_revision: str | None = 'a3c9e1f04d27'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('maintenance_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rental_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_maintenance_tickets_rental_id'), ['rental_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_maintenance_tickets_rental_id_rentals'),
                                    'rentals', ['rental_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('maintenance_tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_maintenance_tickets_rental_id_rentals'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_maintenance_tickets_rental_id'))
        batch_op.drop_column('rental_id')
