"""Losing a RabbitMQ node under load loses nothing and duplicates nothing (issue 19).

A real three-node cluster (``lab.rabbit``: own node names, ports, cookie and folder)
carries the services' quorum queues (three members each). Inventory and volunteer run as
processes (API, relay, consumer) given all three nodes' addresses. Under a short load of
check-outs with home delivery, the node leading the volunteer queue is killed with
SIGKILL and restarted later; the ledger read from the databases must show every committed
``rental.delivery_requested`` applied exactly once. The machine's default broker is
checked to be untouched, and the lab to be gone afterwards.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import requests
from e2e_kit import REPO
from svckit.cluster import Cluster
from svckit.testing import PG_ADMIN_URL, RUN_ID

from bench import kit
from bench.run_chaos import ledger
from bench.run_chaos_cluster import applied_since
from lab.rabbit import RabbitLab, default_broker_snapshot, epmd_names


class Load:
    """Check-outs with home delivery at ``rate``/s until stopped (statuses recorded)."""

    def __init__(self, cluster: Cluster, fx: kit.Fixture, tok: str, rate: float) -> None:
        self.req = kit.checkout_request(cluster.base_url("inventory"), tok, fx, fx.free_units,
                                        delivery=True)
        self.n, self.rate = len(fx.free_units), rate
        self.stop = threading.Event()
        self.sent: list[tuple[float, int | None]] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        s = requests.Session()
        t0 = time.monotonic()
        for i in range(self.n):
            if self.stop.is_set():
                return
            delay = t0 + i / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                status: int | None = self.req(s, i).status_code
            except requests.RequestException:
                status = None
            self.sent.append((time.time(), status))


def test_killing_the_queue_leader_node_under_load_loses_and_duplicates_nothing(
        tmp_path: Path) -> None:
    before = default_broker_snapshot()
    lab = RabbitLab(root=tmp_path / "rabbit", run_id=RUN_ID)
    load: Load | None = None
    report: dict[str, object] = {}
    try:
        lab.up()
        cluster = Cluster(
            var_dir=tmp_path / "var", pg_admin_url=PG_ADMIN_URL,
            db_prefix=f"e2e_{RUN_ID}_{uuid.uuid4().hex[:6]}_", bus_url=lab.bus_url,
            bus_prefix="lab.", port_base=0, services=("inventory", "volunteer"),
            gunicorn_config=REPO / "deploy" / "gunicorn.conf.py",
            extra_env={"GUNICORN_WORKERS": "1", "RELAY_IDLE_POLL": "0.5",
                       "RETRY_DELAYS_MS": "[200, 500, 1000]", "CONSUMER_HEARTBEAT": "5",
                       "LOG_JSON": "true"})
        try:
            cluster.prepare(seed=True)
            cluster.up(roles=("api", "relay", "consumer"), timeout=240)
            queue = "lab.volunteer"
            members = next(q for q in lab.queues() if q["name"] == queue)["members"]
            assert sorted(members) == sorted(n.node for n in lab.nodes)  # three members
            fx = kit.load_fixture(cluster, units=400, borrowers=50)
            tok = kit.token(cluster, "clerk", stations=[fx.station_id])
            load = Load(cluster, fx, tok, rate=4.0)
            load.thread.start()
            time.sleep(8)

            leader = lab.leader_of(queue)
            t_kill = time.time()
            lab.kill(leader)  # kill -9 the node leading the consumers' queue
            new_leader = None
            deadline = time.monotonic() + 90
            while new_leader in (None, leader) and time.monotonic() < deadline:
                try:
                    new_leader = lab.leader_of(queue)
                except Exception:
                    time.sleep(0.5)
            assert new_leader not in (None, leader), "no new leader was elected"
            # relays and consumers reach a live node: an event committed after the kill
            # is applied while the node is still down
            t_wait = time.monotonic()
            while not applied_since(cluster, t_kill):
                assert time.monotonic() - t_wait < 120, "no event applied on two nodes"
                time.sleep(0.5)
            recovered = time.time() - t_kill
            time.sleep(8)  # load goes on with two nodes
            lab.start(leader)  # the node comes back and rejoins
            lab.wait_cluster(timeout=120)
            time.sleep(6)
            load.stop.set()
            load.thread.join(timeout=60)

            led = ledger(cluster, timeout=180)
            statuses = [s for _, s in load.sent]
            after_kill = [t for t, s in load.sent if t > t_kill and s == 201]
            report = {"leader": leader, "new_leader": new_leader,
                      "recovered_s": round(recovered, 1), **led,
                      "checkouts": len(statuses), "after_kill": len(after_kill)}
            assert statuses and all(s == 201 for s in statuses), \
                {s: statuses.count(s) for s in set(statuses)}
            assert after_kill, "no check-out during the outage"
            assert led["committed"] == len(statuses), report
            assert led["lost"] == 0 and led["lost_effects"] == 0, report
            assert led["duplicate_inbox"] == 0 and led["duplicate_effects"] == 0, report
            assert led["effects_without_event"] == 0, report
            assert led["outbox_pending"] == 0, report
        finally:
            if load is not None:
                load.stop.set()
            cluster.down()
            cluster.drop_databases()
    finally:
        lab.down()
    print(f"\nbroker-node kill: {report}")
    # the lab is gone: no process, no epmd name, no folder
    assert not lab.pids()
    assert not epmd_names() & {n.name for n in lab.nodes}
    assert not lab.root.exists()
    # the default node was not restarted or changed, and never saw the lab's queues
    after = default_broker_snapshot()
    assert after["pid"] == before["pid"]
    assert after["users"] == before["users"] and after["vhosts"] == before["vhosts"]
    assert not [q for q in after["queues"] if q.startswith("lab.")]
