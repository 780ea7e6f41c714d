"""The Flask app every service builds: flask-smorest API, problem+json, auth, request ids.

Use :func:`create_app` with the service's blueprints. Views raise domain errors
(:mod:`svckit.domain.errors`) or ``abort()``; both become problem+json here. Anything
unexpected becomes a 500 problem without internals; a database that does not answer a
503 with ``Retry-After``.
"""

from __future__ import annotations

import http
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from apispec import BasePlugin
from flask import Flask, Response, g, request, send_from_directory
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields
from sqlalchemy import Table
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from svckit import context, metrics
from svckit.auth.principal import Principal
from svckit.auth.tokens import TokenError, TokenVerifier
from svckit.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from svckit.events.catalogue import InvalidEvent
from svckit.http.parser import StrictParser
from svckit.http.problems import STATUS_CODES, flatten_errors, problem
from svckit.pii import find_pii

log = logging.getLogger(__name__)

#: every blueprint of every service reads its arguments with svckit's parser (415, strict
#: JSON types, the system's years: svckit.http.parser)
Blueprint.ARGUMENTS_PARSER = StrictParser()

#: where Swagger UI's files are served (public, like /docs: the prefix covers both)
SWAGGER_ASSETS = "/docs-assets/"
#: ``/metrics`` is public like the probes: route templates and counts, no personal data;
#: an ingress should not route it to the internet
PUBLIC_PATHS = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class ProblemSchema(Schema):
    """RFC 9457 problem details (documentation of every error response)."""

    type = fields.String(metadata={"example": "/problems/validation-failed"})
    title = fields.String(metadata={"example": "输入校验失败"})
    status = fields.Integer(metadata={"example": 422})
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()),
        metadata={"description": "field name -> messages (validation errors), in the "
                                 "caller's language (Chinese; English with "
                                 "Accept-Language: en)"},
    )
    error_codes = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()),
        metadata={"description": "field name -> a stable code per message (required, "
                                 "length, one-of, not-integer, ...; invalid otherwise)"},
    )
    current_state = fields.String(metadata={"description": "the object's state (409)"})
    action = fields.String(metadata={"description": "the refused action (409)"})


F = TypeVar("F", bound=Callable[..., Any])


def problems(blp: Blueprint, *codes: int) -> Callable[[F], F]:
    """Document the problem+json answers an operation can give (the one way every
    service declares its errors)::

        @blp.route("/<uuid:unit_id>/check-out")
        class CheckOutView(MethodView):
            @blp.arguments(CheckOutIn)
            @blp.response(201, RentalOut)
            @problems(blp, 403, 404, 409, 422)
            def post(self, body, unit_id): ...
    """

    def deco(fn: F) -> F:
        for code in codes:
            fn = blp.alt_response(code, schema=ProblemSchema,
                                  content_type="application/problem+json")(fn)
        return fn

    return deco


class _ProblemContentType(BasePlugin):
    """Error answers of an operation (4xx, 5xx) are documented with the content type they
    are sent with, ``application/problem+json``, whatever the view's ``alt_response`` said."""

    def operation_helper(self, path: str | None = None,
                         operations: dict[str, Any] | None = None, **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            for code, response in (operation.get("responses") or {}).items():
                content = response.get("content") if isinstance(response, dict) else None
                if str(code)[:1] in "45" and content and "application/json" in content:
                    content.setdefault(ServiceApi.ERROR_CONTENT_TYPE,
                                       content.pop("application/json"))


class ServiceApi(Api):  # type: ignore[misc]
    ERROR_SCHEMA = ProblemSchema
    ERROR_CONTENT_TYPE = "application/problem+json"

    def _register_responses(self) -> None:
        """The shared error responses (one per status and ``DEFAULT_ERROR``, referenced by
        every operation) as they are sent: ``application/problem+json``, not the success
        responses' ``application/json``."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not 100 <= status < 200 and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, self.ERROR_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, self.ERROR_CONTENT_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)

    def _init_spec(self, **kwargs: Any) -> None:
        kwargs["extra_plugins"] = [*(kwargs.get("extra_plugins") or ()), _ProblemContentType()]
        super()._init_spec(**kwargs)

    def _register_error_handlers(self) -> None:
        app = self._app
        app.register_error_handler(HTTPException, self.handle_http_exception)
        app.register_error_handler(DomainError, _domain_error)
        app.register_error_handler(IntegrityError, _integrity_error)
        app.register_error_handler(OperationalError, _db_unavailable)
        app.register_error_handler(PoolTimeout, _db_unavailable)
        app.register_error_handler(DataError, _data_error)
        app.register_error_handler(DBAPIError, _db_error)
        app.register_error_handler(InvalidEvent, _invalid_event)
        app.register_error_handler(Exception, _unexpected)

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        headers = dict(data.get("headers") or {})
        if status == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
        errors = data.get("errors") or data.get("messages")
        if errors is not None:
            return problem(status, "validation-failed" if status in (400, 422) else None,
                           data.get("message") or "请求参数有误 (invalid request)",
                           errors=flatten_errors(errors), headers=headers)
        detail = data.get("message") or error.description
        return problem(status, STATUS_CODES.get(status), detail, headers=headers)


def _domain_error(exc: DomainError) -> Response:
    if isinstance(exc, ValidationFailed):
        return problem(422, exc.code, exc.detail, errors=exc.errors, **_jsonable(exc.extra))
    if isinstance(exc, NotFound):
        return problem(404, exc.code, exc.detail)
    if isinstance(exc, Conflict):
        return problem(409, exc.code, exc.detail, current_state=exc.current_state,
                       **_jsonable(exc.extra))
    if exc.code == "forbidden":
        return problem(403, exc.code, exc.detail)
    return problem(422, exc.code, exc.detail, **_jsonable(exc.extra))


def _jsonable(extra: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in extra.items() if isinstance(v, str | int | float | bool | list | dict)}


def _db_diagnosis(exc: DBAPIError) -> str:
    """SQLSTATE, constraint and column of a driver error, never its message: PostgreSQL's
    ``DETAIL: Key (certificate_number)=(…)`` carries the row's values (PIPL)."""
    diag = getattr(exc.orig, "diag", None)
    if diag is None:  # SQLite: its messages name the columns, not the values
        return str(exc.orig)
    parts = [f"sqlstate={getattr(exc.orig, 'sqlstate', None)}"]
    for name in ("table_name", "constraint_name", "column_name"):
        value = getattr(diag, name, None)
        if value:
            parts.append(f"{name.removesuffix('_name')}={value}")
    return " ".join(parts)


def _integrity_error(exc: IntegrityError) -> Response:
    log.info("integrity error: %s", _db_diagnosis(exc))
    return problem(409, "conflict", "与已有记录冲突 (conflicts with an existing record)")


def _data_error(exc: DataError) -> Response:
    """SQLSTATE class 22 (and psycopg's own refusal of NUL characters): a value from the
    request the column cannot hold (out of range, too long, NUL). The request's fault, so
    422; schemas should have refused it first, hence the warning."""
    log.warning("data error (input the schema let through): %s", _db_diagnosis(exc))
    return problem(422, "validation-failed",
                   "有字段的值无法保存：超出范围、过长或含有 NUL 字符 "
                   "(a value cannot be stored: out of range, too long, or contains NUL)")


def _db_unavailable(exc: Exception) -> Response:
    log.warning("database unavailable: %s", exc)
    return problem(503, "service-unavailable", "数据库暂不可用 (database unavailable)",
                   headers={"Retry-After": "2"})


def _db_error(exc: DBAPIError) -> Response:
    if exc.connection_invalidated:
        return _db_unavailable(exc)
    return _unexpected(exc)


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):  # pragma: no cover - routed above
        return problem(exc.code or 500)
    log.exception("unhandled error")
    return problem(500, "internal-error", "请求未能完成，已记录错误 (request failed; logged)")


#: no request body of any service nests deeper than this; deeper is refused before parsing
MAX_JSON_DEPTH = 32


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON text nests arrays/objects deeper than ``limit`` (brackets inside
    strings do not count). A linear scan, run before any parser recurses into it."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def _invalid_event(exc: InvalidEvent) -> Response:
    """An event the catalogue refuses, raised inside a request: the request carried a
    value the API schema let through (the same rules should have refused it at the
    edge, hence the warning). The caller's input, so 422, never a 500."""
    log.warning("event refused by the catalogue inside a request: %s", exc)
    errors = flatten_errors(exc.messages) if isinstance(exc.messages, dict) else None
    return problem(422, "validation-failed",
                   "提交的数据无法生成有效的业务事件，请检查日期和取值范围 "
                   "(the data cannot form a valid event: check dates and ranges)",
                   errors=errors)


def _unstorable_strings(value: Any, path: str) -> list[str]:
    """Paths (``a.b.0``) of the strings in a decoded JSON body holding NUL or a lone
    surrogate, keys included."""
    if isinstance(value, str):
        if "\x00" in value:
            return [path or "_schema"]
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [path or "_schema"]
        return []
    if isinstance(value, dict):
        found: list[str] = []
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            found += _unstorable_strings(key, sub) or _unstorable_strings(item, sub)
        return found
    if isinstance(value, list):
        return [f for i, item in enumerate(value)
                for f in _unstorable_strings(item, f"{path}.{i}" if path else str(i))]
    return []


def current_principal() -> Principal:
    principal: Principal | None = g.get("principal")
    if principal is None:  # pragma: no cover - the before_request guard sets it
        raise RuntimeError("no authenticated principal")
    return principal


def create_app(
    *,
    name: str,
    title: str,
    version: str,
    blueprints: Iterable[Blueprint],
    verifier: TokenVerifier | None,
    ready_checks: dict[str, Callable[[], None]] | None = None,
    ready_details: dict[str, Callable[[], Any]] | None = None,
    max_body_bytes: int = 1_048_576,
    description: str = "",
    public_paths: tuple[str, ...] = (),
    report_rate_limit: str | None = None,
    idempotency: Table | None = None,
) -> Flask:
    app = Flask(name)
    app.config.update(
        API_TITLE=title,
        API_VERSION=version,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        # Swagger UI's files from the installed swagger-ui-bundle, relative to /docs so the
        # page works under any mount (/inventory/docs -> /inventory/docs-assets/...) and
        # without internet
        OPENAPI_SWAGGER_UI_URL=f"{SWAGGER_ASSETS.strip('/')}/",
        API_SPEC_OPTIONS={
            "info": {"description": description},
            "security": [{"bearerAuth": []}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            },
        },
        MAX_CONTENT_LENGTH=max_body_bytes,
        RATE_LIMIT_REPORTS=report_rate_limit,  # svckit.http.ratelimit, group "reports"
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    api = ServiceApi(app)
    for bp in blueprints:
        api.register_blueprint(bp)
    app.extensions["svckit.api"] = api
    _install_swagger_assets(app)
    _install_request_context(app, name)
    _install_auth(app, verifier, PUBLIC_PATHS + tuple(public_paths))
    if idempotency is not None:  # after authentication: keys are per caller
        from svckit.http import idempotency as idem

        idem.install(app, idempotency)
    _install_health(app, ready_checks or {}, ready_details or {})
    return app


def _install_swagger_assets(app: Flask) -> None:
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    def asset(filename: str) -> Response:
        return send_from_directory(swagger_ui_path, filename, max_age=86400)

    app.add_url_rule(f"{SWAGGER_ASSETS}<path:filename>", "swagger_ui_asset", asset)


def _install_request_context(app: Flask, service: str) -> None:
    @app.before_request
    def _refuse_unstorable() -> Response | None:
        g.t0 = time.perf_counter()  # the request's latency (svckit.metrics) starts here
        # NUL cannot be stored or compared in PostgreSQL text and a lone surrogate (a JSON
        # "\udc80" escape) cannot be encoded as UTF-8: no identifier, filter or text field
        # carries either, so refuse them here rather than fail in the driver.
        if "\x00" in request.path or b"%00" in request.query_string \
                or "\x00" in request.query_string.decode("latin-1"):
            return problem(400, "bad-request", "路径或查询参数含有 NUL 字符 (NUL in path or query)")
        if request.is_json and request.content_length:
            if json_too_deep(request.get_data(cache=True)):
                return problem(400, "bad-request",
                               f"JSON 嵌套层数超过{MAX_JSON_DEPTH}层 "
                               f"(JSON nested deeper than {MAX_JSON_DEPTH} levels)")
            bad = _unstorable_strings(request.get_json(silent=True), "")
            if bad:
                return problem(422, "validation-failed",
                               "含有 NUL 或无效的 Unicode 字符 (NUL or invalid Unicode)",
                               errors={f: ["含有 NUL 或无效的 Unicode 字符 (NUL or invalid "
                                           "Unicode)"] for f in bad})
        return None

    @app.before_request
    def _begin() -> None:
        rid = request.headers.get("X-Request-ID", "")
        # the id travels into every log line and event of the request: never a phone or ID
        if not _REQUEST_ID.match(rid) or find_pii(rid):
            rid = uuid.uuid4().hex
        g.request_id = rid
        g.ctx_token = context.correlation_id.set(rid)

    @app.after_request
    def _end(resp: Response) -> Response:
        rid = g.get("request_id")
        if rid:
            resp.headers["X-Request-ID"] = rid
        # answers carry personal data and are per caller: no shared or browser cache
        resp.headers.setdefault("Cache-Control", "no-store")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        t0 = g.get("t0")
        if t0 is not None:
            rule = request.url_rule.rule if request.url_rule is not None else None
            metrics.observe_request(service, request.method, rule, resp.status_code,
                                    time.perf_counter() - t0)
        return resp

    @app.teardown_request
    def _reset(_exc: BaseException | None) -> None:
        token = g.pop("ctx_token", None)
        if token is not None:
            context.correlation_id.reset(token)
        actor_tokens = g.pop("actor_tokens", None)
        if actor_tokens is not None:
            context.actor.reset(actor_tokens[0])
            context.actor_role.reset(actor_tokens[1])


def _install_auth(app: Flask, verifier: TokenVerifier | None,
                  public: tuple[str, ...] = PUBLIC_PATHS) -> None:
    @app.before_request
    def _authenticate() -> Response | None:
        if request.method == "OPTIONS" or request.path.startswith(public):
            return None
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return problem(401, "unauthorized", "缺少访问令牌 (missing bearer token)",
                           headers={"WWW-Authenticate": 'Bearer realm="api"'})
        if verifier is None:
            return problem(503, "service-unavailable", "未配置令牌校验 (auth not configured)")
        try:
            g.principal = verifier.verify(header[7:].strip())
        except TokenError as exc:
            return problem(401, "unauthorized", f"令牌无效 (invalid token): {exc}",
                           headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        g.actor_tokens = (context.actor.set(g.principal.sub),
                          context.actor_role.set(g.principal.role.value))
        return None


def _install_health(app: Flask, checks: dict[str, Callable[[], None]],
                    details: dict[str, Callable[[], Any]]) -> None:
    @app.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        return {"status": "ok"}, 200

    @app.get("/metrics")
    def metrics_view() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, 200, content_type=content_type)

    @app.get("/readyz")
    def readyz() -> tuple[dict[str, Any], int]:
        results: dict[str, str] = {}
        ok = True
        for name, check in checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - report, do not fail the probe
                results[name] = f"down: {type(exc).__name__}"
                ok = False
        body: dict[str, Any] = {"status": "ok" if ok else "unavailable", "checks": results}
        if details and ok:  # facts an operator must see (parked messages), not readiness
            body["detail"] = {}
            for name, read in details.items():
                try:
                    body["detail"][name] = read()
                except Exception as exc:  # noqa: BLE001 - a detail never fails the probe
                    body["detail"][name] = f"unknown: {type(exc).__name__}"
        return body, (200 if ok else 503)
