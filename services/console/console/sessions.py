"""Sessions held on the server: the cookie carries only an opaque random id.

The tokens, the user's claims, the CSRF secret and the flashed messages stay in a store:
Redis when a Redis URL is configured (``REDIS_URL``: every worker and instance shares
it), else a SQLite file under ``VAR_DIR`` (the embedded mode, one machine; SQLite so that
several gunicorn workers on one host still agree). Signing out deletes the record, so a
copied cookie stops working at once. A session ends after ``session_idle_minutes``
without a request and ``session_max_hours`` after sign-in, whichever comes first; the
id changes at sign-in (:func:`rotate`), so an id planted before it is worth nothing.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol

import redis
from flask import Flask, Request, session
from flask import request as current_request
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict
from werkzeug.wrappers import Response

COOKIE = "console_session"
#: Flask's own session serializer (tuples, bytes, Markup, datetimes survive)
_JSON = TaggedJSONSerializer()


class Store(Protocol):
    def load(self, sid: str) -> dict[str, Any] | None: ...

    def save(self, sid: str, data: dict[str, Any], ttl: float) -> None: ...

    def touch(self, sid: str, ttl: float) -> None: ...

    def delete(self, sid: str) -> None: ...


def _loads(raw: str | bytes) -> dict[str, Any]:
    value = _JSON.loads(raw.decode() if isinstance(raw, bytes) else raw)
    return value if isinstance(value, dict) else {}


class RedisStore:
    """One JSON value per session under ``<prefix>console:session:<id>``, expiring by
    itself (the TTL is the sooner of the idle and absolute ends)."""

    def __init__(self, url: str, prefix: str = "") -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.prefix = f"{prefix}console:session:"

    def load(self, sid: str) -> dict[str, Any] | None:
        raw = self.client.get(self.prefix + sid)
        return _loads(raw) if raw else None

    def save(self, sid: str, data: dict[str, Any], ttl: float) -> None:
        self.client.set(self.prefix + sid, _JSON.dumps(data), px=max(1, int(ttl * 1000)))

    def touch(self, sid: str, ttl: float) -> None:
        self.client.pexpire(self.prefix + sid, max(1, int(ttl * 1000)))

    def delete(self, sid: str) -> None:
        self.client.delete(self.prefix + sid)


class SqliteFile:
    """A SQLite file of the console's ``VAR_DIR`` (owner only) when there is no Redis: its
    table made on first use, one connection per thread, WAL (shared by the workers)."""

    def __init__(self, path: Path, schema: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        with self._conn() as conn:
            conn.execute(schema)
        path.chmod(0o600)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        return conn


class SqliteStore(SqliteFile):
    """A table in ``VAR_DIR/console-sessions.sqlite3``; expired rows are ignored when read
    and swept now and then."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY,"
                               " data TEXT NOT NULL, expires REAL NOT NULL)")

    def load(self, sid: str) -> dict[str, Any] | None:
        row = self._conn().execute("SELECT data FROM sessions WHERE id = ? AND expires > ?",
                                   (sid, time.time())).fetchone()
        return _loads(row[0]) if row else None

    def save(self, sid: str, data: dict[str, Any], ttl: float) -> None:
        now = time.time()
        with self._conn() as conn:
            conn.execute("INSERT INTO sessions (id, data, expires) VALUES (?, ?, ?) ON CONFLICT"
                         " (id) DO UPDATE SET data = excluded.data, expires = excluded.expires",
                         (sid, _JSON.dumps(data), now + ttl))
            if secrets.randbelow(100) == 0:
                conn.execute("DELETE FROM sessions WHERE expires <= ?", (now,))

    def touch(self, sid: str, ttl: float) -> None:
        with self._conn() as conn:
            conn.execute("UPDATE sessions SET expires = ? WHERE id = ?", (time.time() + ttl, sid))

    def delete(self, sid: str) -> None:
        with self._conn() as conn:
            conn.execute("DELETE FROM sessions WHERE id = ?", (sid,))


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """The session's data; ``sid`` is None until something is stored."""

    def __init__(self, data: dict[str, Any] | None = None, sid: str | None = None,
                 started: float | None = None) -> None:
        def on_update(_self: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(data or {}, on_update)
        self.sid = sid
        self.started = started or time.time()
        self.rotate = False
        self.modified = False


class ServerSessionInterface(SessionInterface):
    def __init__(self, store: Store, idle: float, absolute: float, secure: bool) -> None:
        self.store = store
        self.idle = idle
        self.absolute = absolute
        self.secure = secure

    def _ttl(self, started: float) -> float:
        return min(self.idle, started + self.absolute - time.time())

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        sid = request.cookies.get(COOKIE)
        if sid:
            record = self.store.load(sid)
            if record is not None:
                started = float(record.get("started", 0))
                if time.time() < started + self.absolute:
                    return ServerSession(record.get("data") or {}, sid, started)
                self.store.delete(sid)
        return ServerSession()

    def save_session(self, app: Flask, session: SessionMixin,
                     response: Response) -> None:
        assert isinstance(session, ServerSession)
        path = current_request.script_root or "/"
        secure = self.secure or current_request.is_secure
        if session.sid and (session.rotate or not session):
            self.store.delete(session.sid)  # signed out, or a new id at sign-in
            if not session:
                response.delete_cookie(COOKIE, path=path, secure=secure, httponly=True,
                                       samesite="Lax")
                return
            session.sid = None
            session.started = time.time()
        if not session:
            return
        ttl = self._ttl(session.started)
        if session.sid is None:
            session.sid = secrets.token_urlsafe(32)
            session.modified = True
        if session.modified:
            self.store.save(session.sid, {"started": session.started, "data": dict(session)},
                            ttl)
        else:
            self.store.touch(session.sid, ttl)
        response.vary.add("Cookie")
        # no Max-Age: the browser forgets the id when it closes; the store ends it anyway
        response.set_cookie(COOKIE, session.sid, path=path, secure=secure, httponly=True,
                            samesite="Lax")


def store_for(redis_url: str | None, redis_prefix: str, var_dir: Path) -> Store:
    if redis_url:
        return RedisStore(redis_url, redis_prefix)
    return SqliteStore(var_dir / "console-sessions.sqlite3")


def rotate() -> None:
    """Give the session a new id and start its absolute timeout (at sign-in)."""
    if isinstance(session, ServerSession):
        session.rotate = True
