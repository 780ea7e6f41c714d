"""gunicorn settings for every API: ``gunicorn -c deploy/gunicorn.conf.py <svc>.wsgi:app``.

Environment: PORT (default 8000), GUNICORN_WORKERS (default 2), GUNICORN_THREADS (4).
The app opens no broker connection (only the relay and the consumer talk to RabbitMQ),
and its database engine is created lazily in each worker, so forking is safe.

Metrics (svckit.metrics): prometheus-client's multiprocess mode. Each worker writes its
samples to files in ``PROMETHEUS_MULTIPROC_DIR`` (given, or a fresh temporary directory);
``/metrics`` of any worker merges all of them. The directory is emptied when the master
starts (stale files of an earlier run would add up) and an exited worker is marked dead.
"""

import os
import shutil
import tempfile
from pathlib import Path

# Set before any worker imports prometheus_client (the app is loaded after the fork).
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="svckit-metrics-")
    _OWN_METRICS_DIR = True
else:
    _OWN_METRICS_DIR = False

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "svckit.http.gunicorn_worker.ProblemThreadWorker"  # gthread; problem+json errors
logger_class = "svckit.http.gunicorn_worker.RedactingLogger"  # masks IDs and phones (PIPL)
timeout = 30
graceful_timeout = 20
keepalive = 5
preload_app = False
max_requests = 20_000
max_requests_jitter = 2_000
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-"
access_log_format = (
    '{"remote":"%(h)s","request":"%(r)s","status":%(s)s,"bytes":%(B)s,"ms":%(M)s,'
    '"request_id":"%({x-request-id}o)s"}'
)
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def post_worker_init(worker: object) -> None:
    """The app is loaded in the worker (no preload): move what startup allocated to the
    permanent generation so a full garbage collection does not walk it (~90 ms with
    ~150k objects, a pause for every thread of the worker; docs/performance.md)."""
    import gc

    gc.freeze()



def on_starting(server: object) -> None:
    """Start every run with an empty metrics directory."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def child_exit(server: object, worker: object) -> None:
    """A worker that exited no longer counts in live gauges (its counters stay)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def on_exit(server: object) -> None:
    if _OWN_METRICS_DIR:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
