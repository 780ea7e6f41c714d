"""What the console sends the services: ``X-Forwarded-For`` at sign-in only when
configured, and an ``Idempotency-Key`` with every write made for a form POST (the same
key when the same form is sent twice).

The services here are one small real HTTP server that records each request's headers
and answers as identity and renovation would for these few calls."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from console.app import create_app
from console.config import ConsoleSettings
from flask import Flask, jsonify, request
from flask.testing import FlaskClient
from werkzeug.serving import make_server

ORDER = uuid.uuid4()


class Recorder:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        app = Flask("recorder")

        @app.route("/<path:path>", methods=["GET", "POST"])
        def any_path(path: str) -> Any:
            self.requests.append((request.method, f"/{path}", dict(request.headers)))
            if path == "identity/login":
                access = jwt.encode({"sub": "c1", "role": "contractor", "name": "测试"},
                                    "not-checked-by-the-console-" * 2, algorithm="HS256")
                return jsonify(access_token=access, refresh_token="r")
            return jsonify(id=str(ORDER), status="accepted")

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.port}"

    def headers(self, method: str, path: str) -> list[dict[str, str]]:
        return [h for m, p, h in self.requests if m == method and p == path]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    r = Recorder()
    try:
        yield r
    finally:
        r.server.shutdown()
        r.thread.join(timeout=5)


def _client(recorder: Recorder, tmp_path: Path, **settings: Any) -> FlaskClient:
    app = create_app(ConsoleSettings(var_dir=tmp_path, api_base=recorder.base, redis_url=None,
                                     **settings))
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app.test_client()


def _sign_in(client: FlaskClient) -> None:
    r = client.post("/login", data={"username": "u", "password": "p"},
                    environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert r.status_code == 302, r.get_data(as_text=True)


def test_the_browser_address_is_not_forwarded_by_default(recorder: Recorder,
                                                        tmp_path: Path) -> None:
    _sign_in(_client(recorder, tmp_path))
    (headers,) = recorder.headers("POST", "/identity/login")
    assert "X-Forwarded-For" not in headers


def test_the_browser_address_is_forwarded_when_configured(recorder: Recorder,
                                                         tmp_path: Path) -> None:
    _sign_in(_client(recorder, tmp_path, forward_client_address=True))
    (headers,) = recorder.headers("POST", "/identity/login")
    assert headers["X-Forwarded-For"] == "203.0.113.7"


def _form_key(page: str) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert match, "a form without its idempotency key"
    return match.group(1)


def test_every_form_carries_a_fresh_key(recorder: Recorder, tmp_path: Path) -> None:
    client = _client(recorder, tmp_path)
    page = client.get("/login").get_data(as_text=True)
    first = _form_key(page)
    assert _form_key(client.get("/login").get_data(as_text=True)) != first


def test_a_form_sent_twice_sends_the_same_idempotency_key(recorder: Recorder,
                                                          tmp_path: Path) -> None:
    client = _client(recorder, tmp_path)
    _sign_in(client)
    path = f"/contractor/orders/{ORDER}/decline"
    for _ in range(2):  # a double click: the same rendered form twice
        r = client.post(path, data={"idempotency_key": "k" * 24, "reason": "材料不足"})
        assert r.status_code in (200, 302)
    client.post(path, data={"idempotency_key": "n" * 24, "reason": "材料不足"})
    client.post(path, data={"reason": "材料不足"})  # no key: none sent
    client.post(path, data={"idempotency_key": "bad key!", "reason": "材料不足"})
    sent = [h.get("Idempotency-Key") for h in
            recorder.headers("POST", f"/renovation/work-orders/{ORDER}/decline")]
    assert len(sent) == 5
    assert sent[0] and sent[0].startswith("k" * 24) and sent[0] == sent[1]
    assert sent[2] and sent[2].startswith("n" * 24)
    assert sent[3] is None and sent[4] is None
    # the other body of one form key is another request: another key
    client.post(path, data={"idempotency_key": "k" * 24, "reason": "另有安排"})
    last = recorder.headers("POST", f"/renovation/work-orders/{ORDER}/decline")[-1]
    assert last["Idempotency-Key"].startswith("k" * 24) and last["Idempotency-Key"] != sent[0]
    # reads never carry one
    assert all("Idempotency-Key" not in h for m, _p, h in recorder.requests if m == "GET")
