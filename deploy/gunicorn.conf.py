"""gunicorn settings for every API: ``gunicorn -c deploy/gunicorn.conf.py <svc>.wsgi:app``.

Environment: PORT (default 8000), GUNICORN_WORKERS (default 2), GUNICORN_THREADS (4).
The app opens no broker connection (only the relay and the consumer talk to RabbitMQ),
and its database engine is created lazily in each worker, so forking is safe.
"""

import os

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

