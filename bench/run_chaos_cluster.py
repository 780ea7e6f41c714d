"""``make chaos-cluster``: node losses on the distributed-mode lab under load, with a ledger
per fault proving every committed event applied exactly once (issue 19).

    .venv/bin/python -m bench.run_chaos_cluster [--kills 3] [--rate 5]

The lab (``lab.stack``): a three-node RabbitMQ cluster and a PostgreSQL primary with a
streaming standby, on their own ports and folders. Inventory, renovation and volunteer
run natively (API, relay, consumer each) with every broker node in ``BUS_URL`` and the
multi-host database URL (``target_session_attrs=read-write``). While check-outs with home
delivery and renovation applications (accepted, assessment scheduled: a volunteer task
each) run, the faults are, in order:

1. ``kill -9`` of the node leading the volunteer queue, restarted ~10 s later (``--kills``
   times, 3 by default);
2. a graceful stop (``rabbitmqctl stop``) of the node leading it then, restarted later;
3. a database failover: stop the primary (``pg_ctl stop -m fast``), ``pg_ctl promote`` the
   standby; the old primary is rebuilt as the new standby afterwards;

and all along, relays and consumers are SIGKILLed at random and restarted. For each
fault it prints the time, the API's 503 window (first to last 503; any other 5xx is a
failure), the recovery time (until the API answered 201 and an event committed after
the fault was applied) and the ledger (committed, applied, lost, duplicated). The
machine's default broker and PostgreSQL are compared before and after; the lab is
removed at the end.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import requests
from svckit.cluster import Cluster

from bench import kit
from bench.kit import log
from bench.run_chaos import Supervisor
from lab.postgres import default_postgres_snapshot
from lab.rabbit import default_broker_snapshot, epmd_names
from lab.stack import Lab, lab_pids

REPO = Path(__file__).resolve().parents[1]
SERVICES = ("inventory", "renovation", "volunteer")
PRODUCERS = ("inventory", "renovation")
QUEUE = "volunteer"


class Statuses:
    """(time, status) of every API call of the loads; None = no answer."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: list[tuple[float, int | None, str]] = []

    def add(self, status: int | None, what: str) -> None:
        with self.lock:
            self.rows.append((time.time(), status, what))

    def since(self, t0: float, t1: float | None = None) -> list[tuple[float, int | None, str]]:
        with self.lock:
            return [r for r in self.rows if r[0] >= t0 and (t1 is None or r[0] <= t1)]


def checkout_load(cluster: Cluster, fx: kit.Fixture, tok: str, rate: float,
                  stat: Statuses, stop: threading.Event) -> None:
    req = kit.checkout_request(cluster.base_url("inventory"), tok, fx, fx.free_units,
                               delivery=True)
    s = requests.Session()
    t0 = time.monotonic()
    for i in range(len(fx.free_units)):
        if stop.is_set():
            return
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            status: int | None = req(s, i).status_code
        except requests.RequestException:
            status = None
        stat.add(status, "checkout")


def renovation_load(cluster: Cluster, stat: Statuses, stop: threading.Event,
                    every: float = 2.0) -> None:
    """A household's application, accepted, its assessment visit scheduled (a volunteer
    task from ``renovation.*`` events), one every ``every`` seconds."""
    sys.path.insert(0, str(REPO / "tests"))
    from e2e_kit import System, new_certificate, next_weekday_morning_utc

    system = System(cluster)
    base = cluster.base_url("renovation")
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {system.token('staff', sub='staff-zhao', name='赵主任')}"
    programme = s.get(f"{base}/programmes", timeout=30).json()["items"][0]["id"]
    seq = 0
    while not stop.is_set():
        seq += 1
        t = time.monotonic()
        try:
            r = s.post(f"{base}/applications", timeout=30, json={
                "programme_id": programme, "certificate": new_certificate(seq),
                "holder_name": "张桂兰", "address": f"聊城市东昌府区古楼街道光岳路{seq}号",
                "division": "371502", "phone": "13806350000", "hardship": "dibao",
                "consent": True})
            stat.add(r.status_code, "renovation")
            if r.status_code == 201:
                app_id = r.json()["id"]
                for method, path, body in (
                        ("POST", f"/applications/{app_id}/accept", {}),
                        ("PUT", f"/applications/{app_id}/assessment",
                         {"assessor": "staff-li", "scheduled_at": next_weekday_morning_utc(8)})):
                    for _ in range(20):  # a 503 is retried, as a client would
                        r = s.request(method, base + path, json=body, timeout=30)
                        stat.add(r.status_code, "renovation")
                        if r.status_code != 503:
                            break
                        time.sleep(1)
        except requests.RequestException:
            stat.add(None, "renovation")
        stop.wait(max(0.0, every - (time.monotonic() - t)))


def volunteer_types() -> set[str]:
    from volunteer.entrypoints.handlers import handlers

    return {t for t in handlers.event_types if not t.startswith("platform.")}


def read_ledger(cluster: Cluster, types: set[str], before: float | None = None
                ) -> dict[str, Any]:
    """Committed (the producers' outboxes, the types volunteer applies, committed before
    ``before``) against applied (volunteer's inbox) and its effects (tasks)."""
    committed: set[str] = set()
    cutoff = datetime.fromtimestamp(before, UTC) if before else None
    for svc in PRODUCERS:
        with kit.connect(cluster, svc) as c:
            rows = c.execute("SELECT event_id, created_at FROM outbox "
                             "WHERE event_type = ANY(%s)", (sorted(types),)).fetchall()
        committed |= {r[0] for r in rows if cutoff is None or r[1] <= cutoff}
    with kit.connect(cluster, "volunteer") as c:
        inbox = [r[0] for r in c.execute(
            "SELECT event_id FROM inbox WHERE event_type = ANY(%s)", (sorted(types),))]
        dup_tasks = c.execute(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM tasks "
            "GROUP BY source_kind, source_id) g").fetchone()[0]
    inbox_set = set(inbox)
    return {"committed": len(committed), "applied": len(committed & inbox_set),
            "lost": len(committed - inbox_set),
            "duplicated": (len(inbox) - len(inbox_set)) + int(dup_tasks),
            "_missing": committed - inbox_set}


def settle_ledger(cluster: Cluster, types: set[str], before: float, timeout: float
                  ) -> dict[str, Any]:
    """The ledger of the events committed before ``before``, once they are all applied
    (or ``timeout`` passed: what is missing then is lost)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            led = read_ledger(cluster, types, before)
            if not led["lost"] or time.monotonic() > deadline:
                return led
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
        time.sleep(1)


def applied_since(cluster: Cluster, t0: float) -> bool:
    """An event committed after ``t0`` has been applied by volunteer."""
    cutoff = datetime.fromtimestamp(t0, UTC)
    try:
        with kit.connect(cluster, "inventory") as c:
            ids = [r[0] for r in c.execute(
                "SELECT event_id FROM outbox WHERE event_type = 'rental.delivery_requested' "
                "AND created_at > %s", (cutoff,))]
        if not ids:
            return False
        with kit.connect(cluster, "volunteer") as c:
            return bool(c.execute("SELECT 1 FROM inbox WHERE event_id = ANY(%s) LIMIT 1",
                                  (ids,)).fetchone())
    except psycopg.OperationalError:
        return False


def measure(cluster: Cluster, stat: Statuses, t0: float, timeout: float = 180) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ok_api = any(s == 201 for _, s, w in stat.since(t0) if w == "checkout")
        if ok_api and applied_since(cluster, t0):
            return time.time() - t0
        time.sleep(0.3)
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kills", type=int, default=3, help="kill -9 of the queue's leader node")
    p.add_argument("--rate", type=float, default=5.0, help="check-outs with delivery per s")
    p.add_argument("--down", type=float, default=10.0, help="seconds a node stays down")
    p.add_argument("--settle", type=float, default=240.0,
                   help="seconds for the events committed before a fault to be applied")
    p.add_argument("--min-up", type=float, default=20.0,
                   help="seconds a relay/consumer runs before it may be killed again")
    args = p.parse_args(argv)
    kit.interruptible()
    t_start = time.time()
    print(f"chaos-cluster {datetime.now(UTC).isoformat(timespec='seconds')}  load "
          f"{args.rate:.0f} check-outs/s + a renovation case every 2 s; faults: "
          f"{args.kills} x kill -9 leader, 1 graceful stop, 1 database failover", flush=True)
    default_mq, default_pg = default_broker_snapshot(), default_postgres_snapshot()
    lab = Lab.create(postgres=True)
    results: list[dict[str, Any]] = []
    ok = True
    stop = threading.Event()
    sup: Supervisor | None = None
    cluster: Cluster | None = None
    threads: list[threading.Thread] = []
    try:
        log(f"lab {lab.run_id}: starting 3 RabbitMQ nodes and PostgreSQL primary + standby")
        lab.up()
        log(f"lab up ({time.time() - t_start:.0f} s): {lab.bus_url} | {lab.pg_admin_url}")
        cluster = Cluster(
            var_dir=lab.root / "var", pg_admin_url=lab.pg_admin_url,
            db_prefix="chaos_", bus_url=lab.bus_url, bus_prefix="chaos.", port_base=0,
            services=SERVICES, gunicorn_config=REPO / "deploy" / "gunicorn.conf.py",
            extra_env={"GUNICORN_WORKERS": "1", "RELAY_IDLE_POLL": "0.5",
                       "RETRY_DELAYS_MS": "[200, 500, 1000]", "CONSUMER_HEARTBEAT": "5",
                       "LOG_JSON": "true"})
        cluster.prepare(seed=True)
        cluster.up(roles=("api", "relay", "consumer"), timeout=300)
        queue = f"{cluster.bus_prefix}{QUEUE}"
        members = next(q for q in lab.rabbit.queues() if q["name"] == queue)["members"]
        print(f"{queue}: quorum queue, members {members}", flush=True)
        types = volunteer_types()
        fx = kit.load_fixture(cluster, units=int(args.rate * 900) + 500, borrowers=2000)
        tok = kit.token(cluster, "clerk", stations=[fx.station_id])
        stat = Statuses()
        threads = [
            threading.Thread(target=checkout_load, args=(cluster, fx, tok, args.rate, stat,
                                                         stop), daemon=True),
            threading.Thread(target=renovation_load, args=(cluster, stat, stop), daemon=True)]
        for t in threads:
            t.start()
        names = [f"{s}-{r}" for s in SERVICES for r in ("relay", "consumer")]
        sup = Supervisor(cluster, names)
        kills: dict[str, int] = dict.fromkeys(names, 0)

        def random_kills() -> None:
            # only a process that is up (its log shows it started since its last restart)
            # is killed, and not again within --min-up s: a restart takes 5-60 s on this
            # loaded machine, and a relay killed again before it ever ran would measure
            # the kills' rate instead of the faults' effect
            rnd = random.Random()
            marker = {"relay": "relay started", "consumer": "consuming"}
            seen = dict.fromkeys(names, 0)
            started = dict.fromkeys(names, time.monotonic())

            def ups(name: str) -> int:
                proc = cluster.procs[name]  # type: ignore[union-attr]
                try:
                    return proc.log.read_text(errors="replace").count(marker[proc.role])
                except OSError:
                    return 0
            while not stop.is_set():
                stop.wait(rnd.uniform(3, 8))
                ready = [n for n in names if time.monotonic() - started[n] > args.min_up
                         and ups(n) > seen[n]]
                if not ready:
                    continue
                name = rnd.choice(ready)
                try:
                    seen[name] = ups(name)
                    sup.kill_and_restart(name)  # type: ignore[union-attr]
                    started[name] = time.monotonic()
                    kills[name] += 1
                except Exception as exc:  # noqa: BLE001 - reported, the run goes on
                    print(f"  kill of {name} failed: {exc!r}")
        killer = threading.Thread(target=random_kills, daemon=True)
        killer.start()
        threads.append(killer)
        log(f"load running ({time.time() - t_start:.0f} s since start)")
        time.sleep(15)

        faults = ["kill -9 leader"] * args.kills + ["graceful stop of leader",
                                                   "database failover"]
        for i, fault in enumerate(faults, 1):
            print(f"\n== fault {i}: {fault} ==", flush=True)
            t0 = time.time()
            note = ""
            node = 0
            if fault == "database failover":
                assert lab.pg is not None
                old, new = lab.pg.failover()
                note = f"primary {old.name} stopped, {new.name} promoted"
            else:
                node = lab.rabbit.leader_of(queue)
                if fault.startswith("kill"):
                    lab.rabbit.kill(node)
                else:
                    lab.rabbit.stop(node)
                note = f"node {lab.rabbit.node(node).node}"
            print(f"  {datetime.fromtimestamp(t0, UTC).isoformat(timespec='seconds')} {note}",
                  flush=True)
            recovery = measure(cluster, stat, t0)
            time.sleep(max(0.0, args.down - (time.time() - t0)))
            if fault == "database failover":
                assert lab.pg is not None
                lab.pg.rebuild(old)
                back = f"old primary {old.name} rebuilt as standby"
            else:
                lab.rabbit.start(node)
                lab.rabbit.wait_cluster(timeout=180)
                back = f"node back, new leader {lab.rabbit.node(lab.rabbit.leader_of(queue)).name}"
            t_back = time.time()
            window = stat.since(t0, t_back)
            s503 = [t for t, s, _ in window if s == 503]
            other5 = [s for _, s, _ in window if s is None or (s >= 500 and s != 503)]
            led = settle_ledger(cluster, types, before=t_back, timeout=args.settle)
            row = {"fault": fault, "time": datetime.fromtimestamp(t0, UTC).strftime("%H:%M:%S"),
                   "503s": len(s503),
                   "503 window s": round(s503[-1] - s503[0], 1) if s503 else 0.0,
                   "other 5xx/no answer": len(other5), "recovery s": round(recovery, 1),
                   **{k: v for k, v in led.items() if not k.startswith("_")}}
            results.append(row)
            good = (led["lost"] == 0 and led["duplicated"] == 0 and not other5
                    and recovery == recovery)
            ok &= good
            print(f"  {back}; 503s {len(s503)} over {row['503 window s']} s, other 5xx "
                  f"{len(other5)}, recovered in {recovery:.1f} s; ledger: committed "
                  f"{led['committed']}, applied {led['applied']}, lost {led['lost']}, "
                  f"duplicated {led['duplicated']}  [{'PASS' if good else 'FAIL'}]", flush=True)
            if led["_missing"]:
                print(f"  missing: {sorted(led['_missing'])[:5]}")
            time.sleep(5)

        stop.set()
        for t in threads:
            t.join(timeout=60)
        sup.stop.set()
        log("load stopped; draining")
        final = settle_ledger(cluster, types, before=time.time(), timeout=180)
        total = stat.since(0)
        codes: dict[Any, int] = {}
        for _, s, _ in total:
            codes[s] = codes.get(s, 0) + 1
        good = final["lost"] == 0 and final["duplicated"] == 0
        ok &= good
        print(f"\nAPI calls {len(total)}: {codes}; relay/consumer SIGKILLs {sum(kills.values())} "
              f"({kills}); supervisor restarts after self-exit {sum(sup.restarts.values())}")
        print(f"final ledger: committed {final['committed']}, applied {final['applied']}, lost "
              f"{final['lost']}, duplicated {final['duplicated']}  [{'PASS' if good else 'FAIL'}]")
    finally:
        stop.set()
        if sup is not None:
            sup.stop.set()
            time.sleep(0.5)
        if cluster is not None:
            cluster.down()
        lab.down()
    left = lab_pids(lab)
    gone = not lab.root.exists() and not left and not (
        epmd_names() & {n.name for n in lab.rabbit.nodes})
    mq_after, pg_after = default_broker_snapshot(), default_postgres_snapshot()
    untouched = (mq_after["pid"] == default_mq["pid"] and mq_after["users"] == default_mq["users"]
                 and mq_after["vhosts"] == default_mq["vhosts"]
                 and not [q for q in mq_after["queues"] if q.startswith("chaos.")]
                 and pg_after["started"] == default_pg["started"]
                 and pg_after["roles"] == default_pg["roles"]
                 and not [d for d in pg_after["databases"] if str(d).startswith("chaos_")])
    ok &= gone and untouched
    print(f"\nlab removed (folder, processes, epmd names): {gone}; default broker and "
          f"PostgreSQL untouched (pid/start time, users/roles, vhosts, no lab queue or "
          f"database): {untouched}")
    print(f"\n== summary ({time.time() - t_start:.0f} s) ==")
    cols = ["fault", "time", "503s", "503 window s", "other 5xx/no answer", "recovery s",
            "committed", "applied", "lost", "duplicated"]
    print(" | ".join(cols))
    for r in results:
        print(" | ".join(str(r[c]) for c in cols))
    print(f"RESULT {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
