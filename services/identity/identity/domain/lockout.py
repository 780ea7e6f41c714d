"""Login throttling that an attacker cannot turn against the account's owner.

Failures are counted per (account, client address), per client address, and per account:

- a client that failed one account ``pair_max`` times is blocked *for that account* until
  the lockout ends; other clients are not;
- a client that failed ``client_max`` times (any accounts) is blocked for every account;
- an account that failed ``pair_max`` times in all is only *slowed down*, and only for the
  clients that have themselves failed it: each must wait a delay that doubles with every
  further failure of the account (up to ``max_delay``) after its own last failure. A client
  that has not failed the account (its owner at a new address) is never held back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Failures:
    """What the counters hold when a login comes in."""

    pair: int  # this client's failures on this account
    pair_ends_in: float  # seconds until that count ends (the window after its last failure)
    client: int  # this client's failures on any account
    client_ends_in: float
    account: int  # the account's failures from every client


@dataclass(frozen=True)
class Limits:
    pair_max: int
    client_max: int
    window: float  # seconds a failure counts
    max_delay: float  # the longest slow-down of a failed account (seconds)


@dataclass(frozen=True)
class Blocked:
    reason: str  # "client" | "account" | "slowdown"
    wait: float  # seconds

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.wait))


def slowdown(account_failures: int, limits: Limits) -> float:
    """The delay a failed client waits on an account with that many failures (seconds)."""
    if account_failures < limits.pair_max:
        return 0.0
    return float(min(2 ** (account_failures - limits.pair_max), limits.max_delay))


def decide(f: Failures, limits: Limits) -> Blocked | None:
    if f.client >= limits.client_max:
        return Blocked("client", f.client_ends_in)
    if f.pair >= limits.pair_max:
        return Blocked("account", f.pair_ends_in)
    if f.pair:
        since_last = limits.window - f.pair_ends_in
        delay = slowdown(f.account, limits)
        if since_last < delay:
            return Blocked("slowdown", delay - since_last)
    return None
