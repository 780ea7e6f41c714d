"""The counters of svckit.http.ratelimit in Redis (the real server on 127.0.0.1:6379), with a
key prefix of this test's own that is deleted afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from svckit.http.ratelimit import Limiter, MemoryStore, Rate, RedisStore, Store, redis_store

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix() -> Iterator[str]:
    prefix = f"test-{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(params=["memory", "redis"])
def counters(request: pytest.FixtureRequest, prefix: str) -> Store:
    return MemoryStore() if request.param == "memory" else redis_store(REDIS_URL, prefix)


def test_counts_expire_and_clear_by_prefix(counters: Store) -> None:
    assert counters.peek("login:a") == (0, 0.0)
    assert [counters.hit("login:a", 60) for _ in range(3)] == [1, 2, 3]
    count, ttl = counters.peek("login:a")
    assert count == 3 and 55 < ttl <= 60
    counters.expire("login:a", 900)
    assert counters.peek("login:a")[1] > 800
    counters.hit("login:a*b", 60)
    counters.hit("login:b", 60)
    assert counters.clear("login:a") == 2  # glob characters are literal
    assert counters.peek("login:b")[0] == 1


def test_gcra_on_the_store(counters: Store) -> None:
    limiter = Limiter(Rate(2, 60.0), store=counters)
    assert [limiter.hit("alice") for _ in range(2)] == [0.0, 0.0]
    assert 29 < limiter.hit("alice") <= 30
    assert limiter.hit("bob") == 0.0


def test_two_stores_on_one_redis_share_the_limit(prefix: str) -> None:
    """Two API instances (two connection pools) count against one limit."""
    a = Limiter(Rate(3, 60.0), store=RedisStore(redis.Redis.from_url(REDIS_URL), prefix))
    b = Limiter(Rate(3, 60.0), store=RedisStore(redis.Redis.from_url(REDIS_URL), prefix))
    assert [a.hit("k"), b.hit("k"), a.hit("k")] == [0.0, 0.0, 0.0]
    assert b.hit("k") > 0 and a.hit("k") > 0
