"""The console's own logic: problem mapping, redirect safety, language, CSRF, roles."""

from __future__ import annotations

from pathlib import Path

import pytest
from console import api
from console.app import _safe_next, create_app
from console.config import ConsoleSettings
from flask import Flask


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


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "evil", "", None])
def test_next_never_leaves_the_console(target: str | None) -> None:
    assert _safe_next(target) is None


def test_next_keeps_local_paths() -> None:
    assert _safe_next("/clerk/?page=2") == "/clerk/?page=2"


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
