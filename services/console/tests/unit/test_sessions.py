"""Sessions held on the server (SQLite in VAR_DIR, or the real Redis on localhost): the
cookie carries an opaque id only, signing out ends a copied cookie at once, and sessions
expire; every page is sent with ``Cache-Control: no-store``."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from console import sessions
from console.app import create_app
from console.config import ConsoleSettings
from flask import Flask
from flask.testing import FlaskClient

REDIS_URL = "redis://127.0.0.1:6379/0"
#: no service answers here (port 9 refuses connections)
NOWHERE = "http://127.0.0.1:9"
USER = {"sub": "u1", "role": "contractor", "name": "测试"}
TOKEN = "eyJhbGciOiJSUzI1NiJ9.access.sig"


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"test-console-{secrets.token_hex(6)}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(params=["sqlite", "redis"])
def settings(request: pytest.FixtureRequest, tmp_path: Path,
             redis_prefix: str) -> ConsoleSettings:
    extra = ({"redis_url": REDIS_URL, "redis_prefix": redis_prefix}
             if request.param == "redis" else {"redis_url": None})
    return ConsoleSettings(var_dir=tmp_path, api_base=NOWHERE, **extra)


def _app(settings: ConsoleSettings) -> Flask:
    app = create_app(settings)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


def _signed_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as s:
        s["access_token"] = TOKEN
        s["refresh_token"] = "refresh-secret"
        s["user"] = USER
    return client


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(sessions.COOKIE)
    assert cookie is not None
    return cookie.value


def test_the_store_follows_the_settings(settings: ConsoleSettings) -> None:
    store = _app(settings).session_interface.store  # type: ignore[attr-defined]
    kind = sessions.RedisStore if settings.redis_url else sessions.SqliteStore
    assert isinstance(store, kind)


def test_the_cookie_holds_an_opaque_id_only(settings: ConsoleSettings) -> None:
    app = _app(settings)
    client = _signed_in(app)
    r = client.get("/login")
    header = r.headers.get("Set-Cookie", "")
    value = _cookie(client)
    assert len(value) < 60 and "." not in value  # not a JWT, not a signed payload
    assert TOKEN not in header and "refresh-secret" not in header
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert "Secure" not in header
    # the tokens are in the store, under that id
    record = app.session_interface.store.load(value)  # type: ignore[attr-defined]
    assert record is not None and record["data"]["access_token"] == TOKEN


def test_the_cookie_path_is_the_script_root_and_secure_over_https(
        settings: ConsoleSettings) -> None:
    client = _app(settings).test_client()
    r = client.get("/login", base_url="https://localhost/console")
    header = r.headers["Set-Cookie"]  # the CSRF secret is stored: a session exists
    assert "Path=/console" in header and "Secure" in header and "HttpOnly" in header


def test_a_copied_cookie_stops_working_after_sign_out(settings: ConsoleSettings) -> None:
    app = _app(settings)
    client = _signed_in(app)
    copied = _cookie(client)
    thief = app.test_client()
    thief.set_cookie(sessions.COOKIE, copied)
    # with the copy, the thief gets past sign-in (503: no service answers here)
    assert thief.get("/contractor/").status_code == 503
    r = client.post("/logout")
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert app.session_interface.store.load(copied) is None  # type: ignore[attr-defined]
    r = thief.get("/contractor/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    # the user's browser got a new id (it carries the "signed out" message only)
    assert _cookie(client) != copied


def test_sign_in_gives_a_new_id(settings: ConsoleSettings) -> None:
    app = _app(settings)
    client = app.test_client()
    client.get("/login")
    before = _cookie(client)
    with app.test_request_context("/login"):
        from flask import session

        session["x"] = 1
        sessions.rotate()
        resp = app.make_response("ok")
        app.session_interface.save_session(app, session, resp)
        after = resp.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    assert after != before


def test_sessions_end_when_idle_and_after_the_absolute_limit(tmp_path: Path,
                                                           redis_prefix: str) -> None:
    for extra in ({"redis_url": None},
                  {"redis_url": REDIS_URL, "redis_prefix": redis_prefix}):
        idle = ConsoleSettings(var_dir=tmp_path, api_base=NOWHERE, session_idle_minutes=0.1,
                               **extra)
        client = _signed_in(_app(idle))
        assert client.get("/contractor/").status_code == 503
        time.sleep(2)  # well within the idle limit (6 s): still signed in, and touched
        assert client.get("/contractor/").status_code == 503
        time.sleep(2)
        assert client.get("/contractor/").status_code == 503
        time.sleep(7)
        r = client.get("/contractor/")
        assert r.status_code == 302 and "/login" in r.headers["Location"]

        absolute = ConsoleSettings(var_dir=tmp_path, api_base=NOWHERE,
                                   session_max_hours=5 / 3600, **extra)
        client = _signed_in(_app(absolute))
        for _ in range(4):  # busy all along, still ended at 5 s
            assert client.get("/contractor/").status_code == 503
            time.sleep(0.5)
        time.sleep(3.5)
        r = client.get("/contractor/")
        assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_every_page_is_no_store(tmp_path: Path) -> None:
    app = _app(ConsoleSettings(var_dir=tmp_path, api_base=NOWHERE, redis_url=None))
    client = _signed_in(app)
    for path in ("/login", "/", "/contractor/", "/staff/", "/no-such-page", "/healthz"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert client.post("/logout").headers["Cache-Control"] == "no-store"
    static = client.get("/static/console.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
