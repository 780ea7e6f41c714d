"""Signed links: short tokens one service makes and another checks, with a shared key.

Two uses today. The offer SMS (made by notify, opened by the console) carries a token
naming the task, its offer's expiry and, bound in but not written in it, the volunteer
it was sent to: the console opens it only for that volunteer, signed in, before the
expiry, once. The QR code printed on a rental's hand-over sheet or a household's plan
sheet (made by the console) carries a token naming the sheet's cause (the rental, the
application): the volunteer service accepts it at check-in or check-out for a task at
that cause, so a scan proves the volunteer stood at the sheet.

A token is ``base64url(subject uuid 16 bytes | expiry, unix seconds, 4 bytes | tag)``,
no padding: 38 characters with the 8-byte tag (HMAC-SHA256 truncated; a guess is tried
online, one request each). The tag covers a *purpose* (so an offer token is never a
site token), the subject, the expiry and what the token is *bound to*. Nothing personal
is in a token: a task or rental id, a time.

Keys: ``LINK_KEYS`` (a secret), ``id=secret`` pairs, comma-separated; the first one
signs, every one verifies (rotation: put the new one first; drop the old one once the
links it signed have expired: offers within days, printed sheets when their rentals and
applications are closed). Without ``LINK_KEYS`` (embedded mode, the native topology,
tests) the processes of one ``VAR_DIR`` share a development key kept in
``VAR_DIR/dev-link-keys``, made on first use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from svckit.devkeys import shared_dev_secret

TAG_BYTES = 8
_BODY = struct.Struct(">16sI")
TOKEN_LENGTH = len(base64.urlsafe_b64encode(b"\0" * (_BODY.size + TAG_BYTES)).rstrip(b"="))

#: the causes a printed sheet's QR code may name: the letter that starts its token, and
#: the cause as tasks carry it (``<service>:<kind>``, the events catalogue's words)
SITE_KINDS = {"r": "inventory:rental", "a": "renovation:application"}


class LinkError(ValueError):
    """A token that is not one of ours (malformed, tampered, another purpose, bound to
    someone else): nothing about it is to be told."""


class LinkExpired(LinkError):
    """A genuine token whose time is over."""


@dataclass(frozen=True)
class Signed:
    subject: uuid.UUID
    #: None: a token that does not expire
    expires_at: datetime | None


class LinkKeys:
    def __init__(self, keys: dict[str, bytes], current: str) -> None:
        if current not in keys:
            raise ValueError("the current key id is not among the keys")
        if any(len(k) < 16 for k in keys.values()):
            raise ValueError("a link key needs 16 bytes at least")
        self.current = current
        self._keys = dict(keys)

    @classmethod
    def parse(cls, spec: str) -> LinkKeys:
        """``"k2=<secret>,k1=<secret>"``: the first signs, all verify."""
        pairs = [item.strip().split("=", 1) for item in spec.split(",") if item.strip()]
        if not pairs or any(len(p) != 2 or not p[0] for p in pairs):
            raise ValueError("LINK_KEYS must be 'id=secret[,id=secret...]'")
        return cls({kid: key.encode() for kid, key in pairs}, pairs[0][0])

    def _tag(self, key: bytes, purpose: str, body: bytes, bound_to: str) -> bytes:
        message = b"\0".join((purpose.encode(), body, bound_to.encode()))
        return hmac.new(key, message, hashlib.sha256).digest()[:TAG_BYTES]

    def make(self, purpose: str, subject: uuid.UUID, expires_at: datetime | None = None, *,
             bound_to: str = "") -> str:
        seconds = 0 if expires_at is None else int(expires_at.timestamp())
        body = _BODY.pack(subject.bytes, seconds)
        tag = self._tag(self._keys[self.current], purpose, body, bound_to)
        return base64.urlsafe_b64encode(body + tag).rstrip(b"=").decode()

    def read(self, purpose: str, token: str, *, now: datetime, bound_to: str = "") -> Signed:
        """The token's subject and expiry; :class:`LinkError` for anything not signed
        for ``purpose`` and ``bound_to`` by one of the keys, :class:`LinkExpired` for a
        genuine one past its expiry."""
        if len(token) != TOKEN_LENGTH:
            raise LinkError("malformed link token")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise LinkError("malformed link token") from None
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != token:
            # the last character's spare bits set: another spelling of a genuine token
            # would pass as a new one (single use is recorded by the token's text)
            raise LinkError("malformed link token")
        body, tag = raw[:_BODY.size], raw[_BODY.size:]
        if not any(hmac.compare_digest(self._tag(key, purpose, body, bound_to), tag)
                   for key in self._keys.values()):
            raise LinkError("link token not signed for this purpose")
        subject, seconds = _BODY.unpack(body)
        expires = datetime.fromtimestamp(seconds, UTC) if seconds else None
        if expires is not None and now >= expires:
            raise LinkExpired("link token expired")
        return Signed(uuid.UUID(bytes=subject), expires)

    # ---- the QR code of a printed sheet ---------------------------------------------

    def site_code(self, cause: str, cause_id: uuid.UUID) -> str:
        """The code a sheet's QR carries for ``cause`` (a :data:`SITE_KINDS` value)."""
        letter = next(k for k, v in SITE_KINDS.items() if v == cause)
        return letter + self.make(f"site:{cause}", cause_id)

    def read_site_code(self, code: str, *, now: datetime) -> str:
        """The cause a sheet's code names, ``<service>:<kind>:<id>`` (:class:`LinkError`
        when it is not a genuine one)."""
        cause = SITE_KINDS.get(code[:1])
        if cause is None:
            raise LinkError("not a site code")
        signed = self.read(f"site:{cause}", code[1:], now=now)
        return f"{cause}:{signed.subject}"


def dev_link_keys(var_dir: Path) -> LinkKeys:
    """The development key shared by the processes of one ``VAR_DIR`` (made once,
    race-free: the first process to create the file wins, the others read it)."""
    return LinkKeys.parse(shared_dev_secret(
        var_dir / "dev-link-keys", lambda: f"dev={secrets.token_urlsafe(32)}"))


_lock = threading.Lock()
_keys: LinkKeys | None = None


def configure(keys: LinkKeys | None) -> None:
    """Set this process's link keys (``None``: read them again from the settings)."""
    global _keys
    with _lock:
        _keys = keys


def link_keys() -> LinkKeys:
    """This process's link keys, from ``LINK_KEYS`` or the development key file."""
    global _keys
    if _keys is None:
        with _lock:
            if _keys is None:
                from svckit.config import PlatformSettings

                p = PlatformSettings()
                _keys = (LinkKeys.parse(p.link_keys.get_secret_value()) if p.link_keys
                         else dev_link_keys(p.var_dir))
    return _keys
