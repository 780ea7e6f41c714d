"""The login failure counters on svckit's counter store (Redis with ``REDIS_URL``, shared
by every worker and instance; else this process's memory)."""

from __future__ import annotations

from svckit.http.ratelimit import Store

from identity.config import IdentitySettings
from identity.domain.lockout import Failures, Limits

_PREFIX = "identity:login:"


class LoginThrottle:
    def __init__(self, store: Store, settings: IdentitySettings) -> None:
        self.store = store
        self.settings = settings
        self.limits = Limits(pair_max=settings.account_max_failures,
                             client_max=settings.client_max_failures,
                             window=settings.window.total_seconds(),
                             max_delay=float(settings.slowdown_max_seconds))

    # "|" ends the account and client in each key, so clearing "a|" never touches "ab|"
    @staticmethod
    def _pair(account: str, client: str) -> str:
        return f"{_PREFIX}pair:{account}|{client}|"

    @staticmethod
    def _client(client: str) -> str:
        return f"{_PREFIX}client:{client}|"

    @staticmethod
    def _account(account: str) -> str:
        return f"{_PREFIX}account:{account}|"

    def failures(self, account: str, client: str) -> Failures:
        pair, pair_ttl = self.store.peek(self._pair(account, client))
        by_client, client_ttl = self.store.peek(self._client(client))
        by_account, _ = self.store.peek(self._account(account))
        return Failures(pair, pair_ttl, by_client, client_ttl, by_account)

    def failed(self, account: str, client: str) -> None:
        window = self.limits.window
        lockout = self.settings.lockout.total_seconds()
        for key, limit in ((self._pair(account, client), self.limits.pair_max),
                           (self._client(client), self.limits.client_max),
                           (self._account(account), None)):
            if self.store.hit(key, window) == limit:
                self.store.expire(key, lockout)  # reached: blocked for the lockout

    def succeeded(self, account: str, client: str) -> None:
        """The right password: this client's and the account's failures are forgiven (not
        the client's on other accounts)."""
        self.store.clear(self._pair(account, client))
        self.store.clear(self._account(account))

    def clear(self, account: str) -> int:
        """Forget every failure of the account (a staff unlock, a new password)."""
        return (self.store.clear(f"{_PREFIX}pair:{account}|")
                + self.store.clear(self._account(account)))
