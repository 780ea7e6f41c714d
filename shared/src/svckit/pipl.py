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

from marshmallow import Schema, fields, post_load, validate
from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, String, Table

from svckit import context
from svckit.auth.principal import Principal
from svckit.db import UtcDateTime
from svckit.domain.errors import ValidationFailed

if TYPE_CHECKING:
    from svckit.uow import UnitOfWork

log = logging.getLogger(__name__)

ACCESS_LOG = "personal_data_access_log"
PURPOSE_MAX = 200

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


#: why a person's full data may be read: the purposes a federation's work needs (PIPL:
#: a specific, stated purpose, chosen from a list, not typed as "xx"). Code -> label.
PURPOSES: dict[str, str] = {
    "return_reminder": "归还催告",
    "home_delivery": "上门配送",
    "home_pickup": "上门取回",
    "home_assessment": "入户评估",
    "works_contact": "施工联系",
    "visit_arrangement": "预约上门",
    "overdue_follow_up": "逾期回访",
    "eligibility_check": "资格核验",
    "complaint_handling": "投诉处理",
    "record_correction": "信息更正",
    "volunteer_contact": "志愿者联络",
    "household_contact": "联系住户",
    "rental_agreement": "签订借用协议",
    "document_signing": "打印签字文书",
}
PURPOSES_EN: dict[str, str] = {
    "return_reminder": "return reminder", "home_delivery": "home delivery",
    "home_pickup": "home pickup", "home_assessment": "home assessment",
    "works_contact": "works contact", "visit_arrangement": "arranging a visit",
    "overdue_follow_up": "overdue follow-up", "eligibility_check": "eligibility check",
    "complaint_handling": "complaint handling", "record_correction": "correcting the record",
    "volunteer_contact": "contacting the volunteer",
    "household_contact": "contacting the household",
    "rental_agreement": "signing the rental agreement",
    "document_signing": "printing a document to sign",
}
NOTE_MAX = 100
_BY_LABEL = {label: code for code, label in PURPOSES.items()}
_PURPOSE_MESSAGE = ("须从列表中选择查看用途：" + "、".join(PURPOSES.values())
                    + " (choose the purpose from the list: " + ", ".join(PURPOSES) + ")")


def stated(purpose: str, note: str = "") -> str:
    """The purpose as logged: its label, with the note in brackets (``上门配送（核对门牌）``).
    ``purpose`` is a code or a label of :data:`PURPOSES`; ``ValueError`` otherwise."""
    value = (purpose or "").strip()
    label = PURPOSES.get(value) or (value if value in _BY_LABEL else None)
    if label is None:
        raise ValueError(_PURPOSE_MESSAGE)
    note = (note or "").strip()[:NOTE_MAX]
    return f"{label}（{note}）" if note else label


class PurposeArgs(Schema):
    """``?purpose=<code or label>&purpose_note=`` of a full read (PIPL: the stated purpose,
    chosen from :data:`PURPOSES`, with an optional note); loads as ``purpose`` = the logged
    text (``上门配送（核对门牌）``)."""

    purpose = fields.String(
        required=True, validate=validate.OneOf([*PURPOSES, *PURPOSES.values()],
                                               error=_PURPOSE_MESSAGE),
        metadata={"description": "why the full value is needed, one of: "
                  + ", ".join(f"{c} ({label})" for c, label in PURPOSES.items()) + "; logged"},
    )
    purpose_note = fields.String(load_default="", validate=validate.Length(max=NOTE_MAX),
                                 metadata={"description": "optional detail, logged"})

    @post_load
    def _stated(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["purpose"] = stated(data["purpose"], data.pop("purpose_note", ""))
        return data


def check_purpose(purpose: str | None) -> str:
    """A purpose as logged (:func:`stated`'s form, or a bare code or label); a 422 when it
    is not one of :data:`PURPOSES`."""
    value = (purpose or "").strip()
    head = value.split("（", 1)[0]
    if head in _BY_LABEL and len(value) <= PURPOSE_MAX:
        return value
    try:
        return stated(value)
    except ValueError:
        raise ValidationFailed.field("purpose", _PURPOSE_MESSAGE) from None


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
