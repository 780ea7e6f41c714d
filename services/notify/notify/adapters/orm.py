"""Tables and the imperative mapping of recipients and notifications.

``notifications`` is the delivery log and the outbox of the channels at once: a sender
claims due rows with ``FOR UPDATE SKIP LOCKED`` (several senders never take the same
row), sends, marks the row and commits (``service_layer/delivery.py``)."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import registry
from svckit import audit
from svckit.audit import audit_table
from svckit.db import UtcDateTime, records_events
from svckit.idempotency import idempotency_table
from svckit.messaging.tables import messaging_tables
from svckit.pipl import access_log_table

from notify.domain.notifications import Channel, Notification, Recipient, State

metadata = sa.MetaData()
messaging_tables(metadata)
access_log_table(metadata)
audit_table(metadata)
idempotency_table(metadata)
mapper_registry = registry(metadata=metadata)


def _enum(cls: type[enum.Enum], name: str) -> sa.Enum:
    return sa.Enum(cls, name=name, native_enum=False, length=20,
                   values_callable=lambda e: [m.value for m in e])


recipients = sa.Table(
    "recipients", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("ref", sa.String(120), nullable=False, unique=True),
    sa.Column("phone", sa.String(20)),
    sa.Column("email", sa.String(254)),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("preferences", sa.JSON, nullable=False),
    sa.Column("sms_opt_out_at", UtcDateTime),
    sa.Column("email_opt_out_at", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

notifications = sa.Table(
    "notifications", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("channel", _enum(Channel, "notification_channel"), nullable=False),
    sa.Column("template", sa.String(40), nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("state", _enum(State, "notification_state"), nullable=False),
    sa.Column("due_at", UtcDateTime, nullable=False),
    sa.Column("recipient_id", sa.Uuid, sa.ForeignKey("recipients.id")),
    sa.Column("audience_role", sa.String(20)),
    sa.Column("audience_division", sa.String(6)),
    sa.Column("audience_company", sa.String(64)),
    sa.Column("cause", sa.String(200)),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.String(500)),
    sa.Column("sent_at", UtcDateTime),
    sa.Column("provider_id", sa.String(100)),
    sa.Column("merged_into", sa.Uuid),
    sa.Column("read_at", UtcDateTime),
    sa.Column("read_by", sa.String(100)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime),
    # what the senders scan: the due rows of the outgoing channels
    sa.Index("ix_notifications_due", "due_at",
             postgresql_where=sa.text("state = 'pending'"),
             sqlite_where=sa.text("state = 'pending'")),
    sa.Index("ix_notifications_recipient_sent", "recipient_id", "sent_at"),
    sa.Index("ix_notifications_cause", "cause"),
    sa.Index("ix_notifications_inbox", "audience_role", "audience_division", "read_at"),
    sa.Index("ix_notifications_inbox_company", "audience_company", "read_at",
             postgresql_where=sa.text("audience_company IS NOT NULL"),
             sqlite_where=sa.text("audience_company IS NOT NULL")),
)

_mapped = False


def start_mappers() -> None:
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(Recipient, recipients)
    mapper_registry.map_imperatively(Notification, notifications)
    records_events(Recipient, Notification)
    audit.person_names(Recipient, "name")
    audit.secret_columns(Recipient, "email")  # no masking rule for e-mail: never in the trail
    _mapped = True
