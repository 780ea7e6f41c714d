"""Regressions of what `make fuzz` found in svckit's HTTP layer (every service had them):
error answers documented as application/json while sent as application/problem+json,
NUL in a path or query string reaching PostgreSQL, and SQLSTATE class 22 (a value the
column cannot hold) answered 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy.exc import DataError
from svckit.auth.tokens import TokenVerifier
from svckit.http.app import ProblemSchema, create_app

blp = Blueprint("gadgets", __name__, url_prefix="/gadgets")


class Gadget(Schema):
    name = fields.String()


@blp.route("/<string:name>")
class GadgetView(MethodView):
    @blp.response(200, Gadget)
    @blp.alt_response(403, schema=ProblemSchema)  # no content type: the default would be JSON
    @blp.alt_response(404, schema=ProblemSchema, content_type="application/problem+json")
    def get(self, name: str) -> dict[str, Any]:
        if name == "too-big":
            raise DataError("INSERT ...", {}, psycopg.errors.NumericValueOutOfRange())
        return {"name": name}


@blp.route("")
class GadgetsView(MethodView):
    @blp.arguments(Gadget)
    @blp.response(201, Gadget)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        body["name"].encode("utf-8")  # what the driver does: a lone surrogate fails here
        return body


@pytest.fixture
def app(keypair: tuple[str, str]) -> Flask:
    return create_app(name="gadgets", title="Gadgets", version="1", blueprints=[blp],
                      verifier=TokenVerifier(public_key=keypair[1]))


@pytest.fixture
def staff(token_for: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('staff')}"}


def test_error_responses_are_documented_as_problem_json(app: Flask) -> None:
    spec = app.test_client().get("/openapi.json").get_json()
    responses = spec["paths"]["/gadgets/{name}"]["get"]["responses"]
    assert list(responses["200"]["content"]) == ["application/json"]
    assert list(responses["403"]["content"]) == ["application/problem+json"]
    assert list(responses["404"]["content"]) == ["application/problem+json"]
    shared = spec["components"]["responses"]
    assert list(shared["DEFAULT_ERROR"]["content"]) == ["application/problem+json"]


@pytest.mark.parametrize("path", ["/gadgets/a%00b", "/gadgets/x?q=%00", "/gadgets/x?%00=1"])
def test_nul_in_path_or_query_is_400_problem(app: Flask, staff: dict[str, str],
                                             path: str) -> None:
    r = app.test_client().get(path, headers=staff)
    assert r.status_code == 400
    assert r.mimetype == "application/problem+json"
    assert r.get_json()["type"] == "/problems/bad-request"


def test_a_value_the_column_cannot_hold_is_422_not_500(app: Flask,
                                                       staff: dict[str, str]) -> None:
    r = app.test_client().get("/gadgets/too-big", headers=staff)
    assert r.status_code == 422
    assert r.mimetype == "application/problem+json"
    assert r.get_json()["type"] == "/problems/validation-failed"


@pytest.mark.parametrize("raw", [b'{"name": "a\\udc80b"}', b'{"name": "a\\u0000b"}'])
def test_lone_surrogate_or_nul_in_a_json_body_is_422_naming_the_field(
        app: Flask, staff: dict[str, str], raw: bytes) -> None:
    r = app.test_client().post("/gadgets", data=raw,
                               headers={**staff, "Content-Type": "application/json"})
    assert r.status_code == 422, r.get_data(as_text=True)
    assert r.mimetype == "application/problem+json"
    assert list(r.get_json()["errors"]) == ["name"]
    ok = app.test_client().post("/gadgets", data=b'{"name": "\\ud83d\\ude00"}',
                                headers={**staff, "Content-Type": "application/json"})
    assert ok.status_code == 201 and ok.get_json()["name"] == "\U0001f600"


def test_gunicorn_own_errors_are_problem_json(tmp_path: Any) -> None:
    """A request line over gunicorn's limit never reaches the app: the worker class of
    deploy/gunicorn.conf.py answers it as problem+json too (gunicorn's page is HTML)."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    listener = socket.socket()  # bound here and handed over: no port race
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    env = {**os.environ, "GUNICORN_WORKERS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(repo / "deploy" / "gunicorn.conf.py"),
         "--bind", f"fd://{listener.fileno()}", "flask:Flask('probe')"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        pass_fds=(listener.fileno(),))
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "gunicorn down"
                time.sleep(0.1)
        with conn:
            conn.sendall(b"GET /" + b"x" * 10_000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
            raw = b""
            while chunk := conn.recv(65536):
                raw += chunk
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 414"), head
        assert b"Content-Type: application/problem+json" in head
        import json
        assert json.loads(body)["status"] == 414
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        listener.close()
