"""The volunteer API reads the one clock every service reads (``svckit.domain.clock``), so
an injected clock (``SVCKIT_CLOCK_FILE`` in the native topology) moves it as it moves the
others: a check-in and check-out are stamped by it, and the hours are counted from it
(found by the year simulation: the API read the wall clock, so every visit of a simulated
day lasted a few seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from svckit.domain import clock
from volunteer_testkit import A, request_event, source_of, task_id_for


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def moved_clock() -> Iterator[Clock]:
    c = Clock(datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5))
    clock.inject(c)
    try:
        yield c
    finally:
        clock.inject(None)


def test_check_in_and_out_follow_the_injected_clock(ctx, add_volunteer, token_for,
                                                    moved_clock: Clock) -> None:
    client = ctx.create_app().test_client()

    def auth(role: str, **scope: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(role, **scope)}"}

    coord = auth("coordinator", sub="coord-a", districts=[A])
    v = add_volunteer(name="张建华")
    body = request_event("rental_delivery")
    assert ctx.processor().process(body, {}).applied == 1
    tid = str(task_id_for(ctx, source_of(body)["id"]))
    assert client.post(f"/tasks/{tid}/offer", json={}, headers=coord).status_code == 200
    me = auth("volunteer", volunteer_id=str(v.id))
    assert client.post(f"/tasks/{tid}/accept", headers=me, json={}).status_code == 200
    checked_in = moved_clock.now
    r = client.post(f"/tasks/{tid}/check-in", headers=me, json={})
    assert r.status_code == 200, r.json
    moved_clock.now = checked_in + timedelta(minutes=90)
    r = client.post(f"/tasks/{tid}/check-out", headers=me, json={})
    assert (r.status_code, r.json["state"]) == (200, "completed"), r.json

    [entry] = [e for e in client.get("/hours?page_size=100", headers=coord).json["items"]
               if e["task_id"] == tid]
    assert datetime.fromisoformat(entry["started_at"]) == checked_in
    assert datetime.fromisoformat(entry["ended_at"]) == checked_in + timedelta(minutes=90)
    assert entry["minutes"] == 90
