"""The spine's delivery guarantees, against the real RabbitMQ and PostgreSQL.

Every test runs the probe service's relay and consumer as separate processes, and
counts effects in the probe's ledger: exactly once means one ledger row per event.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from probe import attempt_log, ledger, switches
from spine_kit import WAIT, Procs
from sqlalchemy import func, insert, select
from svckit.messaging.parked import ParkedQueue
from svckit.messaging.relay import pending_count
from svckit.service import ServiceContext
from svckit.testing import wait_until


def ping(ctx: ServiceContext, n: int, *, subject: str | None = None, mode: str = "ok") -> str:
    with ctx.uow() as uow:
        env = uow.add_event("probe.pinged", {"n": n, "mode": mode},
                            subject_id=subject or f"s{n % 50}")
        uow.commit()
    return str(env.id)


def ledger_counts(ctx: ServiceContext) -> tuple[int, int]:
    with ctx.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(ledger)).scalar_one()
        distinct = conn.execute(select(func.count(func.distinct(ledger.c.event_id)))).scalar_one()
    return int(total), int(distinct)


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


@pytest.mark.slow
def test_thousand_events_exactly_once_through_a_broker_restart(
    probe_ctx: ServiceContext, procs: Procs
) -> None:
    ctx = probe_ctx
    procs.start_consumer()
    procs.start("relay")

    written: list[str] = []
    restarted = threading.Event()

    def bounce() -> None:
        rabbitmqctl("stop_app")
        time.sleep(2)  # a real outage, not an instant blip
        rabbitmqctl("start_app")
        restarted.set()

    bouncer: threading.Thread | None = None
    for i in range(1000):
        written.append(ping(ctx, i))
        time.sleep(0.005)  # spread the writes so the outage falls in the middle
        if i == 300:
            bouncer = threading.Thread(target=bounce)
            bouncer.start()
    assert bouncer is not None
    bouncer.join(timeout=180)
    assert restarted.is_set(), "the broker did not come back"

    assert wait_until(lambda: ledger_counts(ctx)[0] >= 1000, timeout=180, interval=0.2), (
        f"applied {ledger_counts(ctx)} of 1000; pending {pending_count(ctx.engine, ctx.tables)}"
    )
    time.sleep(1)  # let any late redelivery show itself
    total, distinct = ledger_counts(ctx)
    assert (total, distinct) == (1000, 1000)
    assert pending_count(ctx.engine, ctx.tables) == 0
    with ctx.engine.connect() as conn:
        applied = set(conn.execute(select(ledger.c.event_id)).scalars())
    assert applied == set(written)
    consumer_log = open(procs.procs[0].log_path).read()  # type: ignore[attr-defined]
    assert "reconnecting" in consumer_log  # the outage really hit the consumer mid-run


@pytest.mark.slow
def test_consumer_killed_after_commit_before_ack_applies_once(
    probe_ctx: ServiceContext, procs: Procs
) -> None:
    ctx = probe_ctx
    first = procs.start_consumer(PROBE_KILL_AFTER_COMMIT="1")
    relay = ctx.relay()
    killer = ping(ctx, 1, mode="kill")
    assert relay.run_once() == 1

    first.wait(timeout=WAIT)
    assert first.returncode == -signal.SIGKILL
    assert ledger_counts(ctx) == (1, 1)  # the effect committed before the kill

    # The unacknowledged message comes back to the new consumer: acked, not re-applied.
    procs.start_consumer(PROBE_KILL_AFTER_COMMIT="1")
    after = ping(ctx, 2)
    assert relay.run_once() == 1
    assert wait_until(lambda: ledger_counts(ctx)[0] >= 2, timeout=WAIT)
    time.sleep(0.5)
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(ledger.c.event_id)).scalars().all()
        inbox = conn.execute(select(ctx.tables.inbox.c.event_id)).scalars().all()
    assert sorted(rows) == sorted([killer, after])
    assert sorted(inbox) == sorted([killer, after])
    relay.close()


@pytest.mark.slow
def test_two_relays_publish_every_row_exactly_once_in_subject_order(
    probe_ctx: ServiceContext, procs: Procs
) -> None:
    ctx = probe_ctx
    # A plain collector queue sees everything published to the exchange.
    collector = Queue(f"{ctx.topology.prefix}collector", exchange=ctx.topology.exchange,
                      routing_key="#", durable=True)
    with Connection(ctx.bus_url) as conn:
        ctx.topology.declare(conn.channel())
        collector(conn.channel()).declare()

    n_events = 3000
    with ctx.uow() as uow:
        for i in range(n_events):
            uow.add_event("probe.pinged", {"n": i}, subject_id=f"s{i % 97}")
        uow.commit()

    procs.start("relay", name="relay-a", RELAY_BATCH_SIZE="40")
    procs.start("relay", name="relay-b", RELAY_BATCH_SIZE="40")
    assert wait_until(lambda: pending_count(ctx.engine, ctx.tables) == 0, timeout=120)

    seen: list[tuple[str, str, int]] = []
    with Connection(ctx.bus_url) as conn:
        q = collector(conn.channel())
        while (m := q.get(no_ack=True)) is not None:
            import json

            body = json.loads(m.body)
            seen.append((body["id"], body["subject_id"], body["payload"]["n"]))
    ids = [s[0] for s in seen]
    assert len(ids) == n_events
    assert len(set(ids)) == n_events
    by_subject: dict[str, list[int]] = {}
    for _, subject, n in seen:
        by_subject.setdefault(subject, []).append(n)
    for subject, ns in by_subject.items():
        assert ns == sorted(ns), f"subject {subject} out of order"
    # Both relays did part of the work.
    logs = [open(p.log_path).read() for p in procs.procs]  # type: ignore[attr-defined]
    assert all("relay started" in text for text in logs)


@pytest.mark.slow
def test_poison_message_retried_with_growing_delay_parked_and_replayed(
    probe_ctx: ServiceContext, procs: Procs
) -> None:
    ctx = probe_ctx
    procs.start_consumer()
    procs.start("relay")

    poison = ping(ctx, 0, mode="poison", subject="poison")
    normal = [ping(ctx, i) for i in range(1, 101)]

    # Messages behind the poison keep flowing.
    assert wait_until(lambda: ledger_counts(ctx)[0] >= 100, timeout=WAIT)
    parked = ParkedQueue(ctx.bus_url, ctx.topology)
    assert wait_until(lambda: parked.show(poison) is not None, timeout=WAIT, interval=0.3)
    item = parked.show(poison)
    assert item is not None
    assert item.attempts == 4  # first try + three retries
    assert item.reason == "retries-exhausted"
    assert "not fixed" in item.error

    with ctx.engine.connect() as conn:
        times = conn.execute(
            select(attempt_log.c.at).where(attempt_log.c.event_id == poison)
            .order_by(attempt_log.c.id)
        ).scalars().all()
    assert len(times) == 4
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    # Each retry waited at least its level's delay (300, 600, 1200 ms): a lower bound the
    # broker's TTL guarantees, whatever the load (upper bounds would make a timed test).
    for gap, delay_ms in zip(gaps, (300, 600, 1200), strict=True):
        assert gap >= delay_ms / 1000 * 0.95, gaps
    assert ledger_counts(ctx) == (100, 100)

    # The operator fixes the fault and replays through the CLI.
    with ctx.engine.begin() as conn:
        conn.execute(insert(switches).values(name="fixed", on=True))
    listed = procs.run("parked", "list")
    assert poison in listed.stdout
    replay = procs.run("parked", "replay", poison)
    assert replay.returncode == 0, replay.stderr
    assert '"replay": 1' in replay.stdout
    assert wait_until(lambda: ledger_counts(ctx)[0] >= 101, timeout=WAIT)
    assert ledger_counts(ctx) == (101, 101)
    assert parked.show(poison) is None
    assert set(normal) < {r for r in _ledger_ids(ctx)}


def _ledger_ids(ctx: ServiceContext) -> set[str]:
    with ctx.engine.connect() as conn:
        return set(conn.execute(select(ledger.c.event_id)).scalars())


def test_invalid_or_unknown_events_are_parked_at_once_and_others_flow(
    probe_ctx: ServiceContext, procs: Procs
) -> None:
    ctx = probe_ctx
    procs.start_consumer()
    import json
    from datetime import UTC, datetime

    def raw(version: int, payload: dict[str, object]) -> tuple[str, str]:
        eid = str(uuid.uuid4())
        body = {"id": eid, "type": "probe.pinged", "version": version,
                "occurred_at": datetime.now(UTC).isoformat(), "producer": "test",
                "correlation_id": "c", "causation_id": None, "subject_id": "x",
                "payload": payload}
        return eid, json.dumps(body)

    bad_payload, body1 = raw(1, {"n": -5})
    bad_version, body2 = raw(9, {"n": 1})
    with Connection(ctx.bus_url) as conn:
        producer = conn.Producer()
        ex = Exchange(ctx.topology.exchange_name, type="topic")
        for eid, body in ((bad_payload, body1), (bad_version, body2)):
            producer.publish(body, exchange=ex, routing_key="probe.pinged", message_id=eid,
                             content_type="application/json", content_encoding="utf-8")
        producer.publish("{not json", exchange=ex, routing_key="probe.pinged",
                         message_id="garbage", content_type="application/json",
                         content_encoding="utf-8")
    good = ping(ctx, 7)
    relay = ctx.relay()
    relay.run_once()
    relay.close()
    assert wait_until(lambda: good in _ledger_ids(ctx), timeout=WAIT)
    parked = ParkedQueue(ctx.bus_url, ctx.topology)
    assert wait_until(lambda: len(parked.list()) == 3, timeout=WAIT, interval=0.3), [
        (p.event_id, p.reason) for p in parked.list()]
    by_id = {p.event_id: p for p in parked.list()}
    assert by_id[bad_payload].reason == "invalid-payload"
    assert by_id[bad_payload].attempts == 0
    assert "n" in by_id[bad_payload].error
    assert by_id[bad_version].reason == "unknown-event"
    assert by_id["garbage"].reason == "malformed"
    assert parked.purge(["garbage"]) == 1
    assert len(parked.list()) == 2


@pytest.mark.slow
def test_slow_handler_keeps_the_connection_alive(probe_ctx: ServiceContext, procs: Procs) -> None:
    """A handler slower than two heartbeat intervals: no disconnect, no redelivery."""
    ctx = probe_ctx
    consumer = procs.start_consumer(CONSUMER_HEARTBEAT="1", PROBE_SLOW_SECONDS="6")
    relay = ctx.relay()
    slow = ping(ctx, 1, mode="slow")
    after = ping(ctx, 2)
    assert relay.run_once() == 2
    relay.close()
    assert wait_until(lambda: _ledger_ids(ctx) == {slow, after}, timeout=WAIT)
    time.sleep(1.5)
    assert ledger_counts(ctx) == (2, 2)
    with open(consumer.log_path) as f:  # type: ignore[attr-defined]
        log_text = f.read()
    assert "reconnecting" not in log_text, log_text


@pytest.mark.slow
def test_one_subject_interleaved_with_fifty_others_is_applied_in_order_by_eight_workers(
    probe_ctx: ServiceContext, procs: Procs
) -> None:
    """The consumer applies subjects in parallel (8 workers keyed by subject) and each
    subject's events in the order they were committed."""
    ctx = probe_ctx
    order: dict[str, list[int]] = {}
    with ctx.uow() as uow:
        for i in range(1200):
            subject = "target" if i % 6 == 0 else f"other-{i % 50}"
            order.setdefault(subject, []).append(i)
            # the target's first event takes 2 s: the other workers go on meanwhile
            uow.add_event("probe.pinged", {"n": i, "mode": "slow" if i == 0 else "ok"},
                          subject_id=subject)
        uow.commit()
    assert len(order) == 51 and len(order["target"]) == 200

    consumer = procs.start_consumer(CONSUMER_WORKERS="8", PROBE_SLOW_SECONDS="2")
    procs.start("relay")
    assert wait_until(lambda: ledger_counts(ctx)[0] >= 1200, timeout=120, interval=0.2), (
        ledger_counts(ctx))
    time.sleep(0.5)
    assert ledger_counts(ctx) == (1200, 1200)
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(ledger.c.subject_id, ledger.c.n, ledger.c.applied_at)
                            .order_by(ledger.c.id)).all()
    applied: dict[str, list[int]] = {}
    for subject, n, _ in rows:
        applied.setdefault(subject, []).append(n)
    assert applied == order  # every subject, the target first of all, in commit order
    with open(consumer.log_path) as f:  # type: ignore[attr-defined]
        assert "8 workers" in f.read()
    # The workers really ran in parallel: while the target's slow first event was being
    # applied, events committed after it (of subjects on other workers) were applied.
    first = next(i for i, (subject, n, _) in enumerate(rows) if n == 0)
    assert first >= 100, f"only {first} events overtook the slow one"
