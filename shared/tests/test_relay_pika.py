"""The pika relay's failure paths, against a real PostgreSQL and real sockets.

A broker that accepts TCP and never answers (as a booting RabbitMQ can), and a port where
nothing listens (a broker that is down), stand in for the outages the broker-restart test
causes on the shared RabbitMQ: the relay must abandon the connection by its deadline, keep
the rows pending, back off and keep trying, and stop when told.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from probe import ledger
from spine_kit import Procs, make_ctx
from sqlalchemy import func, select
from svckit.messaging.relay import pending_count
from svckit.service import ServiceContext
from svckit.testing import wait_until


@pytest.fixture
def mute_broker() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not done.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield server.getsockname()[1]
    done.set()
    t.join(timeout=5)
    for s in accepted:
        s.close()
    server.close()


def _dead_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return int(port)


def _ping(ctx: ServiceContext, n: int) -> None:
    with ctx.uow() as uow:
        uow.add_event("probe.pinged", {"n": n}, subject_id=f"s{n}")
        uow.commit()


def test_relay_abandons_a_broker_that_never_answers(pg_url: str, bus_prefix: str,
                                                    mute_broker: int) -> None:
    ctx = make_ctx(pg_url, f"amqp://guest:guest@127.0.0.1:{mute_broker}/", bus_prefix)
    try:
        _ping(ctx, 1)
        relay = ctx.relay()
        t0 = time.monotonic()
        with pytest.raises(ConnectionError):
            relay.run_once()
        waited = time.monotonic() - t0
        assert 4.0 <= waited < 30, waited  # the connect deadline (5 s), not forever
        assert pending_count(ctx.engine, ctx.tables) == 1
        relay.close()
    finally:
        ctx.engine.dispose()


def test_relay_backs_off_while_the_broker_is_down_and_stops_when_told(
    pg_url: str, bus_prefix: str
) -> None:
    ctx = make_ctx(pg_url, f"amqp://guest:guest@127.0.0.1:{_dead_port()}/", bus_prefix)
    try:
        _ping(ctx, 1)
        relay = ctx.relay()
        stop = threading.Event()
        t = threading.Thread(target=relay.run, args=(stop,), daemon=True)
        t.start()
        time.sleep(3)
        assert pending_count(ctx.engine, ctx.tables) == 1
        stop.set()
        t.join(timeout=20)
        assert not t.is_alive()
    finally:
        ctx.engine.dispose()


@pytest.mark.slow
def test_pipelined_relay_wakes_on_notify_and_publishes_in_order(
    probe_ctx: ServiceContext, procs: Procs
) -> None:
    """The relay process (pika, two batches in flight, claim with BEGIN in one round trip)
    wakes on the unit of work's NOTIFY, long before its idle poll, and every event of a
    subject reaches the consumer in commit order."""
    ctx = probe_ctx
    procs.start_consumer(CONSUMER_WORKERS="4")
    relay = procs.start("relay", RELAY_IDLE_POLL="30", RELAY_BATCH_SIZE="50")
    path = relay.log_path  # type: ignore[attr-defined]
    assert wait_until(lambda: "relay started" in open(path).read(), timeout=90, interval=0.05)
    time.sleep(1)  # idle: waiting on LISTEN
    for i in range(400):
        with ctx.uow() as uow:
            uow.add_event("probe.pinged", {"n": i}, subject_id=f"s{i % 7}")
            uow.commit()
    assert wait_until(lambda: _count(ctx) >= 400, timeout=25, interval=0.1), _count(ctx)
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(ledger.c.subject_id, ledger.c.n).order_by(ledger.c.id)).all()
    by_subject: dict[str, list[int]] = {}
    for subject, n in rows:
        by_subject.setdefault(subject, []).append(n)
    assert all(ns == sorted(ns) for ns in by_subject.values())
    assert pending_count(ctx.engine, ctx.tables) == 0


def _count(ctx: ServiceContext) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ledger)).scalar_one())
