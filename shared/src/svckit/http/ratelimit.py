"""Rate limits per principal on expensive endpoints (OWASP API4), e.g. the reports, and
the counters behind them (also identity's login throttling).

A limit is ``"<count>/<period>"`` (``30/minute``; periods ``second``, ``minute``, ``hour``,
``day``), read from ``REPORT_RATE_LIMIT`` for the ``reports`` group; ``0`` or an empty
value switches it off. The algorithm is GCRA (a token bucket in one timestamp per key):
``count`` requests may come at once, then one more per ``period / count``. Exceeding it
answers ``429`` problem+json with ``Retry-After`` (whole seconds).

Where it counts (:func:`store`): with ``REDIS_URL`` set, in Redis (keys prefixed with
``REDIS_PREFIX``), shared by every gunicorn worker and API instance, so the limit is the
limit; without it, in the memory of each process (the embedded mode, one process). When
Redis cannot be reached a report is served (the limit bounds cost; it is not a quota) and
a warning is logged.

Use :func:`limit_blueprint` for a blueprint of reports, :func:`rate_limited` for a single
view method.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from flask import Blueprint, Flask, current_app, g, request
from flask.typing import ResponseReturnValue

from svckit.http.problems import problem
from svckit.rates import Rate

if TYPE_CHECKING:  # redis-py only where a Redis store is made (its package: ~7 MB)
    import redis

__all__ = ["Limiter", "MemoryStore", "Rate", "RedisStore", "Store", "check", "limit_blueprint",
           "rate_limited", "redis_store", "store"]

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
B = TypeVar("B", bound=Blueprint)


class Store(Protocol):
    """Counters with an expiry, atomic per key: GCRA timestamps and failure counts."""

    def gcra(self, key: str, interval: float, burst: float) -> float:
        """Count a request of ``key`` (one per ``interval`` seconds, ``burst`` seconds ahead
        allowed): 0.0 when allowed, else the seconds to wait."""

    def hit(self, key: str, ttl: float) -> int:
        """Add one to ``key``, which then ends ``ttl`` seconds from now: the new count."""

    def peek(self, key: str) -> tuple[int, float]:
        """``key``'s count and the seconds until it ends ((0, 0.0) when there is none)."""

    def expire(self, key: str, ttl: float) -> None:
        """``key`` ends ``ttl`` seconds from now."""

    def clear(self, prefix: str) -> int:
        """Delete every key that starts with ``prefix``: how many there were."""


class MemoryStore:
    """In this process's memory (thread-safe): the embedded mode, one process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._values: dict[str, tuple[float, float]] = {}  # key -> (value, ends at)
        self._lock = threading.Lock()
        self._calls = 0

    def _get(self, key: str, now: float) -> tuple[float, float] | None:
        value = self._values.get(key)
        if value is not None and value[1] <= now:
            del self._values[key]
            return None
        return value

    def _tick(self, now: float) -> None:
        self._calls += 1
        if self._calls % 1024 == 0:
            for key in [k for k, (_v, end) in self._values.items() if end <= now]:
                del self._values[key]

    def gcra(self, key: str, interval: float, burst: float) -> float:
        now = self.clock()
        with self._lock:
            self._tick(now)
            held = self._get(key, now)
            tat = max(held[0] if held else now, now)
            if tat - now > burst:
                return tat - now - burst
            self._values[key] = (tat + interval, tat + interval)
            return 0.0

    def hit(self, key: str, ttl: float) -> int:
        now = self.clock()
        with self._lock:
            self._tick(now)
            held = self._get(key, now)
            count = int(held[0]) + 1 if held else 1
            self._values[key] = (count, now + ttl)
            return count

    def peek(self, key: str) -> tuple[int, float]:
        now = self.clock()
        with self._lock:
            held = self._get(key, now)
            return (int(held[0]), held[1] - now) if held else (0, 0.0)

    def expire(self, key: str, ttl: float) -> None:
        now = self.clock()
        with self._lock:
            held = self._get(key, now)
            if held:
                self._values[key] = (held[0], now + ttl)

    def clear(self, prefix: str) -> int:
        with self._lock:
            keys = [k for k in self._values if k.startswith(prefix)]
            for k in keys:
                del self._values[k]
            return len(keys)


# GCRA in one round trip, on the Redis server's clock (every API instance agrees on it)
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat - now > burst then return tostring(tat - now - burst) end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', math.ceil((tat + interval - now) * 1000))
return '0'
"""


class RedisStore:
    """In Redis, every key under ``prefix``: shared by all processes and instances."""

    def __init__(self, client: redis.Redis, prefix: str = "") -> None:
        self.client = client
        self.prefix = prefix
        self._gcra = client.register_script(_GCRA)

    def gcra(self, key: str, interval: float, burst: float) -> float:
        return float(self._gcra(keys=[self.prefix + key], args=[interval, burst]))

    def hit(self, key: str, ttl: float) -> int:
        pipe = self.client.pipeline()
        pipe.incr(self.prefix + key)
        pipe.pexpire(self.prefix + key, max(1, int(ttl * 1000)))
        count, _ = pipe.execute()
        return int(count)

    def peek(self, key: str) -> tuple[int, float]:
        pipe = self.client.pipeline(transaction=False)
        pipe.get(self.prefix + key)
        pipe.pttl(self.prefix + key)
        value, pttl = pipe.execute()
        if value is None or pttl < 0:
            return 0, 0.0
        return int(value), pttl / 1000

    def expire(self, key: str, ttl: float) -> None:
        self.client.pexpire(self.prefix + key, max(1, int(ttl * 1000)))

    def clear(self, prefix: str) -> int:
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.prefix + prefix) + "*"
        keys = list(self.client.scan_iter(match=pattern, count=500))
        return int(self.client.delete(*keys)) if keys else 0


_CLIENTS: dict[str, redis.Redis] = {}
_CLIENTS_LOCK = threading.Lock()


def redis_store(url: str, prefix: str = "") -> RedisStore:
    """A store on ``url`` (one connection pool per URL and process)."""
    import redis

    with _CLIENTS_LOCK:
        client = _CLIENTS.get(url)
        if client is None:
            client = _CLIENTS[url] = redis.Redis.from_url(
                url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30)
    return RedisStore(client, prefix)


def store(app: Flask | None = None) -> Store:
    """The app's counters: Redis when the service's ``REDIS_URL`` is set, else memory
    (one store per app, made on first use; a test may put its own in
    ``app.extensions["svckit.ratelimit.store"]``)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    held: Store | None = app.extensions.get("svckit.ratelimit.store")
    if held is None:
        ctx = app.extensions.get("svckit.context")
        platform = ctx.config.platform if ctx is not None else None
        if platform is not None and platform.redis_url is not None:
            held = redis_store(platform.redis_url.get_secret_value(), platform.redis_prefix)
        else:
            held = MemoryStore()
        app.extensions["svckit.ratelimit.store"] = held
    return held


class Limiter:
    """GCRA per key on a store (memory by default)."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic,
                 store: Store | None = None) -> None:
        self.rate = rate
        self.store: Store = store or MemoryStore(clock)

    @property
    def interval(self) -> float:
        return self.rate.period / self.rate.count

    def hit(self, key: str) -> float:
        """Count a request of ``key``: 0.0 when allowed, else the seconds to wait."""
        burst = self.rate.period - self.interval  # how far ahead the TAT may run
        return self.store.gcra(f"ratelimit:{key}", self.interval, burst)


def _limiter(group: str) -> Limiter | None:
    limiters: dict[str, Limiter | None] = current_app.extensions.setdefault(
        "svckit.ratelimit", {})
    if group not in limiters:
        text = current_app.config.get(f"RATE_LIMIT_{group.upper()}")
        rate = Rate.parse(text)
        limiters[group] = Limiter(rate, store=store()) if rate else None
    return limiters[group]


def check(group: str) -> ResponseReturnValue | None:
    """``None`` if the caller may go on, else the 429 answer. Keyed by the principal (the
    auth hook runs first), the client address for an anonymous call."""
    limiter = _limiter(group)
    if limiter is None or request.method == "OPTIONS":
        return None
    principal = g.get("principal")
    key = f"{group}:{principal.sub if principal is not None else 'ip:' + str(request.remote_addr)}"
    try:
        wait = limiter.hit(key)
    except Exception as exc:
        if not _is_redis_error(exc):
            raise
        log.warning("rate limit not counted: %s", exc)  # a report is served, not refused
        return None
    if not wait:
        return None
    retry_after = max(1, math.ceil(wait))
    return problem(429, "too-many-requests",
                   f"请求过于频繁，请{retry_after}秒后再试 "
                   f"(rate limit {limiter.rate.count} per {limiter.rate.period:g}s exceeded)",
                   headers={"Retry-After": str(retry_after)})


def _is_redis_error(exc: Exception) -> bool:
    """``exc`` is redis-py's (which is imported only once a Redis store was made)."""
    module = sys.modules.get("redis")
    return module is not None and isinstance(exc, module.RedisError)


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
