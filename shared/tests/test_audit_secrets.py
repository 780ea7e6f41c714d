"""Secrets never reach the audit trail (svckit.audit): a ``*_hash`` column or a column
declared with ``secret_columns`` is stored as the marker "[redacted]", which shows that it was
set or changed and nothing of its value."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, registry
from svckit import audit


@dataclass(eq=False)
class Account:
    id: int
    login: str
    password_hash: str
    api_key: str | None = None
    phone: str | None = None


@dataclass(eq=False)
class Unrelated:  # same column names, nothing declared: only the ``_hash`` rule applies
    id: int
    api_key: str


def test_masked_redacts_hash_columns_and_declared_secrets() -> None:
    audit.secret_columns(Account, "api_key")
    try:
        _check_masked()
    finally:
        audit._SECRETS.pop("Account", None)


def _check_masked() -> None:
    assert audit.masked("Account", "password_hash", "$argon2id$v=19$m=65536") == "[redacted]"
    assert audit.masked("Anything", "token_hash", "9f86d081884c7d65") == "[redacted]"
    assert audit.masked("Account", "api_key", "sk-live-1234") == audit.REDACTED
    # declared per class: another class's api_key is not a secret by that declaration
    assert audit.masked("Unrelated", "api_key", "public-id") == "public-id"
    # "no value" stays null (a secret that was never set shows as such)
    assert audit.masked("Account", "password_hash", None) is None
    # the other rules are unchanged
    assert audit.masked("Account", "login", "zhao") == "zhao"
    assert audit.masked("Account", "phone", "13806351234") != "13806351234"
    assert audit.is_secret("Account", "password_hash") and not audit.is_secret("Account", "login")


def _world() -> tuple[sa.Engine, sa.Table, Any]:
    metadata = sa.MetaData()
    table = audit.audit_table(metadata)
    accounts = sa.Table("accounts", metadata,
                        sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("login", sa.String(40), nullable=False),
                        sa.Column("password_hash", sa.String(200), nullable=False),
                        sa.Column("api_key", sa.String(100)),
                        sa.Column("phone", sa.String(20)))
    reg = registry(metadata=metadata)
    reg.map_imperatively(Account, accounts)
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    return engine, table, reg


def _rows(engine: sa.Engine, table: sa.Table) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(table).order_by(table.c.id)).mappings())


def test_create_and_change_of_a_secret_store_the_marker_never_the_value() -> None:
    engine, table, reg = _world()
    audit.secret_columns(Account, "api_key")
    try:
        with Session(engine) as session:
            audit.begin(session)
            acc = Account(id=1, login="zhao", password_hash="$argon2id$first-hash",
                          api_key="sk-live-first")
            session.add(acc)
            assert audit.write(session, table) == 1
            session.commit()
        with Session(engine) as session:  # the next unit of work loads it afresh
            audit.begin(session)
            acc = session.get(Account, 1)
            assert acc is not None
            acc.password_hash = "$argon2id$second-hash"
            acc.api_key = "sk-live-second"
            acc.login = "zhao2"
            audit.note(session, "account", 1, {"tokens_revoked": (None, 2),
                                               "token_hash": ("tokhash-old", "tokhash-new")})
            assert audit.write(session, table) == 1
            session.commit()
        created, changed = _rows(engine, table)
        assert created["action"] == "create"
        assert created["changes"]["password_hash"] == [None, "[redacted]"]
        assert created["changes"]["api_key"] == [None, "[redacted]"]
        assert created["changes"]["login"] == [None, "zhao"]
        # a change of the secret shows that it changed, not what from or to
        assert changed["changes"] == {
            "password_hash": ["[redacted]", "[redacted]"], "api_key": ["[redacted]", "[redacted]"],
            "login": ["zhao", "zhao2"], "tokens_revoked": [None, 2],
            "token_hash": ["[redacted]", "[redacted]"]}
        stored = json.dumps([dict(r) for r in _rows(engine, table)], default=str)
        for secret in ("first-hash", "second-hash", "sk-live", "tokhash"):
            assert secret not in stored
    finally:
        audit._SECRETS.pop("Account", None)
        reg.dispose()
        engine.dispose()
