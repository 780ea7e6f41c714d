"""The broker topology, declared from code (and exported as RabbitMQ definitions).

Per platform:
- ``events``: the one durable topic exchange; routing key = event type. Its alternate
  exchange ``events.unrouted`` (fanout) keeps events no service is bound to yet in the
  ``events.unrouted`` queue instead of dropping them: at most ``UNROUTED_MAX_LENGTH``
  messages (the oldest are dropped first) for at most ``UNROUTED_TTL_MS``, so a producer
  ahead of its consumers cannot fill the broker's disk. ``python -m <svc> outbox status``
  prints its depth (``"unrouted"``): anything there is an event type nobody consumes.
  A broker whose ``events.unrouted`` was declared before this bound refuses the new
  declaration (PRECONDITION_FAILED): delete that queue once when upgrading
  (``rabbitmqctl delete_queue events.unrouted``; it holds only events nobody consumed).

Per consuming service ``svc``:
- ``svc``: quorum queue bound to ``events`` by the event types the service handles.
  ``x-delivery-limit`` dead-letters a message that keeps crashing its consumer into
  ``svc.dlx`` → ``svc.parked``.
- ``svc.retry.N``: quorum queues with a message TTL (the growing delays); when the TTL
  ends the message is dead-lettered (at-least-once) back to ``svc`` through the default
  exchange. The consumer moves a failed message there itself.
- ``svc.parked``: where a message rests after its last retry, with the error and the
  attempt count in its headers, until an operator replays or purges it.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from kombu import Exchange, Queue, binding

#: the bound of ``events.unrouted``: messages kept, and how long (7 days)
UNROUTED_MAX_LENGTH = 100_000
UNROUTED_TTL_MS = 7 * 24 * 3600 * 1000


@dataclass(frozen=True)
class Topology:
    service: str
    bindings: tuple[str, ...]
    prefix: str = ""
    retry_delays_ms: tuple[int, ...] = (1_000, 5_000, 30_000)
    delivery_limit: int = 10
    quorum: bool = True
    unrouted_max_length: int = UNROUTED_MAX_LENGTH
    unrouted_ttl_ms: int = UNROUTED_TTL_MS
    extra: dict[str, Any] = field(default_factory=dict)

    # -- names ------------------------------------------------------------------
    @property
    def exchange_name(self) -> str:
        return f"{self.prefix}events"

    @property
    def unrouted_name(self) -> str:
        return f"{self.prefix}events.unrouted"

    @property
    def queue_name(self) -> str:
        return f"{self.prefix}{self.service}"

    @property
    def dlx_name(self) -> str:
        return f"{self.prefix}{self.service}.dlx"

    @property
    def parked_name(self) -> str:
        return f"{self.prefix}{self.service}.parked"

    def retry_name(self, level: int) -> str:
        return f"{self.prefix}{self.service}.retry.{level}"

    # -- kombu entities -----------------------------------------------------------
    def _qtype(self) -> dict[str, Any]:
        return {"x-queue-type": "quorum"} if self.quorum else {}

    @property
    def exchange(self) -> Exchange:
        return events_exchange(self.prefix)

    @property
    def unrouted_exchange(self) -> Exchange:
        return Exchange(self.unrouted_name, type="fanout", durable=True)

    @property
    def unrouted_queue(self) -> Queue:
        return Queue(
            self.unrouted_name,
            exchange=self.unrouted_exchange,
            routing_key="",
            durable=True,
            queue_arguments={**self._qtype(), **unrouted_bound(self.unrouted_max_length,
                                                               self.unrouted_ttl_ms)},
        )

    @property
    def queue(self) -> Queue:
        args = {**self._qtype(), "x-dead-letter-exchange": self.dlx_name}
        if self.quorum:
            args["x-delivery-limit"] = self.delivery_limit
        return Queue(
            self.queue_name,
            bindings=[binding(self.exchange, routing_key=key) for key in self.bindings],
            durable=True,
            queue_arguments=args,
        )

    @property
    def dlx(self) -> Exchange:
        return Exchange(self.dlx_name, type="fanout", durable=True)

    @property
    def parked(self) -> Queue:
        return Queue(
            self.parked_name,
            exchange=self.dlx,
            routing_key="",
            durable=True,
            queue_arguments=self._qtype(),
        )

    def retry_queue(self, level: int) -> Queue:
        args: dict[str, Any] = {
            **self._qtype(),
            "x-message-ttl": self.retry_delays_ms[level],
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": self.queue_name,
        }
        if self.quorum:
            args["x-dead-letter-strategy"] = "at-least-once"
            args["x-overflow"] = "reject-publish"
        return Queue(self.retry_name(level), durable=True, queue_arguments=args)

    @property
    def retry_queues(self) -> list[Queue]:
        return [self.retry_queue(i) for i in range(len(self.retry_delays_ms))]

    def all_queues(self) -> list[Queue]:
        return [self.unrouted_queue, self.queue, self.parked, *self.retry_queues]

    def declare(self, channel: Any) -> None:
        """Declare exchanges and queues (idempotent) on a kombu channel."""
        for ex in (self.unrouted_exchange, self.exchange, self.dlx):
            ex(channel).declare()
        for q in self.all_queues():
            q(channel).declare()

    # -- RabbitMQ definitions (deploy/rabbitmq/definitions.json is compared to this) --
    def definitions(self, vhost: str = "/") -> dict[str, list[dict[str, Any]]]:
        exchanges = [
            _ex_def(self.exchange, vhost),
            _ex_def(self.unrouted_exchange, vhost),
            _ex_def(self.dlx, vhost),
        ]
        queues = [_q_def(q, vhost) for q in self.all_queues()]
        bindings = [
            {"source": self.exchange_name, "vhost": vhost, "destination": self.queue_name,
             "destination_type": "queue", "routing_key": key, "arguments": {}}
            for key in self.bindings
        ] + [
            {"source": self.unrouted_name, "vhost": vhost, "destination": self.unrouted_name,
             "destination_type": "queue", "routing_key": "", "arguments": {}},
            {"source": self.dlx_name, "vhost": vhost, "destination": self.parked_name,
             "destination_type": "queue", "routing_key": "", "arguments": {}},
        ]
        return {"exchanges": exchanges, "queues": queues, "bindings": bindings}


def unrouted_bound(max_length: int = UNROUTED_MAX_LENGTH,
                   ttl_ms: int = UNROUTED_TTL_MS) -> dict[str, Any]:
    """The arguments that bound ``events.unrouted`` (every declaration must agree)."""
    return {"x-max-length": max_length, "x-message-ttl": ttl_ms, "x-overflow": "drop-head"}


def broker_urls(url: str) -> list[str]:
    """The nodes of a ``BUS_URL``: one URL, or several separated by ``;`` (kombu's
    failover notation, e.g. the three nodes of a RabbitMQ cluster)."""
    urls = [u.strip() for u in url.split(";") if u.strip()]
    return urls or [url]


class NodeRotation:
    """Which node of a cluster to connect to next, shared by every connection of the
    process to the same nodes (a relay re-creates its publisher after a failure: it must
    not start over at a dead first node). It starts at a random node, which also spreads
    the processes over the cluster, and moves on with ``failed()``."""

    _positions: dict[tuple[str, ...], int] = {}
    _lock = threading.Lock()

    def __init__(self, url: str) -> None:
        self.urls = broker_urls(url)
        self._key = tuple(self.urls)
        with self._lock:
            self._positions.setdefault(self._key, random.randrange(len(self.urls)))

    @property
    def current(self) -> str:
        return self.urls[self._positions[self._key] % len(self.urls)]

    def failed(self) -> bool:
        """Move to the next node; True when a whole round has been tried."""
        with self._lock:
            self._positions[self._key] += 1
            return self._positions[self._key] % len(self.urls) == 0


def queue_depth(bus_url: str, name: str) -> int:
    """Messages ready in the queue ``name`` (a passive declare: no permission needed)."""
    from kombu import Connection

    with Connection(bus_url, connect_timeout=5) as conn:
        _name, count, _consumers = conn.default_channel.queue_declare(name, passive=True)
        return int(count)


def events_exchange(prefix: str = "") -> Exchange:
    return Exchange(
        f"{prefix}events",
        type="topic",
        durable=True,
        arguments={"alternate-exchange": f"{prefix}events.unrouted"},
    )


def _ex_def(ex: Exchange, vhost: str) -> dict[str, Any]:
    return {"name": ex.name, "vhost": vhost, "type": ex.type, "durable": True,
            "auto_delete": False, "internal": False, "arguments": dict(ex.arguments or {})}


def _q_def(q: Queue, vhost: str) -> dict[str, Any]:
    return {"name": q.name, "vhost": vhost, "durable": True, "auto_delete": False,
            "arguments": dict(q.queue_arguments or {})}
