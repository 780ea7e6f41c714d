"""JSON logs carrying the service name and the correlation id of the request or event.

Every line is passed through :func:`svckit.pii.redact` last (message, extra fields and
traceback): a certificate number, citizen ID number or mobile number that reaches a log
call by mistake is written masked (PIPL; the sources are meant not to log them at all).
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from svckit import context
from svckit.pii import redact


class ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.correlation_id = context.correlation_id.get()
        record.causation_id = context.causation_id.get()
        return True


class RedactingFormatter(logging.Formatter):
    """Wraps a formatter; masks personal identifiers in what it produced."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


class RedactFilter(logging.Filter):
    """For loggers whose handlers are not ours (gunicorn's): masks personal identifiers in
    the rendered message (the access log's request line with its query string)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked is not message:
            record.msg, record.args = masked, None
        return True


def configure(service: str, level: str = "INFO", json: bool = True) -> None:
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_svckit", False):
            root.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler._svckit = True  # type: ignore[attr-defined]
    handler.addFilter(ContextFilter(service))
    inner: logging.Formatter
    if json:
        inner = (
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(correlation_id)s",
                rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
                json_ensure_ascii=False,
            )
        )
    else:
        inner = logging.Formatter("%(asctime)s %(levelname)s [%(service)s %(correlation_id)s] "
                                  "%(name)s: %(message)s")
    handler.setFormatter(RedactingFormatter(inner))
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("pika", "amqp", "kombu", "werkzeug"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
