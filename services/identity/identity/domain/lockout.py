"""Login throttling: failed attempts per account and per client address in a window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Blocked:
    reason: str  # "account" | "client"
    until: datetime

    def retry_after(self, now: datetime) -> int:
        return max(1, int((self.until - now).total_seconds()) + 1)


def decide(*, account_failures: list[datetime], client_failures: list[datetime],
           account_max: int, client_max: int, lockout: timedelta,
           now: datetime) -> Blocked | None:
    """Blocked when the account or the client reached its limit of failures in the window
    (the callers pass only failures inside the window, newest last): until the lockout after
    the newest failure has passed."""
    for reason, failures, limit in (("account", account_failures, account_max),
                                    ("client", client_failures, client_max)):
        if len(failures) >= limit:
            until = max(failures) + lockout
            if until > now:
                return Blocked(reason, until)
    return None
