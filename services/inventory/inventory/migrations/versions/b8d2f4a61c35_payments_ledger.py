"""the payments ledger (fees, deposits, refunds, damage deductions; receipts SJ-)

Revision ID: b8d2f4a61c35
Revises: e68f0b3d9894
Create Date: 2026-12-07 14:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import svckit.db


revision: str = 'b8d2f4a61c35'
down_revision: str | None = 'e68f0b3d9894'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'payments',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('rental_id', sa.Uuid(), nullable=False),
        sa.Column('station_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.Enum('fee', 'deposit', 'deposit_refund', 'damage_deduction',
                                  name='paymentkind', native_enum=False, length=20),
                  nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('method', sa.Enum('cash', 'wechat_pay', 'alipay', name='paymentmethod',
                                    native_enum=False, length=20), nullable=True),
        sa.Column('reference', sa.String(length=64), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('number', sa.String(length=24), nullable=False),
        sa.Column('recorded_by', sa.String(length=100), nullable=False),
        sa.Column('recorded_at', svckit.db.UtcDateTime(), nullable=False),
        sa.Column('reverses_id', sa.Uuid(), nullable=True),
        sa.CheckConstraint('amount_fen > 0', name=op.f('ck_payments_amount_positive')),
        sa.ForeignKeyConstraint(['rental_id'], ['rentals.id'],
                                name=op.f('fk_payments_rental_id_rentals')),
        sa.ForeignKeyConstraint(['reverses_id'], ['payments.id'],
                                name=op.f('fk_payments_reverses_id_payments')),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id'],
                                name=op.f('fk_payments_station_id_stations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
        sa.UniqueConstraint('number', name=op.f('uq_payments_number')),
        sa.UniqueConstraint('reverses_id', name=op.f('uq_payments_reverses_id')),
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_rental_id'), ['rental_id'],
                              unique=False)
        batch_op.create_index('ix_payments_station_recorded', ['station_id', 'recorded_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_station_recorded')
        batch_op.drop_index(batch_op.f('ix_payments_rental_id'))
    op.drop_table('payments')
