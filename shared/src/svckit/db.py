"""Engines and sessions for SQLite (embedded default) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import DateTime, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

PSYCOPG = "postgresql+psycopg://"


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3. A multi-host URL in libpq's
    form (``postgresql://u@h1:5433,h2:5434/db?target_session_attrs=read-write``: a
    primary and its standbys) is rewritten into SQLAlchemy's (``?host=h1:5433&host=...``),
    which the psycopg dialect hands to libpq as its host and port lists."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = PSYCOPG + url[len(prefix):]
            break
    if not url.startswith(PSYCOPG):
        return url
    netloc, _, tail = url[len(PSYCOPG):].partition("/")
    userinfo, at, hosts = netloc.rpartition("@")
    if "," not in hosts:
        return url
    path, _, query = tail.partition("?")
    params = [f"host={h}" for h in hosts.split(",") if h]
    return f"{PSYCOPG}{userinfo}{at}/{path}?" + "&".join(params + ([query] if query else []))


def libpq_url(url: URL) -> str:
    """A libpq connection URI for an engine's URL (connections psycopg opens itself, such
    as the relay's), with every host of a multi-host URL kept."""
    hosts = url.query.get("host")
    if not hosts or (isinstance(hosts, str) and ":" not in hosts):
        return url.set(drivername="postgresql").render_as_string(hide_password=False)
    host_list = (hosts,) if isinstance(hosts, str) else tuple(hosts)
    query = {k: v for k, v in url.query.items() if k != "host"}
    auth = ""
    if url.username:
        auth = quote(url.username, safe="")
        if url.password is not None:
            auth += ":" + quote(str(url.password), safe="")
        auth += "@"
    rest = f"?{urlencode(query, doseq=True)}" if query else ""
    return f"postgresql://{auth}{','.join(host_list)}/{quote(url.database or '')}{rest}"


def make_engine(url: str, *, pool_size: int = 10, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _sqlite_pragmas(engine)
        return engine
    if "poolclass" not in kwargs:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_timeout=5)
    kwargs.setdefault("pool_recycle", POOL_RECYCLE_SECONDS)
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


#: a pooled connection idle for longer than this is pinged before it is handed out
PING_AFTER_IDLE_SECONDS = 5.0
#: and none is kept longer than this (firewalls and proxies drop long-lived connections)
POOL_RECYCLE_SECONDS = 1800


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling only where it can help: a connection that sat in
    the pool for ``idle_seconds`` or more is pinged at checkout (a dead one is replaced,
    transparently, by the pool). ``pool_pre_ping`` pinged on *every* checkout, one round
    trip per request (~8 % of a check-out's time in the profile, docs/performance.md).
    A connection in steady use that breaks (PostgreSQL restarted) fails its statement;
    SQLAlchemy then invalidates the whole pool, so the next request reconnects."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["svckit_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("svckit_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # fresh from connect(), or in steady use
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # any failure means: reconnect
            raise DisconnectionError("pooled connection is dead") from exc
        if not alive:
            raise DisconnectionError("pooled connection is dead")


def _sqlite_pragmas(engine: Engine) -> None:
    """WAL, foreign keys, and ``BEGIN IMMEDIATE`` so writers queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def database_unavailable(exc: BaseException) -> bool:
    """The database could not be reached or went away (restart, failover, a standby
    promoted): nothing about the message or request itself. A statement the server
    refused for what it said (a constraint, bad data, a timeout) is not one."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    import psycopg

    orig = exc.orig
    return type(orig) is psycopg.OperationalError or isinstance(
        orig, psycopg.errors.AdminShutdown | psycopg.errors.CannotConnectNow
        | psycopg.errors.CrashShutdown | psycopg.errors.ReadOnlySqlTransaction)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def ping(engine: Engine) -> None:
    """Raise if the database does not answer."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so values are stored in
    UTC and given ``tzinfo=UTC`` again when loaded. Naive datetimes are refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware (UTC) value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _reset_events(obj: Any, _ctx: Any) -> None:
    obj.events = []


def records_events(*classes: type) -> None:
    """Give every loaded instance of ``classes`` an empty ``events`` list (the unit of
    work collects them at commit; ADR 0010). Call from ``start_mappers()``."""
    for cls in classes:
        if not event.contains(cls, "load", _reset_events):
            event.listen(cls, "load", _reset_events)
