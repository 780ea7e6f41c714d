"""Idempotent writes: a repeated request with the same ``Idempotency-Key`` gets the first
answer, and two in flight make one record.

A form submitted twice (a double click, a slow connection, a retry after a timeout) must
not create two progress reports or two applications. A client (the console sends one
with every form POST) names each logical request with an ``Idempotency-Key`` header. The
service records the key, per caller, in its own database before running the request:

- the first request inserts the key (its own short transaction) and runs; its answer
  (status and body) is stored when it is below 500; a 5xx or a crash removes the key so
  the request can be tried again;
- a repeat whose first answer is stored gets that answer again (``Idempotent-Replayed:
  true``), with no second effect;
- a repeat while the first is still running waits for its answer (bounded), and gets
  409 if it does not come; a key left by a crashed process is taken over after
  :data:`STALE_AFTER`;
- the same key with another method, path or body is 422: a key names one request.

Every service whose metadata has :func:`~svckit.idempotency.idempotency_table` (declared
with its other tables, without Flask) gets this on every POST, PUT, PATCH and DELETE
(``svckit.http.app.create_app``); a request without the header runs as before.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Response, current_app, g, request
from sqlalchemy import Engine, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from svckit.http.problems import problem
from svckit.idempotency import TABLE, idempotency_table

__all__ = ["HEADER", "STALE_AFTER", "TABLE", "WAIT_SECONDS", "idempotency_table", "install"]

HEADER = "Idempotency-Key"
#: a key whose request has not answered after this long was left by a crashed process
STALE_AFTER = timedelta(seconds=60)
#: how long a repeat waits for the first request's answer
WAIT_SECONDS = 20.0
_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _engine() -> Engine:
    engine: Engine = current_app.extensions["svckit.context"].engine
    return engine


def _caller() -> str:
    principal = g.get("principal")
    return principal.sub if principal is not None else "anonymous"


def _answer(row: Any) -> Response:
    resp = Response(row.body or "", status=row.status,
                    content_type=row.content_type or "application/json")
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def install(app: Flask, table: Table) -> None:
    @app.before_request
    def _claim() -> Response | None:
        key = request.headers.get(HEADER)
        if request.method not in _METHODS or not key:
            return None
        if not 8 <= len(key) <= 100 or not key.isascii() or not key.isprintable():
            return problem(400, "bad-request", "Idempotency-Key 应为8-100个可打印 ASCII 字符 "
                                               "(8-100 printable ASCII characters)")
        digest = hashlib.sha256(request.get_data(cache=True)).hexdigest()
        who, path = _caller(), request.path[:300]
        engine = _engine()
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            now = datetime.now(UTC)
            try:
                with engine.begin() as conn:
                    conn.execute(insert(table).values(
                        key=key, principal=who, method=request.method, path=path,
                        request_hash=digest, created_at=now))
            except IntegrityError:
                pass
            else:
                g.idempotency = (key, who)
                return None
            with engine.begin() as conn:
                row = conn.execute(select(table).where(
                    table.c.key == key, table.c.principal == who)).first()
                if row is None:
                    continue  # removed meanwhile (the first failed): claim it again
                if (row.method, row.path, row.request_hash) != (request.method, path, digest):
                    return problem(422, "validation-failed",
                                   "同一个 Idempotency-Key 已用于另一个请求 "
                                   "(this Idempotency-Key was used for another request)")
                if row.status is not None:
                    return _answer(row)
                if now - row.created_at > STALE_AFTER:  # left by a crashed process
                    taken = conn.execute(update(table).where(
                        table.c.key == key, table.c.principal == who,
                        table.c.created_at == row.created_at, table.c.status.is_(None),
                    ).values(created_at=now)).rowcount
                    if taken:
                        g.idempotency = (key, who)
                        return None
            if time.monotonic() > deadline:
                return problem(409, "conflict", "相同的请求正在处理中，请稍后刷新查看结果 "
                                                "(the same request is still being processed)")
            time.sleep(0.05)

    @app.after_request
    def _store(resp: Response) -> Response:
        claimed = g.pop("idempotency", None)
        if claimed is None:
            return resp
        key, who = claimed
        where = (table.c.key == key, table.c.principal == who)
        with _engine().begin() as conn:
            if resp.status_code >= 500 or resp.is_streamed:
                conn.execute(delete(table).where(*where))
            else:
                conn.execute(update(table).where(*where).values(
                    status=resp.status_code, body=resp.get_data(as_text=True),
                    content_type=resp.content_type))
        return resp

    @app.teardown_request
    def _release(exc: BaseException | None) -> None:
        claimed = g.pop("idempotency", None)
        if claimed is not None:  # the request died before an answer: let it be tried again
            key, who = claimed
            with _engine().begin() as conn:
                conn.execute(delete(table).where(table.c.key == key, table.c.principal == who))

