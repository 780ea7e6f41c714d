"""Personal values sealed for the broker: encrypted per field, opened by the consumer.

An address a volunteer must go to has to travel from the service that knows it
(inventory, renovation) to the one that dispatches the visit (volunteer), but it must not
lie in clear on the broker, in a parked message, in the outbox or in a log (ADR 0013).
Catalogue fields declared :class:`~svckit.events.catalogue.fields.Sealed` are dumped as
``<key id>.<Fernet token>`` (AES-128-CBC + HMAC-SHA256, with a timestamp) and loaded
back to the clear value by a consumer that holds the key.

Keys: ``EVENT_KEYS`` (a secret) lists ``id=key`` pairs (``key`` a Fernet key, 32
url-safe base64 bytes), comma-separated; the first one seals, every one opens, so a key
is rotated by putting a new one first and dropping the old one once the outboxes,
queues and parked messages sealed with it are drained. A deployment gives each service
only the keys of the producers it consumes from. Without ``EVENT_KEYS`` (embedded mode,
the native topology, tests) the processes share a development key kept in
``VAR_DIR/dev-event-keys``, made on first use.
"""

from __future__ import annotations

import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from svckit.devkeys import shared_dev_secret


class SealError(ValueError):
    """A sealed value this process cannot open (unknown key id, tampered, not sealed)."""


class Keyring:
    def __init__(self, keys: dict[str, bytes], current: str) -> None:
        if current not in keys:
            raise ValueError("the current key id is not among the keys")
        for kid in keys:
            if not kid or "." in kid or "=" in kid or "," in kid:
                raise ValueError(f"bad key id {kid!r}")
        self.current = current
        self._fernets = {kid: Fernet(key) for kid, key in keys.items()}

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        """``"k2=<key>,k1=<key>"``: the first seals, all open."""
        pairs = [item.strip().split("=", 1) for item in spec.split(",") if item.strip()]
        if not pairs or any(len(p) != 2 for p in pairs):
            raise ValueError("EVENT_KEYS must be 'id=key[,id=key...]'")
        return cls({kid: key.encode() for kid, key in pairs}, pairs[0][0])

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._fernets)

    def seal(self, clear: str) -> str:
        return f"{self.current}.{self._fernets[self.current].encrypt(clear.encode()).decode()}"

    def open(self, sealed: str) -> str:
        kid, dot, token = sealed.partition(".")
        fernet = self._fernets.get(kid) if dot else None
        if fernet is None:
            raise SealError(f"不认识的事件密钥 {kid!r} (unknown event key id)")
        try:
            return fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SealError("加密字段无法解密 (sealed value cannot be opened)") from None


def dev_keyring(var_dir: Path) -> Keyring:
    """The development key shared by the processes of one ``VAR_DIR`` (made once,
    race-free: the first process to create the file wins, the others read it)."""
    return Keyring.parse(shared_dev_secret(
        var_dir / "dev-event-keys", lambda: f"dev={Fernet.generate_key().decode()}"))


_lock = threading.Lock()
_keyring: Keyring | None = None


def configure(keyring: Keyring | None) -> None:
    """Set this process's keyring (``None``: read it again from the settings)."""
    global _keyring
    with _lock:
        _keyring = keyring


def keyring() -> Keyring:
    """This process's keyring, from ``EVENT_KEYS`` or the development key file."""
    global _keyring
    if _keyring is None:
        with _lock:
            if _keyring is None:
                from svckit.config import PlatformSettings

                p = PlatformSettings()
                _keyring = (Keyring.parse(p.event_keys.get_secret_value()) if p.event_keys
                            else dev_keyring(p.var_dir))
    return _keyring
