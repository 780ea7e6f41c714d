"""Operate on parked messages: list, show, replay, purge.

Reading a queue without consuming it: every message is fetched unacknowledged, and the
ones we do not act on are put back (requeued) before the channel closes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kombu import Connection, Producer
from kombu.message import Message

from svckit.messaging.topology import Topology


@dataclass(frozen=True)
class Parked:
    event_id: str
    event_type: str
    reason: str
    error: str
    attempts: int
    parked_at: str
    subject_id: str
    body: str

    @classmethod
    def of(cls, m: Message) -> Parked:
        h = m.headers or {}
        body = m.body.decode() if isinstance(m.body, bytes) else str(m.body)
        return cls(
            event_id=str(m.properties.get("message_id") or ""),
            event_type=str(m.properties.get("type") or h.get("original_routing_key") or ""),
            reason=str(h.get("parked_reason") or _death_reason(h)),
            error=str(h.get("error") or ""),
            attempts=int(h.get("attempts") or 0),
            parked_at=str(h.get("parked_at") or ""),
            subject_id=str(h.get("subject_id") or ""),
            body=body,
        )


def _put_back(messages: Iterable[Message]) -> None:
    """Return fetched, unacknowledged messages to the queue, in order. Closing the channel
    does so on RabbitMQ, but not on kombu's in-process transport (the embedded mode)."""
    for m in messages:
        m.requeue()


def _death_reason(headers: dict[str, Any]) -> str:
    deaths = headers.get("x-death") or []
    if deaths:
        return f"dead-lettered by broker ({deaths[0].get('reason')})"
    return "unknown"


class ParkedQueue:
    def __init__(self, url: str, topology: Topology) -> None:
        self.url = url
        self.topology = topology

    def _fetch_all(self, conn: Connection) -> tuple[Any, list[Message]]:
        channel = conn.channel()
        self.topology.declare(channel)
        queue = self.topology.parked(channel)
        messages = []
        while True:
            m = queue.get(no_ack=False)
            if m is None:
                break
            messages.append(m)
        return channel, messages

    def count(self) -> int:
        """How many messages rest in the parking queue (a passive declare: cheap)."""
        with Connection(self.url, connect_timeout=2) as conn:
            channel = conn.channel()
            try:
                self.topology.declare(channel)
                return int(self.topology.parked(channel).queue_declare(passive=True)
                           .message_count)
            finally:
                channel.close()

    def list(self) -> list[Parked]:
        with Connection(self.url) as conn:
            channel, messages = self._fetch_all(conn)
            out = [Parked.of(m) for m in messages]
            _put_back(messages)
            channel.close()
            return out

    def show(self, event_id: str) -> Parked | None:
        return next((p for p in self.list() if p.event_id == event_id), None)

    def replay(self, event_ids: Iterable[str] | None = None) -> int:
        """Send parked messages back to the service's queue (all when ``event_ids`` is None)."""
        return self._act(event_ids, replay=True)

    def purge(self, event_ids: Iterable[str] | None = None) -> int:
        return self._act(event_ids, replay=False)

    def _act(self, event_ids: Iterable[str] | None, *, replay: bool) -> int:
        wanted = None if event_ids is None else set(event_ids)
        done = 0
        with Connection(self.url, transport_options={"confirm_publish": True}) as conn:
            channel, messages = self._fetch_all(conn)
            producer = Producer(conn.channel())
            for m in messages:
                if wanted is not None and m.properties.get("message_id") not in wanted:
                    _put_back([m])
                    continue
                if replay:
                    headers = {k: v for k, v in (m.headers or {}).items()
                               if k in ("subject_id", "original_routing_key")}
                    producer.publish(
                        m.body,
                        exchange="",
                        routing_key=self.topology.queue_name,
                        headers=headers,
                        content_type=m.content_type or "application/json",
                        content_encoding=m.content_encoding or "utf-8",
                        delivery_mode=2,
                        message_id=m.properties.get("message_id"),
                        type=m.properties.get("type"),
                        correlation_id=m.properties.get("correlation_id"),
                    )
                m.ack()
                done += 1
            channel.close()
        return done
