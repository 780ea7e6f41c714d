"""The personal-data access log (PIPL Art. 51, GB/T 35273 processing records).

Every service keeps the same table, ``personal_data_access_log``: call
:func:`access_log_table` with the service's ``MetaData`` (next to ``messaging_tables``) so
that it is part of the service's migrations. A use case that returns a certificate
number, an ID number, a phone or an address in full records the read in the same
transaction with :func:`record_read`::

    with uow:
        app = uow.repo.application(application_id)
        pipl.record_read(uow, principal, record_type="application", record_id=app.id,
                         fields=("holder_name", "address", "phone"), purpose=purpose)
        uow.commit()

A full read always states its purpose: the view takes :class:`PurposeArgs` from the query
string (2-200 characters; missing or blank is a 422 problem). Staff and inspectors read
the log with ``GET /access-log`` (:mod:`svckit.http.records`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, String, Table

from svckit import context
from svckit.auth.principal import Principal
from svckit.db import UtcDateTime
from svckit.domain.errors import ValidationFailed

if TYPE_CHECKING:
    from svckit.uow import UnitOfWork

log = logging.getLogger(__name__)

ACCESS_LOG = "personal_data_access_log"
PURPOSE_MIN, PURPOSE_MAX = 2, 200
_PURPOSE_MESSAGE = (f"须说明查看用途（{PURPOSE_MIN}-{PURPOSE_MAX}字） "
                    f"(state why you need it, {PURPOSE_MIN}-{PURPOSE_MAX} characters)")

# SQLite only auto-increments an INTEGER PRIMARY KEY.
_SEQ = BigInteger().with_variant(Integer(), "sqlite")


def access_log_table(metadata: MetaData) -> Table:
    """The access-log table in ``metadata`` (created once, returned thereafter)."""
    if ACCESS_LOG in metadata.tables:
        return metadata.tables[ACCESS_LOG]
    table = Table(
        ACCESS_LOG,
        metadata,
        Column("id", _SEQ, primary_key=True, autoincrement=True),
        Column("at", UtcDateTime(), nullable=False),
        Column("actor", String(100), nullable=False),
        Column("actor_role", String(20), nullable=False),
        Column("record_type", String(40), nullable=False),
        Column("record_id", String(64), nullable=False),
        Column("fields", JSON(), nullable=False),
        Column("purpose", String(PURPOSE_MAX), nullable=False),
        Column("request_id", String(128), nullable=True),
    )
    Index("ix_personal_data_access_log_record", table.c.record_id, table.c.id)
    Index("ix_personal_data_access_log_actor_at", table.c.actor, table.c.at)
    return table


def _purpose_ok(value: str) -> None:
    if not PURPOSE_MIN <= len(value.strip()) <= PURPOSE_MAX:
        raise ValidationError(_PURPOSE_MESSAGE)


class PurposeArgs(Schema):
    """``?purpose=`` of a full read: required, 2-200 characters (PIPL: the stated purpose)."""

    purpose = fields.String(
        required=True, validate=[validate.Length(max=PURPOSE_MAX), _purpose_ok],
        metadata={"description": "why the full value is needed (2-200 characters); logged"},
    )


def check_purpose(purpose: str | None) -> str:
    """The stated purpose, stripped; a 422 when it is missing, blank or too long."""
    value = (purpose or "").strip()
    if not PURPOSE_MIN <= len(value) <= PURPOSE_MAX:
        raise ValidationFailed.field("purpose", _PURPOSE_MESSAGE)
    return value


def record_read(
    uow: UnitOfWork,
    principal: Principal,
    *,
    record_type: str,
    record_id: object,
    fields: Sequence[str],
    purpose: str,
    at: datetime | None = None,
) -> None:
    """Log one full read (who, role, when in UTC, which record, which fields, why, which
    request) in the unit of work's transaction: the read and its record commit together."""
    table = access_log_table(uow.metadata)
    uow.session.execute(table.insert().values(
        at=(at or datetime.now(UTC)).astimezone(UTC),
        actor=principal.sub[:100],
        actor_role=principal.role.value,
        record_type=record_type,
        record_id=str(record_id),
        fields=list(fields),
        purpose=check_purpose(purpose),
        request_id=context.correlation_id.get(),
    ))
    # the log line names the record and the fields, never a value
    log.info("personal data read: %s %s %s by %s", record_type, record_id, ",".join(fields),
             principal.role.value, extra={"pii_read": ",".join(fields),
                                          "record_type": record_type,
                                          "record_id": str(record_id), "actor": principal.sub})


def entry_out(row: Any) -> dict[str, Any]:
    return {"id": row.id, "at": row.at, "actor": row.actor, "actor_role": row.actor_role,
            "record_type": row.record_type, "record_id": row.record_id,
            "fields": list(row.fields or ()), "purpose": row.purpose,
            "request_id": row.request_id}
