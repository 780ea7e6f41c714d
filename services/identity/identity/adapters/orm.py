"""Tables and the imperative mapping of users and refresh tokens.

The database keeps: one user per username; one refresh token per hash; the audit trail
of users and refresh tokens (``svckit.audit``: who created, changed, disabled, enabled or
unlocked a user, set a password, revoked tokens; the ``*_hash`` columns appear there only
as ``[redacted]``). Failed logins are counters outside the database
(``adapters/throttle.py``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import registry
from svckit.audit import audit_table
from svckit.auth.principal import Role
from svckit.db import UtcDateTime
from svckit.idempotency import idempotency_table
from svckit.messaging.tables import messaging_tables
from svckit.pipl import access_log_table

from identity.domain.tokens import RefreshToken
from identity.domain.users import User

metadata = sa.MetaData()
messaging_tables(metadata)
#: the audit trail (svckit.audit) and, for GET /access-log (svckit.http.records), the
#: personal-data access log (identity returns no personal data in full: it stays empty)
access_log_table(metadata)
audit_table(metadata)
idempotency_table(metadata)  # Idempotency-Key answers (svckit.idempotency)
mapper_registry = registry(metadata=metadata)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(100), nullable=False),
    sa.Column("role", sa.Enum(Role, name="user_role", native_enum=False, length=20,
                              values_callable=lambda e: [m.value for m in e]), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("stations", sa.JSON, nullable=False),
    sa.Column("company", sa.String(36)),
    sa.Column("districts", sa.JSON, nullable=False),
    sa.Column("volunteer_id", sa.String(36)),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("disabled_at", UtcDateTime),
    sa.Column("password_changed_at", UtcDateTime),
    sa.Index("ix_users_role", "role"),
)

refresh_tokens = sa.Table(
    "refresh_tokens", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("family_id", sa.Uuid, nullable=False, index=True),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("issued_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
    sa.Column("rotated_at", UtcDateTime),
    sa.Column("revoked_at", UtcDateTime),
)

_mapped = False


def start_mappers() -> None:
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(User, users)
    mapper_registry.map_imperatively(RefreshToken, refresh_tokens)
    _mapped = True
