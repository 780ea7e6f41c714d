"""Metrics scraped from running processes (svckit.metrics, ADR 0017): the inventory API
under gunicorn with two workers (prometheus-client's multiprocess mode merges them), the
inventory relay and the volunteer consumer on their side ports. A check-out with home
delivery and a poison message must move the counters."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
import requests
from e2e_kit import REPO, System, poll, rent_with_delivery
from kombu import Connection, Exchange, Producer
from prometheus_client.parser import text_string_to_metric_families
from svckit.cluster import Cluster
from svckit.testing import AMQP_URL, PG_ADMIN_URL, RUN_ID, claim_prefix, delete_test_topology

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def metered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    cluster = Cluster(
        var_dir=tmp_path_factory.mktemp("metrics"),
        pg_admin_url=PG_ADMIN_URL,
        db_prefix=f"e2e_{RUN_ID}_{uuid.uuid4().hex[:6]}_",
        bus_url=AMQP_URL,
        bus_prefix=claim_prefix(),
        port_base=0,
        services=("inventory", "volunteer"),
        gunicorn_config=REPO / "deploy" / "gunicorn.conf.py",
        # two workers: /metrics of either must count the requests both answered
        extra_env={"GUNICORN_WORKERS": "2", "RELAY_IDLE_POLL": "0.5", "METRICS_PORT": "0",
                   "RETRY_DELAYS_MS": "[200, 500, 1000]", "LOG_JSON": "true"},
    )
    try:
        cluster.prepare(seed=True)
        cluster.up(roles=("api", "relay", "consumer"), timeout=180)
        yield System(cluster)
    finally:
        try:
            cluster.down()
        finally:
            cluster.drop_databases()
            delete_test_topology(prefixes={cluster.bus_prefix})


def side_port(cluster: Cluster, name: str) -> int:
    """The free port a relay or consumer bound for its metrics (it logs it)."""
    log = cluster.procs[name].log
    found = poll(lambda: re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics",
                                   log.read_text(errors="replace")),
                 timeout=60, what=f"{name} to log its metrics port")
    return int(found.group(1))


def scrape(url: str) -> Samples:
    r = requests.get(url, timeout=30)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["Content-Type"].startswith("text/plain")
    out: Samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples named ``name`` whose labels include ``labels``."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def test_api_metrics_count_requests_of_every_worker_by_route_and_status(
        metered: System) -> None:
    base = metered.cluster.base_url("inventory")
    staff = metered.client("inventory", "staff")
    name = "svckit_http_request_duration_seconds_count"
    before = scrape(f"{base}/metrics")
    for _ in range(20):  # a new connection each: both workers answer some
        assert requests.get(f"{base}/stations?page_size=5", timeout=30,
                            headers=staff.session.headers).status_code == 200
    assert requests.get(f"{base}/no/such/path/{uuid.uuid4()}", timeout=30).status_code in (
        401, 404)
    assert requests.get(f"{base}/stations", timeout=30).status_code == 401
    after = scrape(f"{base}/metrics")
    assert value(after, name, service="inventory", route="/stations", method="GET",
                 status="200") - value(before, name, service="inventory", route="/stations",
                                       method="GET", status="200") == 20
    assert value(after, name, route="/stations", status="401") - value(
        before, name, route="/stations", status="401") == 1
    # a path no route matches is one label, never the path itself
    assert not any("no/such/path" in dict(ls).get("route", "") for _n, ls in after)
    assert value(after, "svckit_http_request_duration_seconds_bucket", route="/stations",
                 status="200", le="+Inf") >= 20
    # every worker's requests are in the merged figures: the scrape is answered by one
    # worker, and more than one worker answered the 20 requests (or all of them did)
    assert value(after, name, service="inventory") >= 22


def test_relay_and_consumer_metrics_move_with_an_event_and_a_poison_message(
        metered: System) -> None:
    cluster = metered.cluster
    relay = f"http://127.0.0.1:{side_port(cluster, 'inventory-relay')}/metrics"
    consumer = f"http://127.0.0.1:{side_port(cluster, 'volunteer-consumer')}/metrics"
    relay_before, consumer_before = scrape(relay), scrape(consumer)
    assert value(relay_before, "svckit_outbox_pending_rows", service="inventory") >= 0
    assert ("svckit_consumer_parked_messages", frozenset({("service", "volunteer")})) \
        in consumer_before

    rent_with_delivery(metered)  # rental.checked_out + rental.delivery_requested

    def moved() -> tuple[Samples, Samples] | None:
        r, c = scrape(relay), scrape(consumer)
        if value(c, "svckit_consumer_messages_total", outcome="applied") > value(
                consumer_before, "svckit_consumer_messages_total", outcome="applied"):
            return r, c
        return None

    relay_after, consumer_after = poll(moved, what="the volunteer consumer to apply it")
    published = "svckit_relay_published_total"
    assert value(relay_after, published, service="inventory") - value(
        relay_before, published, service="inventory") >= 2
    assert value(relay_after, "svckit_relay_confirm_seconds_count") > value(
        relay_before, "svckit_relay_confirm_seconds_count")
    assert value(relay_after, "svckit_outbox_oldest_pending_age_seconds",
                 service="inventory") < 60
    applied = [dict(ls)["handler"] for (n, ls), v in consumer_after.items()
               if n == "svckit_consumer_apply_seconds_count" and v > 0]
    assert applied and all(h.startswith("volunteer.") for h in applied)
    assert value(consumer_after, "svckit_consumer_lag_seconds_count") >= 1

    # a message nobody can read is parked at once: the counter and the gauge move
    with Connection(AMQP_URL) as conn:
        Producer(conn.channel()).publish(
            b"not an envelope", exchange=Exchange(f"{cluster.bus_prefix}events", "topic",
                                                  durable=True),
            routing_key="rental.delivery_requested", delivery_mode=2,
            headers={"subject_id": str(uuid.uuid4())})
    def parked_now() -> Samples | None:
        c = scrape(consumer)
        # the worker counts the park before the connection thread moves the message
        return c if value(c, "svckit_consumer_parked_total", reason="malformed") and value(
            c, "svckit_consumer_parked_messages", service="volunteer") else None

    parked = poll(parked_now, what="the parked counter and gauge")
    assert value(parked, "svckit_consumer_parked_total", service="volunteer") == 1, parked
    assert value(parked, "svckit_consumer_messages_total", outcome="parked") == 1
    assert value(parked, "svckit_consumer_parked_messages", service="volunteer") == 1
