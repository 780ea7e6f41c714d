"""gunicorn's gthread worker, answering the errors gunicorn raises itself (request line or
headers too long, malformed request) as ``application/problem+json`` like the app does,
instead of gunicorn's ``text/html`` page. ``worker_class`` in deploy/gunicorn.conf.py.

:class:`RedactingLogger` (``logger_class``) masks certificate numbers, citizen ID numbers
and mobile numbers in gunicorn's access and error logs: the request line carries the path
and the query string, which a client may fill with them."""

from __future__ import annotations

import json
import socket
from typing import Any

from gunicorn import glogging, util
from gunicorn.workers.gthread import ThreadWorker

from svckit.http.problems import STATUS_CODES, TITLES
from svckit.logs import RedactFilter


def write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """Drop-in for :func:`gunicorn.util.write_error` (same arguments)."""
    code = STATUS_CODES.get(status_int, "internal-error" if status_int >= 500 else "bad-request")
    if status_int == 414:
        code = "bad-request"
    zh, _en = TITLES.get(code, (reason, reason))
    problem: dict[str, Any] = {"type": f"/problems/{code}", "title": zh, "status": status_int}
    if mesg:
        problem["detail"] = mesg[:500]
    body = json.dumps(problem, ensure_ascii=False).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


class ProblemThreadWorker(ThreadWorker):  # type: ignore[misc]
    def init_process(self) -> None:
        # handle_error() sends through gunicorn.util.write_error: one worker process,
        # ours, so replacing the module function is enough.
        util.write_error = write_problem
        super().init_process()


class RedactingLogger(glogging.Logger):  # type: ignore[misc]
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactFilter) for f in log.filters):
                log.addFilter(RedactFilter())
