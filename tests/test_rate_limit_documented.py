"""The rate-limited operations (``REPORT_RATE_LIMIT``, svckit.http.ratelimit) declare the 429
they answer in their OpenAPI operation, with the problem schema, and only they (and identity's
throttled login) do: the document says what a client must handle."""

from __future__ import annotations

import importlib
import uuid
from pathlib import Path
from typing import Any

import pytest
from svckit.auth.principal import Principal, Role
from svckit.auth.tokens import generate_keypair, mint
from svckit.testing import service_context

#: service -> the GET paths that count against the "reports" limit
RATE_LIMITED = {
    "inventory": ("/reports/stock", "/reports/utilisation", "/reports/overdue",
                  "/reports/recovery", "/reports/settlement", "/reports/deposits-held"),
    "renovation": ("/reports/households-by-status", "/reports/spend"),
    # the public certificate verification: per client address (no token)
    "volunteer": ("/hours/totals", "/certificates/verify/{number}"),
}
#: public operations (no token) count per client address, not per caller: each spends
#: its own request of the minute
PER_ADDRESS = {"/certificates/verify/{number}"}
PRIVATE, PUBLIC = generate_keypair()


def _declared_429(spec: dict[str, Any]) -> set[str]:
    return {f"{method.upper()} {path}" for path, ops in spec["paths"].items()
            for method, op in ops.items()
            if isinstance(op, dict) and "429" in op.get("responses", {})}


@pytest.mark.parametrize("name", sorted(RATE_LIMITED))
def test_rate_limited_operations_declare_and_answer_429(name: str, tmp_path: Path) -> None:
    definition = importlib.import_module(f"{name}.service").definition
    ctx = service_context(definition, f"sqlite:///{tmp_path}/{name}.db", public_key=PUBLIC,
                          report_rate_limit="1/minute")
    client = ctx.create_app().test_client()
    spec = client.get("/openapi.json").get_json()
    assert _declared_429(spec) == {f"GET {p}" for p in RATE_LIMITED[name]}
    for path in RATE_LIMITED[name]:
        documented = spec["paths"][path]["get"]["responses"]["429"]
        assert "application/problem+json" in documented["content"]
    headers = {"Authorization": f"Bearer {mint(Principal(sub='staff-zhao', role=Role.STAFF), PRIVATE)}"}
    assert client.get(RATE_LIMITED[name][0], headers=headers).status_code < 500
    for path in PER_ADDRESS & set(RATE_LIMITED[name]):
        assert client.get(path).status_code < 500
    for path in RATE_LIMITED[name]:  # the one request of the minute is spent
        refused = client.get(path, headers=headers)
        assert refused.status_code == 429, (path, refused.json)
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert int(refused.headers["Retry-After"]) >= 1
    ctx.engine.dispose()


def test_identity_declares_429_on_login_only(tmp_path: Path) -> None:
    definition = importlib.import_module("identity.service").definition
    ctx = service_context(definition, f"sqlite:///{tmp_path}/identity.db", public_key=PUBLIC)
    spec = ctx.create_app().test_client().get("/openapi.json").get_json()
    assert _declared_429(spec) == {"POST /login"}
    ctx.engine.dispose()


def test_the_report_limit_is_shared_through_redis_by_two_instances(tmp_path: Path) -> None:
    """Two API instances (two apps) with ``REDIS_URL``: one limit between them; without it
    each counts its own (the embedded mode's one process)."""
    import redis

    definition = importlib.import_module("inventory.service").definition
    path = RATE_LIMITED["inventory"][0]
    headers = {"Authorization": f"Bearer {mint(Principal(sub='staff-zhao', role=Role.STAFF), PRIVATE)}"}
    prefix = f"test-{uuid.uuid4().hex}:"
    try:
        shared = service_context(definition, f"sqlite:///{tmp_path}/shared.db", public_key=PUBLIC,
                                 report_rate_limit="2/minute", redis_url="redis://127.0.0.1:6379/0",
                                 redis_prefix=prefix)
        one, two = shared.create_app().test_client(), shared.create_app().test_client()
        assert one.get(path, headers=headers).status_code == 200
        assert two.get(path, headers=headers).status_code == 200
        assert two.get(path, headers=headers).status_code == 429
        assert one.get(path, headers=headers).status_code == 429
        shared.engine.dispose()
    finally:
        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        keys = list(client.scan_iter(match=f"{prefix}*"))
        assert keys  # the counters were in Redis
        client.delete(*keys)
    alone = service_context(definition, f"sqlite:///{tmp_path}/alone.db", public_key=PUBLIC,
                            report_rate_limit="2/minute")
    one, two = alone.create_app().test_client(), alone.create_app().test_client()
    assert [one.get(path, headers=headers).status_code for _ in range(2)] == [200, 200]
    assert two.get(path, headers=headers).status_code == 200
    alone.engine.dispose()
