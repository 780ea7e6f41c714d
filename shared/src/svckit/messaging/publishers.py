"""What the relay publishes with: RabbitMQ (pika, pipelined confirms) or the in-process bus."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import pika
import pika.spec
from kombu import Connection

from svckit.messaging.topology import NodeRotation, events_exchange, unrouted_bound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMessage:
    seq: int
    event_id: str
    event_type: str
    subject_id: str
    body: str
    correlation_id: str | None = None


class Publisher(Protocol):
    def publish(self, messages: Sequence[OutgoingMessage]) -> list[bool]:
        """Publish and wait for the broker's confirms; ``True`` per confirmed message.

        Raises on a connection-level failure (nothing can be assumed confirmed).
        """

    def close(self) -> None: ...


@runtime_checkable
class PipelinedPublisher(Protocol):
    """A publisher that can start a batch and collect its confirms later, so the relay
    keeps two batches in flight."""

    def start(self, messages: Sequence[OutgoingMessage]) -> Any:
        """Begin publishing; returns a handle for :meth:`finish`."""

    def finish(self, handle: Any) -> list[bool]:
        """Wait for the confirms of a started batch (as :meth:`Publisher.publish`)."""


class PikaPublisher:
    """pika's asynchronous ``SelectConnection`` on an I/O thread of its own.

    :meth:`start` hands a batch to the I/O thread (``add_callback_threadsafe``), which
    writes every message of it (mandatory, persistent) in one go: the frames leave
    together. The broker's confirms (``Basic.Ack``, usually ``multiple``, or
    ``Basic.Nack``) and returns are matched to the messages by delivery tag on the I/O
    thread; :meth:`finish` waits for the batch's last answer, with one deadline per
    batch. Only an ack counts; a nack, a return (unroutable despite the alternate
    exchange) or no answer by the deadline leaves the row pending. A connection that is
    lost, fails to open in time (a booting broker that accepts TCP and never answers) or
    left answers missing is abandoned, not awaited: the next batch opens a new one.
    """

    def __init__(self, url: str, *, prefix: str = "", confirm_timeout: float = 10.0,
                 connect_timeout: float = 5.0, heartbeat: int = 30) -> None:
        self.url = url
        #: the cluster's nodes (``BUS_URL`` lists several, ``;``-separated): a link that
        #: fails to open or breaks moves on to the next one
        self.nodes = NodeRotation(url)
        self.prefix = prefix
        self.confirm_timeout = confirm_timeout
        self.connect_timeout = connect_timeout
        self.heartbeat = heartbeat
        self._link: _PikaLink | None = None

    def _ensure(self) -> _PikaLink:
        link = self._link
        if link is not None and link.usable:
            return link
        if link is not None:
            link.abandon()
        self._link = None
        link = _PikaLink(self.nodes.current, self.prefix, self.heartbeat, self.connect_timeout)
        if not link.ready.wait(self.connect_timeout + 1) or link.error is not None:
            error = link.error
            link.abandon()
            self.nodes.failed()
            raise ConnectionError(f"cannot open the publishing channel: {error!r}")
        self._link = link
        return link

    def publish(self, messages: Sequence[OutgoingMessage]) -> list[bool]:
        return self.finish(self.start(messages))

    def start(self, messages: Sequence[OutgoingMessage]) -> _PikaBatch:
        link = self._ensure()
        batch = _PikaBatch(link, [_pika_message(m) for m in messages],
                           time.monotonic() + self.confirm_timeout)
        link.submit(batch)
        return batch

    def finish(self, batch: _PikaBatch) -> list[bool]:
        if batch.link is not self._link:
            raise ConnectionError("the publisher was reset after this batch started")
        if not batch.done.wait(max(0.0, batch.deadline - time.monotonic())):
            batch.link.expire(batch)
        if batch.error is not None:
            self._reset()
            raise ConnectionError(f"publishing failed: {batch.error!r}")
        confirmed = [r is True for r in batch.results]
        if not all(confirmed):
            failure = next((r for r in batch.results if isinstance(r, str)), "no answer")
            log.warning("%d of %d not confirmed: %s", confirmed.count(False), len(confirmed),
                        failure)
            self._reset()  # a channel that nacks or stays silent does not heal itself
        return confirmed

    def _reset(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            link.abandon()
            self.nodes.failed()  # the node may be gone: the next link tries another

    def close(self) -> None:
        self._reset()


def coalesce_writes(conn: Any) -> None:
    """Join the frames pika has buffered into one write.

    pika queues every frame (three per message: method, header, body) as its own buffer
    and sends each with its own ``send()``: 1,500 system calls for a batch of 500, the
    largest item of the relay's profile. Called right after a batch was published, before
    the I/O loop gets to write, this makes it one ``send()`` (partial sends are handled
    by pika as usual). It uses pika's transport internals (pinned in constraints.txt):
    should they change, it does nothing and pika writes frame by frame as before.
    """
    buffers = getattr(getattr(conn, "_transport", None), "_tx_buffers", None)
    if isinstance(buffers, deque) and len(buffers) > 1:
        joined = b"".join(buffers)
        buffers.clear()
        buffers.append(joined)


def amqp_parameters(url: str) -> pika.URLParameters:
    """pika's parameters for an ``amqp://`` URL, read as kombu reads it: no virtual host
    (``amqp://host:5672/``) is the default one, ``/``."""
    params = pika.URLParameters(url)
    if not params.virtual_host:
        params.virtual_host = "/"
    return params


def _pika_message(m: OutgoingMessage) -> tuple[str, bytes, pika.BasicProperties]:
    return m.event_type, m.body.encode(), pika.BasicProperties(
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=m.event_id,
        type=m.event_type,
        correlation_id=m.correlation_id,
        headers={"subject_id": m.subject_id},
    )


class _PikaBatch:
    """A batch handed to the I/O thread; ``results`` fill in as the broker answers:
    ``True`` (ack), or a reason (nack, return, timeout)."""

    def __init__(self, link: _PikaLink, messages: list[tuple[str, bytes, Any]],
                 deadline: float) -> None:
        self.link = link
        self.messages = messages
        self.deadline = deadline
        self.results: list[bool | str | None] = [None] * len(messages)
        self.open = len(messages)
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.started = time.monotonic()
        #: handed over -> last answer (the relay's confirm latency, svckit.metrics)
        self.confirm_seconds: float | None = None
        if not messages:
            self.done.set()

    def answer(self, index: int, result: bool | str) -> None:
        if self.results[index] is None:
            self.results[index] = result
            self.open -= 1
            if self.open == 0:
                self.confirm_seconds = time.monotonic() - self.started
                self.done.set()

    def fail(self, error: BaseException) -> None:
        if not self.done.is_set():
            self.error = error
            self.done.set()


class _PikaLink:
    """One connection + confirm channel, run by a daemon I/O thread. Everything that
    touches pika happens on that thread; other threads only call ``submit``, ``expire``
    and ``abandon`` (which hand over with ``add_callback_threadsafe``)."""

    def __init__(self, url: str, prefix: str, heartbeat: int, connect_timeout: float) -> None:
        params = amqp_parameters(url)
        params.heartbeat = heartbeat
        params.socket_timeout = connect_timeout
        params.stack_timeout = connect_timeout
        params.blocked_connection_timeout = 60
        self.prefix = prefix
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.closed = False
        self._channel: Any = None
        self._next_tag = 1
        #: delivery tag -> (batch, index), in publishing order (tags ascend)
        self._pending: OrderedDict[int, tuple[_PikaBatch, int]] = OrderedDict()
        #: message ids returned as unroutable: their ack follows and must not count
        self._returned: set[str] = set()
        self._conn = pika.SelectConnection(
            params,
            on_open_callback=self._on_open,
            on_open_error_callback=lambda _c, err: self._broken(err),
            on_close_callback=lambda _c, reason: self._broken(reason),
        )
        self._thread = threading.Thread(target=self._run, name="relay-amqp", daemon=True)
        self._thread.start()

    @property
    def usable(self) -> bool:
        return self.ready.is_set() and not self.closed

    # -- called from the relay's thread --------------------------------------------
    def submit(self, batch: _PikaBatch) -> None:
        self._threadsafe(lambda: self._publish(batch))

    def expire(self, batch: _PikaBatch) -> None:
        """The deadline passed: what is unanswered counts as unconfirmed."""
        done = threading.Event()

        def expire() -> None:
            for i, r in enumerate(batch.results):
                if r is None:
                    batch.answer(i, "not confirmed in time")
            done.set()

        if not self._threadsafe(expire) or not done.wait(2):
            expire()  # the I/O thread is gone or stuck: nothing will answer any more

    def abandon(self) -> None:
        """Drop the connection without waiting for the broker: close what can be
        closed, and stop the I/O loop after a short grace whatever the broker does."""
        if self.closed and not self._thread.is_alive():
            return
        self.closed = True

        def stop() -> None:
            try:  # closing an opening connection aborts it
                if not (self._conn.is_closed or self._conn.is_closing):
                    self._conn.close()
            except Exception:  # noqa: BLE001 - the loop stops anyway
                pass
            self._conn.ioloop.call_later(1.0, self._conn.ioloop.stop)

        self._threadsafe(stop)

    def _threadsafe(self, fn: Callable[[], None]) -> bool:
        try:
            self._conn.ioloop.add_callback_threadsafe(fn)
            return True
        except Exception:  # noqa: BLE001 - the loop is closed
            return False

    # -- the I/O thread ------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._conn.ioloop.start()
        except Exception as exc:  # noqa: BLE001
            self._broken(exc)
        finally:
            self.closed = True
            self._fail_all(ConnectionError("the publishing connection is closed"))
            try:
                self._conn.ioloop.close()
            except Exception:  # noqa: BLE001
                pass
            if not self.ready.is_set():
                self.ready.set()

    def _broken(self, reason: Any) -> None:
        self.closed = True
        if self.error is None:
            self.error = reason if isinstance(reason, BaseException) else ConnectionError(
                str(reason))
        self._fail_all(self.error)
        self.ready.set()
        try:
            self._conn.ioloop.stop()
        except Exception:  # noqa: BLE001
            pass

    def _fail_all(self, error: BaseException) -> None:
        batches = {id(b): b for b, _ in self._pending.values()}
        self._pending.clear()
        for b in batches.values():
            b.fail(error)

    def _on_open(self, conn: Any) -> None:
        conn.channel(on_open_callback=self._on_channel)

    def _on_channel(self, channel: Any) -> None:
        self._channel = channel
        channel.add_on_close_callback(lambda _ch, reason: self._broken(reason))
        channel.add_on_return_callback(self._on_return)
        unrouted = f"{self.prefix}events.unrouted"
        ex = events_exchange(self.prefix)
        steps: list[Callable[[Callable[[Any], None]], None]] = [
            lambda cb: channel.exchange_declare(unrouted, "fanout", durable=True, callback=cb),
            lambda cb: channel.queue_declare(unrouted, durable=True, callback=cb,
                                             arguments={"x-queue-type": "quorum",
                                                        **unrouted_bound()}),
            lambda cb: channel.queue_bind(unrouted, unrouted, routing_key="", callback=cb),
            lambda cb: channel.exchange_declare(ex.name, "topic", durable=True, callback=cb,
                                                arguments=dict(ex.arguments or {})),
            lambda cb: channel.confirm_delivery(self._on_confirm, callback=cb),
        ]

        def step(_frame: Any = None) -> None:
            if steps:
                steps.pop(0)(step)
            else:
                self.ready.set()

        step()

    def _publish(self, batch: _PikaBatch) -> None:
        if self.closed or self._channel is None or not self._channel.is_open:
            batch.fail(ConnectionError("the publishing channel is closed"))
            return
        exchange = f"{self.prefix}events"
        try:
            for i, (routing_key, body, props) in enumerate(batch.messages):
                self._pending[self._next_tag] = (batch, i)
                self._next_tag += 1
                self._channel.basic_publish(exchange, routing_key, body, props,
                                            mandatory=True)
        except Exception as exc:  # noqa: BLE001 - the connection is unusable
            self._broken(exc)
            return
        coalesce_writes(self._conn)

    def _on_return(self, _channel: Any, _method: Any, props: Any, _body: bytes) -> None:
        if props.message_id:
            self._returned.add(props.message_id)

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        ack = isinstance(method, pika.spec.Basic.Ack)
        tag = method.delivery_tag
        if method.multiple:
            while self._pending:
                first = next(iter(self._pending))
                if first > tag:
                    break
                self._settle(*self._pending.pop(first), ack)
        elif tag in self._pending:
            self._settle(*self._pending.pop(tag), ack)

    def _settle(self, batch: _PikaBatch, index: int, ack: bool) -> None:
        message_id = batch.messages[index][2].message_id
        if message_id in self._returned:
            self._returned.discard(message_id)
            batch.answer(index, "returned: unroutable")
        else:
            batch.answer(index, True if ack else "nacked by the broker")


class KombuPublisher:
    """The in-process bus (kombu's memory transport) behind the same interface."""

    def __init__(self, url: str = "memory://", *, prefix: str = "") -> None:
        self.conn = Connection(url)
        self.exchange = events_exchange(prefix)
        self.producer = self.conn.Producer(serializer=None)

    def publish(self, messages: Sequence[OutgoingMessage]) -> list[bool]:
        for m in messages:
            headers: dict[str, Any] = {"subject_id": m.subject_id}
            self.producer.publish(
                m.body,
                exchange=self.exchange,
                routing_key=m.event_type,
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                headers=headers,
                message_id=m.event_id,
                type=m.event_type,
                correlation_id=m.correlation_id,
                declare=[self.exchange],
            )
        return [True] * len(messages)

    def close(self) -> None:
        self.conn.release()


def make_publisher(url: str, *, prefix: str, confirm_timeout: float) -> Publisher:
    if url.startswith("memory://"):
        return KombuPublisher(url, prefix=prefix)
    return PikaPublisher(url, prefix=prefix, confirm_timeout=confirm_timeout)
