"""A floor under `make fuzz`: schemathesis on a few operations of each service, in process
(the WSGI app on its own migrated and seeded PostgreSQL database), with tokens of every
role. Same checks and runner as bench/fuzz.py; a handful of examples per operation.

``FUZZ_SMOKE_EXAMPLES`` / ``FUZZ_SMOKE_ALL=1`` widen it when hunting locally.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from svckit.service import ServiceContext
from svckit.testing import create_database, drop_database, service_context, unique_name

from bench import fuzz

EXAMPLES = int(os.environ.get("FUZZ_SMOKE_EXAMPLES", "6"))
# A few operations per service: lists with query parameters, a lookup by id, writes with
# bodies of several shapes.
OPERATIONS: dict[str, tuple[str, ...]] = {
    "inventory": ("GET /units", "POST /units", "POST /borrowers", "GET /stations/",
                  "POST /rentals", "PATCH /stations/"),
    "renovation": ("GET /applications", "POST /applications", "GET /programmes/",
                   "POST /work-orders/"),
    "volunteer": ("GET /tasks", "POST /volunteers", "GET /volunteers/", "POST /tasks/"),
}


@pytest.fixture(scope="module")
def apps(keypair: tuple[str, str]) -> Iterator[dict[str, Any]]:
    names: list[str] = []
    contexts: dict[str, ServiceContext] = {}
    try:
        for service in OPERATIONS:
            definition = importlib.import_module(f"{service}.service").definition
            name = unique_name(f"t_fuzz_{service[:3]}")
            names.append(name)
            ctx = service_context(definition, create_database(name), public_key=keypair[1])
            definition.seed(ctx)
            contexts[service] = ctx
        yield {svc: ctx.create_app() for svc, ctx in contexts.items()}
    finally:
        for ctx in contexts.values():
            ctx.engine.dispose()
        for name in names:
            drop_database(name)


@pytest.fixture(scope="module")
def tokens(apps: dict[str, Any], keypair: tuple[str, str]) -> dict[str, str]:
    clients = {svc: app.test_client() for svc, app in apps.items()}

    def get(service: str, path: str, headers: dict[str, str]) -> Any:
        r = clients[service].get(path, headers=headers)
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.get_json()

    return fuzz.mint_tokens(keypair[0], get)


@pytest.mark.parametrize("service", list(OPERATIONS))
def test_fuzz_smoke(service: str, apps: dict[str, Any], tokens: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", apps[service])
    only = () if os.environ.get("FUZZ_SMOKE_ALL") else OPERATIONS[service]
    stats = fuzz.fuzz_service(schema, tokens, EXAMPLES, seed=1, only=only)
    assert stats.operations >= (len(only) or 1)
    assert stats.cases > 0
    # every check, the reported ones (status code, content type) included
    assert not stats.examples, "\n".join(f"{k}: {v}" for k, v in sorted(stats.examples.items()))
