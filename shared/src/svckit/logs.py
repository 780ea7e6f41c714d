"""JSON logs carrying the service name and the correlation id of the request or event."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from svckit import context


class ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.correlation_id = context.correlation_id.get()
        record.causation_id = context.causation_id.get()
        return True


def configure(service: str, level: str = "INFO", json: bool = True) -> None:
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_svckit", False):
            root.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler._svckit = True  # type: ignore[attr-defined]
    handler.addFilter(ContextFilter(service))
    if json:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(correlation_id)s",
                rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(service)s %(correlation_id)s] "
                              "%(name)s: %(message)s")
        )
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("aiormq", "aio_pika", "amqp", "kombu", "werkzeug"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
