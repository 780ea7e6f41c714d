"""Exactly once through kill -9 (issue 15): 500 reminders fall due while the notify
consumer and the notify sender (its scheduler) run as separate processes on real RabbitMQ
and PostgreSQL, sending to the local SMS gateway (signature checked). The consumer is
SIGKILLed in the middle of the 500 events and the sender in the middle of the 500
messages; both are restarted. Counted at the gateway: each of the 500 borrowers got one
SMS, no more, no less."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pika
import pytest
import sqlalchemy as sa
from notify.adapters.dev_sms_gateway import DevSmsGateway
from notify.domain.notifications import at_china
from svckit.cluster import Cluster
from svckit.domain.clock import set_file_clock
from svckit.events import sealing
from svckit.messaging.publishers import amqp_parameters
from svckit.testing import (
    AMQP_URL,
    PG_ADMIN_URL,
    RUN_ID,
    claim_prefix,
    delete_test_topology,
    event_json,
    wait_until,
)

N = 500
REPO = Path(__file__).resolve().parents[1]
#: the test's "now": 09:30 in China on a weekday, outside the quiet hours
NOW = at_china(date(2026, 3, 5), 9, 30)


def checked_out(seq: int) -> dict[str, Any]:
    """A check-out due in 3 days: its first reminder (3 days before) is due now."""
    return {
        "rental_id": uuid.uuid4(), "unit_id": uuid.uuid4(), "asset_tag": f"LC-{seq:05d}",
        "device_type_id": uuid.uuid4(), "iso_code": "12 22 03", "station_id": uuid.uuid4(),
        "division_code": "371502", "borrower_certificate": "3715************0141",
        "due_on": date(2026, 3, 8), "fee_fen": 0, "deposit_fen": 20000, "waiver": None,
        "home_delivery": False, "borrower_id": uuid.uuid4(), "borrower_phone": f"1380{seq:07d}",
        "device_name": "手动轮椅", "station_name": "东昌府区辅具租赁站",
    }


@pytest.fixture
def gateway() -> Iterator[DevSmsGateway]:
    with DevSmsGateway() as g:
        yield g


@pytest.fixture
def cluster(tmp_path: Path, gateway: DevSmsGateway) -> Iterator[Cluster]:
    clock_file = tmp_path / "clock"
    set_file_clock(clock_file, NOW)
    c = Cluster(
        var_dir=tmp_path, pg_admin_url=PG_ADMIN_URL,
        db_prefix=f"t_{RUN_ID}_{uuid.uuid4().hex[:6]}_", bus_url=AMQP_URL,
        bus_prefix=claim_prefix(), port_base=0, services=("notify",),
        gunicorn_config=REPO / "deploy" / "gunicorn.conf.py",
        extra_env={"NOTIFY_SMS_ENDPOINT": gateway.url, "SVCKIT_CLOCK_FILE": str(clock_file),
                   "NOTIFY_BATCH_SIZE": "20", "LOG_JSON": "true"},
    )
    try:
        c.prepare(seed=False)
        c.start("notify", "consumer")
        c.wait_consumers(timeout=180)
        yield c
    finally:
        try:
            c.down()
        finally:
            c.drop_databases()
            delete_test_topology(prefixes={c.bus_prefix})


def publish(prefix: str, bodies: list[tuple[str, str]]) -> None:
    """As a producer's relay would: persistent, mandatory, confirmed, routing key = type."""
    conn = pika.BlockingConnection(amqp_parameters(AMQP_URL))
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        for type_, body in bodies:
            ch.basic_publish(f"{prefix}events", type_, body.encode(), mandatory=True,
                             properties=pika.BasicProperties(
                                 delivery_mode=2, content_type="application/json"))
    finally:
        conn.close()


def counts(engine: sa.Engine) -> tuple[int, int, int]:
    """(events applied by the reminder handler, reminders due now, of them sent)."""
    with engine.connect() as c:
        applied = c.execute(sa.text("SELECT count(*) FROM inbox")).scalar_one()
        due = c.execute(sa.text("SELECT count(*) FROM notifications WHERE due_at <= :now"),
                        {"now": NOW + timedelta(minutes=30)}).scalar_one()
        sent = c.execute(sa.text("SELECT count(*) FROM notifications WHERE state = 'sent'")
                         ).scalar_one()
    return int(applied), int(due), int(sent)


def logs(cluster: Cluster) -> str:
    return "\n".join(f"--- {p.name}\n{p.log.read_text(errors='replace')[-3000:]}"
                     for p in cluster.procs.values() if p.log.exists())


def test_kill_9_of_consumer_and_sender_mid_batch_delivers_each_sms_once(
        cluster: Cluster, gateway: DevSmsGateway) -> None:
    engine = sa.create_engine(cluster.database_url("notify").replace(
        "postgresql://", "postgresql+psycopg://", 1))
    try:
        events = [checked_out(i) for i in range(N)]
        # phones travel sealed with the deployment's key (here: the cluster's dev key)
        sealing.configure(sealing.dev_keyring(cluster.var_dir))
        try:
            bodies = [("rental.checked_out",
                       event_json("rental.checked_out", p, subject_id=str(p["rental_id"]),
                                  producer="inventory"))
                      for p in events]
        finally:
            sealing.configure(None)
        assert all(str(p["borrower_phone"]) not in b for p, (_, b) in zip(events, bodies, strict=True))
        publish(cluster.bus_prefix, bodies)

        # the consumer dies in the middle of the 500 events, and comes back
        assert wait_until(lambda: counts(engine)[0] >= N // 4, timeout=240), \
            (counts(engine), logs(cluster))
        cluster.kill("notify-consumer", signal.SIGKILL)
        killed_consumer_at = counts(engine)[0]
        cluster.start("notify", "consumer")

        # the sender starts, dies in the middle of the messages, and comes back
        cluster.start("notify", "scheduler")
        assert wait_until(lambda: len(gateway.messages) >= N // 3, timeout=240, interval=0.01), \
            (len(gateway.messages), counts(engine), logs(cluster))
        cluster.kill("notify-scheduler", signal.SIGKILL)
        killed_sender_at = len(gateway.messages)
        cluster.start("notify", "scheduler")

        assert wait_until(lambda: counts(engine)[2] >= N, timeout=360), \
            (counts(engine), logs(cluster))
        time.sleep(5)  # anything still to come would come now
        applied, due, sent = counts(engine)
    finally:
        engine.dispose()

    phones = [m["phones"][0] for m in gateway.messages]
    out_ids = [m["out_id"] for m in gateway.messages]
    print(f"\n[notify kill -9] consumer killed after {killed_consumer_at}/{N} events, sender "
          f"after {killed_sender_at}/{N} messages; gateway: {len(gateway.messages)} accepted, "
          f"{gateway.duplicates} repeated OutId dropped, {gateway.requests} requests")
    assert applied == N  # one inbox row per event: the redelivered ones made nothing
    assert due == N and sent == N
    assert len(gateway.messages) == N
    assert sorted(phones) == sorted(str(p["borrower_phone"]) for p in events)
    assert len(set(out_ids)) == N and all(out_ids)
    for m in gateway.messages:
        assert "手动轮椅" in m["text"] and m["text"].startswith("【残联服务】"), m["text"]
