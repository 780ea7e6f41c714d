"""The header's bell: one call to notify per page with a short timeout (none on an error
page); the count in the link's accessible name; notify down or slow, the page is still
shown (no count, no 5xx); no bell for volunteers. The services are one small real HTTP server: renovation answers
the contractor's list of orders, notify the unread count (or hangs, or errs)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console.app import create_app
from console.config import ConsoleSettings
from flask import Flask, jsonify, request
from flask.testing import FlaskClient
from werkzeug.serving import make_server


class Services:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.unread: int | None = 3  # None: notify answers 503
        self.delay = 0.0
        app = Flask("fake_services")

        @app.route("/<path:path>", methods=["GET", "POST"])
        def any_path(path: str) -> Any:
            self.calls.append(f"{request.method} /{path}")
            if path == "notify/inbox/unread-count":
                time.sleep(self.delay)
                if self.unread is None:
                    return jsonify(title="down"), 503
                return jsonify(unread=self.unread)
            return jsonify(items=[], total=0)

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.port}"

    def bell_calls(self) -> int:
        return self.calls.count("GET /notify/inbox/unread-count")


@pytest.fixture
def services() -> Iterator[Services]:
    s = Services()
    try:
        yield s
    finally:
        s.server.shutdown()
        s.thread.join(timeout=5)


def _client(tmp_path: Path, base: str, role: str = "contractor",
            **settings: Any) -> FlaskClient:
    app: Flask = create_app(ConsoleSettings(var_dir=tmp_path, api_base=base, redis_url=None,
                                            **settings))
    app.config.update(TESTING=True)
    client = app.test_client()
    with client.session_transaction() as s:
        s["access_token"] = "t"
        s["user"] = {"sub": "u1", "role": role, "name": "测试", "company": "c1"}
    return client


def _bell(html: str) -> str:
    found = re.search(r'<a class="bell[^"]*"[^>]*>.*?</a>', html, re.S)
    assert found, "no bell in the header"
    return found.group(0)


def test_the_count_is_in_the_bell_once_per_page(services: Services, tmp_path: Path) -> None:
    client = _client(tmp_path, services.base)
    r = client.get("/contractor/")
    assert r.status_code == 200
    bell = _bell(r.get_data(as_text=True))
    assert 'aria-label="未读消息 3 条"' in bell
    assert '<span class="bell-count">3</span>' in bell
    assert services.bell_calls() == 1
    client.set_cookie("lang", "en")
    bell = _bell(client.get("/contractor/").get_data(as_text=True))
    assert 'aria-label="3 unread messages"' in bell
    services.unread = 0
    bell = _bell(client.get("/contractor/").get_data(as_text=True))
    assert 'aria-label="Messages, none unread"' in bell and "bell-count" not in bell
    assert services.bell_calls() == 3


@pytest.mark.parametrize("role", ["clerk", "supervisor", "coordinator", "staff", "inspector"])
def test_every_staff_role_has_the_bell(services: Services, tmp_path: Path, role: str) -> None:
    client = _client(tmp_path, services.base, role)
    r = client.get("/inbox/")
    assert r.status_code == 200
    assert 'aria-label="未读消息 3 条"' in _bell(r.get_data(as_text=True))
    assert services.bell_calls() == 1  # the page's own and the header's count: one call
    # an error page asks notify nothing: a plain bell
    r = client.get("/no-such-page")
    assert r.status_code == 404 and 'aria-label="消息"' in _bell(r.get_data(as_text=True))
    assert services.bell_calls() == 1


def test_no_bell_for_volunteers(services: Services, tmp_path: Path) -> None:
    r = _client(tmp_path, services.base, "volunteer").get("/no-such-page")
    assert r.status_code == 404 and 'class="bell' not in r.get_data(as_text=True)
    assert services.bell_calls() == 0


def test_notify_erring_or_down_the_page_is_shown_without_a_count(
        services: Services, tmp_path: Path) -> None:
    services.unread = None  # 503
    r = _client(tmp_path, services.base).get("/contractor/")
    assert r.status_code == 200
    bell = _bell(r.get_data(as_text=True))
    assert 'aria-label="消息"' in bell and "bell-count" not in bell
    # notify's address refuses connections (port 9), the others answer
    r = _client(tmp_path, services.base, notify_url="http://127.0.0.1:9").get("/contractor/")
    assert r.status_code == 200 and 'aria-label="消息"' in _bell(r.get_data(as_text=True))


def test_a_slow_notify_costs_the_page_at_most_the_bell_timeout(
        services: Services, tmp_path: Path) -> None:
    services.delay = 5.0
    client = _client(tmp_path, services.base, bell_timeout=0.5)
    started = time.monotonic()
    r = client.get("/contractor/")
    took = time.monotonic() - started
    assert r.status_code == 200 and "bell-count" not in _bell(r.get_data(as_text=True))
    assert took < 3.0, took
