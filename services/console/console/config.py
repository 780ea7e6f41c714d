"""Console settings (environment, prefix ``CONSOLE_``).

``CONSOLE_API_BASE`` is where the services answer under ``/<service>`` (the embedded
mode); ``CONSOLE_<SERVICE>_URL`` overrides one service's base URL (the distributed
topology). ``CONSOLE_SECRET_KEY`` signs the CSRF tokens; without it a random key is
kept in ``VAR_DIR/console-secret`` (development only). Sessions: :mod:`console.sessions`.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from svckit.devkeys import shared_dev_secret

SERVICES = ("identity", "inventory", "renovation", "volunteer", "notify")


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore", populate_by_name=True)

    api_base: str = "http://127.0.0.1:8000"
    identity_url: str | None = None
    inventory_url: str | None = None
    renovation_url: str | None = None
    volunteer_url: str | None = None
    notify_url: str | None = None
    secret_key: SecretStr | None = None
    #: set on HTTPS deployments: the session cookie is then sent over HTTPS only
    cookie_secure: bool = False
    #: seconds the console waits for a service
    api_timeout: float = 15.0
    #: seconds the header's bell waits for the unread count (notify down: no count shown)
    bell_timeout: float = 1.0
    var_dir: Path = Field(default=Path("var"), validation_alias="VAR_DIR")
    #: where sessions are kept (``redis://host/0``; ``CONSOLE_REDIS_URL`` or the platform's
    #: ``REDIS_URL``); without it, a SQLite file in ``VAR_DIR`` (one machine)
    redis_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("CONSOLE_REDIS_URL", "REDIS_URL", "redis_url"))
    #: prefix of the session keys in Redis (deployments sharing one Redis; tests)
    redis_prefix: str = Field(
        default="", validation_alias=AliasChoices("CONSOLE_REDIS_PREFIX", "REDIS_PREFIX",
                                                  "redis_prefix"))
    #: a session ends after this many minutes without a request ...
    session_idle_minutes: float = 60.0
    #: ... and this many hours after sign-in
    session_max_hours: float = 12.0
    #: send identity ``X-Forwarded-For: <the browser's address>`` with each sign-in, so
    #: that it throttles per browser; only useful (and only believed) when identity lists
    #: the console's address in ``IDENTITY_TRUSTED_PROXIES``. Off: identity sees the
    #: console's own address for every sign-in.
    forward_client_address: bool = False
    #: the keys of the signed links (svckit.links: the offer SMS's link notify makes, the
    #: check-in QR code of the printed sheets): ``CONSOLE_LINK_KEYS`` or the platform's
    #: ``LINK_KEYS``; without it, the development key in ``VAR_DIR/dev-link-keys``
    link_keys: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("CONSOLE_LINK_KEYS", "LINK_KEYS",
                                                    "link_keys"))

    def url(self, service: str) -> str:
        explicit: str | None = getattr(self, f"{service}_url")
        return (explicit or f"{self.api_base.rstrip('/')}/{service}").rstrip("/")

    def secret(self) -> str:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return shared_dev_secret(self.var_dir / "console-secret",
                                 lambda: secrets.token_urlsafe(48))
