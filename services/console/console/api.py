"""The services' APIs as the signed-in user: bearer token from the session, one silent
refresh on 401, problem+json turned into :class:`ApiError`."""

from __future__ import annotations

import hashlib
import json as jsonlib
import logging
import re
import secrets
from typing import Any

import jwt
import requests
from flask import current_app, g, request, session

from console import sessions
from console.config import ConsoleSettings

log = logging.getLogger("console.api")


class ApiError(Exception):
    """A service answered with a problem (RFC 9457)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(problem.get("detail") or problem.get("title") or str(status))
        self.status = status
        self.problem = problem

    @property
    def title(self) -> str:
        return str(self.problem.get("title") or "")

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("title") or "")

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """``errors`` flattened to ``field -> messages`` (nested fields joined by '.')."""
        out: dict[str, list[str]] = {}

        def walk(prefix: str, value: Any) -> None:
            if isinstance(value, dict):
                for k, v in value.items():
                    walk(f"{prefix}.{k}" if prefix else str(k), v)
            elif isinstance(value, list) and all(isinstance(x, str) for x in value):
                out.setdefault(prefix or "_", []).extend(value)
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    walk(f"{prefix}.{i}", v)
            else:
                out.setdefault(prefix or "_", []).append(str(value))

        walk("", self.problem.get("errors") or {})
        return out

    @property
    def current_state(self) -> Any:
        return self.problem.get("current_state")


#: the hidden input of every form (macros.html ``csrf()``)
IDEMPOTENCY_FIELD = "idempotency_key"
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_idempotency_key() -> str:
    """A fresh key for a form being rendered (one per form, per rendering)."""
    return secrets.token_urlsafe(18)


def idempotency_key(method: str, url: str, json: Any = None, data: Any = None) -> str | None:
    """The ``Idempotency-Key`` of a write made while handling a form POST: derived from
    the form's key and the write itself (method, address, body), so that the same submission
    sent twice repeats the same keys, while the different writes of one submission (a
    photo upload then the report, or the chunks of an import, which post the same form
    again) each have their own; None outside a form POST or without a well-formed key."""
    if request.method != "POST" or method == "GET":
        return None
    form_key = request.form.get(IDEMPOTENCY_FIELD, "")
    if not _KEY.fullmatch(form_key):
        return None
    body = jsonlib.dumps([json, data], sort_keys=True, default=str)
    seen: dict[str, int] = g.setdefault("idempotency_seen", {})
    digest = hashlib.sha256(f"{method}\n{url}\n{body}".encode()).hexdigest()[:32]
    seen[digest] = n = seen.get(digest, 0) + 1  # the same write twice in one submission
    return f"{form_key}-{digest}-{n}"


class NotSignedIn(Exception):
    """No session, or the refresh token no longer works: sign in again."""


def _settings() -> ConsoleSettings:
    settings: ConsoleSettings = current_app.config["CONSOLE"]
    return settings


def _http() -> requests.Session:
    http: requests.Session | None = current_app.extensions.get("console-http")
    if http is None:
        http = requests.Session()
        current_app.extensions["console-http"] = http
    return http


def _language() -> str:
    return "en" if g.get("lang") == "en" else "zh-CN"


def _raise_for(resp: requests.Response) -> None:
    if resp.status_code < 400:
        return
    try:
        body = resp.json()
    except ValueError:
        body = {"title": resp.reason, "status": resp.status_code}
    if not isinstance(body, dict):
        body = {"title": str(body)}
    raise ApiError(resp.status_code, body)


def login(username: str, password: str) -> None:
    """Exchange credentials for tokens and keep them in the session."""
    s = _settings()
    headers = {"Accept-Language": _language()}
    if s.forward_client_address and request.remote_addr:
        # identity throttles failed logins per client address: name the browser's address
        # (identity believes it only from IDENTITY_TRUSTED_PROXIES)
        headers["X-Forwarded-For"] = request.remote_addr
    resp = _http().post(f"{s.url('identity')}/login", timeout=s.api_timeout,
                        json={"username": username, "password": password}, headers=headers)
    _raise_for(resp)
    _keep(resp.json())
    sessions.rotate()  # a new session id at sign-in


def logout() -> None:
    s = _settings()
    refresh = session.get("refresh_token")
    session.clear()  # the stored session is deleted: a copied cookie stops working
    sessions.rotate()
    if refresh:
        try:
            _http().post(f"{s.url('identity')}/logout", json={"refresh_token": refresh},
                         timeout=s.api_timeout)
        except requests.RequestException:  # the session is gone on our side anyway
            log.warning("logout: identity unreachable")


def _keep(tokens: dict[str, Any]) -> None:
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    session.clear()
    session["access_token"] = tokens["access_token"]
    session["refresh_token"] = tokens["refresh_token"]
    session["user"] = {k: claims.get(k) for k in
                       ("sub", "name", "role", "stations", "company", "districts", "volunteer_id")}


def _refresh() -> bool:
    s = _settings()
    token = session.get("refresh_token")
    if not token:
        return False
    resp = _http().post(f"{s.url('identity')}/refresh", json={"refresh_token": token},
                        timeout=s.api_timeout)
    if resp.status_code != 200:
        return False
    _keep(resp.json())
    return True


def call(service: str, method: str, path: str, *, json: Any = None,
         params: dict[str, Any] | None = None, files: Any = None, data: Any = None,
         raw: bool = False, timeout: float | None = None) -> Any:
    """Call ``service`` as the signed-in user; returns the decoded JSON (or the response
    itself with ``raw=True``); raises :class:`ApiError` / :class:`NotSignedIn`.
    ``timeout``: seconds to wait instead of ``CONSOLE_API_TIMEOUT``."""
    s = _settings()
    if "access_token" not in session:
        raise NotSignedIn()
    url = f"{s.url(service)}{path}"
    key = idempotency_key(method.upper(), url, json, data)
    for attempt in (1, 2):
        headers = {"Authorization": f"Bearer {session['access_token']}",
                   "Accept-Language": _language()}
        rid = g.get("request_id")
        if rid:
            headers["X-Request-ID"] = rid
        if key:
            headers["Idempotency-Key"] = key
        resp = _http().request(method, url, json=json, params=params, files=files, data=data,
                               headers=headers, timeout=timeout or s.api_timeout)
        if resp.status_code == 401 and attempt == 1 and _refresh():
            continue
        break
    if resp.status_code == 401:
        session.clear()
        raise NotSignedIn()
    _raise_for(resp)
    if raw:
        return resp
    return resp.json() if resp.content else None


def public_get(service: str, path: str) -> Any:
    """GET a public endpoint of ``service`` (no token: anyone may call it, e.g. the
    verification of a certificate); raises :class:`ApiError`."""
    s = _settings()
    headers = {"Accept-Language": _language()}
    rid = g.get("request_id")
    if rid:
        headers["X-Request-ID"] = rid
    resp = _http().get(f"{s.url(service)}{path}", headers=headers, timeout=s.api_timeout)
    _raise_for(resp)
    return resp.json()


def get(service: str, path: str, **params: Any) -> Any:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return call(service, "GET", path, params=query)


def post(service: str, path: str, json: Any = None) -> Any:
    return call(service, "POST", path, json=json if json is not None else {})


def put(service: str, path: str, json: Any = None) -> Any:
    return call(service, "PUT", path, json=json if json is not None else {})


def patch(service: str, path: str, json: Any = None) -> Any:
    return call(service, "PATCH", path, json=json if json is not None else {})


def delete(service: str, path: str) -> Any:
    return call(service, "DELETE", path)


def get_all(service: str, path: str, limit: int = 1000, **params: Any) -> list[Any]:
    """Every item of a paged list (up to ``limit``)."""
    items: list[Any] = []
    page = 1
    while len(items) < limit:
        body = get(service, path, page=page, page_size=100, **params)
        batch = body.get("items", [])
        items.extend(batch)
        if len(batch) < 100 or page * 100 >= int(body.get("total", 0) or 0):
            break
        page += 1
    return items[:limit]
