"""Personal identifiers never reach a log line unmasked: the JSON formatter, gunicorn's
access/error logs, database error diagnostics, request ids (svckit.pii, svckit.logs)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from svckit import logs
from svckit.domain.certificate import make_certificate, mask
from svckit.http import app as http_app
from svckit.http.gunicorn_worker import RedactingLogger
from svckit.pii import find_pii

CERT = make_certificate("37150219800101001", 4, 2)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    logs.configure("probe", json=True)
    [handler] = [h for h in logging.getLogger().handlers if getattr(h, "_svckit", False)]
    assert isinstance(handler, logging.StreamHandler)
    buf = io.StringIO()
    old = handler.setStream(buf)
    yield buf
    handler.setStream(old)  # type: ignore[arg-type]


def test_json_log_lines_are_redacted_message_extra_and_traceback(captured: io.StringIO) -> None:
    log = logging.getLogger("probe.pii")
    log.warning("lookup %s failed", CERT, extra={"phone": "13806351234"})
    try:
        raise ValueError(f"bad certificate {CERT}")
    except ValueError:
        log.exception("handler failed")
    text = captured.getvalue()
    assert CERT not in text and "13806351234" not in text
    first = json.loads(text.splitlines()[0])
    assert first["message"] == f"lookup {mask(CERT)} failed"
    assert first["phone"] == "138****1234"
    assert f"bad certificate {mask(CERT)}" in text  # the traceback too


def test_redact_filter_masks_gunicorn_style_records() -> None:
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1,
                               '{"request":"%(r)s"}', ({"r": "GET /b?phone=13806351234"},),
                               None)
    assert logs.RedactFilter().filter(record)
    assert record.getMessage() == '{"request":"GET /b?phone=138****1234"}'
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", ("no digits",), None)
    logs.RedactFilter().filter(plain)
    assert (plain.msg, plain.args) == ("%s", ("no digits",))  # untouched


def test_gunicorn_logger_class_installs_the_filter_once() -> None:
    from gunicorn.config import Config

    cfg = Config()
    cfg.set("accesslog", "-")
    logger = RedactingLogger(cfg)
    logger.setup(cfg)  # a config reload runs setup again
    for log in (logger.error_log, logger.access_log):
        assert sum(isinstance(f, logs.RedactFilter) for f in log.filters) == 1


def test_database_errors_are_diagnosed_without_values(pg_url: str) -> None:
    engine = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    meta = sa.MetaData()
    people = sa.Table("people", meta, sa.Column("cert", sa.String(20), unique=True))
    meta.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(people.insert(), [{"cert": CERT}])
        with pytest.raises(sa.exc.IntegrityError) as info, engine.begin() as conn:
            conn.execute(people.insert(), [{"cert": CERT}])
        assert CERT in str(info.value.orig)  # what the driver says: Key (cert)=(…)
        diagnosis = http_app._db_diagnosis(info.value)
        assert CERT not in diagnosis
        assert "sqlstate=23505" in diagnosis and "people_cert_key" in diagnosis
    finally:
        engine.dispose()


def test_a_request_id_shaped_like_a_phone_is_replaced() -> None:
    from flask import Flask

    app = Flask("probe")
    http_app._install_request_context(app, "probe")
    app.add_url_rule("/x", "x", lambda: "ok")
    client = app.test_client()
    assert client.get("/x", headers={"X-Request-ID": "req-42"}).headers["X-Request-ID"] == "req-42"
    made = client.get("/x", headers={"X-Request-ID": "13806351234"}).headers["X-Request-ID"]
    assert made != "13806351234" and find_pii(made) == []


def test_sqlite_errors_keep_their_message() -> None:
    orig = SimpleNamespace()  # no ``diag``: SQLite's message names columns only
    exc = sa.exc.IntegrityError("INSERT", {}, orig)  # type: ignore[arg-type]
    assert http_app._db_diagnosis(exc) == str(orig)
