"""The audit trail: every state change of a mapped object, with who, when, before -> after.

A service opts in by calling :func:`audit_table` on its ``MetaData`` (next to
``messaging_tables``). Then every :class:`~svckit.uow.UnitOfWork` of the service records,
with no code in the use cases:

- an ORM ``after_flush`` listener (registered once, on every ``Session``, acting only on
  sessions a unit of work marked) reads the attribute history of the new, dirty and
  deleted objects of each flush, in memory (no query);
- at ``commit()`` the unit of work flushes, merges the changes per object and writes them
  with ONE multi-row ``INSERT`` into ``audit_log`` in the same transaction, so a rolled
  back change leaves no audit row and a committed one always has its row.

Only changed columns are kept (``{"status": ["active", "returned"]}``); a new object lists
its non-empty columns with ``null`` before, a deleted one its values with ``null`` after.
Personal fields (certificate or ID number, phone, address, a person's name; a service
declares exceptions with :func:`not_personal` and :func:`person_names`) are stored MASKED, and
any certificate, ID or mobile number found in another text column is masked as well.
Secrets (a password hash, a token hash: any column whose name ends in ``_hash``, and the
columns a service declares with :func:`secret_columns`) are never stored: an audit row
holds the marker :data:`REDACTED` instead, which shows that the value was set or changed.
Core tables (outbox, inbox, the access log, read models written with Core) are not
mapped, so they are never audited.

The author comes from :mod:`svckit.context`: the HTTP layer binds the token's ``sub`` and
role; consumers bind ``system:<handler>``, the scheduler ``system:<job>``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import functools
import re
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    TextClause,
    bindparam,
    event,
    text,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE
from sqlalchemy.sql.elements import BindParameter

from svckit import context
from svckit.db import UtcDateTime
from svckit.domain.masking import mask, mask_address, mask_name, mask_phone
from svckit.pii import find_pii

AUDIT_LOG = "audit_log"
#: key of ``Session.info`` holding the changes collected since the last write
PENDING = "svckit.audit.pending"

_SEQ = BigInteger().with_variant(Integer(), "sqlite")
_CHUNK = 500  # rows per INSERT (9 parameters each)

#: column names whose values are personal data: stored masked, never in full
SENSITIVE_ID = frozenset({"certificate_number", "certificate", "citizen_id", "id_number"})
SENSITIVE_PHONE = frozenset({"phone", "contact_phone", "mobile"})
SENSITIVE_ADDRESS = frozenset({"address"})
SENSITIVE_NAME = frozenset({"holder_name", "real_name", "contact_name", "confirmed_by_name"})
#: per class, columns that are not personal although their name says so (a station's address)
_NOT_PERSONAL: dict[str, frozenset[str]] = {}
#: per class, further columns holding a person's name (a borrower's ``name``)
_PERSON_NAMES: dict[str, frozenset[str]] = {}
#: per class, further secret columns (never stored; see :func:`secret_columns`)
_SECRETS: dict[str, frozenset[str]] = {}
#: what an audit row holds instead of a secret value (it was set or changed; never what to)
REDACTED = "[redacted]"
SECRET_SUFFIX = "_hash"

_DIGITS = re.compile(r"\d")


def audit_table(metadata: MetaData) -> Table:
    """The audit table in ``metadata`` (created once, returned thereafter)."""
    if AUDIT_LOG in metadata.tables:
        return metadata.tables[AUDIT_LOG]
    table = Table(
        AUDIT_LOG,
        metadata,
        Column("id", _SEQ, primary_key=True, autoincrement=True),
        Column("at", UtcDateTime(), nullable=False),
        Column("actor", String(100), nullable=False),
        Column("actor_role", String(20), nullable=True),
        Column("object_type", String(60), nullable=False),
        Column("object_id", String(100), nullable=False),
        Column("action", String(10), nullable=False),  # create | update | delete
        Column("changes", JSON(), nullable=False),
        Column("request_id", String(128), nullable=True),
    )
    Index("ix_audit_log_object", table.c.object_type, table.c.object_id, table.c.id)
    return table


def not_personal(cls: type, *names: str) -> None:
    """Declare columns of ``cls`` that hold no personal data although their name says so
    (a rental station's public address and phone): they are audited in clear."""
    _NOT_PERSONAL[cls.__name__] = frozenset(names)


def person_names(cls: type, *names: str) -> None:
    """Declare further columns of ``cls`` holding a person's name: audited masked."""
    _PERSON_NAMES[cls.__name__] = frozenset(names)


def secret_columns(cls: type, *names: str) -> None:
    """Declare secret columns of ``cls`` besides the ``*_hash`` ones (a key, a TOTP seed):
    audit rows show :data:`REDACTED` when they change, never the value."""
    _SECRETS[cls.__name__] = frozenset(names)


def is_secret(cls_name: str, key: str) -> bool:
    return key.endswith(SECRET_SUFFIX) or key in _SECRETS.get(cls_name, ())


# -- values ---------------------------------------------------------------------------------
def _scrub(text: str) -> str:
    """Mask any certificate, ID or mobile number inside free text."""
    if len(_DIGITS.findall(text)) < 11:
        return text
    for found in reversed(find_pii(text)):
        masked = mask_phone(found.value) if found.kind == "phone" else mask(found.value)
        text = text[:found.start] + masked + text[found.start + len(found.value):]
    return text


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return _scrub(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal | dt.timedelta):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    return _scrub(str(value))


def masked(cls_name: str, key: str, value: Any) -> Any:
    """The value as stored in an audit row: masked when the column is personal data."""
    if value is None or value is NO_VALUE or value is NEVER_SET:
        return None
    if is_secret(cls_name, key):
        return REDACTED
    if key in _NOT_PERSONAL.get(cls_name, ()):
        return jsonable(value)
    if isinstance(value, str):
        if key in SENSITIVE_ID:
            return mask(value)
        if key in SENSITIVE_PHONE:
            return mask_phone(value)
        if key in SENSITIVE_ADDRESS:
            return mask_address(value)
        if key in SENSITIVE_NAME or key in _PERSON_NAMES.get(cls_name, ()):
            return mask_name(value)
    return jsonable(value)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# -- collection -----------------------------------------------------------------------------
def _object_id(state: Any) -> str:
    if state.key is not None:
        return ",".join(str(part) for part in state.key[1])
    # a new object gets its identity key after ``after_flush``; its primary key is set
    mapper = state.mapper
    return ",".join(str(state.dict.get(mapper.get_property_by_column(col).key))
                    for col in mapper.primary_key)


def _changes(state: Any, action: str) -> dict[str, list[Any]]:
    cls_name = state.class_.__name__
    out: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if action == "create":
            value = state.dict.get(key)
            if value is not None and value != [] and value != {}:
                out[key] = [None, masked(cls_name, key, value)]
        elif action == "delete":
            value = state.dict.get(key)
            if value is not None:
                out[key] = [masked(cls_name, key, value), None]
        else:
            hist = state.attrs[key].history
            if not hist.has_changes():
                continue
            # an in-place change of a mutable JSON value has no "before" in the history
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
            if before is not None and before == after:
                continue
            out[key] = [masked(cls_name, key, before), masked(cls_name, key, after)]
    return out


def _collect(session: Session, _flush_context: Any) -> None:
    pending: list[dict[str, Any]] | None = session.info.get(PENDING)
    if pending is None:
        return
    for action, objs in (("create", session.new), ("update", session.dirty),
                         ("delete", session.deleted)):
        for obj in objs:
            state = sa_inspect(obj)
            changes = _changes(state, action)
            if not changes and action == "update":
                continue
            pending.append({"object_type": _snake(state.class_.__name__),
                            "object_id": _object_id(state), "action": action,
                            "changes": changes})


event.listen(Session, "after_flush", _collect)


def begin(session: Session) -> None:
    """Audit the state changes of ``session`` (the unit of work calls it on open)."""
    session.info[PENDING] = []


def note(session: Session, object_type: str, object_id: object,
         changes: dict[str, tuple[Any, Any]], *, action: str = "update") -> None:
    """Record a change the listener cannot see, made with Core (a bulk ``UPDATE``: revoking
    a user's refresh tokens), as ``field: (before, after)`` of ``object_type``/``object_id``.
    It is merged with that object's ORM changes of the same transaction and written at
    commit; values are masked like columns of that name. Nothing when not audited."""
    pending: list[dict[str, Any]] | None = session.info.get(PENDING)
    if pending is None:
        return
    pending.append({"object_type": object_type, "object_id": str(object_id), "action": action,
                    "changes": {k: [masked("", k, b), masked("", k, a)]
                                for k, (b, a) in changes.items()}})


def _merge(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per object and transaction: the first ``before``, the last ``after``."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for e in entries:
        key = (e["object_type"], e["object_id"])
        prev = merged.get(key)
        if prev is None:
            merged[key] = {**e, "changes": dict(e["changes"])}
            continue
        if e["action"] == "delete":
            prev["action"] = "delete" if prev["action"] != "create" else "create"
        for field, (before, after) in e["changes"].items():
            if field in prev["changes"]:
                prev["changes"][field] = [prev["changes"][field][0], after]
            else:
                prev["changes"][field] = [before, after]
    return [e for e in merged.values() if e["changes"]]


def take_rows(session: Session) -> list[dict[str, Any]]:
    """Flush, then the audit rows of what was collected (one per object), in the columns
    of :func:`audit_table`; the collected changes are cleared."""
    if PENDING not in session.info:
        return []
    session.flush()
    entries = _merge(session.info[PENDING])
    session.info[PENDING] = []
    if not entries:
        return []
    now = dt.datetime.now(dt.UTC)
    actor = (context.actor.get() or "system")[:100]
    role = context.actor_role.get() or ("system" if actor.startswith("system") else None)
    request_id = context.correlation_id.get()
    return [{"at": now, "actor": actor, "actor_role": role, "request_id": request_id, **e}
            for e in entries]


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` (:func:`take_rows`) with one multi-row INSERT; a huge batch (a bulk
    seed) in chunks that stay within the drivers' bound-parameter limits."""
    for i in range(0, len(rows), _CHUNK):
        chunk = rows[i:i + _CHUNK]
        if len(chunk) <= CACHED_UP_TO:
            session.execute(_insert(table, len(chunk)), bound(chunk))
        else:
            session.execute(table.insert().values(chunk))


def write(session: Session, table: Table) -> int:
    """Flush, then write what was collected with one multi-row INSERT; returns the count."""
    rows = take_rows(session)
    insert_rows(session, table, rows)
    return len(rows)


def bound(rows: list[dict[str, Any]], prefix: str = "") -> dict[str, Any]:
    """The parameters of :func:`values_clause` for ``rows``."""
    return {f"{prefix}{c}_{j}": row.get(c) for j, row in enumerate(rows) for c in COLUMNS}


def values_clause(table: Table, n: int, prefix: str = "") -> tuple[str, list[BindParameter[Any]]]:
    """``INSERT INTO audit_log (...) VALUES ...`` of ``n`` rows with typed bound parameters
    ``<prefix><column>_<i>``: the text and its parameters (to be built once per count)."""
    cols = ", ".join(COLUMNS)
    rows = ", ".join("(" + ", ".join(f":{prefix}{c}_{i}" for c in COLUMNS) + ")"
                     for i in range(n))
    params = [bindparam(f"{prefix}{c}_{i}", type_=table.c[c].type)
              for i in range(n) for c in COLUMNS]
    return f"INSERT INTO {table.name} ({cols}) VALUES {rows}", params


COLUMNS = ("at", "actor", "actor_role", "object_type", "object_id", "action", "changes",
           "request_id")
#: row counts whose INSERT text is built once (a use case changes a handful of objects)
CACHED_UP_TO = 16


@functools.lru_cache(maxsize=64)
def _insert(table: Table, n: int) -> TextClause:
    """The INSERT of ``n`` audit rows, built once per row count: SQLAlchemy does not cache
    the compiled form of a multi-row ``insert().values()``, so it compiled one on every
    commit (~10 % of a check-out)."""
    sql, params = values_clause(table, n)
    return text(sql).bindparams(*params)


def discard(session: Session) -> None:
    if PENDING in session.info:
        session.info[PENDING] = []


def entry_out(row: Any) -> dict[str, Any]:
    return {"id": row.id, "at": row.at, "actor": row.actor, "actor_role": row.actor_role,
            "object_type": row.object_type, "object_id": row.object_id,
            "action": row.action, "changes": row.changes, "request_id": row.request_id}
