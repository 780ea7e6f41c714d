"""Every error is ``application/problem+json`` (RFC 9457).

``type`` is a stable URI per kind of problem (``/problems/<code>``), ``title`` a short
human title in Simplified Chinese (English with ``Accept-Language: en``), ``status``,
``detail``, ``instance`` (the path) and, for validation errors, ``errors``: field name →
messages in the caller's language, with ``error_codes``: field name → a stable code per
message (:mod:`svckit.http.messages`). Conflicts carry ``current_state``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request

TITLES: dict[str, tuple[str, str]] = {
    "validation-failed": ("输入校验失败", "Validation failed"),
    "not-found": ("对象不存在", "Not found"),
    "forbidden": ("无权执行此操作", "Forbidden"),
    "unauthorized": ("未登录或令牌无效", "Unauthorized"),
    "conflict": ("与当前状态冲突", "Conflict with the current state"),
    "illegal-transition": ("状态不允许此操作", "Illegal state transition"),
    "method-not-allowed": ("不支持的请求方法", "Method not allowed"),
    "payload-too-large": ("请求体过大", "Payload too large"),
    "unsupported-media-type": ("不支持的内容类型", "Unsupported media type"),
    "bad-request": ("请求格式错误", "Bad request"),
    "too-many-requests": ("请求过于频繁", "Too many requests"),
    "precondition-failed": ("资源已被修改", "Precondition failed"),
    "service-unavailable": ("服务暂不可用，请稍后重试", "Service unavailable, retry later"),
    "internal-error": ("服务器内部错误", "Internal server error"),
    "domain-error": ("业务规则错误", "Business rule violated"),
}

STATUS_CODES: dict[int, str] = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-failed",
    428: "precondition-failed",
    429: "too-many-requests",
    503: "service-unavailable",
}


def _english() -> bool:
    try:
        best = request.accept_languages.best_match(["zh", "zh-CN", "en"])
    except RuntimeError:
        return False
    return bool(best and best.startswith("en"))


def problem(
    status: int,
    code: str | None = None,
    detail: str | None = None,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    code = code or STATUS_CODES.get(status, "internal-error" if status >= 500 else "bad-request")
    zh, en = TITLES.get(code, (title or code, title or code))
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title or (en if _english() else zh),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    try:
        body["instance"] = request.path
    except RuntimeError:
        pass
    errors = extra.pop("errors", None)
    if isinstance(errors, dict) and errors:
        # field messages in the caller's language, each with a stable code (one place for
        # every service: svckit.http.messages)
        from svckit.http.messages import localize_errors

        body["errors"], body["error_codes"] = localize_errors(
            {k: v if isinstance(v, list | tuple) else [str(v)] for k, v in errors.items()},
            english=_english())
    elif errors is not None:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    resp = Response(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        mimetype="application/problem+json",
    )
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"json": {"a": {"b": ["x"]}}}`` → ``{"a.b": ["x"]}`` (location kept unless json)."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            key = str(key)
            if not prefix and key in ("json", "form", "files"):
                name = ""
            elif not prefix and key in ("query", "querystring", "headers", "path", "view_args"):
                name = "query" if key == "querystring" else key
            else:
                name = f"{prefix}.{key}" if prefix else key
            out.update(flatten_errors(value, name))
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        out[prefix or "_schema"] = [str(m) for m in messages]
    elif isinstance(messages, list | tuple):
        for i, m in enumerate(messages):
            out.update(flatten_errors(m, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out[prefix or "_schema"] = [str(messages)]
    return out
