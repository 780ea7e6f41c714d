"""waiting list of a type at a station, and date bookings

Revision ID: c4a7e2b9d013
Revises: b8d2f4a61c35
Create Date: 2026-12-07 17:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import svckit.db  # noqa: F401 - custom column types (UtcDateTime)
from alembic import op

revision: str = 'c4a7e2b9d013'
down_revision: str | None = 'b8d2f4a61c35'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'waitlist_entries',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('type_id', sa.Uuid(), nullable=False),
        sa.Column('station_id', sa.Uuid(), nullable=False),
        sa.Column('borrower_id', sa.Uuid(), nullable=False),
        sa.Column('created_at', svckit.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('priority', sa.Enum('tekun', 'dibao', 'severe', name='waiverreason',
                                      native_enum=False, length=20), nullable=True),
        sa.Column('status', sa.Enum('waiting', 'held', 'served', 'lapsed', 'cancelled',
                                    name='waitstatus', native_enum=False, length=20),
                  nullable=False),
        sa.Column('reservation_id', sa.Uuid(), nullable=True),
        sa.Column('held_at', svckit.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('closed_at', svckit.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'],
                                name=op.f('fk_waitlist_entries_borrower_id_borrowers')),
        sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'],
                                name=op.f('fk_waitlist_entries_reservation_id_reservations')),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id'],
                                name=op.f('fk_waitlist_entries_station_id_stations')),
        sa.ForeignKeyConstraint(['type_id'], ['device_types.id'],
                                name=op.f('fk_waitlist_entries_type_id_device_types')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries')),
    )
    open_wait = sa.text("status IN ('waiting', 'held')")
    op.create_index('uq_waitlist_open_borrower', 'waitlist_entries',
                    ['borrower_id', 'type_id', 'station_id'], unique=True,
                    postgresql_where=open_wait, sqlite_where=open_wait)
    op.create_index('ix_waitlist_line', 'waitlist_entries', ['type_id', 'station_id', 'status'])
    op.create_index('ix_waitlist_reservation', 'waitlist_entries', ['reservation_id'])
    op.create_table(
        'bookings',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('type_id', sa.Uuid(), nullable=False),
        sa.Column('station_id', sa.Uuid(), nullable=False),
        sa.Column('borrower_id', sa.Uuid(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('created_at', svckit.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('status', sa.Enum('booked', 'held', 'fulfilled', 'cancelled', 'lapsed',
                                    name='bookingstatus', native_enum=False, length=20),
                  nullable=False),
        sa.Column('reservation_id', sa.Uuid(), nullable=True),
        sa.Column('closed_at', svckit.db.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_bookings_booking_days')),
        sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'],
                                name=op.f('fk_bookings_borrower_id_borrowers')),
        sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'],
                                name=op.f('fk_bookings_reservation_id_reservations')),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id'],
                                name=op.f('fk_bookings_station_id_stations')),
        sa.ForeignKeyConstraint(['type_id'], ['device_types.id'],
                                name=op.f('fk_bookings_type_id_device_types')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    )
    op.create_index('ix_bookings_stock', 'bookings',
                    ['type_id', 'station_id', 'status', 'starts_on'])


def downgrade() -> None:
    op.drop_index('ix_bookings_stock', table_name='bookings')
    op.drop_table('bookings')
    op.drop_index('ix_waitlist_reservation', table_name='waitlist_entries')
    op.drop_index('ix_waitlist_line', table_name='waitlist_entries')
    op.drop_index('uq_waitlist_open_borrower', table_name='waitlist_entries')
    op.drop_table('waitlist_entries')
