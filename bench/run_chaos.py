"""``make chaos``: faults under load, and a ledger proving every committed event was applied
exactly once.

    .venv/bin/python -m bench.run_chaos [--quick] [--kills N] [--broker-restarts N]
                                        [--no-postgres-restart]

A native cluster (inventory + volunteer: API, relay, consumer each) on its own databases
and bus prefix takes check-outs with home delivery at a steady open-loop rate; each
commits ``rental.delivery_requested`` in the inventory outbox, and the volunteer consumer
turns it into a task (inbox row + task in one transaction). Meanwhile:

1. poison messages are published amid the load (unreadable body, schema-breaking payload,
   a source kind the handler rejects): each must reach ``volunteer.parked`` within the
   retry bound, and the other events' commit->effect p99 must stay within +-20 %;
2. the inventory relay and the volunteer consumer are killed with SIGKILL at random
   points and restarted (as a supervisor would), up to ``--kills`` times each or until
   the time budget is spent (the count is printed);
3. the broker is restarted ``--broker-restarts`` times with ``rabbitmqctl stop_app`` /
   ``start_app``. THIS STOPS THE SHARED LOCAL RABBITMQ FOR A FEW SECONDS EACH TIME: other
   people's tests on this machine see the outage. It happens only here, never in
   ``make test``.
4. PostgreSQL is restarted under load (``PG_RESTART_CMD``, default ``pg_ctlcluster
   --skip-systemctl-redirect <version> main restart``; THIS RESTARTS THE LOCAL POSTGRESQL:
   ``--no-postgres-restart`` skips it) and the API must answer 503 problem+json meanwhile
   (no other 5xx) and recover by itself.

Then the load stops, the system drains, and the ledger compares the outbox (committed
events) with the volunteer inbox and tasks: 0 lost, 0 duplicate effects is the target.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pika  # type: ignore[import-untyped]
import requests
from svckit.cluster import Cluster

from bench import kit
from bench.kit import log, pct, verdict
from bench.run_bench import cleanup_bus, event_latencies

RESULTS: list[tuple[str, str, bool | None]] = []


def result(name: str, figure: str, ok: bool | None) -> None:
    RESULTS.append((name, figure, ok))
    print(f"  => {name}: {figure}  [{'info' if ok is None else verdict(ok)}]", flush=True)


class Load:
    """Check-outs with delivery at ``rate``/s in the background until stopped."""

    def __init__(self, cluster: Cluster, fx: kit.Fixture, tok: str, rate: float) -> None:
        self.cluster, self.fx, self.rate = cluster, fx, rate
        self.req = kit.checkout_request(cluster.base_url("inventory"), tok, fx, fx.free_units,
                                        delivery=True)
        self.stop = threading.Event()
        self.sent: list[tuple[float, int | None]] = []  # (time, status)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        s = requests.Session()
        i = 0
        t0 = time.perf_counter()
        while not self.stop.is_set() and i < len(self.fx.free_units):
            due = t0 + i / self.rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                status: int | None = self.req(s, i).status_code
            except requests.RequestException:
                status = None
            self.sent.append((time.time(), status))
            i += 1


class Supervisor:
    """Restarts a relay or consumer that exited on its own (e.g. after a broker outage),
    as systemd or Kubernetes would; counts the restarts."""

    def __init__(self, cluster: Cluster, names: list[str]) -> None:
        self.cluster, self.names = cluster, names
        self.lock = threading.Lock()
        self.restarts: dict[str, int] = dict.fromkeys(names, 0)
        self.stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self.stop.is_set():
            for name in self.names:
                with self.lock:
                    proc = self.cluster.procs[name]
                    if not proc.alive():
                        if proc.popen is not None:
                            proc.popen.wait()
                        self.cluster.start(proc.service, proc.role)
                        self.restarts[name] += 1
            time.sleep(0.2)

    def kill_and_restart(self, name: str) -> None:
        with self.lock:
            self.cluster.kill(name, signal.SIGKILL)
            self.cluster.start(*name.split("-", 1))


def queue_depths(prefix: str) -> dict[str, int]:
    out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "name", "messages"],
                         capture_output=True, text=True, timeout=60)
    depths = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].startswith(prefix) and parts[1].isdigit():
            depths[parts[0][len(prefix):]] = int(parts[1])
    return depths


def publish_poison(cluster: Cluster, template: dict[str, Any]) -> list[str]:
    """Three poison messages on the events exchange, routed to the volunteer queue."""
    conn = pika.BlockingConnection(pika.URLParameters(
        cluster.bus_url.rstrip("/") + "/%2F"))
    ch = conn.channel()
    ch.confirm_delivery()
    ids = []
    bad_schema = json.loads(json.dumps(template))
    bad_schema["id"] = str(uuid.uuid4())
    bad_schema["payload"]["window_start"] = "not a time"
    wrong_kind = json.loads(json.dumps(template))
    wrong_kind["id"] = str(uuid.uuid4())
    wrong_kind["payload"]["source"]["kind"] = "overdue_call"
    bodies = [b"\xff\xfe not json", json.dumps(bad_schema).encode(),
              json.dumps(wrong_kind).encode()]
    for body in bodies:
        mid = str(uuid.uuid4())
        ids.append(mid)
        ch.basic_publish(f"{cluster.bus_prefix}events", "rental.delivery_requested", body,
                         pika.BasicProperties(message_id=mid, delivery_mode=2,
                                              content_type="application/json",
                                              type="rental.delivery_requested"),
                         mandatory=True)
    conn.close()
    return ids


def broker(action: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", action], check=True, capture_output=True, timeout=120)


def wait_broker(timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pika.BlockingConnection(pika.URLParameters(kit.AMQP_URL.rstrip("/") + "/%2F")).close()
            return True
        except Exception:  # noqa: BLE001 - any failure means "not yet"
            time.sleep(0.5)
    return False


def ledger(cluster: Cluster, timeout: float) -> dict[str, int]:
    """Wait until the outbox is published and every delivery event has its task, then
    compare committed events with applied ones."""
    deadline = time.monotonic() + timeout
    with kit.connect(cluster, "inventory") as inv, kit.connect(cluster, "volunteer") as vol:
        while True:
            committed = {r[0]: r[1] for r in inv.execute(
                "SELECT event_id, subject_id FROM outbox WHERE event_type = "
                "'rental.delivery_requested'")}
            pending = inv.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL"
                                  ).fetchone()[0]
            inbox = [r[0] for r in vol.execute(
                "SELECT event_id FROM inbox WHERE event_type = 'rental.delivery_requested'")]
            tasks = [r[0] for r in vol.execute(
                "SELECT source_id FROM tasks WHERE source_kind = 'rental_delivery'")]
            if (not pending and set(committed) <= set(inbox)) or time.monotonic() > deadline:
                break
            time.sleep(1)
        rentals = {str(r[0]) for r in inv.execute(
            "SELECT id FROM rentals WHERE logistics <> 'none'")}
    inbox_set, task_set = set(inbox), set(tasks)
    return {
        "committed": len(committed),
        "rentals_with_delivery": len(rentals),
        "outbox_pending": pending,
        "applied_inbox": len(inbox_set & set(committed)),
        "lost": len(set(committed) - inbox_set),
        "lost_effects": len(set(committed.values()) - task_set),
        "duplicate_inbox": len(inbox) - len(inbox_set),
        "duplicate_effects": len(tasks) - len(task_set),
        "effects_without_event": len(task_set - set(committed.values())),
    }


def _default_pg_restart() -> str:
    """Restart the Debian cluster ``main`` of the installed PostgreSQL version."""
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    version = versions[-1] if versions else "15"
    return f"pg_ctlcluster --skip-systemctl-redirect {version} main restart"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--kills", type=int, default=100, help="SIGKILLs per process kind")
    p.add_argument("--broker-restarts", type=int, default=4)
    p.add_argument("--rate", type=float, default=15.0, help="check-outs with delivery per s")
    p.add_argument("--budget", type=float, default=13 * 60, help="seconds for the whole run")
    p.add_argument("--no-postgres-restart", dest="postgres_restart", action="store_false",
                   help="skip the PostgreSQL restart under load (it restarts the local server)")
    args = p.parse_args(argv)
    if args.quick:
        args.kills, args.broker_restarts, args.budget = 5, 1, 240
    kit.interruptible()
    t_start = time.perf_counter()
    print(f"chaos {datetime.now().isoformat(timespec='seconds')}  cpus {os.cpu_count()}  "
          f"{'QUICK ' if args.quick else ''}kills<= {args.kills} each, broker restarts "
          f"{args.broker_restarts}, load {args.rate:.0f} check-outs/s with delivery", flush=True)
    print("NOTE: this run restarts the local RabbitMQ app (rabbitmqctl stop_app/start_app) "
          f"{args.broker_restarts} time(s); other users of the broker see short outages.")
    print("NOTE: PostgreSQL restart is "
          + ("ON: the local PostgreSQL restarts once (--no-postgres-restart skips it)"
             if args.postgres_restart else "OFF (--no-postgres-restart)"), flush=True)
    var = Path(tempfile.mkdtemp(prefix="chaos-"))
    cluster = kit.start_cluster(var, ("inventory", "volunteer"), extra_env={
        "RETRY_DELAYS_MS": "[200, 500, 1000]", "RELAY_IDLE_POLL": "0.5"})
    sup: Supervisor | None = None
    load: Load | None = None
    try:
        n_units = int(args.rate * args.budget) + 1000
        fx = kit.load_fixture(cluster, units=n_units, borrowers=5_000)
        tok = kit.token(cluster, "clerk", stations=[fx.station_id])
        sup = Supervisor(cluster, ["inventory-relay", "volunteer-consumer",
                                   "inventory-consumer", "volunteer-relay"])
        load = Load(cluster, fx, tok, args.rate)
        load.thread.start()
        time.sleep(3)

        # -- 1. poison amid load ---------------------------------------------------------
        print("\n== poison messages amid load ==", flush=True)
        window = 8 if args.quick else 20

        def window_latencies(seconds: float) -> list[float]:
            with kit.connect(cluster, "inventory") as conn:
                before = {str(r[0]) for r in conn.execute("SELECT id FROM rentals")}
            time.sleep(seconds)
            with kit.connect(cluster, "inventory") as conn:
                ids = [str(r[0]) for r in conn.execute("SELECT id FROM rentals")
                       if str(r[0]) not in before]
            return event_latencies(cluster, ids, timeout=30)

        calm = window_latencies(window)
        with kit.connect(cluster, "inventory") as conn:
            template = json.loads(conn.execute(
                "SELECT body FROM outbox WHERE event_type = 'rental.delivery_requested' "
                "ORDER BY seq DESC LIMIT 1").fetchone()[0])
        parked_before = queue_depths(cluster.bus_prefix).get("volunteer.parked", 0)
        poison_ids: list[str] = []
        stop_poison = threading.Event()

        def poison_loop() -> None:
            while not stop_poison.is_set():
                poison_ids.extend(publish_poison(cluster, template))
                time.sleep(2)
        pt = threading.Thread(target=poison_loop, daemon=True)
        pt.start()
        noisy = window_latencies(window)
        stop_poison.set()
        pt.join()
        calm += window_latencies(window)  # calm windows before and after, pooled
        bound = (200 + 500 + 1000) / 1000 + 5  # retry delays + slack
        t_check = time.monotonic()  # the last poison was sent >= one window ago
        while True:  # (queue counts of quorum queues lag by a few seconds)
            parked = queue_depths(cluster.bus_prefix).get("volunteer.parked", 0) - parked_before
            if parked >= len(poison_ids) or time.monotonic() - t_check > bound:
                break
            time.sleep(0.5)
        print(f"poison published {len(poison_ids)}, parked {parked}; other events p50/p99 "
              f"calm {pct(calm, 50):.1f}/{pct(calm, 99):.1f} ms (n={len(calm)}), with poison "
              f"{pct(noisy, 50):.1f}/{pct(noisy, 99):.1f} ms (n={len(noisy)})")
        result("poison parked within the retry bound", f"{parked}/{len(poison_ids)}",
               parked == len(poison_ids))
        change = pct(noisy, 99) / pct(calm, 99) - 1
        result("others' p99 with poison vs without", f"{change:+.0%} (target within +-20%)",
               abs(change) <= 0.2)

        # -- 2. SIGKILL relays and consumers --------------------------------------------
        print("\n== SIGKILL at random points (inventory relay, volunteer consumer) ==",
              flush=True)
        kill_budget = args.budget * 0.55
        kills = {"inventory-relay": 0, "volunteer-consumer": 0}
        t_kill = time.perf_counter()

        def killer(name: str) -> None:
            rnd = random.Random(hash(name))
            while kills[name] < args.kills and time.perf_counter() - t_kill < kill_budget:
                time.sleep(rnd.uniform(0.3, 2.5))  # mid-start, idle, or mid-batch
                sup.kill_and_restart(name)  # type: ignore[union-attr]
                kills[name] += 1
        ks = [threading.Thread(target=killer, args=(n,), daemon=True) for n in kills]
        for t in ks:
            t.start()
        for t in ks:
            t.join()
        print(f"kills: {kills} in {time.perf_counter() - t_kill:.0f} s "
              f"(target >= 100 each; scaled to the time budget)", flush=True)
        result("SIGKILLs", ", ".join(f"{k} {v}" for k, v in kills.items()),
               all(v >= 100 for v in kills.values()) if not args.quick else None)

        # -- 3. broker restarts ---------------------------------------------------------
        print("\n== broker restarts under load (rabbitmqctl stop_app/start_app) ==",
              flush=True)
        for i in range(args.broker_restarts):
            time.sleep(3)
            t0 = time.perf_counter()
            broker("stop_app")
            time.sleep(random.uniform(1, 4))
            broker("start_app")
            up = wait_broker()
            print(f"restart {i + 1}: broker back after {time.perf_counter() - t0:.1f} s "
                  f"({'up' if up else 'NOT UP'})", flush=True)
        time.sleep(5)

        # -- 4. PostgreSQL restart (opt-in) --------------------------------------------------
        if args.postgres_restart:
            print("\n== PostgreSQL restart under load ==", flush=True)
            n0 = len(load.sent)
            cmd = shlex.split(os.environ.get("PG_RESTART_CMD", _default_pg_restart()))
            subprocess.run(cmd, check=True, timeout=120)
            time.sleep(10)
            during = [s for _, s in load.sent[n0:]]
            ok_after = [s for _, s in load.sent[-20:]]
            print(f"statuses during/after restart: { {s: during.count(s) for s in set(during)} }")
            result("PostgreSQL restart: 503 meanwhile, then recovers",
                   f"503s {during.count(503)}, 5xx other "
                   f"{sum(1 for s in during if s and s >= 500 and s != 503)}, "
                   f"last 20 all 201: {all(s == 201 for s in ok_after)}",
                   all(s == 201 for s in ok_after)
                   and not any(s and s >= 500 and s != 503 for s in during))

        # -- ledger ------------------------------------------------------------------------
        load.stop.set()
        load.thread.join(timeout=30)
        sup.stop.set()
        statuses: dict[Any, int] = {}
        for _, s in load.sent:
            statuses[s] = statuses.get(s, 0) + 1
        print(f"\nload: {len(load.sent)} check-outs, statuses {statuses}; supervisor restarts "
              f"after self-exit: {sup.restarts}", flush=True)
        log("draining; building the ledger")
        led = ledger(cluster, timeout=120)
        backlog = queue_depths(cluster.bus_prefix).get("volunteer", 0)
        t_q = time.monotonic()  # redelivered/republished copies still queued: absorb them too
        while queue_depths(cluster.bus_prefix).get("volunteer", 0) and time.monotonic() - t_q < 90:
            time.sleep(1)
        print(f"duplicate copies still queued when every event was applied: {backlog}; "
              f"queue empty after {time.monotonic() - t_q:.0f} s")
        led = ledger(cluster, timeout=30)
        time.sleep(6)  # quorum queue counts are refreshed every few seconds
        depths = queue_depths(cluster.bus_prefix)
        with kit.connect(cluster, "inventory") as conn:
            checked_out = conn.execute("SELECT count(*) FROM outbox WHERE event_type = "
                                       "'rental.checked_out'").fetchone()[0]
        print("ledger: " + ", ".join(f"{k} {v}" for k, v in led.items()))
        print(f"queues: {depths} (parked includes the {len(poison_ids)} poison messages)")
        extra_parked = depths.get("volunteer.parked", 0) - len(poison_ids)
        result("ledger: lost events", f"{led['lost']} of {led['committed']} (effects "
               f"{led['lost_effects']}); parked non-poison {extra_parked}",
               led["lost"] == 0 and led["lost_effects"] == 0 and led["committed"] > 0)
        unrouted = depths.get("events.unrouted", 0)
        result("ledger: rental.checked_out at the broker (no consumer: kept in events.unrouted)",
               f"{unrouted} queued for {checked_out} committed (more = republished copies)",
               unrouted >= checked_out)
        result("ledger: duplicate effects", f"{led['duplicate_effects']} tasks, "
               f"{led['duplicate_inbox']} inbox, {led['effects_without_event']} without event",
               led["duplicate_effects"] == 0 and led["duplicate_inbox"] == 0
               and led["effects_without_event"] == 0)
    finally:
        if load is not None:
            load.stop.set()
        if sup is not None:
            sup.stop.set()
            time.sleep(0.5)
        cluster.down()
        cluster.drop_databases()
        try:
            cleanup_bus(cluster.bus_prefix)
        except Exception as exc:  # noqa: BLE001 - report, do not mask the run's outcome
            print(f"bus cleanup failed: {exc}")
        shutil.rmtree(var, ignore_errors=True)
    print(f"\n== summary ({time.perf_counter() - t_start:.0f} s) ==")
    for name, figure, ok in RESULTS:
        print(f"{'info' if ok is None else verdict(ok):<5} {name}: {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
