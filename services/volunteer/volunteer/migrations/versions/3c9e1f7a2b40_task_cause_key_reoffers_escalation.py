"""task cause key, re-offer count and escalation

One live task per cause: ``tasks.cause_key`` (service:kind:source id up to its first
``:``) with a partial unique index over open/offered/accepted/in-progress tasks. Existing
tasks get their key; of live duplicates (two rounds of one work order's acceptance
visit), the oldest keeps it and the others get none (the coordinator closes them).
``reoffer_count`` counts automatic re-offers; ``escalated_*`` records the hand-over to the
coordinator.

Revision ID: 3c9e1f7a2b40
Revises: c3e8a51f7d20
Create Date: 2026-12-07 14:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import svckit.db  # noqa: F401 - custom column types (UtcDateTime)

revision: str = '3c9e1f7a2b40'
down_revision: str | None = 'c3e8a51f7d20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = ("open", "offered", "accepted", "in_progress")
_LIVE_SQL = "state IN ('open', 'offered', 'accepted', 'in_progress')"


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cause_key', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('reoffer_count', sa.Integer(),
                                      server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('escalated_at', svckit.db.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('escalation_reason', sa.String(length=200),
                                      nullable=True))

    tasks = sa.table('tasks', sa.column('id', sa.Uuid), sa.column('state', sa.String),
                     sa.column('source_service', sa.String), sa.column('source_kind', sa.String),
                     sa.column('source_id', sa.String), sa.column('created_at', sa.DateTime),
                     sa.column('cause_key', sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(tasks.c.id, tasks.c.state, tasks.c.source_service,
                                  tasks.c.source_kind, tasks.c.source_id)
                        .order_by(tasks.c.created_at, tasks.c.id)).all()
    live: set[str] = set()
    for row in rows:
        key = (f"{row.source_service}:{row.source_kind}:"
               f"{row.source_id.partition(':')[0]}")[:160]
        if row.state in _LIVE:
            if key in live:
                continue  # a live duplicate: no key
            live.add(key)
        conn.execute(tasks.update().where(tasks.c.id == row.id).values(cause_key=key))

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('uq_tasks_live_cause', ['cause_key'], unique=True,
                              postgresql_where=sa.text(_LIVE_SQL),
                              sqlite_where=sa.text(_LIVE_SQL))


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('uq_tasks_live_cause', postgresql_where=sa.text(_LIVE_SQL),
                            sqlite_where=sa.text(_LIVE_SQL))
        batch_op.drop_column('escalation_reason')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('reoffer_count')
        batch_op.drop_column('cause_key')
