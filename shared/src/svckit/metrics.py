"""Prometheus metrics of every process, with ``prometheus-client`` (the one place they are
defined; ADR 0017).

- **APIs**: ``/metrics`` on the API's own port (:func:`install_http`): request latency
  by method, route *template* (``/units/<uuid:unit_id>/check-out``, never the path with
  its identifiers) and status. Under gunicorn the workers are separate processes, so
  prometheus-client's **multiprocess mode** is used: ``deploy/gunicorn.conf.py`` points
  ``PROMETHEUS_MULTIPROC_DIR`` at a directory emptied when the master starts, each
  worker writes its samples there, ``/metrics`` of any worker merges every worker's
  files (:class:`prometheus_client.multiprocess.MultiProcessCollector`), and a worker
  that exits is marked dead (``child_exit``). Without that variable (the development
  server, the embedded mode, tests with Flask's client) the process's own registry.
- **Relay and consumer**: a small HTTP server on a side port (``METRICS_PORT``; unset:
  none, ``0``: a free port, logged) (:func:`serve_worker`). What is read from the
  database or the broker (outbox rows pending and the age of the oldest; the consumer's
  queue and parked messages) is read when Prometheus scrapes, not polled.

Metric names start with ``svckit_``; every metric carries the ``service`` label.
deploy/prometheus/ (scrape configuration, alert rules) and deploy/grafana/ (the
dashboard) name only metrics defined here (tests/test_deploy_metrics.py checks it).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

#: seconds; from a sub-millisecond ack to the relay's confirm deadline
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    10.0)
#: seconds an event waited between its ``occurred_at`` and a handler starting on it
_LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                300.0, 1800.0)

HTTP_REQUEST_SECONDS = Histogram(
    "svckit_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and status.",
    ["service", "method", "route", "status"], buckets=_LATENCY_BUCKETS)

RELAY_PUBLISHED = Counter(
    "svckit_relay_published", "Outbox rows published and confirmed by the broker.",
    ["service"])
RELAY_UNCONFIRMED = Counter(
    "svckit_relay_unconfirmed",
    "Outbox rows the broker nacked, returned or did not confirm in time (published again).",
    ["service"])
RELAY_CONFIRM_SECONDS = Histogram(
    "svckit_relay_confirm_seconds",
    "Time from handing a batch to the broker to its last confirm.",
    ["service"], buckets=_LATENCY_BUCKETS)

CONSUMER_APPLY_SECONDS = Histogram(
    "svckit_consumer_apply_seconds",
    "Time a handler's transaction took (inbox row, handler, commit), by handler.",
    ["service", "handler"], buckets=_LATENCY_BUCKETS)
CONSUMER_LAG_SECONDS = Histogram(
    "svckit_consumer_lag_seconds",
    "Time from an event's occurred_at to a handler starting on it.",
    ["service"], buckets=_LAG_BUCKETS)
CONSUMER_MESSAGES = Counter(
    "svckit_consumer_messages",
    "Messages handled, by outcome: applied, duplicate (inbox), ignored (no handler), "
    "retried, parked.",
    ["service", "outcome"])
CONSUMER_PARKED = Counter(
    "svckit_consumer_parked", "Messages parked, by reason.", ["service", "reason"])


def http_route(rule: str | None) -> str:
    """The route label: the URL rule's template, or ``<unmatched>`` (404s of unknown
    paths must not create a label per path)."""
    return rule or "<unmatched>"


def observe_request(service: str, method: str, rule: str | None, status: int,
                    seconds: float) -> None:
    HTTP_REQUEST_SECONDS.labels(service, method, http_route(rule), str(status)).observe(seconds)


def exposition() -> tuple[bytes, str]:
    """The text exposition of this process, or of every gunicorn worker in multiprocess
    mode (``PROMETHEUS_MULTIPROC_DIR`` set)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


class ScrapeCollector(Collector):
    """Gauges read when Prometheus scrapes: ``read()`` returns ``{metric: value}``; a
    failing read (database or broker down) yields no sample rather than a stale one."""

    def __init__(self, service: str, gauges: dict[str, str],
                 read: Callable[[], dict[str, float]]) -> None:
        self.service = service
        self.gauges = gauges
        self.read = read

    def describe(self) -> Iterable[Metric]:
        return [GaugeMetricFamily(name, doc, labels=["service"])
                for name, doc in self.gauges.items()]

    def collect(self) -> Iterator[Metric]:
        try:
            values = self.read()
        except Exception as exc:  # noqa: BLE001 - a scrape never fails the process
            log.warning("metrics read failed: %r", exc)
            values = {}
        for name, doc in self.gauges.items():
            family = GaugeMetricFamily(name, doc, labels=["service"])
            if name in values:
                family.add_metric([self.service], values[name])
            yield family


OUTBOX_GAUGES = {
    "svckit_outbox_pending_rows": "Outbox rows not yet published.",
    "svckit_outbox_oldest_pending_age_seconds":
        "Age of the oldest unpublished outbox row (0 when none).",
}
QUEUE_GAUGES = {
    "svckit_consumer_queue_ready_messages":
        "Messages ready in the consumer's queue, not yet delivered (its backlog).",
    "svckit_consumer_parked_messages": "Messages resting in the consumer's parking queue.",
}


def outbox_reader(engine: Any, table: str) -> Callable[[], dict[str, float]]:
    """Pending rows and the oldest one's age, in one statement (the partial index on
    unpublished rows keeps it cheap)."""
    from sqlalchemy import text

    sql = text(f"SELECT count(*), min(created_at) FROM {table} WHERE published_at IS NULL")

    def read() -> dict[str, float]:
        from datetime import UTC, datetime

        with engine.connect() as conn:
            count, oldest = conn.execute(sql).one()
        age = 0.0
        if oldest is not None:
            if oldest.tzinfo is None:  # SQLite keeps naive UTC
                oldest = oldest.replace(tzinfo=UTC)
            age = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
        return {"svckit_outbox_pending_rows": float(count),
                "svckit_outbox_oldest_pending_age_seconds": age}

    return read


def queue_reader(bus_url: str, queue: str, parked: str) -> Callable[[], dict[str, float]]:
    """The consumer's backlog and its parked messages: passive declares on a connection
    of the scrape's own (the consumer's channel belongs to its connection thread)."""

    def read() -> dict[str, float]:
        from kombu import Connection

        with Connection(bus_url, connect_timeout=2) as conn:
            channel = conn.channel()
            try:
                ready = channel.queue_declare(queue, passive=True).message_count
                parked_n = channel.queue_declare(parked, passive=True).message_count
            finally:
                channel.close()
        return {"svckit_consumer_queue_ready_messages": float(ready),
                "svckit_consumer_parked_messages": float(parked_n)}

    return read


def serve_worker(port: int | None, host: str, collectors: Iterable[Collector] = ()) -> int | None:
    """Start the side-port server of a relay or consumer (a daemon thread) and register
    its scrape-time collectors. Returns the bound port (``port=0``: a free one), or
    ``None`` when ``port`` is unset."""
    if port is None:
        return None
    from prometheus_client import start_http_server

    for collector in collectors:
        REGISTRY.register(collector)
    server, _thread = start_http_server(port, addr=host)
    bound = int(server.server_address[1])
    log.info("metrics on http://%s:%d/metrics", host, bound)
    return bound


def exported_names() -> set[str]:
    """Every sample name this module can export (counters with ``_total``, histograms
    with ``_bucket``/``_count``/``_sum``): what dashboards and alert rules may name."""
    names = set(OUTBOX_GAUGES) | set(QUEUE_GAUGES)
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"),
                "gauge": ("",)}
    for metric in (HTTP_REQUEST_SECONDS, RELAY_PUBLISHED, RELAY_UNCONFIRMED,
                   RELAY_CONFIRM_SECONDS, CONSUMER_APPLY_SECONDS, CONSUMER_LAG_SECONDS,
                   CONSUMER_MESSAGES, CONSUMER_PARKED):
        for family in metric.describe():
            names |= {family.name + s for s in suffixes[family.type]}
    return names
