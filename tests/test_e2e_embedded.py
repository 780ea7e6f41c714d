"""Flow 5: the embedded system (what `make run` starts: one process, one port, SQLite
files, the in-process bus) comes up from nothing and flow 1 works through it over HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from e2e_kit import (
    DONGCHANGFU,
    System,
    dispatch_and_complete,
    poll,
    rent_with_delivery,
    task_for,
)
from svckit.service import discover
from svckit.testing import wait_until


class Embedded:
    """Quacks like svckit.cluster.Cluster for the flow helpers."""

    def __init__(self, port: int, var_dir: Path) -> None:
        self.port = port
        self.private_key = var_dir / "dev-jwt-private.pem"

    def base_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port}/{service}"


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    var_dir = tmp_path_factory.mktemp("embedded")
    env = {**os.environ, "VAR_DIR": str(var_dir), "BUS_URL": "memory://", "LOG_JSON": "true"}
    for key in [k for k in env if k.endswith("_DATABASE_URL")]:
        del env[key]
    log_path = var_dir / "embedded.log"
    log = open(log_path, "wb")
    # --port 0: the system binds a free port itself and prints it (no port race)
    proc = subprocess.Popen([sys.executable, "-m", "svckit.embedded", "--port", "0"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)

    def port() -> int | None:
        found = re.search(r"running at http://127\.0\.0\.1:(\d+)/", log_path.read_text())
        return int(found.group(1)) if found else None

    def up() -> bool:
        assert proc.poll() is None, log_path.read_text()[-3000:]
        try:
            return requests.get(f"http://127.0.0.1:{port()}/healthz", timeout=5).ok
        except requests.ConnectionError:
            return False

    try:
        assert wait_until(lambda: port() is not None and up(), timeout=180, interval=0.2)
        yield System(Embedded(port() or 0, var_dir))  # type: ignore[arg-type]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        log.close()


def test_embedded_system_serves_every_service(embedded: System) -> None:
    base = embedded.cluster.base_url("inventory").rsplit("/", 1)[0]
    index: dict[str, Any] = requests.get(base + "/", timeout=5).json()
    assert set(index["services"]) == {d.name for d in discover()}
    assert {"inventory", "renovation", "volunteer", "identity"} <= set(index["services"])
    for service in index["services"]:
        ready = requests.get(f"{base}/{service}/readyz", timeout=5)
        assert ready.status_code == 200, ready.text
        assert requests.get(f"{base}/{service}/openapi.json", timeout=5).json()["paths"]
    # the identity service signs with the embedded dev key: its tokens work everywhere
    tokens = requests.post(f"{base}/identity/login", timeout=10,
                           json={"username": "clerk-dcf", "password": "liaocheng-2025"}).json()
    stations = requests.get(f"{base}/inventory/stations", timeout=5,
                            headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert stations.status_code == 200, stations.text


def test_rental_delivery_flow_through_the_embedded_system(embedded: System) -> None:
    rental_id, clerk = rent_with_delivery(embedded)
    coordinator = embedded.client("volunteer", "coordinator", districts=[DONGCHANGFU])
    task = poll(lambda: task_for(coordinator, rental_id), what="the delivery task")
    dispatch_and_complete(embedded, task)
    poll(lambda: clerk.get(f"/rentals/{rental_id}")["logistics"] == "delivered",
         what="the rental to show delivered")


def test_the_console_signs_in_and_calls_the_services_on_the_same_port(
        embedded: System) -> None:
    import re

    base = f"http://127.0.0.1:{embedded.cluster.port}"  # type: ignore[attr-defined]
    browser = requests.Session()
    home = browser.get(f"{base}/", headers={"Accept": "text/html"}, allow_redirects=False)
    assert home.status_code == 200 and 'href="/console/"' in home.text
    login = browser.get(f"{base}/console/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert token is not None
    page = browser.post(f"{base}/console/login", timeout=30, data={
        "csrf_token": token.group(1), "username": "clerk-dcf", "password": "liaocheng-2025"})
    assert page.status_code == 200 and page.url.endswith("/console/clerk/"), page.url
    assert "<h1" in page.text and "王芳" in page.text  # the signed-in clerk's own name
