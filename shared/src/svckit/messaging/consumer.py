"""The consumer runner: idempotent handlers, ack after commit, retries, parking.

For every message on the service's queue:
- the envelope is read and the payload validated against the catalogue; a message that
  cannot be read, or is of an unknown type or version, or breaks its schema, is parked
  at once with the reason (retrying cannot fix it);
- each handler for the type runs in its own unit of work that first inserts an inbox row
  (event id + handler) under a unique key: a redelivered event finds the row and is
  acknowledged with no second effect;
- the message is acknowledged only after every handler's transaction has committed;
- a handler that raises is retried with a growing delay (the message moves to the next
  ``retry.N`` queue, whose TTL sends it back), and after the last level it is parked with
  the error and the attempt count. The move is confirmed by the broker before the
  original is acknowledged, so no failure loses the message.

Handlers run on a small pool of worker threads keyed by subject (messages of different
subjects are applied in parallel, those of one subject in order) while the connection
thread keeps reading, acknowledging and sending heartbeats (ADR 0014).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kombu import Connection, Consumer, Producer
from kombu.message import Message

from svckit import context, metrics
from svckit.db import database_unavailable
from svckit.events.catalogue import CATALOGUE, Catalogue, InvalidEvent, UnknownEvent
from svckit.events.catalogue.platform import PARKED
from svckit.events.envelope import Envelope, EnvelopeError
from svckit.messaging.topology import NodeRotation, Topology
from svckit.pii import redact
from svckit.uow import UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[Envelope, dict[str, Any], UnitOfWork], None]


class Reject(Exception):
    """Raised by a handler for a message that no retry can fix: park it now."""


@dataclass(frozen=True)
class HandlerSpec:
    event_type: str
    name: str
    fn: Handler


class Handlers:
    """The event handlers of one service: ``@handlers.on("rental.delivery_requested")``."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._by_type: dict[str, list[HandlerSpec]] = {}

    def on(self, event_type: str, name: str | None = None) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            spec = HandlerSpec(event_type, name or f"{self.service}.{fn.__name__}", fn)
            self._by_type.setdefault(event_type, []).append(spec)
            return fn

        return deco

    def for_type(self, event_type: str) -> list[HandlerSpec]:
        return self._by_type.get(event_type, [])

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_type))


@dataclass
class Outcome:
    action: str  # "ack" | "retry" | "park"
    attempts: int = 0
    error: str = ""
    reason: str = ""
    applied: int = 0
    duplicates: int = 0
    event_id: str | None = None
    #: ``platform.event_parked`` to publish with the park (the event was readable)
    notice: Envelope | None = None


@dataclass
class Processor:
    """Transport-free processing of one message: decides ack, retry or park."""

    handlers: Handlers
    uow_factory: Callable[[], UnitOfWork]
    catalogue: Catalogue
    max_retries: int = 3
    stats: dict[str, int] = field(default_factory=lambda: {"applied": 0, "duplicates": 0,
                                                            "retried": 0, "parked": 0})
    #: the workers of a consumer update ``stats`` concurrently
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _count(self, **counts: int) -> None:
        with self._lock:
            for key, n in counts.items():
                self.stats[key] += n

    def process(self, body: bytes | str, headers: dict[str, Any]) -> Outcome:
        attempts = int(headers.get("attempts") or 0)
        try:
            env = Envelope.from_json(body)
        except EnvelopeError as exc:
            return self._park(attempts, "malformed", str(exc))
        with context.bound(correlation=env.correlation_id, causation=str(env.id)):
            return self._process(env, attempts)

    def _process(self, env: Envelope, attempts: int) -> Outcome:
        specs = self.handlers.for_type(env.type)
        if not specs:
            metrics.CONSUMER_MESSAGES.labels(self.handlers.service, "ignored").inc()
            return Outcome("ack", attempts, reason="no handler", event_id=str(env.id))
        try:
            payload = self.catalogue.load(env.type, env.version, env.payload)
        except UnknownEvent as exc:
            return self._park(attempts, "unknown-event", f"unknown event {exc}", env)
        except InvalidEvent as exc:
            return self._park(attempts, "invalid-payload", str(exc), env)

        out = Outcome("ack", attempts, event_id=str(env.id))
        service = self.handlers.service
        metrics.CONSUMER_LAG_SECONDS.labels(service).observe(
            max(0.0, (datetime.now(UTC) - env.occurred_at).total_seconds()))
        for spec in specs:
            try:
                t0 = time.perf_counter()
                with self.uow_factory() as uow, context.acting(f"system:{spec.name}"):
                    if not uow.claim_inbox(str(env.id), spec.name, env.type):
                        out.duplicates += 1
                        continue
                    spec.fn(env, payload, uow)
                    uow.commit()
                    out.applied += 1
                metrics.CONSUMER_APPLY_SECONDS.labels(service, spec.name).observe(
                    time.perf_counter() - t0)
            except Reject as exc:
                return self._park(attempts, "rejected", f"{spec.name}: {exc}", env)
            except Exception as exc:  # noqa: BLE001 - any failure is retried
                if database_unavailable(exc):
                    # an outage (restart, failover) is no fault of the message: retried
                    # without using up its attempts, so that it is never parked for it
                    log.warning("handler %s: database unavailable on %s; retrying: %r",
                                spec.name, env.type, exc, extra={"event_id": str(env.id)})
                    self._count(retried=1)
                    metrics.CONSUMER_MESSAGES.labels(service, "retried").inc()
                    return Outcome("retry", attempts, error=redact(f"{spec.name}: {exc!r}"),
                                   event_id=str(env.id))
                log.warning(
                    "handler %s failed on %s (attempt %d): %r",
                    spec.name, env.type, attempts + 1, exc,
                    extra={"event_id": str(env.id)},
                )
                attempts += 1
                if attempts > self.max_retries:
                    return self._park(attempts, "retries-exhausted",
                                      f"{spec.name}: {exc!r}", env)
                self._count(retried=1)
                metrics.CONSUMER_MESSAGES.labels(service, "retried").inc()
                return Outcome("retry", attempts, error=redact(f"{spec.name}: {exc!r}"),
                               event_id=str(env.id))
        self._count(applied=out.applied, duplicates=out.duplicates)
        if out.applied:
            metrics.CONSUMER_MESSAGES.labels(service, "applied").inc(out.applied)
        if out.duplicates:
            metrics.CONSUMER_MESSAGES.labels(service, "duplicate").inc(out.duplicates)
        return out

    def _park(self, attempts: int, reason: str, error: str, env: Envelope | None = None) -> Outcome:
        self._count(parked=1)
        metrics.CONSUMER_MESSAGES.labels(self.handlers.service, "parked").inc()
        metrics.CONSUMER_PARKED.labels(self.handlers.service, reason).inc()
        log.error("parking message: %s: %s", reason, error,
                  extra={"event_id": str(env.id) if env else None})
        # the error travels in the parked message's headers: masked like a log line
        return Outcome("park", attempts, error=redact(error[:2000]), reason=reason,
                       event_id=str(env.id) if env else None,
                       notice=self._notice(env, reason) if env else None)

    def _notice(self, env: Envelope, reason: str) -> Envelope | None:
        """``platform.event_parked`` for the producer of ``env`` (never one about itself)."""
        if env.type == PARKED:
            return None
        try:  # the platform's catalogue: a service's own (tests) need not list it
            spec, data = CATALOGUE.serialise(PARKED, None, {
                "event_id": env.id, "event_type": env.type, "producer": env.producer,
                "consumer": self.handlers.service, "reason": reason})
        except Exception:  # a notice never stops the park
            log.exception("cannot build the parked notice")
            return None
        return Envelope(type=spec.type, version=spec.version, producer=self.handlers.service,
                        subject_id=env.subject_id, payload=data,
                        correlation_id=env.correlation_id, causation_id=str(env.id))


class ConsumerRunner:
    """Runs a :class:`Processor` against the broker (RabbitMQ or the in-process bus).

    The connection thread only reads and writes the socket: it drains deliveries, hands
    each to one of ``workers`` handler threads chosen by its subject (a hash of the
    ``subject_id`` header, so the messages of one subject go to one worker, which applies
    them in delivery order), and sends what the workers decided: the retry or park
    republish (confirmed) and then the ack, per message (acks follow commits, so they
    may leave delivery order). It keeps draining while handlers run, so heartbeats are
    kept however slow a handler is. The prefetch is sized to the pool.

    The in-process bus (embedded mode, SQLite: one writer) runs one worker.
    """

    def __init__(
        self,
        *,
        url: str,
        topology: Topology,
        processor: Processor,
        prefetch: int = 32,
        heartbeat: int = 30,
        workers: int = 4,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.url = url
        #: the cluster's nodes: each reconnection tries the next one
        self.nodes = NodeRotation(url)
        self.topology = topology
        self.processor = processor
        self.heartbeat = heartbeat
        self.on_outcome = on_outcome
        self.memory = url.startswith("memory://")
        self.workers = 1 if self.memory else max(1, workers)
        #: deliveries unacknowledged at once: at least a few per worker, so that every
        #: worker has its next message at hand while it applies one
        self.prefetch = max(prefetch, PREFETCH_PER_WORKER * self.workers)
        self._pending: deque[Message] = deque()
        self.ready = threading.Event()

    def _connection(self) -> Connection:
        if self.memory:
            return Connection(self.url, transport_options={"polling_interval": 0.002})
        return Connection(
            self.nodes.current,
            heartbeat=self.heartbeat,
            transport_options={"confirm_publish": True},
            connect_timeout=5,
        )

    def run(self, stop: threading.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            try:
                self._run_connected(stop)
                backoff = 0.2
            except Exception as exc:  # noqa: BLE001 - reconnect on anything
                self.ready.clear()
                round_done = self.nodes.failed()  # the next node; back off after a round
                wait = backoff if round_done else 0.1
                log.warning("consumer %s disconnected (%r); reconnecting in %.1fs",
                            self.topology.service, exc, wait)
                stop.wait(wait)
                if round_done:
                    backoff = min(backoff * 2, 10.0)

    def _run_connected(self, stop: threading.Event) -> None:
        self._pending.clear()
        pool = _WorkerPool(self.processor, self.workers, self.topology.service)
        try:
            with self._connection() as conn:
                conn.ensure_connection(max_retries=1)
                channel = conn.channel()
                self.topology.declare(channel)
                producer = Producer(conn.channel())
                consumer = Consumer(
                    channel,
                    queues=[self.topology.queue],
                    on_message=self._pending.append,
                    prefetch_count=self.prefetch,
                    no_ack=False,
                )
                with consumer:
                    self.ready.set()
                    log.info("consumer %s consuming %s (%d workers, prefetch %d)",
                             self.topology.service, self.topology.queue_name,
                             self.workers, self.prefetch)
                    self._loop(stop, conn, producer, pool)
                    # Stopping: what the workers are applying is finished and acked;
                    # what they have not started is left unacked (redelivered).
                    pool.stop(timeout=30)
                    self._settle(producer, pool)
        finally:
            pool.stop(timeout=0)

    def _loop(self, stop: threading.Event, conn: Connection, producer: Producer,
              pool: _WorkerPool) -> None:
        next_beat = 0.0
        while not stop.is_set():
            # Short reads while workers hold messages: their results are sent promptly.
            try:
                conn.drain_events(timeout=0.01 if pool.outstanding else 0.5)
            except TimeoutError:
                pass
            while self._pending:
                message = self._pending.popleft()
                headers = dict(message.headers or {})
                pool.submit(_subject(message, headers), message, headers)
            self._settle(producer, pool)
            now = time.monotonic()
            if not self.memory and now >= next_beat:
                conn.heartbeat_check()
                next_beat = now + 0.5

    def _settle(self, producer: Producer, pool: _WorkerPool) -> None:
        """Send the workers' decisions: republish (retry/park), then ack, per message."""
        for message, outcome in pool.results():
            if outcome.action == "retry":
                self._retry(producer, message, outcome)
            elif outcome.action == "park":
                self._park(producer, message, outcome)
            message.ack()
            if self.on_outcome is not None:
                self.on_outcome(outcome)

    def _republish_args(self, message: Message, outcome: Outcome) -> dict[str, Any]:
        headers = dict(message.headers or {})
        headers.pop("x-death", None)
        headers.update(
            attempts=outcome.attempts,
            error=outcome.error,
            original_routing_key=headers.get("original_routing_key")
            or message.delivery_info.get("routing_key"),
        )
        props = message.properties
        return {
            "body": message.body,
            "content_type": message.content_type or "application/json",
            "content_encoding": message.content_encoding or "utf-8",
            "headers": headers,
            "delivery_mode": 2,
            "message_id": props.get("message_id"),
            "type": props.get("type"),
            "correlation_id": props.get("correlation_id"),
        }

    def _retry(self, producer: Producer, message: Message, outcome: Outcome) -> None:
        delays = self.topology.retry_delays_ms
        level = min(max(outcome.attempts, 1) - 1, len(delays) - 1)
        args = self._republish_args(message, outcome)
        if self.memory:
            # The in-process bus has no TTL queues: a timer puts it back.
            def back() -> None:
                with Connection(self.url) as c:
                    Producer(c).publish(exchange="", routing_key=self.topology.queue_name,
                                        **args)

            threading.Timer(delays[level] / 1000, back).start()
            return
        producer.publish(exchange="", routing_key=self.topology.retry_name(level),
                         mandatory=True, **args)

    def _park(self, producer: Producer, message: Message, outcome: Outcome) -> None:
        args = self._republish_args(message, outcome)
        args["headers"].update(
            parked_reason=outcome.reason,
            parked_at=datetime.now(UTC).isoformat(),
        )
        producer.publish(exchange="", routing_key=self.topology.parked_name,
                         mandatory=not self.memory, **args)
        if outcome.notice is not None:  # the producer shows it on the subject
            env = outcome.notice
            producer.publish(env.to_json(), exchange=self.topology.exchange,
                             routing_key=env.type, content_type="application/json",
                             content_encoding="utf-8", delivery_mode=2,
                             message_id=str(env.id), type=env.type,
                             correlation_id=env.correlation_id,
                             headers={"subject_id": env.subject_id})



#: unacknowledged deliveries per worker (the prefetch is at least this times the workers)
PREFETCH_PER_WORKER = 8


def _subject(message: Message, headers: dict[str, Any]) -> str:
    """The message's subject: the relay's ``subject_id`` header, else the envelope's."""
    subject = headers.get("subject_id")
    if isinstance(subject, str):
        return subject
    try:
        value = json.loads(message.body).get("subject_id")
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


class _WorkerPool:
    """Handler threads keyed by subject: ``crc32(subject) % n`` picks the worker, so one
    subject's messages are applied one after the other, in delivery order, while other
    subjects' run on the other workers. Results come back through one queue for the
    connection thread (the only one that touches the channel)."""

    def __init__(self, processor: Processor, n: int, service: str) -> None:
        self.processor = processor
        self.outstanding = 0
        self._done: queue.SimpleQueue[tuple[Message, Outcome | BaseException]] = (
            queue.SimpleQueue())
        self._inboxes: list[queue.SimpleQueue[tuple[Message, dict[str, Any]] | None]] = [
            queue.SimpleQueue() for _ in range(n)]
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._work, args=(q,), name=f"{service}-handler-{i}",
                             daemon=True)
            for i, q in enumerate(self._inboxes)
        ]
        for t in self._threads:
            t.start()

    def submit(self, subject: str, message: Message, headers: dict[str, Any]) -> None:
        self.outstanding += 1
        index = zlib.crc32(subject.encode()) % len(self._inboxes)
        self._inboxes[index].put((message, headers))

    def results(self) -> list[tuple[Message, Outcome]]:
        out: list[tuple[Message, Outcome]] = []
        while True:
            try:
                message, result = self._done.get_nowait()
            except queue.Empty:
                return out
            self.outstanding -= 1
            if isinstance(result, BaseException):
                # Not a handler failure (those are outcomes): the consumer reconnects and
                # the unacknowledged messages come back.
                raise result
            out.append((message, result))

    def _work(self, inbox: queue.SimpleQueue[tuple[Message, dict[str, Any]] | None]) -> None:
        while (item := inbox.get()) is not None:
            if self._stopping:
                continue  # not started: left unacknowledged, the broker redelivers it
            message, headers = item
            try:
                result: Outcome | BaseException = self.processor.process(message.body,
                                                                         headers)
            except BaseException as exc:  # noqa: BLE001 - reported to the connection thread
                result = exc
            self._done.put((message, result))

    def stop(self, timeout: float) -> None:
        """Let each worker finish the message it is applying; drop the rest."""
        if not self._stopping:
            self._stopping = True
            for q in self._inboxes:
                q.put(None)
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
