"""The relay's drain against raw pika, in one process, on a throwaway database.

    .venv/bin/python -m bench.relay_harness [--rows 10000] [--rounds 3] [--before REV]

Creates a database ``t_relayh_<hex>`` with the outbox tables and a bus prefix of its own
(a quorum queue bound to the prefix's ``events`` exchange stands in for the services'
queues). Each round: for each relay (this checkout's, and ``--before`` revisions' relay.py
loaded beside it), start the real :class:`Relay` (idle on LISTEN, idle poll 1 s), COPY
``rows`` valid outbox rows with the NOTIFY in the same transaction, time until none is
pending, stop it; then publish ``rows`` messages with bench.run_bench's raw pika publisher
(persistent, mandatory, confirms, batches of 500, 2 in flight). Prints each round, the
medians, the ratios and the relay's steps per batch (its statements as sent: claim, mark +
commit [+ claim]; starting a batch's publishing; waiting for its confirms). The database
and the queues/exchanges are removed at the end, also on failure. Timings only, nothing
asserted; the machine's load average is printed with them. Not part of ``make bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import psycopg
from sqlalchemy import MetaData, create_engine
from svckit.messaging.publishers import PipelinedPublisher, amqp_parameters, make_publisher
from svckit.messaging.relay import Relay
from svckit.messaging.tables import messaging_tables
from svckit.testing import AMQP_URL, PG_ADMIN_URL
from svckit.uow import OutboxSignal

from bench import kit
from bench.run_bench import raw_publisher

STEPS: dict[str, list[float]] = defaultdict(list)


class _TimedConn:
    """A psycopg connection whose ``execute`` is timed by what it sends."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, *args: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self._conn.execute(sql, *args, **kw)
        finally:
            kind = ("claim" if sql.startswith("BEGIN") else
                    "mark+commit+claim" if "UPDATE" in sql and "BEGIN" in sql else
                    "mark+commit" if "UPDATE" in sql else "other")
            STEPS[kind].append(time.perf_counter() - t0)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class _TimedRelay(Relay):
    def _take_pg(self) -> Any:
        pg = super()._take_pg()
        return pg if isinstance(pg, _TimedConn) else _TimedConn(pg)


class _TimedPublisher:
    """Times ``finish`` (the relay's wait for a batch's confirms)."""

    def __init__(self, inner: PipelinedPublisher) -> None:
        self._inner = inner

    def finish(self, handle: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self._inner.finish(handle)
        finally:
            STEPS["wait for confirms"].append(time.perf_counter() - t0)

    def start(self, batch: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self._inner.start(batch)
        finally:
            STEPS["start publish"].append(time.perf_counter() - t0)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)



def _envelope(i: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "type": "rental.checked_out", "version": 1,
        "occurred_at": datetime.now(UTC).isoformat(), "producer": "inventory",
        "correlation_id": uuid.uuid4().hex, "causation_id": None,
        "subject_id": f"bench-relay-{i % 1000}",
        "payload": {"rental_id": str(uuid.uuid4()), "unit_id": str(uuid.uuid4()),
                    "type_id": "wheelchair-standard", "station_id": str(uuid.uuid4()),
                    "borrower_id": str(uuid.uuid4()), "checked_out_at":
                    datetime.now(UTC).isoformat(), "due_on": "2027-01-07",
                    "deposit_fen": 50000, "fee_fen": 0, "condition": "good"},
    }


def copy_rows(url: str, rows: int, channel: str) -> None:
    now = datetime.now(UTC).isoformat()
    lines = []
    for i in range(rows):
        env = _envelope(i)
        text = json.dumps(env, ensure_ascii=False).replace("\\", "\\\\")
        lines.append(f"{env['id']}\trental.checked_out\t{env['subject_id']}\t{text}\t{now}\t0\n")
    with psycopg.connect(url) as conn, conn.transaction():
        kit._copy(conn, "outbox", ["event_id", "event_type", "subject_id", "body",
                                   "created_at", "attempts"], iter(lines))
        conn.execute(f"SELECT pg_notify('{channel}', '')")


def pending(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()
    return int(row[0]) if row else 0


def drain(url: str, rows: int, channel: str) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        copy_rows(url, rows, channel)
        t0 = time.perf_counter()
        while pending(conn):
            if time.perf_counter() - t0 > 60:
                import faulthandler
                import sys

                for row in conn.execute("SELECT pid, state, xact_start, wait_event, "
                                        "left(query, 80) FROM pg_stat_activity "
                                        "WHERE datname = current_database()"):
                    print("  ", row, file=sys.stderr)
                print("   pending", pending(conn), file=sys.stderr)
                faulthandler.dump_traceback(sys.stderr)
                raise TimeoutError("relay did not drain in 60 s")
            time.sleep(0.01)
        return time.perf_counter() - t0


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _sink(prefix: str, purge: bool = False) -> None:
    import pika

    conn = pika.BlockingConnection(amqp_parameters(AMQP_URL))
    try:
        ch = conn.channel()
        q = f"{prefix}sink"
        if purge:
            ch.queue_purge(q)
            ch.queue_purge(f"{prefix}events.unrouted")
        else:
            ch.queue_declare(q, durable=True, arguments={"x-queue-type": "quorum"})
            ch.queue_bind(q, f"{prefix}events", routing_key="#")
    finally:
        conn.close()


def _cleanup_topology(prefix: str) -> None:
    import pika

    conn = pika.BlockingConnection(amqp_parameters(AMQP_URL))
    try:
        for name in ("sink", "events.unrouted"):
            ch = conn.channel()
            ch.queue_delete(f"{prefix}{name}")
        for name in ("events", "events.unrouted"):
            ch = conn.channel()
            ch.exchange_delete(f"{prefix}{name}")
    finally:
        conn.close()


def _relay_class(rev: str | None) -> type[Relay]:
    """The timed relay of this checkout, or of git revision ``rev`` (its relay.py loaded
    beside this one, for a before/after comparison in the same run)."""
    if rev is None:
        return _TimedRelay
    import subprocess
    import sys
    import types

    source = subprocess.run(["git", "show", f"{rev}:shared/src/svckit/messaging/relay.py"],
                            capture_output=True, text=True, check=True, cwd=kit.REPO).stdout
    module = types.ModuleType(f"svckit.messaging._relay_{rev}")
    sys.modules[module.__name__] = module
    exec(compile(source, f"{rev}:relay.py", "exec"), module.__dict__)
    base = module.Relay

    class _TimedBefore(base):  # type: ignore[misc, valid-type]
        def _take_pg(self) -> Any:
            pg = super()._take_pg()
            return pg if isinstance(pg, _TimedConn) else _TimedConn(pg)

    return _TimedBefore


def _steps() -> str:
    return "\n".join(
        f"    {k:18s} n={len(v):3d} median {statistics.median(v) * 1000:6.1f} ms  "
        f"total {sum(v) * 1000:7.1f} ms" for k, v in sorted(STEPS.items()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=500, help="the relay's batch size")
    ap.add_argument("--depth", type=int, default=2, help="the relay's batches in flight")
    ap.add_argument("--before", metavar="REV", action="append", default=[],
                    help="also time the relay of this git revision, alternating (repeatable)")
    args = ap.parse_args()

    tag = uuid.uuid4().hex[:10]
    dbname, prefix = f"t_relayh_{tag}", f"t-relayh-{tag}."
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{dbname}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    stops: list[tuple[threading.Event, threading.Thread]] = []
    try:
        md = MetaData()
        tables = messaging_tables(md)
        md.create_all(engine)
        classes = {"relay": _relay_class(None)}
        for rev in args.before:
            classes[rev] = _relay_class(rev)
        signal = OutboxSignal("outbox_relayh")

        def start(label: str) -> tuple[threading.Event, threading.Thread]:
            """One relay at a time (the idle poll of the production default, 1 s), started
            listening and warmed up: the publisher connects and declares the exchanges."""
            relay = classes[label](
                engine, tables,
                lambda: _TimedPublisher(make_publisher(  # type: ignore[arg-type]
                    AMQP_URL, prefix=prefix, confirm_timeout=10.0)),
                batch_size=args.batch, idle_poll=1.0, signal=signal, name=f"relayh-{label}",
                pipeline_depth=args.depth)
            halt = threading.Event()
            thread = threading.Thread(target=relay.run, args=(halt,), daemon=True)
            thread.start()
            stops.append((halt, thread))
            deadline = time.monotonic() + 30  # a NOTIFY before its LISTEN would be missed
            while getattr(relay, "_listener", None) is None and time.monotonic() < deadline:
                time.sleep(0.05)
            drain(url, 10, signal.channel)
            return halt, thread

        halt, thread = start("relay")  # declares the exchanges the sink is bound to
        halt.set()
        thread.join(timeout=30)
        _sink(prefix)
        cluster = SimpleNamespace(bus_prefix=prefix, bus_url=AMQP_URL)
        body = json.dumps(_envelope(0)).encode()
        times: dict[str, list[float]] = defaultdict(list)
        for r in range(args.rounds):
            print(f"round {r + 1}:", flush=True)
            for label in classes:
                halt, thread = start(label)
                _sink(prefix, purge=True)
                time.sleep(0.5)
                STEPS.clear()
                load = _loadavg()
                d = drain(url, args.rows, signal.channel)
                halt.set()
                thread.join(timeout=30)
                times[label].append(d)
                print(f"  {label}: {d:.3f} s ({args.rows / d:.0f}/s), load {load}\n{_steps()}",
                      flush=True)
            _sink(prefix, purge=True)
            time.sleep(0.5)
            load = _loadavg()
            raw = raw_publisher(cluster, body, args.rows)  # type: ignore[arg-type]
            times["raw pika"].append(raw)
            print(f"  raw pika (500 a batch, 2 in flight): {raw:.3f} s "
                  f"({args.rows / raw:.0f}/s), load {load}", flush=True)
        raw_m = statistics.median(times["raw pika"])
        for label in classes:
            med = statistics.median(times[label])
            ratios = ", ".join(f"{w / d:.2f}" for d, w in zip(times[label], times["raw pika"],
                                                              strict=True))
            print(f"median {label}: {med:.3f} s vs raw {raw_m:.3f} s = {raw_m / med:.2f}x "
                  f"(per round {ratios})")
        print(f"load now {_loadavg()}")
    finally:
        for halt, thread in stops:
            halt.set()
            thread.join(timeout=30)
        engine.dispose()
        try:
            _cleanup_topology(prefix)
        finally:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    main()
