"""``events.unrouted`` (the alternate exchange's queue) is bounded in length and age, on a
real broker, and ``outbox status`` reports its depth."""

from __future__ import annotations

import json

from kombu import Connection, Exchange
from spine_kit import Procs
from svckit.messaging.topology import (
    UNROUTED_MAX_LENGTH,
    UNROUTED_TTL_MS,
    Topology,
    queue_depth,
)
from svckit.service import ServiceContext


def test_unrouted_queue_arguments() -> None:
    args = Topology(service="x", bindings=("a.b",)).unrouted_queue.queue_arguments
    assert args["x-max-length"] == UNROUTED_MAX_LENGTH > 0
    assert args["x-message-ttl"] == UNROUTED_TTL_MS > 0
    assert args["x-overflow"] == "drop-head"  # the newest are kept


def test_unrouted_events_are_capped_and_counted(amqp_url: str, bus_prefix: str,
                                               probe_ctx: ServiceContext, procs: Procs) -> None:
    top = Topology(service="capped", bindings=("bound.event",), prefix=bus_prefix,
                   unrouted_max_length=5)
    with Connection(amqp_url) as conn:
        channel = conn.channel()
        top.declare(channel)
        producer = conn.Producer(channel)
        for i in range(8):  # nobody is bound to this type: all go to events.unrouted
            producer.publish({"n": i}, exchange=Exchange(top.exchange_name, type="topic"),
                             routing_key="nobody.listens", serializer="json")
        channel.close()
    from svckit.testing import wait_until

    assert wait_until(lambda: queue_depth(amqp_url, top.unrouted_name) == 5, timeout=60)
    # the probe service's own status line reports the depth of its events.unrouted
    status = procs.run("outbox", "status")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout.strip().splitlines()[-1]) == {"pending": 0, "unrouted": 5}
