"""Rate limits per principal on expensive endpoints (OWASP API4), e.g. the reports.

A limit is ``"<count>/<period>"`` (``30/minute``; periods ``second``, ``minute``, ``hour``,
``day``), read from ``REPORT_RATE_LIMIT`` for the ``reports`` group; ``0`` or an empty
value switches it off. The algorithm is GCRA (a token bucket in one timestamp per key):
``count`` requests may come at once, then one more per ``period / count``. Exceeding it
answers ``429`` problem+json with ``Retry-After`` (whole seconds).

The counters live in the memory of each process (per gunicorn worker): with W workers and
N API instances a principal gets at most W x N times the limit. That bounds the cost of a
runaway client; it is not a quota. Login throttling is the identity service's own and is
shared through its database.

Use :func:`limit_blueprint` for a blueprint of reports, :func:`rate_limited` for a single
view method.
"""

from __future__ import annotations

import functools
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, current_app, g, request
from flask.typing import ResponseReturnValue

from svckit.http.problems import problem

_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
_LIMIT = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d*)\s*(second|minute|hour|day)s?\s*$", re.I)

F = TypeVar("F", bound=Callable[..., Any])
B = TypeVar("B", bound=Blueprint)


@dataclass(frozen=True)
class Rate:
    count: int
    period: float  # seconds

    @classmethod
    def parse(cls, text: str | None) -> Rate | None:
        """``"30/minute"`` -> Rate(30, 60.0); ``"100/5 minutes"`` too; ``""``/``"0"`` -> None."""
        if text is None or text.strip() in ("", "0"):
            return None
        m = _LIMIT.match(text)
        if not m:
            raise ValueError(f"rate limit {text!r}: expected e.g. '30/minute'")
        count, mult, unit = int(m[1]), int(m[2] or 1), m[3].lower()
        if count == 0:
            return None
        return cls(count, mult * _PERIODS[unit])


class Limiter:
    """GCRA counters per key (thread-safe; one per app, in memory)."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.clock = clock
        self._tat: dict[str, float] = {}  # key -> theoretical arrival time
        self._lock = threading.Lock()
        self._calls = 0

    @property
    def interval(self) -> float:
        return self.rate.period / self.rate.count

    def hit(self, key: str) -> float:
        """Count a request of ``key``: 0.0 when allowed, else the seconds to wait."""
        now = self.clock()
        burst = self.rate.period - self.interval  # how far ahead the TAT may run
        with self._lock:
            tat = max(self._tat.get(key, now), now)
            if tat - now > burst:
                return tat - now - burst
            self._tat[key] = tat + self.interval
            self._calls += 1
            if self._calls % 1024 == 0:
                self._sweep(now)
            return 0.0

    def _sweep(self, now: float) -> None:
        for key in [k for k, tat in self._tat.items() if tat <= now]:
            del self._tat[key]


def _limiter(group: str) -> Limiter | None:
    limiters: dict[str, Limiter | None] = current_app.extensions.setdefault(
        "svckit.ratelimit", {})
    if group not in limiters:
        text = current_app.config.get(f"RATE_LIMIT_{group.upper()}")
        rate = Rate.parse(text)
        limiters[group] = Limiter(rate) if rate else None
    return limiters[group]


def check(group: str) -> ResponseReturnValue | None:
    """``None`` if the caller may go on, else the 429 answer. Keyed by the principal (the
    auth hook runs first), the client address for an anonymous call."""
    limiter = _limiter(group)
    if limiter is None or request.method == "OPTIONS":
        return None
    principal = g.get("principal")
    key = f"{group}:{principal.sub if principal is not None else 'ip:' + str(request.remote_addr)}"
    wait = limiter.hit(key)
    if not wait:
        return None
    retry_after = max(1, math.ceil(wait))
    return problem(429, "too-many-requests",
                   f"请求过于频繁，请{retry_after}秒后再试 "
                   f"(rate limit {limiter.rate.count} per {limiter.rate.period:g}s exceeded)",
                   headers={"Retry-After": str(retry_after)})


def limit_blueprint(bp: B, group: str = "reports") -> B:
    """Every view of ``bp`` counts against the ``group`` limit of its caller."""
    bp.before_request(lambda: check(group))
    return bp


def rate_limited(group: str = "reports") -> Callable[[F], F]:
    """Decorator of one view (function or MethodView method)."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            refused = check(group)
            if refused is not None:
                return refused
            return fn(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap
