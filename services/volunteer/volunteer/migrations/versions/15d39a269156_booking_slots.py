"""booking slots

A task keeps its window (the constraint) and gains its expected duration and the slot
booked inside the window. Existing tasks get their type's duration; accepted and
in-progress ones keep blocking their whole window (slot = window), as before.

Revision ID: 15d39a269156
Revises: 70bf65b6d60e
Create Date: 2026-11-22 14:42:56.152722
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import svckit.db  # noqa: F401 - custom column types (UtcDateTime)

revision: str = '15d39a269156'
down_revision: str | None = '70bf65b6d60e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: TASK_DURATIONS at the time of this migration, in minutes
_DURATIONS = {
    "deliver_device": 120, "pickup_device": 120, "accompany_assessment": 180,
    "acceptance_visit": 90, "satisfaction_visit": 90, "overdue_call": 30, "manual": 60,
}


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duration_minutes', sa.Integer(), nullable=False,
                                      server_default=sa.text('60')))
        batch_op.add_column(sa.Column('slot_start', svckit.db.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('slot_end', svckit.db.UtcDateTime(timezone=True),
                                      nullable=True))

    tasks = sa.table('tasks', sa.column('type', sa.String), sa.column('state', sa.String),
                     sa.column('duration_minutes', sa.Integer),
                     sa.column('window_start'), sa.column('window_end'),
                     sa.column('slot_start'), sa.column('slot_end'))
    for kind, minutes in _DURATIONS.items():
        op.execute(tasks.update().where(tasks.c.type == kind)
                   .values(duration_minutes=minutes))
    op.execute(tasks.update().where(tasks.c.state.in_(['accepted', 'in_progress']))
               .values(slot_start=tasks.c.window_start, slot_end=tasks.c.window_end))
    if op.get_bind().dialect.name != 'sqlite':  # SQLite cannot drop a default in place
        op.alter_column('tasks', 'duration_minutes', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('slot_end')
        batch_op.drop_column('slot_start')
        batch_op.drop_column('duration_minutes')
