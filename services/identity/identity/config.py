"""The identity service's own settings (environment, prefix ``IDENTITY_``)."""

from __future__ import annotations

from datetime import timedelta
from ipaddress import ip_address

from pydantic import Field, IPvAnyNetwork, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class IdentitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore", frozen=True)

    #: the RS256 private key (PEM, or a path to one); unset: the dev key in ``VAR_DIR``
    signing_key: SecretStr | None = None
    #: lifetime of an access token (seconds, 5-15 minutes)
    access_ttl_seconds: int = Field(default=600, ge=300, le=900)
    #: lifetime of a refresh token family member (hours); each refresh rotates it
    refresh_ttl_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    #: failed logins of one account from one client address within the window that block
    #: that client for that account; as many failures of the account from all clients
    #: start slowing down (never blocking) the clients that failed it (domain/lockout.py)
    account_max_failures: int = Field(default=5, ge=1)
    #: failed logins from one client address within the window that block it
    client_max_failures: int = Field(default=30, ge=1)
    #: the longest delay a failed client waits on a much-failed account (seconds)
    slowdown_max_seconds: int = Field(default=300, ge=1)
    #: addresses (IP networks) of proxies whose ``X-Forwarded-For`` names the real client:
    #: the web console and load balancers in front of identity. Default none: the header
    #: of anyone else (any local process included) is ignored, and without it every login
    #: made through the console counts against the console's own address.
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    #: how long a failure counts, and how long a reached limit blocks (minutes)
    window_minutes: int = Field(default=15, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    #: the password of the seeded demo users (embedded mode / demos only)
    seed_password: SecretStr = SecretStr("liaocheng-2025")

    def client_of(self, remote_addr: str | None, forwarded_for: str | None) -> str:
        """The address to throttle: the proxy's last ``X-Forwarded-For`` hop when the
        request comes from a trusted proxy, else the peer address."""
        peer = remote_addr or "unknown"
        if not forwarded_for or not self.trusted_proxies:
            return peer
        try:
            address = ip_address(peer)
        except ValueError:
            return peer
        if not any(address in net for net in self.trusted_proxies):
            return peer
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        return hops[-1][:64] if hops else peer

    @property
    def access_ttl(self) -> timedelta:
        return timedelta(seconds=self.access_ttl_seconds)

    @property
    def refresh_ttl(self) -> timedelta:
        return timedelta(hours=self.refresh_ttl_hours)

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.window_minutes)

    @property
    def lockout(self) -> timedelta:
        return timedelta(minutes=self.lockout_minutes)
