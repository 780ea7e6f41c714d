"""Configuration from environment variables: the one typed place each process reads.

Platform-wide settings (bus, auth, logging, relay and consumer tuning) are read without
a prefix. A service's own settings (its database) are read with the service's name as
prefix, so the embedded mode can run all services in one process:
``INVENTORY_DATABASE_URL``, ``RENOVATION_DATABASE_URL``, ...

Secrets are ``SecretStr``: their repr and str print ``**********``.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from svckit.auth.tokens import DEFAULT_AUDIENCE, DEFAULT_ISSUER
from svckit.rates import Rate


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    #: where the embedded mode keeps its SQLite files and dev keys
    var_dir: Path = Path("var")
    #: ``memory://`` (embedded, in-process) or ``amqp://user:pass@host:5672/vhost``
    bus_url: SecretStr = SecretStr("memory://")
    #: prefix for the exchange and queue names (tests isolate themselves with it)
    bus_prefix: str = ""
    #: PEM public key (or a path to one) that verifies access tokens
    auth_public_key: SecretStr | None = None
    #: a JWKS URL (e.g. the identity service or any OIDC provider); wins over the key
    auth_jwks_url: str | None = None
    #: keys sealing personal fields of events (svckit.events.sealing): "id=key,..."; the
    #: first seals, all open. Unset: a development key in ``var_dir``
    event_keys: SecretStr | None = None
    #: keys signing the links one service makes and another opens (svckit.links: the
    #: offer SMS's link, a printed sheet's check-in QR code): "id=secret,..."; the first
    #: signs, all verify. Unset: a development key in ``var_dir``
    link_keys: SecretStr | None = None
    #: the ``iss`` and ``aud`` every token must carry: identity issues them, every service
    #: checks them (an OIDC provider's issuer URL and client id instead, when it issues)
    auth_issuer: str = Field(default=DEFAULT_ISSUER, min_length=1)
    auth_audience: str = Field(default=DEFAULT_AUDIENCE, min_length=1)
    log_level: str = "INFO"
    log_json: bool = True
    #: rows the relay publishes per batch (one transaction, one confirm wait)
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    #: how long the relay sleeps when idle and no notification arrives (seconds)
    relay_idle_poll: float = Field(default=1.0, gt=0)
    #: how long to wait for the broker's publisher confirms (seconds)
    relay_confirm_timeout: float = Field(default=10.0, gt=0)
    #: unacknowledged messages a consumer holds at once (at least 8 per worker)
    consumer_prefetch: int = Field(default=32, ge=1, le=1000)
    #: handler threads of a consumer: different subjects are applied in parallel, one
    #: subject's events in order (the in-process bus runs one)
    consumer_workers: int = Field(default=4, ge=1, le=64)
    #: delays (ms) of the retry levels; one more failure than levels parks the message
    retry_delays_ms: tuple[int, ...] = (1_000, 5_000, 30_000)
    #: AMQP heartbeat of the consumers (seconds)
    consumer_heartbeat: int = Field(default=30, ge=0)
    #: deliveries before RabbitMQ itself dead-letters a message (crash loops)
    delivery_limit: int = Field(default=10, ge=1)
    #: side port of a relay's or consumer's ``/metrics`` (svckit.metrics); unset: none,
    #: 0: a free port (logged). The APIs serve ``/metrics`` on their own port.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    #: address that side port listens on
    metrics_host: str = "127.0.0.1"
    #: request body limit for the APIs (bytes)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    #: per-principal limit of the expensive reports ("30/minute"; "0" switches it off)
    #: (svckit.http.ratelimit)
    report_rate_limit: str = "30/minute"
    #: where rate limits and identity's login throttling count (``redis://:pass@host/0``):
    #: shared by every process and instance. Unset: each process counts in its own memory
    #: (the embedded mode's one process)
    redis_url: SecretStr | None = None
    #: prefix of those Redis keys (deployments sharing one Redis; tests)
    redis_prefix: str = ""

    @field_validator("report_rate_limit")
    @classmethod
    def _valid_rate(cls, value: str) -> str:
        Rate.parse(value)  # raises ValueError with the expected form
        return value

    @property
    def bus_is_memory(self) -> bool:
        return self.bus_url.get_secret_value().startswith("memory://")


class ServiceSettings(BaseSettings):
    """A service's own settings, read with ``<SERVICE>_`` as prefix."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: SecretStr | None = None

    @classmethod
    def load(cls, service: str) -> ServiceSettings:
        return cls(_env_prefix=f"{service.upper()}_")  # type: ignore[call-arg]


class Config:
    """What one service needs: its name, the platform settings and its own settings."""

    def __init__(
        self,
        service: str,
        platform: PlatformSettings | None = None,
        own: ServiceSettings | None = None,
    ) -> None:
        self.service = service
        self.platform = platform or PlatformSettings()
        self.own = own or ServiceSettings.load(service)

    @cached_property
    def database_url(self) -> str:
        if self.own.database_url is not None:
            return self.own.database_url.get_secret_value()
        path = (self.platform.var_dir / f"{self.service}.db").resolve()
        return f"sqlite:///{path}"

    def __repr__(self) -> str:
        return f"Config(service={self.service!r}, platform={self.platform!r}, own={self.own!r})"
