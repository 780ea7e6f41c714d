"""The native topology as the cross-service tests and the year simulation drive it: a
running cluster with its own databases and bus prefix (cleaned up after), tokens of any
role, HTTP clients and polling. ``tests/e2e_kit.py`` re-exports these (one copy)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from svckit.auth.principal import Principal, Role
from svckit.auth.tokens import mint
from svckit.cluster import Cluster
from svckit.testing import (
    AMQP_URL,
    PG_ADMIN_URL,
    RUN_ID,
    claim_prefix,
    delete_test_topology,
    wait_until,
)

REPO = Path(__file__).resolve().parents[1]


class Client:
    """HTTP to one service with a bearer token; raises with the problem body on errors."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, expect: int | tuple[int, ...] = (200, 201),
             **kw: Any) -> Any:
        r = self.session.request(method, self.base + path, timeout=30, **kw)
        codes = (expect,) if isinstance(expect, int) else expect
        assert r.status_code in codes, f"{method} {path} -> {r.status_code}: {r.text[:2000]}"
        return r.json() if r.content else None

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, expect=kw.pop("expect", 200), **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, json=json if json is not None else {}, **kw)


class System:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def token(self, role: str, **scope: Any) -> str:
        principal = Principal(
            sub=scope.pop("sub", f"e2e-{role}-{uuid.uuid4().hex[:6]}"),
            role=Role(role),
            name=scope.pop("name", ""),
            stations=tuple(scope.pop("stations", ())),
            company=scope.pop("company", None),
            districts=tuple(scope.pop("districts", ())),
            volunteer_id=scope.pop("volunteer_id", None),
        )
        return mint(principal, self.cluster.private_key.read_text())

    def client(self, service: str, role: str, **scope: Any) -> Client:
        return Client(self.cluster.base_url(service), self.token(role, **scope))


@contextmanager
def running_cluster(tmp: Path, apps: bool = False,
                    extra_env: dict[str, str] | None = None) -> Iterator[Cluster]:
    """Every installed service (and app) as separate processes on free ports, with this
    run's databases and bus prefix; all of it stopped, dropped and deleted at the end,
    also when the start fails half way."""
    cluster = Cluster(
        var_dir=tmp,
        pg_admin_url=PG_ADMIN_URL,
        db_prefix=f"e2e_{RUN_ID}_{uuid.uuid4().hex[:6]}_",
        bus_url=AMQP_URL,
        bus_prefix=claim_prefix(),
        port_base=0,
        apps=apps,
        gunicorn_config=REPO / "deploy" / "gunicorn.conf.py",
        extra_env={"GUNICORN_WORKERS": "1", "RELAY_IDLE_POLL": "0.5",
                   "RETRY_DELAYS_MS": "[200, 500, 1000]", "LOG_JSON": "true",
                   **(extra_env or {})},
    )
    try:
        cluster.prepare(seed=True)
        cluster.up(timeout=180)
        yield cluster
    finally:
        try:
            cluster.down()
        finally:
            cluster.drop_databases()
            delete_test_topology(prefixes={cluster.bus_prefix})


def poll(fn: Callable[[], Any], timeout: float = 120, what: str = "") -> Any:
    """Call ``fn`` until it returns something truthy; return it (no fixed sleeps). The
    timeout is a generous upper bound: events usually arrive within a second, but the
    suite must pass on a loaded machine."""
    box: list[Any] = []

    def attempt() -> bool:
        value = fn()
        if value:
            box.append(value)
            return True
        return False

    assert wait_until(attempt, timeout=timeout, interval=0.1), f"timed out waiting for {what}"
    return box[0]
