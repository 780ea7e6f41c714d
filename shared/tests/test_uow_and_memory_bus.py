"""Unit of work, inbox and the in-process bus (embedded mode), on both databases."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import probe
import pytest
from spine_kit import make_ctx
from sqlalchemy import func, insert, select
from svckit.events.catalogue import InvalidEvent
from svckit.service import ServiceContext
from svckit.testing import wait_until


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/probe.db"
    return str(request.getfixturevalue("pg_url"))


def test_state_and_events_commit_together_or_not_at_all(db_url: str) -> None:
    ctx = make_ctx(db_url, "memory://", "")
    tid = str(uuid.uuid4())
    with pytest.raises(InvalidEvent), ctx.uow() as uow:
        uow.session.execute(insert(probe.things).values(id=tid, name="a", state="open"))
        uow.add_event("probe.pinged", {"n": -1}, subject_id=tid)
        uow.commit()
    with ctx.uow() as uow:
        uow.session.execute(insert(probe.things).values(id=tid, name="a", state="open"))
        uow.add_event("probe.pinged", {"n": 1}, subject_id=tid)
        # leaving without commit rolls back
    with ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(probe.things)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(ctx.tables.outbox)).scalar() == 0
    with ctx.uow() as uow:
        uow.session.execute(insert(probe.things).values(id=tid, name="a", state="open"))
        uow.add_event("probe.pinged", {"n": 1}, subject_id=tid)
        uow.commit()
    with ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(probe.things)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(ctx.tables.outbox)).scalar() == 1
    ctx.engine.dispose()


def test_inbox_claim_is_race_free(pg_url: str) -> None:
    ctx = make_ctx(pg_url, "memory://", "")
    event_id = str(uuid.uuid4())
    barrier = threading.Barrier(8)
    results: list[bool] = []

    def claim() -> None:
        with ctx.uow() as uow:
            barrier.wait()
            got = uow.claim_inbox(event_id, "probe.h", "probe.pinged")
            results.append(got)
            uow.commit()

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    ctx.engine.dispose()


def test_in_process_bus_delivers_each_event_once(tmp_path: Path) -> None:
    ctx: ServiceContext = make_ctx(f"sqlite:///{tmp_path}/probe.db", "memory://",
                                   f"m{uuid.uuid4().hex[:6]}.")
    stop = threading.Event()
    consumer = ctx.consumer()
    threading.Thread(target=consumer.run, args=(stop,), daemon=True).start()
    assert consumer.ready.wait(10)
    relay = ctx.relay()
    threading.Thread(target=relay.run, args=(stop,), daemon=True).start()
    try:
        with ctx.uow() as uow:
            for i in range(200):
                uow.add_event("probe.pinged", {"n": i}, subject_id=f"s{i % 7}")
            uow.commit()
        # Redeliver one by hand: the inbox must swallow it.
        with ctx.engine.connect() as conn:
            body = conn.execute(select(ctx.tables.outbox.c.body).limit(1)).scalar_one()

        def applied() -> int:
            with ctx.engine.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(probe.ledger)).scalar_one())

        assert wait_until(lambda: applied() == 200, timeout=120)
        outcome = consumer.processor.process(body, {})
        assert outcome.action == "ack" and outcome.duplicates == 1 and outcome.applied == 0
        assert applied() == 200
    finally:
        stop.set()
    ctx.engine.dispose()
