"""A parked message is never silent: ``/readyz`` counts it, ``/parked`` lists and shows it
to city-wide staff, and a replay after the fault is fixed applies it once. On the embedded
mode's in-process bus, where the CLI (another process) cannot see it (PostgreSQL: the
probe's poison handler logs attempts in a transaction of its own)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import probe
import pytest
from flask.testing import FlaskClient
from kombu import Connection, Queue
from spine_kit import make_ctx
from sqlalchemy import func, insert, select
from svckit.auth.tokens import TokenVerifier
from svckit.messaging.topology import events_exchange
from svckit.service import ServiceContext
from svckit.testing import wait_until


@pytest.fixture
def ctx(pg_url: str, keypair: tuple[str, str]) -> Iterator[ServiceContext]:
    ctx = make_ctx(pg_url, "memory://", f"p{uuid.uuid4().hex[:6]}.")
    ctx._verifier = TokenVerifier(public_key=keypair[1])
    stop = threading.Event()
    consumer = ctx.consumer()
    threading.Thread(target=consumer.run, args=(stop,), daemon=True).start()
    assert consumer.ready.wait(10)
    threading.Thread(target=ctx.relay().run, args=(stop,), daemon=True).start()
    try:
        yield ctx
    finally:
        stop.set()
        ctx.engine.dispose()


def _tap(ctx: ServiceContext, routing_key: str,
         stop: threading.Event) -> list[dict[str, Any]]:
    """Messages published to the events exchange with ``routing_key`` (a thread drains a
    queue bound to it into the returned list until ``stop``)."""
    got: list[dict[str, Any]] = []
    p = ctx.config.platform
    queue = Queue(f"{p.bus_prefix}tap.{uuid.uuid4().hex[:6]}",
                  exchange=events_exchange(p.bus_prefix), routing_key=routing_key)

    def drain() -> None:
        with Connection(ctx.bus_url) as conn:
            bound = queue(conn.channel())
            bound.declare()
            while not stop.is_set():
                msg = bound.get(no_ack=True)
                if msg is not None:
                    got.append(json.loads(msg.body))
                else:
                    stop.wait(0.05)

    threading.Thread(target=drain, daemon=True).start()
    threading.Event().wait(0.3)
    return got


def _applied(ctx: ServiceContext) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(probe.ledger)).scalar_one())


def test_parked_message_is_counted_listed_shown_and_replayed_once(
    ctx: ServiceContext, token_for: Callable[..., str]
) -> None:
    client: FlaskClient = ctx.create_app().test_client()
    staff = {"Authorization": f"Bearer {token_for('staff')}"}
    tap_stop = threading.Event()
    notices = _tap(ctx, "platform.event_parked", tap_stop)
    try:
        _parked_then_replayed(ctx, client, staff, token_for, notices)
    finally:
        tap_stop.set()


def _parked_then_replayed(ctx: ServiceContext, client: FlaskClient, staff: dict[str, str],
                          token_for: Callable[..., str],
                          notices: list[dict[str, Any]]) -> None:
    with ctx.uow() as uow:
        env = uow.add_event("probe.pinged", {"n": 7, "mode": "poison"}, subject_id="thing-7")
        uow.commit()

    def parked() -> int:
        return int(client.get("/readyz").get_json()["detail"]["parked"])

    # three retries (0.3 + 0.6 + 1.2 s), then parked; generous bound for a loaded machine
    assert wait_until(lambda: parked() == 1, timeout=60, interval=0.2)
    listing = client.get("/parked", headers=staff)
    assert listing.status_code == 200
    (item,) = listing.get_json()["items"]
    assert item["event_id"] == str(env.id) and item["subject_id"] == "thing-7"
    assert item["reason"] == "retries-exhausted" and "poison" in item["error"]
    shown = client.get(f"/parked/{env.id}", headers=staff).get_json()
    assert shown["envelope"]["payload"]["n"] == 7, shown
    for role, scope in (("clerk", {"stations": ["s1"]}), ("staff", {"districts": ["371521"]})):
        other = {"Authorization": f"Bearer {token_for(role, **scope)}"}
        assert client.get("/parked", headers=other).status_code == 403
    assert client.get("/parked/nope", headers=staff).status_code == 404
    assert _applied(ctx) == 0
    # and the producer was told, on the event's subject, so it can show the failure
    (notice,) = [n for n in notices if n["payload"]["event_id"] == str(env.id)]
    assert notice["type"] == "platform.event_parked" and notice["subject_id"] == "thing-7"
    assert notice["payload"] == {"event_id": str(env.id), "event_type": "probe.pinged",
                                 "producer": "probe", "consumer": "probe",
                                 "reason": "retries-exhausted"}

    with ctx.engine.begin() as conn:  # the operator fixes the cause
        conn.execute(insert(probe.switches).values(name="fixed", on=True))
    replay = client.post(f"/parked/{env.id}/replay", headers=staff)
    assert replay.status_code == 200 and replay.get_json() == {"replayed": 1}
    assert wait_until(lambda: _applied(ctx) == 1, timeout=30)
    assert parked() == 0 and client.get("/parked", headers=staff).get_json()["total"] == 0
    assert client.post(f"/parked/{env.id}/replay", headers=staff).status_code == 404
    assert _applied(ctx) == 1
