"""``make bench``: speed and scale of the distributed topology against same-run baselines.

    .venv/bin/python -m bench.run_bench [--quick] [--units N] [--rentals N]

Starts a native cluster (inventory + volunteer: API under gunicorn with
deploy/gunicorn.conf.py, relay, consumer) on its own databases ``bench_<tag>_*`` and bus
prefix ``bench<tag>.``, drives it from this process over loopback only (threads +
requests; every load is bounded in count and time), and prints each figure with its
baseline from the same run and PASS/FAIL against the issue-9 targets. Nothing here is a
test: timings are never asserted. Databases and queues are removed at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from psycopg.rows import dict_row
from svckit.cluster import Cluster

from bench import kit
from bench.kit import log, pct, verdict

_ROOT = Path(__file__).resolve().parents[1]
REPO_SERVICES = str(_ROOT / "services")  # profile frames of this repository's code
REPO_SHARED = str(_ROOT / "shared")

RESULTS: list[tuple[str, str, bool | None]] = []


def result(name: str, figure: str, ok: bool | None) -> None:
    RESULTS.append((name, figure, ok))
    print(f"  => {name}: {figure}  [{'info' if ok is None else verdict(ok)}]", flush=True)


def md5uuid(s: str) -> str:
    return str(uuid.UUID(hashlib.md5(s.encode()).hexdigest()))


# -- pgbench baseline ------------------------------------------------------------------
def pgbench_pool(cluster: Cluster, fx: kit.Fixture, units: int, borrowers: int) -> None:
    today = date.today().isoformat()
    with kit.connect(cluster, "inventory") as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_outbox (LIKE outbox INCLUDING ALL)")
        conn.execute("CREATE SEQUENCE IF NOT EXISTS bench_pgbench_unit")
        kit._copy(conn, "units", kit.UNIT_COLS, (
            f"{md5uuid(f'pu{i}')}\tP{i:09d}\tPS{i:09d}\t{fx.type_id}\t{fx.station_id}\t"
            f"{fx.station_id}\tA\tdonation\t{today}\t0\tavailable\n" for i in range(1, units + 1)))
        kit._copy(conn, "borrowers", kit.BORROWER_COLS, (
            f"{md5uuid(f'pb{i}')}\t{kit._cert(900_000 + i)}\t压测{i}\t13800000000\t测试路{i}号\t"
            f"{fx.division}\tf\tf\t2024-01-01T00:00:00+00:00\n" for i in range(1, borrowers + 1)))
        kit.vacuum(conn, "units", "borrowers")


def run_pgbench(cluster: Cluster, fx: kit.Fixture, clients: int, seconds: int,
                borrowers: int) -> tuple[float, float, float]:
    """Returns (tps, p50 ms, p99 ms) from pgbench's per-transaction log."""
    url = cluster.database_url("inventory")
    logdir = Path(tempfile.mkdtemp(prefix="pgbench-"))
    now = datetime.now(UTC).isoformat()
    due = (date.today() + timedelta(days=14)).isoformat()
    cmd = ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(seconds),
           "-f", str(kit.REPO / "bench" / "checkout.pgbench"), "-D", f"station={fx.station_id}",
           "-D", f"type={fx.type_id}", "-D", f"borrowers={borrowers}", "-D", f"now={now}",
           "-D", f"due={due}", "-D", f"division={fx.division}",
           "-D", f"year={(datetime.now(UTC) + timedelta(hours=8)).year}", "-l",
           "--log-prefix", str(logdir / "tx"), url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode != 0:
        raise RuntimeError(f"pgbench failed: {out.stderr[-2000:]}")
    tps = float(next(line.split("=")[1].split()[0] for line in out.stdout.splitlines()
                     if line.startswith("tps")))
    lat: list[float] = []
    for f in logdir.glob("tx*"):
        for line in f.read_text().splitlines():
            parts = line.split()
            lat.append(int(parts[2]) / 1000)
    shutil.rmtree(logdir, ignore_errors=True)
    return tps, pct(lat, 50), pct(lat, 99)


# -- bare Flask and raw-SQL check-out baselines -----------------------------------------
def bare_flask(port: int, app: str = "bench.bare_app:app",
               env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A baseline app under deploy/gunicorn.conf.py (the APIs' settings)."""
    full = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "LOG_LEVEL": "warning",
            "PYTHONPATH": str(kit.REPO), **(env or {})}
    p = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c",
                          str(kit.REPO / "deploy" / "gunicorn.conf.py"), app],
                         env=full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            return p
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{app} did not start")


def saturate(proc: subprocess.Popen[bytes], label: str, request: Callable[..., Any],
             clients: int, dur: int, max_requests: int = 1_000_000) -> tuple[kit.LoadResult, float]:
    """Closed-loop load on a baseline app; returns the result and its CPU ms per request."""
    cpu0 = kit.cpu_seconds(proc.pid)
    res = kit.run_load(request, rate=None, duration=dur, concurrency=clients,
                       max_requests=max_requests)
    cpu_ms = 1000 * (kit.cpu_seconds(proc.pid) - cpu0) / max(res.ok, 1)
    print(res.line(label))
    print(f"{'':<34} CPU {cpu_ms:.1f} ms per request")
    return res, cpu_ms


# -- profile --------------------------------------------------------------------------
def profile(pid: int, seconds: int, out: Path) -> list[str]:
    """py-spy record (raw collapsed stacks) of one gunicorn worker; top frames by share."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    r = subprocess.run([exe, "record", "-p", str(pid), "-d", str(seconds), "-r", "200",
                        "--format", "raw", "-o", str(out), "--nonblocking"],
                       capture_output=True, text=True, timeout=seconds + 60)
    if r.returncode != 0 or not out.exists():
        return [f"py-spy failed: {r.stderr.strip()[-300:]}"]
    incl: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in out.read_text().splitlines():
        stack, _, num = line.rpartition(" ")
        count = int(num)
        frames = stack.split(";")
        if any("idle" in f or "wait (threading" in f or "select (selectors" in f
               for f in frames[-2:]):
            continue
        total += count
        for f in set(frames):
            incl[f] += count
        own[frames[-1]] += count
    lines = [f"busy samples {total}; inclusive share of the busy time (repo and key libs):"]
    shown = 0
    for f, n in incl.most_common(400):
        if any(k in f for k in (REPO_SERVICES, REPO_SHARED,
                                "sqlalchemy/orm/session", "pika",
                                "marshmallow", "jwt", "psycopg/", "flask_smorest", "json")):
            lines.append(f"  {100 * n / max(total, 1):5.1f}%  {f[:150]}")
            shown += 1
            if shown >= 25:
                break
    lines.append("self time, top 12:")
    for f, n in own.most_common(12):
        lines.append(f"  {100 * n / max(total, 1):5.1f}%  {f[:150]}")
    return lines


# -- relay ----------------------------------------------------------------------------
def relay_drain(cluster: Cluster, rows: int) -> float:
    """COPY ``rows`` valid outbox rows in one transaction that also sends the relay's
    NOTIFY (as the unit of work does); seconds from that commit until none is pending.
    The relay process is already running and idle."""
    with kit.connect(cluster, "inventory") as conn:
        body = conn.execute("SELECT body FROM outbox WHERE event_type = 'rental.checked_out' "
                            "ORDER BY seq DESC LIMIT 1").fetchone()[0]
        env = json.loads(body)
        now = datetime.now(UTC).isoformat()
        lines = []
        for i in range(rows):
            env["id"] = str(uuid.uuid4())
            env["subject_id"] = f"bench-relay-{i % 1000}"
            text = json.dumps(env, ensure_ascii=False).replace("\\", "\\\\")
            lines.append(f"{env['id']}\trental.checked_out\t{env['subject_id']}\t{text}\t{now}\t0\n")
        with conn.transaction():
            kit._copy(conn, "outbox", ["event_id", "event_type", "subject_id", "body",
                                       "created_at", "attempts"], iter(lines))
            conn.execute("SELECT pg_notify('outbox_inventory', '')")
        t0 = time.perf_counter()
        while conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]:
            if time.perf_counter() - t0 > 120:
                raise TimeoutError("relay did not drain in 120 s")
            time.sleep(0.01)
    return time.perf_counter() - t0


def raw_publisher(cluster: Cluster, body: bytes, rows: int, batch: int = 500,
                  window: int | None = 2, coalesce: bool = False) -> float:
    """The client's physical limit on this broker: pika's SelectConnection alone (no
    database, no svckit), persistent + mandatory to the events exchange with publisher
    confirms, ``batch`` messages written in one go and ``window`` batches in flight
    (``None``: everything at once); confirms collected as they come (multiple acks).
    ``coalesce``: a batch's frames in one ``send()`` as the relay does (pika alone makes
    one per frame). Returns seconds from the first publish to the last confirm."""
    import pika
    from svckit.messaging.publishers import amqp_parameters, coalesce_writes

    exchange = f"{cluster.bus_prefix}events"
    outstanding: dict[int, None] = {}
    state = {"sent": 0, "next_tag": 1, "nacks": 0}
    times = {"t0": 0.0, "t1": 0.0}
    in_flight = (window or rows) * batch

    def send(ch: Any) -> None:
        while state["sent"] < rows and len(outstanding) + batch <= max(in_flight, batch):
            for _ in range(min(batch, rows - state["sent"])):
                ch.basic_publish(exchange, "rental.checked_out", body, pika.BasicProperties(
                    content_type="application/json", content_encoding="utf-8",
                    delivery_mode=2, message_id=str(uuid.uuid4()), type="rental.checked_out",
                    headers={"subject_id": "bench-raw"}), mandatory=True)
                outstanding[state["next_tag"]] = None
                state["next_tag"] += 1
                state["sent"] += 1
            if coalesce:
                coalesce_writes(ch.connection)

    def on_confirm(frame: Any, ch: Any, conn: Any) -> None:
        m = frame.method
        if not isinstance(m, pika.spec.Basic.Ack):
            state["nacks"] += 1
        if m.multiple:
            for tag in [t for t in outstanding if t <= m.delivery_tag]:
                del outstanding[tag]
        else:
            outstanding.pop(m.delivery_tag, None)
        if state["sent"] >= rows and not outstanding:
            times["t1"] = time.perf_counter()
            conn.close()
        else:
            send(ch)

    def on_channel(ch: Any, conn: Any) -> None:
        def begin(_frame: Any) -> None:
            times["t0"] = time.perf_counter()
            send(ch)
        ch.confirm_delivery(lambda f: on_confirm(f, ch, conn), callback=begin)

    conn = pika.SelectConnection(
        amqp_parameters(cluster.bus_url),
        on_open_callback=lambda c: c.channel(on_open_callback=lambda ch: on_channel(ch, c)),
        on_open_error_callback=lambda c, e: c.ioloop.stop(),
        on_close_callback=lambda c, r: c.ioloop.stop())
    conn.ioloop.start()
    if not times["t1"] or state["nacks"]:
        raise RuntimeError(f"raw publisher failed: {state}")
    return times["t1"] - times["t0"]


def _bench_queue(cluster: Cluster, name: str) -> tuple[Any, Any, str]:
    """A quorum queue of this run (the bus prefix: removed with the rest at the end)."""
    import pika
    from svckit.messaging.publishers import amqp_parameters

    conn = pika.BlockingConnection(amqp_parameters(cluster.bus_url))
    ch = conn.channel()
    queue = f"{cluster.bus_prefix}{name}"
    ch.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
    return conn, ch, queue


def confirm_latencies(cluster: Cluster, body: bytes, n: int = 300) -> list[float]:
    """Single-message publish -> confirm on a quorum queue, one at a time (ms): the floor
    of the relay's leg of the event latency."""
    import pika

    conn, ch, queue = _bench_queue(cluster, "bench.confirm")
    try:
        ch.confirm_delivery()
        props = pika.BasicProperties(delivery_mode=2, content_type="application/json")
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            ch.basic_publish("", queue, body, props, mandatory=True)
            out.append((time.perf_counter() - t0) * 1000)
        ch.queue_purge(queue)
        return out
    finally:
        conn.close()


def raw_consumer(cluster: Cluster, body: bytes, n: int, prefetch: int) -> float:
    """pika consuming ``n`` messages from a quorum queue and acking each at once, no work,
    same prefetch as the platform's consumer: messages per second."""
    import pika

    conn, ch, queue = _bench_queue(cluster, "bench.consume")
    try:
        ch.confirm_delivery()
        props = pika.BasicProperties(delivery_mode=2, content_type="application/json")
        for _ in range(n):  # fill (not timed)
            ch.basic_publish("", queue, body, props)
        ch.basic_qos(prefetch_count=prefetch)
        got = [0]

        def on_message(c: Any, method: Any, _props: Any, _body: bytes) -> None:
            c.basic_ack(method.delivery_tag)
            got[0] += 1
            if got[0] >= n:
                c.stop_consuming()

        ch.basic_consume(queue, on_message)
        t0 = time.perf_counter()
        ch.start_consuming()
        return n / (time.perf_counter() - t0)
    finally:
        conn.close()


# -- event latency --------------------------------------------------------------------
def event_latencies(cluster: Cluster, rental_ids: list[str], timeout: float = 60) -> list[float]:
    """ms from the outbox row's created_at (inventory, just before commit) to the volunteer
    task's created_at (inside the consumer's transaction), per rental."""
    ids = set(rental_ids)
    with kit.connect(cluster, "inventory") as inv:
        made = {r[0]: r[1] for r in inv.execute(
            "SELECT subject_id, created_at FROM outbox WHERE event_type = "
            "'rental.delivery_requested'") if r[0] in ids}
    deadline = time.monotonic() + timeout
    with kit.connect(cluster, "volunteer") as vol:
        while True:
            done = {r[0]: r[1] for r in vol.execute(
                "SELECT source_id, created_at FROM tasks WHERE source_kind = 'rental_delivery'")
                if r[0] in ids}
            if len(done) >= len(made) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    return [(done[k] - made[k]).total_seconds() * 1000 for k in made if k in done]


def cleanup_bus(prefix: str) -> None:
    out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "name"], capture_output=True,
                         text=True, timeout=60)
    for name in out.stdout.split():
        if name.startswith(prefix):
            subprocess.run(["rabbitmqctl", "-q", "delete_queue", name], capture_output=True,
                           timeout=60)
    out = subprocess.run(["rabbitmqctl", "-q", "list_exchanges", "name"], capture_output=True,
                         text=True, timeout=60)
    import pika
    conn = pika.BlockingConnection(pika.URLParameters(kit.AMQP_URL.rstrip('/') + '/%2F'))
    ch = conn.channel()
    for name in out.stdout.split():
        if name.startswith(prefix):
            ch.exchange_delete(name)
    conn.close()


# -- the parts of main() --------------------------------------------------------------
def write_baselines(cluster: Cluster, fx: kit.Fixture, clients: int, dur: int, peak: float,
                    sat: kit.LoadResult, cpu_checkout: float, tok: str,
                    take: Callable[[int], list[str]]) -> None:
    """Same run, same clients: the raw-SQL check-out route (the fair limit), a bare Flask
    route and pgbench running the endpoint's SQL (both for information)."""
    raw_port = kit.free_port_base(1)
    raw = bare_flask(raw_port, "bench.raw_checkout_app:app", {
        "RAW_DATABASE_URL": cluster.database_url("inventory"),
        "AUTH_PUBLIC_KEY": cluster.public_key.read_text()})
    raw_units = take(1_500 if dur < 10 else 6_000)
    try:
        kit.run_load(kit.checkout_request(f"http://127.0.0.1:{raw_port}", tok, fx, take(100)),
                     rate=None, duration=2, concurrency=clients, max_requests=100)  # warm-up
        raw_res, cpu_raw = saturate(
            raw, "raw-SQL check-out route, saturation",
            kit.checkout_request(f"http://127.0.0.1:{raw_port}", tok, fx, raw_units),
            clients, dur, len(raw_units))
    finally:
        os.killpg(raw.pid, signal.SIGTERM)
        raw.wait(timeout=30)
    pg_tps, pg_p50, pg_p99 = run_pgbench(cluster, fx, clients, dur, 5_000)
    print(f"{'pgbench, same SQL (8 clients)':<34} done {pg_tps:>6.1f}/s  p50 {pg_p50:6.1f}  "
          f"p99 {pg_p99:6.1f} ms")
    bare_port = kit.free_port_base(1)
    bare = bare_flask(bare_port)
    try:
        bare_res, cpu_bare = saturate(
            bare, "bare Flask route, saturation",
            lambda s, i: s.post(f"http://127.0.0.1:{bare_port}/rentals",
                                json={"station_id": fx.station_id, "i": i}, timeout=30),
            clients, dur)
    finally:
        os.killpg(bare.pid, signal.SIGTERM)
        bare.wait(timeout=30)
    result("check-out throughput / raw-SQL route", f"{peak:.0f}/s vs {raw_res.throughput:.0f}/s"
           f" = {peak / raw_res.throughput:.2f}x (target >= 0.6x)",
           peak / raw_res.throughput >= 0.6)
    result("check-out throughput / bare Flask", f"{peak:.0f}/s vs {bare_res.throughput:.0f}/s"
           f" = {peak / bare_res.throughput:.2f}x (target >= 0.35x)",
           peak / bare_res.throughput >= 0.35)
    result("check-out CPU per request / raw-SQL route / bare route",
           f"{cpu_checkout:.1f} / {cpu_raw:.1f} / {cpu_bare:.1f} ms", None)
    result("check-out throughput / pgbench", f"{peak:.0f}/s vs {pg_tps:.0f}/s = "
           f"{peak / pg_tps:.2f}x", None)
    result("check-out p99 at saturation / raw route p99 / pgbench p99",
           f"{pct(sat.latencies_ms, 99):.1f} / {pct(raw_res.latencies_ms, 99):.1f} / "
           f"{pg_p99:.1f} ms", None)


def relay_part(cluster: Cluster, quick: bool) -> None:
    print("\n== relay: outbox -> broker ==", flush=True)
    rows = 2_000 if quick else 10_000
    relay_pid = cluster.procs["inventory-relay"].pid
    assert relay_pid is not None
    relay_prof: list[str] = []
    relay_out = kit.REPO / "var" / "bench" / "relay.pyspy.txt"
    rt = threading.Thread(target=lambda: relay_prof.extend(
        profile(relay_pid, 3 if quick else 6, relay_out)), daemon=True)
    rt.start()
    time.sleep(0.5)  # py-spy attached before the rows land
    drain = relay_drain(cluster, rows)
    rt.join(timeout=60)
    with kit.connect(cluster, "inventory") as conn:
        body = conn.execute("SELECT body FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()[0]
    variants = {
        "batches of 500, 2 in flight": raw_publisher(cluster, body.encode(), rows),
        "same, a batch's frames in one send()": raw_publisher(cluster, body.encode(), rows,
                                                              coalesce=True),
        f"all {rows} in flight, one send() per 500": raw_publisher(
            cluster, body.encode(), rows, window=None, coalesce=True),
    }
    raw = min(variants.values())  # the fastest is the baseline
    print(f"relay drained {rows} rows in {drain:.2f} s -> {rows / drain:.0f}/s")
    for name, secs in variants.items():
        print(f"  raw pika pipelined confirms, {name}: {secs:.2f} s -> {rows / secs:.0f}/s")
    print(f"profile of the relay during the drain (py-spy, raw stacks in {relay_out}):")
    for line in relay_prof:
        print("  " + line)
    result("relay rate / raw publisher", f"{rows / drain:.0f}/s vs {rows / raw:.0f}/s = "
           f"{raw / drain:.2f}x (target >= 0.8x)", raw / drain >= 0.8)
    result(f"{rows}-row backlog drain", f"{drain:.2f} s (target < 2 s)", drain < 2)


LEG_P50: dict[str, float] = {}  # leg -> p50 ms of the last latency_legs() (the floor)


def latency_legs(cluster: Cluster, rental_ids: list[str]) -> list[str]:
    """Where the commit -> effect time goes, per leg, from the databases' own timestamps:
    outbox created_at (before the API's commit) -> published_at (relay, after the broker's
    confirm) -> inbox received_at (consumer, start of its transaction) -> task created_at."""
    ids = set(rental_ids)
    with kit.connect(cluster, "inventory") as inv:
        out = {r[0]: (r[1], r[2], r[3]) for r in inv.execute(
            "SELECT subject_id, created_at, published_at, event_id FROM outbox "
            "WHERE event_type = 'rental.delivery_requested'") if r[0] in ids}
    with kit.connect(cluster, "volunteer") as vol:
        inbox = {r[0]: r[1] for r in vol.execute(
            "SELECT event_id, received_at FROM inbox WHERE event_type = "
            "'rental.delivery_requested'")}
        tasks = {r[0]: r[1] for r in vol.execute(
            "SELECT source_id, created_at FROM tasks WHERE source_kind = 'rental_delivery'")}
    legs: dict[str, list[float]] = {"commit -> published (relay)": [],
                                    "published -> consumer txn start": [],
                                    "consumer txn start -> task row": []}
    for subject, (made, published, event_id) in out.items():
        got, task = inbox.get(event_id), tasks.get(subject)
        if published is None or got is None or task is None:
            continue
        legs["commit -> published (relay)"].append((published - made).total_seconds() * 1000)
        legs["published -> consumer txn start"].append((got - published).total_seconds() * 1000)
        legs["consumer txn start -> task row"].append((task - got).total_seconds() * 1000)
    LEG_P50.update({name: pct(v, 50) for name, v in legs.items() if v})
    return [f"{name:<34} p50 {pct(v, 50):6.1f}  p99 {pct(v, 99):6.1f}  max {max(v or [0]):6.1f} ms"
            for name, v in legs.items()]


def latency_part(cluster: Cluster, fx: kit.Fixture, base: str, tok: str, peak: float,
                 dur: int, take: Callable[[int], list[str]]) -> None:
    print("\n== event latency: check-out with delivery -> volunteer task committed ==",
          flush=True)
    half = max(5.0, round(peak / 2))
    n = int(half * dur * 2)
    ev_units = take(n)
    cons_pid = cluster.procs["volunteer-consumer"].pid
    assert cons_pid is not None
    cons_prof: list[str] = []
    cons_out = kit.REPO / "var" / "bench" / "consumer.pyspy.txt"
    ct = threading.Thread(target=lambda: cons_prof.extend(
        profile(cons_pid, max(2, dur - 1), cons_out)), daemon=True)
    ct.start()
    ev = kit.run_load(kit.checkout_request(base, tok, fx, ev_units, delivery=True),
                      rate=half, duration=dur * 2, concurrency=32, max_requests=n)
    ct.join(timeout=60)
    print(ev.line(f"check-out+delivery at {half:.0f}/s"))
    with kit.connect(cluster, "inventory") as conn:
        rental_ids = [str(r[0]) for r in conn.execute(
            "SELECT id FROM rentals WHERE unit_id = ANY(%s::uuid[])", (ev_units,))]
    lats = event_latencies(cluster, rental_ids)
    with kit.connect(cluster, "inventory") as conn:
        body = conn.execute("SELECT body FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()[0]
    confirm = confirm_latencies(cluster, body.encode())
    consume = raw_consumer(cluster, body.encode(), 5_000, prefetch=32)
    print(f"baselines: single-message publish->confirm on a quorum queue p50 "
          f"{pct(confirm, 50):.1f} ms p99 {pct(confirm, 99):.1f} ms; raw pika consumer "
          f"(ack, no work, prefetch 32) {consume:.0f}/s")
    print(f"events {len(rental_ids)}, tasks {len(lats)}; commit->effect p50 "
          f"{pct(lats, 50):.1f} ms p99 {pct(lats, 99):.1f} ms max {max(lats or [0]):.1f} ms")
    print("legs (the outbox's created_at is taken just before the API's commit):")
    for line in latency_legs(cluster, rental_ids):
        print("  " + line)
    print(f"profile of the volunteer consumer during the load (py-spy, raw stacks in {cons_out}):")
    for line in cons_prof:
        print("  " + line)
    # the floor: the broker's own publish -> confirm plus the consumer's transaction
    floor = pct(confirm, 50) + LEG_P50.get("consumer txn start -> task row", 0.0)
    result("event latency p50", f"{pct(lats, 50):.1f} ms (target <= 3 x floor = "
           f"{3 * floor:.1f} ms; floor: publish->confirm p50 {pct(confirm, 50):.1f} + consumer "
           f"txn p50 {floor - pct(confirm, 50):.1f} ms)",
           pct(lats, 50) <= 3 * floor and len(lats) == len(rental_ids))
    result("event latency p99", f"{pct(lats, 99):.1f} ms (target <= 60 ms; one publish->"
           f"confirm alone: p99 {pct(confirm, 99):.1f} ms)", pct(lats, 99) <= 60)
    result("raw consumer baseline", f"{consume:.0f}/s acked without work (event rate "
           f"{half:.0f}/s)", None)


def _render_insert(table: str, row: dict[str, Any], fresh: dict[str, str]) -> str:
    """An INSERT of ``row`` as literals, with the columns in ``fresh`` set from pgbench's
    ``:k`` (unique per transaction) and serial columns left to their defaults."""
    from psycopg import sql

    cols, vals = [], []
    for col, value in row.items():
        if col in ("seq",) or (col == "id" and isinstance(value, int)):
            continue
        cols.append(col)
        if col in fresh:
            cast = "::uuid" if isinstance(value, uuid.UUID) else ""
            vals.append(f"md5('{fresh[col]}' || :k){cast}")
        else:
            lit = sql.Literal(value if not isinstance(value, dict | list)
                              else json.dumps(value, ensure_ascii=False)).as_string(None)
            # pgbench reads ":name" as a variable even inside quotes: spell colons out
            end = lit.rfind("'")
            if ":" in lit[:end]:
                lit = "(" + lit[:end + 1].replace(":", "' || chr(58) || '") + ")" + lit[end + 1:]
                if isinstance(value, dict | list):
                    lit += "::json"  # a text expression now: the column's JSON type
            vals.append(lit)
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(vals)});"


def consumer_part(cluster: Cluster, quick: bool) -> None:
    """Consumer catch-up: a backlog of delivery requests applied by the volunteer consumer
    (CONSUMER_WORKERS workers), against pgbench running the handler's SQL (inbox row, task
    row, and whatever else the handler wrote for that task, rendered from the rows it
    wrote) at the same concurrency."""
    print("\n== consumer catch-up: volunteer applies a backlog of delivery requests ==",
          flush=True)
    rows = 2_000 if quick else 10_000
    workers = int(os.environ.get("CONSUMER_WORKERS", "4"))
    with kit.connect(cluster, "inventory") as conn:
        body = conn.execute("SELECT body FROM outbox WHERE event_type = "
                            "'rental.delivery_requested' ORDER BY seq DESC LIMIT 1").fetchone()
    if body is None:
        print("no delivery request to copy (the latency part did not run): skipped")
        return
    cluster.kill("volunteer-consumer", signal.SIGTERM)
    env = json.loads(body[0])
    now = datetime.now(UTC).isoformat()
    lines, ids = [], []
    for _ in range(rows):
        rid = str(uuid.uuid4())
        env["id"] = str(uuid.uuid4())
        env["subject_id"] = rid
        env["payload"]["source"]["id"] = rid
        ids.append(env["id"])
        text = json.dumps(env, ensure_ascii=False).replace("\\", "\\\\")
        lines.append(f"{env['id']}\trental.delivery_requested\t{rid}\t{text}\t{now}\t0\n")
    with kit.connect(cluster, "inventory") as conn:
        with conn.transaction():
            kit._copy(conn, "outbox", ["event_id", "event_type", "subject_id", "body",
                                       "created_at", "attempts"], iter(lines))
            conn.execute("SELECT pg_notify('outbox_inventory', '')")
        t0 = time.perf_counter()
        while conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]:
            if time.perf_counter() - t0 > 300:
                raise TimeoutError("relay did not drain in 300 s")
            time.sleep(0.05)
    log(f"{rows} delivery requests queued for the stopped volunteer consumer")
    consumer = cluster.start("volunteer", "consumer")
    cluster.wait_consumers()
    assert consumer.pid is not None
    cpu0 = kit.cpu_seconds(consumer.pid)  # after startup: the catch-up's CPU only
    prof_lines: list[str] = []
    prof = threading.Thread(target=lambda: prof_lines.extend(profile(
        consumer.pid, 4, kit.REPO / "var" / "bench" / "catchup.pyspy.txt")), daemon=True)
    prof.start()
    with kit.connect(cluster, "volunteer") as conn:
        t0 = time.perf_counter()
        while conn.execute("SELECT count(*) FROM inbox WHERE event_id = ANY(%s)",
                           (ids,)).fetchone()[0] < rows:
            if time.perf_counter() - t0 > 600:
                raise TimeoutError("consumer did not catch up in 600 s")
            time.sleep(0.05)
        first, last = conn.execute(
            "SELECT min(received_at), max(received_at) FROM inbox WHERE event_id = ANY(%s)",
            (ids,)).fetchone()
        # from the first event received to the last one's transaction started (+ its commit,
        # not recorded: negligible at this count)
        seconds = max((last - first).total_seconds(), 1e-3)
        conn.row_factory = dict_row
        inbox_row = conn.execute("SELECT * FROM inbox WHERE event_id = %s", (ids[-1],)).fetchone()
        task = conn.execute("SELECT * FROM tasks WHERE source_id = %s",
                            (env["subject_id"],)).fetchone()
        extra = [("audit_log", r) for r in conn.execute(
            "SELECT * FROM audit_log WHERE object_id = %s", (str(task["id"]),))]
        extra += [("outbox", r) for r in conn.execute(
            "SELECT * FROM outbox WHERE subject_id = %s", (str(task["id"]),))]
    script = ["BEGIN;",
              _render_insert("inbox", dict(inbox_row), {"event_id": "ie"}),
              _render_insert("tasks", dict(task), {"id": "ti", "source_id": "ts",
                                                   "cause_key": "tc"})]
    writes = [_render_insert(table, dict(r), {"event_id": "oe"} if table == "outbox" else {})
              .replace(f"'{task['id']}'", "md5('ti' || :k)").rstrip(";") for table, r in extra]
    if len(writes) > 1:  # the unit of work sends the audit and outbox rows in one statement
        script.append("WITH " + ", ".join(f"w{i} AS ({w})" for i, w in enumerate(writes[:-1]))
                      + " " + writes[-1] + ";")
    else:
        script.extend(w + ";" for w in writes)
    script.append("END;")
    cpu_ms = 1000 * (kit.cpu_seconds(consumer.pid) - cpu0) / rows
    rate = rows / seconds
    print(f"consumer caught up on {rows} events in {seconds:.2f} s -> {rate:.0f}/s "
          f"({workers} workers; {cpu_ms:.1f} ms of CPU per event in one process, whose "
          f"Python runs on one CPU at a time: at most {1000 / max(cpu_ms, 0.01):.0f}/s)",
          flush=True)
    prof.join(timeout=60)
    print("profile of the consumer catching up (py-spy, raw stacks in "
          "var/bench/catchup.pyspy.txt):")
    print("\n".join(prof_lines))
    pgfile = Path(tempfile.mkdtemp(prefix="pgbench-")) / "handler.pgbench"
    pgfile.write_text("\\set k random(1, 1000000000000000)\n" + "\n".join(script) + "\n")
    dur = 4 if quick else 10
    out = subprocess.run(["pgbench", "-n", "-M", "prepared", "-c", str(workers), "-j", "2",
                          "-T", str(dur), "-f", str(pgfile), cluster.database_url("volunteer")],
                         capture_output=True, text=True, timeout=dur + 60)
    shutil.rmtree(pgfile.parent, ignore_errors=True)
    if out.returncode != 0:
        print(f"pgbench of the handler's SQL failed: {out.stderr[-1500:]}")
        return
    tps = float(next(line.split("=")[1].split()[0] for line in out.stdout.splitlines()
                     if line.startswith("tps")))
    print(f"pgbench, the handler's {len(script) - 2} statements, {workers} clients: "
          f"{tps:.0f} tps")
    result("consumer catch-up / pgbench of the handler's SQL",
           f"{rate:.0f}/s vs {tps:.0f}/s = {rate / tps:.2f}x (target >= 0.5x)",
           rate / tps >= 0.5)


def scale_part(cluster: Cluster, fx: kit.Fixture, n_units: int, n_rentals: int, base: str,
               tok: str, take: Callable[[int], list[str]], quick: bool, dur: int, clients: int,
               t_start: float, avail: Callable[[requests.Session, int], requests.Response],
               co_small: kit.LoadResult, av_small: kit.LoadResult) -> None:
    print(f"\n== scale: + {n_units:,} units and {n_rentals:,} rentals by COPY ==", flush=True)
    budget_left = 15 * 60 - (time.perf_counter() - t_start)
    log(f"{budget_left:.0f} s of the 15-minute budget left before the bulk load")
    tu, tr = kit.bulk_history(cluster, fx, n_units, n_rentals)
    with kit.connect(cluster, "inventory") as conn:
        nu = conn.execute("SELECT count(*) FROM units").fetchone()[0]
        nr = conn.execute("SELECT count(*) FROM rentals").fetchone()[0]
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))"
                            ).fetchone()[0]
    print(f"loaded in {tu:.0f} s (units) + {tr:.0f} s (rentals); now {nu:,} units, "
          f"{nr:,} rentals, database {size}")
    co_big = kit.run_load(kit.checkout_request(base, tok, fx, take(3_000 if quick else 8_000)),
                          rate=None, duration=dur, concurrency=clients,
                          max_requests=3_000 if quick else 8_000)
    print(co_big.line("check-out, saturation, large DB"))
    av_big = kit.run_load(avail, rate=None, duration=dur, concurrency=clients,
                          max_requests=1_000_000)
    print(av_big.line("availability, saturation, large DB"))
    for what, small, big in (("check-out", co_small, co_big),
                             ("availability", av_small, av_big)):
        ratio = pct(big.latencies_ms, 50) / pct(small.latencies_ms, 50)
        ratio99 = pct(big.latencies_ms, 99) / pct(small.latencies_ms, 99)
        result(f"{what} latency large/10k", f"p50 {ratio:.2f}x, p99 {ratio99:.2f}x, "
               f"throughput {big.throughput:.0f}/s vs {small.throughput:.0f}/s "
               "(target <= 1.2x)",
               ratio <= 1.2)

def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="short run: small sizes, short loads")
    p.add_argument("--units", type=int, default=1_000_000)
    p.add_argument("--rentals", type=int, default=5_000_000)
    p.add_argument("--keep", action="store_true", help="keep databases and queues")
    p.add_argument("--only", default="write,relay,latency,scale",
                   help="comma-separated parts to run (write, relay, latency, scale; default "
                        "all). The check-out saturation run always runs: its peak sets the "
                        "event-latency rate and it is the scale step's small-database figure")
    args = p.parse_args(argv)
    parts = set(args.only.split(","))
    unknown = parts - {"write", "relay", "latency", "scale"}
    if unknown:
        p.error(f"unknown parts: {', '.join(sorted(unknown))}")
    q = args.quick
    dur = 4 if q else 12
    clients = 8  # 2 gunicorn workers x 4 threads = 8 requests in flight, 8 DB connections
    if q:
        args.units, args.rentals = min(args.units, 20_000), min(args.rentals, 50_000)
    kit.interruptible()
    t_start = time.perf_counter()
    print(f"bench {datetime.now().isoformat(timespec='seconds')}  cpus {os.cpu_count()}  "
          f"{'QUICK ' if q else ''}load generator: Python threads + requests on loopback "
          f"(shares the 2 CPUs with the servers)", flush=True)
    var = Path(tempfile.mkdtemp(prefix="bench-"))
    log("starting cluster (inventory + volunteer; api, relay, consumer)")
    cluster = kit.start_cluster(var, ("inventory", "volunteer"))
    try:
        pool_units = 8_000 if q else 40_000
        fx = kit.load_fixture(cluster, units=pool_units, borrowers=5_000)
        pgbench_pool(cluster, fx, units=pool_units, borrowers=5_000)
        with kit.connect(cluster, "inventory") as conn:
            n_units = conn.execute("SELECT count(*) FROM units").fetchone()[0]
        log(f"fixture: {n_units} units, 10k borrowers (COPY)")
        tok = kit.token(cluster, "clerk", stations=[fx.station_id])
        base = cluster.base_url("inventory")
        units = list(fx.free_units)

        def take(n: int) -> list[str]:
            got = units[:n]
            del units[:n]
            return got

        # -- write path ----------------------------------------------------------------
        print("\n== write path: POST /rentals (check-out by unit id) ==", flush=True)
        kit.run_load(kit.checkout_request(base, tok, fx, take(200)), rate=None, duration=3,
                     concurrency=clients, max_requests=200)  # warm-up
        sat_units = take(2_000 if q else 12_000)
        rss: dict[str, float] = {}
        prof_lines: list[str] = []

        def sample_rss(stop: threading.Event) -> None:
            while not stop.is_set():
                for name, proc in cluster.procs.items():
                    if proc.pid:
                        rss[name] = max(rss.get(name, 0.0), kit.rss_mb(proc.pid))
                time.sleep(0.5)

        stop = threading.Event()
        threading.Thread(target=sample_rss, args=(stop,), daemon=True).start()
        api_pid = cluster.procs["inventory-api"].pid
        assert api_pid is not None
        workers = Path(f"/proc/{api_pid}/task/{api_pid}/children").read_text().split()
        prof_dir = kit.REPO / "var" / "bench"
        prof_dir.mkdir(parents=True, exist_ok=True)
        prof_out = prof_dir / "checkout.pyspy.txt"
        prof_thread = threading.Thread(target=lambda: prof_lines.extend(
            profile(int(workers[0]), dur - 2, prof_out)), daemon=True)
        prof_thread.start()
        cpu0 = kit.cpu_seconds(api_pid)
        sat = kit.run_load(kit.checkout_request(base, tok, fx, sat_units), rate=None,
                           duration=dur, concurrency=clients, max_requests=len(sat_units))
        cpu_api = kit.cpu_seconds(api_pid) - cpu0  # includes py-spy's pauses: a bit high
        prof_thread.join(timeout=60)
        print(sat.line("service, saturation (8 clients)"))
        cpu_checkout = 1000 * cpu_api / max(sat.ok, 1)
        print(f"{'':<34} API CPU {cpu_checkout:.1f} ms per check-out "
              f"({cpu_api:.1f} CPU-s over {sat.seconds:.1f} s on {os.cpu_count()} CPUs)")
        peak = sat.throughput
        for frac in (0.25, 0.5, 0.8) if "write" in parts else ():
            rate = max(5.0, round(peak * frac))
            r = kit.run_load(kit.checkout_request(base, tok, fx, take(int(rate * dur) + 1)),
                             rate=rate, duration=dur, concurrency=32,
                             max_requests=int(rate * dur) + 1)
            print(r.line(f"service, open loop {int(frac * 100)}% of peak"))
            if frac == 0.5:
                result("check-out p99 at 50% of peak", f"{pct(r.latencies_ms, 99):.1f} ms "
                       "(target <= 30 ms)", pct(r.latencies_ms, 99) <= 30)
        if "write" in parts:
            write_baselines(cluster, fx, clients, dur, peak, sat, cpu_checkout, tok, take)
        print("\nprofile of one inventory API worker at saturation (py-spy, "
              f"raw stacks in {prof_out}):")
        for line in prof_lines:
            print("  " + line)

        # availability baseline (10k-unit database)
        avail_hdr = {"Authorization": f"Bearer {tok}"}

        def avail(s: requests.Session, i: int) -> requests.Response:
            return s.get(f"{base}/units/availability", params={"type_id": fx.type_id,
                         "division_code": fx.division}, headers=avail_hdr, timeout=30)
        av_small = kit.run_load(avail, rate=None, duration=dur, concurrency=clients,
                                max_requests=1_000_000)
        print(av_small.line("availability, saturation"))
        co_small = sat

        # -- relay ----------------------------------------------------------------------
        if "relay" in parts:
            relay_part(cluster, q)

        # -- event latency ------------------------------------------------------------
        if "latency" in parts:
            latency_part(cluster, fx, base, tok, peak, dur, take)
            consumer_part(cluster, q)
        stop.set()  # RSS was sampled over the write path, the relay and the latency loads
        for name in sorted(rss):
            print(f"RSS {name:<22} {rss[name]:6.1f} MB (max over processes of the group)")
        result("RSS per process under load", f"max {max(rss.values()):.0f} MB (target <= 120 MB)",
               max(rss.values()) <= 120)

        # -- scale -----------------------------------------------------------------------
        if "scale" in parts:
            scale_part(cluster, fx, args.units, args.rentals, base, tok, take, q, dur, clients,
                       t_start, avail, co_small, av_small)
    finally:
        cluster.down()
        if not args.keep:
            cluster.drop_databases()
            cleanup_bus(cluster.bus_prefix)
        shutil.rmtree(var, ignore_errors=True)
    print(f"\n== summary ({time.perf_counter() - t_start:.0f} s) ==")
    for name, figure, ok in RESULTS:
        print(f"{'info' if ok is None else verdict(ok):<5} {name}: {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
