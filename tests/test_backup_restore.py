"""A backup taken mid-flow, restored into empty databases: the relays and consumers
resume, the events whose application the restore undid are delivered again and applied
once, and nothing is lost (``svckit.backup``; issue 19)."""

from __future__ import annotations

import signal
import time
import uuid
from pathlib import Path

import psycopg
import requests
from e2e_kit import REPO, poll
from svckit.backup import dump, restore
from svckit.cluster import Cluster
from svckit.testing import AMQP_URL, PG_ADMIN_URL, RUN_ID, claim_prefix, delete_test_topology

from bench import kit

ENV = {"GUNICORN_WORKERS": "1", "RELAY_IDLE_POLL": "0.5", "RETRY_DELAYS_MS": "[200, 500, 1000]",
       "LOG_JSON": "true"}


def _cluster(tmp: Path, db_prefix: str) -> Cluster:
    return Cluster(var_dir=tmp, pg_admin_url=PG_ADMIN_URL, db_prefix=db_prefix,
                   bus_url=AMQP_URL, bus_prefix=claim_prefix(), port_base=0,
                   services=("inventory", "volunteer"),
                   gunicorn_config=REPO / "deploy" / "gunicorn.conf.py", extra_env=ENV)


def _rows(cluster: Cluster, service: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(cluster.database_url(service), autocommit=True) as c:
        return list(c.execute(sql).fetchall())


def _delivery_events(cluster: Cluster) -> set[str]:
    return {str(r[0]) for r in _rows(cluster, "inventory", "SELECT event_id FROM outbox WHERE "
                                     "event_type = 'rental.delivery_requested'")}


def _applied(cluster: Cluster) -> list[str]:
    return [str(r[0]) for r in _rows(cluster, "volunteer", "SELECT event_id FROM inbox WHERE "
                                     "event_type = 'rental.delivery_requested'")]


def _tasks(cluster: Cluster) -> list[str]:
    return [str(r[0]) for r in _rows(cluster, "volunteer", "SELECT source_id FROM tasks "
                                     "WHERE source_kind = 'rental_delivery'")]


def test_restore_of_a_mid_flow_backup_redelivers_and_loses_nothing(tmp_path: Path) -> None:
    first = _cluster(tmp_path / "a", f"e2e_{RUN_ID}_{uuid.uuid4().hex[:6]}_")
    # the same deployment's keys: the outbox bodies are sealed with its event keys
    second = _cluster(tmp_path / "a", f"e2e_{RUN_ID}_{uuid.uuid4().hex[:6]}_")
    try:
        first.prepare(seed=True)
        first.up(roles=("api", "relay", "consumer"), timeout=240)
        fx = kit.load_fixture(first, units=40, borrowers=20)
        checkout = kit.checkout_request(first.base_url("inventory"),
                                        kit.token(first, "clerk", stations=[fx.station_id]),
                                        fx, fx.free_units, delivery=True)
        s = requests.Session()

        def check_out(rng: range) -> None:
            for i in rng:
                r = checkout(s, i)
                assert r.status_code == 201, r.text

        check_out(range(0, 8))  # A: applied before the backup
        poll(lambda: len(_tasks(first)) == 8, what="the first tasks")
        first.kill("volunteer-consumer", signal.SIGTERM)
        check_out(range(8, 16))  # B: committed and published, applied after the backup
        poll(lambda: not _rows(first, "inventory",
                               "SELECT 1 FROM outbox WHERE published_at IS NULL"),
             what="the relay to publish")
        manifest = dump(PG_ADMIN_URL, {svc: f"{first.db_prefix}{svc}"
                                       for svc in ("inventory", "volunteer")},
                        tmp_path / "backup")
        first.start("volunteer", "consumer")
        poll(lambda: len(_tasks(first)) == 16, what="B applied after the backup")
        check_out(range(16, 20))  # C: after the recovery point
        before_restore = _delivery_events(first)
        assert len(before_restore) == 20
        first.down()

        replayed = restore(PG_ADMIN_URL, tmp_path / "backup",
                           {svc: f"{second.db_prefix}{svc}" for svc in ("inventory", "volunteer")})
        committed = _delivery_events(second)
        assert len(committed) == 16 and committed < before_restore  # the recovery point
        assert len(_applied(second)) == 8 and len(_tasks(second)) == 8  # B undone
        assert replayed["inventory"] >= 16
        assert manifest["taken_at"]

        second.up(roles=("api", "relay", "consumer"), timeout=240)
        poll(lambda: committed <= set(_applied(second))
             and not _rows(second, "inventory",
                           "SELECT 1 FROM outbox WHERE published_at IS NULL"),
             what="every committed event applied after the restore")
        time.sleep(3)  # the A copies delivered again are seen and skipped by the inbox
        applied, tasks = _applied(second), _tasks(second)
        assert sorted(applied) == sorted(committed)  # each once: nothing lost, no duplicate
        assert len(tasks) == len(set(tasks)) == 16
        rentals = {str(r[0]) for r in _rows(second, "inventory",
                                            "SELECT id FROM rentals WHERE logistics <> 'none'")}
        assert set(tasks) == rentals
        # the API of the restored system works on it
        r = s.get(f"{second.base_url('inventory')}/rentals?page_size=5",
                  headers={"Authorization": f"Bearer {kit.token(second, 'staff')}"}, timeout=30)
        assert r.status_code == 200, r.text
    finally:
        for c in (first, second):
            try:
                c.down()
            finally:
                c.drop_databases()
                delete_test_topology(prefixes={c.bus_prefix})
