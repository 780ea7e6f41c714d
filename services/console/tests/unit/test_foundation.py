"""The console's own logic: problem mapping, redirect safety, language, CSRF, roles."""

from __future__ import annotations

from pathlib import Path

import pytest
from console import api
from console.app import create_app
from console.config import ConsoleSettings
from console.links import safe_next
from flask import Flask

#: the console as ``make run`` mounts it
MOUNTED = "http://localhost/console"


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    # port 9 (discard) refuses connections: no service answers, whatever runs on 8000
    app = create_app(ConsoleSettings(var_dir=tmp_path, api_base="http://127.0.0.1:9"))
    app.config["TESTING"] = True
    return app


def test_field_errors_flatten_nested_problem_errors() -> None:
    exc = api.ApiError(422, {"title": "输入校验失败", "errors": {
        "due_on": ["必填"], "lines": {"0": {"quantity": ["必须大于 0"]}}, "json": "格式错误"}})
    assert exc.field_errors == {"due_on": ["必填"], "lines.0.quantity": ["必须大于 0"],
                                "json": ["格式错误"]}
    assert exc.detail == "输入校验失败"


@pytest.mark.parametrize("target", [
    "//evil.example/x", "https://evil.example/", "evil", "", None, "/\\evil.example",
    "/clerk/?page=2",  # outside the script root
    "/console/inventory/units",  # not a page of the console
    "/console/clerk/checkout",  # a page to POST to, not to GET
])
def test_next_is_a_console_page_to_get(app: Flask, target: str | None) -> None:
    with app.test_request_context("/login", base_url=MOUNTED):
        assert safe_next(target) is None


def test_next_keeps_console_pages_with_the_script_root(app: Flask) -> None:
    with app.test_request_context("/login", base_url=MOUNTED):
        assert safe_next("/console/clerk/?page=2") == "/console/clerk/?page=2"
    with app.test_request_context("/login"):
        assert safe_next("/clerk/units/WC-1") == "/clerk/units/WC-1"


def test_every_redirect_keeps_the_script_root(app: Flask) -> None:
    """Mounted at /console (``make run``): sign-in, its ``next`` and the language switch
    stay under /console."""
    client = app.test_client()
    r = client.get("/clerk/units/WC-1?x=1", base_url=MOUNTED)
    assert r.status_code == 302
    assert r.headers["Location"] == "/console/login?next=/console/clerk/units/WC-1?x%3D1"
    r = client.get("/lang/en?next=/console/clerk/", base_url=MOUNTED)
    assert r.headers["Location"] == "/console/clerk/"
    r = client.get("/lang/en?next=/clerk/", base_url=MOUNTED)
    assert r.headers["Location"] == "/console/"


def test_secret_is_the_same_for_every_worker(tmp_path: Path) -> None:
    a = ConsoleSettings(var_dir=tmp_path).secret()
    assert a == ConsoleSettings(var_dir=tmp_path).secret()
    assert len(a) >= 32


def test_pages_need_sign_in_and_the_login_page_is_chinese(app: Flask) -> None:
    client = app.test_client()
    r = client.get("/clerk/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "用户名" in page
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english and "Username" in english


def test_forms_without_csrf_token_are_refused(tmp_path: Path) -> None:
    app = create_app(ConsoleSettings(var_dir=tmp_path))  # CSRF on, as in production
    r = app.test_client().post("/login", data={"username": "x", "password": "y"})
    assert r.status_code == 400


def test_wrong_role_gets_403(app: Flask) -> None:
    client = app.test_client()
    with client.session_transaction() as s:
        s["access_token"] = "t"
        s["user"] = {"sub": "c", "role": "contractor", "name": "x"}
    assert client.get("/staff/").status_code == 403
    assert client.get("/clerk/").status_code == 403
    # its own page gets past the role check (no service runs here: 503, not 403)
    assert client.get("/contractor/").status_code == 503


def test_security_headers(app: Flask) -> None:
    r = app.test_client().get("/login")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"
