"""The console's side of the signed links (svckit.links): the keys, the addresses of the
check-in QR codes it prints, and the record of the offer links already opened.

An offer link is single use: the first time its volunteer opens it, its token is
claimed here (Redis ``SET NX`` when a Redis URL is configured, shared by every worker
and instance; else a table in ``VAR_DIR/console-used-links.sqlite3``, as the sessions).
A record lives until the link's own expiry, after which the token is refused as expired
anyway. Only a hash of the token is stored.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Protocol

import redis
from flask import current_app, url_for
from svckit.domain.clock import utcnow
from svckit.links import LinkKeys, dev_link_keys

from console.config import ConsoleSettings
from console.sessions import SqliteFile

#: what an offer link's token is signed for (notify makes it: notify.service_layer.reminders)
OFFER_LINK = "offer-link"


class UsedLinks(Protocol):
    def claim(self, token: str, until: datetime) -> bool:
        """True the first time ``token`` is claimed, False ever after (until ``until``)."""
        ...


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RedisUsedLinks:
    def __init__(self, url: str, prefix: str = "") -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.prefix = f"{prefix}console:used-link:"

    def claim(self, token: str, until: datetime) -> bool:
        ttl = max(1, int((until.timestamp() - time.time()) * 1000))
        return bool(self.client.set(self.prefix + _key(token), "1", nx=True, px=ttl))


class SqliteUsedLinks(SqliteFile):
    def __init__(self, path: Path) -> None:
        super().__init__(path, "CREATE TABLE IF NOT EXISTS used_links (id TEXT PRIMARY KEY,"
                               " expires REAL NOT NULL)")

    def claim(self, token: str, until: datetime) -> bool:
        now = time.time()
        with self._conn() as conn:
            conn.execute("DELETE FROM used_links WHERE expires <= ?", (now,))
            cur = conn.execute("INSERT OR IGNORE INTO used_links (id, expires) VALUES (?, ?)",
                               (_key(token), until.timestamp()))
            return cur.rowcount == 1


def keys_for(settings: ConsoleSettings) -> LinkKeys:
    if settings.link_keys is not None:
        return LinkKeys.parse(settings.link_keys.get_secret_value())
    return dev_link_keys(settings.var_dir)


def used_links_for(settings: ConsoleSettings) -> UsedLinks:
    if settings.redis_url is not None:
        return RedisUsedLinks(settings.redis_url.get_secret_value(), settings.redis_prefix)
    return SqliteUsedLinks(settings.var_dir / "console-used-links.sqlite3")


def keys() -> LinkKeys:
    found: LinkKeys = current_app.extensions["link_keys"]
    return found


def used_links() -> UsedLinks:
    found: UsedLinks = current_app.extensions["used_links"]
    return found


def check_in_url(cause: str, cause_id: uuid.UUID | str) -> str:
    """The full console address a printed sheet's QR code carries for ``cause``
    (``inventory:rental``, ``renovation:application``): the phone that scans it opens
    the volunteer's check-in page of that site."""
    code = keys().site_code(cause, uuid.UUID(str(cause_id)))
    return url_for("volunteer.scan", code=code, _external=True)


def now() -> datetime:
    return utcnow()
