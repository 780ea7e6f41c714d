"""A parked message is never silent: ``/readyz`` counts it, ``/parked`` lists and shows it
to city-wide staff, and a replay after the fault is fixed applies it once. On the embedded
mode's in-process bus, where the CLI (another process) cannot see it (PostgreSQL: the
probe's poison handler logs attempts in a transaction of its own)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import probe
import pytest
from flask.testing import FlaskClient
from spine_kit import make_ctx
from sqlalchemy import func, insert, select
from svckit.auth.tokens import TokenVerifier
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


def _applied(ctx: ServiceContext) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(probe.ledger)).scalar_one())


def test_parked_message_is_counted_listed_shown_and_replayed_once(
    ctx: ServiceContext, token_for: Callable[..., str]
) -> None:
    client: FlaskClient = ctx.create_app().test_client()
    staff = {"Authorization": f"Bearer {token_for('staff')}"}
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

    with ctx.engine.begin() as conn:  # the operator fixes the cause
        conn.execute(insert(probe.switches).values(name="fixed", on=True))
    replay = client.post(f"/parked/{env.id}/replay", headers=staff)
    assert replay.status_code == 200 and replay.get_json() == {"replayed": 1}
    assert wait_until(lambda: _applied(ctx) == 1, timeout=30)
    assert parked() == 0 and client.get("/parked", headers=staff).get_json()["total"] == 0
    assert client.post(f"/parked/{env.id}/replay", headers=staff).status_code == 404
    assert _applied(ctx) == 1
