"""Idempotent writes (``Idempotency-Key``): a repeat gets the first answer, two requests in
flight make one record, a key names one request, a crashed request's key is taken over.
The probe service on PostgreSQL, requests from threads."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import probe
import pytest
from flask.testing import FlaskClient
from spine_kit import make_ctx
from sqlalchemy import func, insert, select
from svckit.auth.tokens import TokenVerifier
from svckit.service import ServiceContext


@pytest.fixture
def ctx(pg_url: str, keypair: tuple[str, str]) -> Iterator[ServiceContext]:
    ctx = make_ctx(pg_url, "memory://", "")
    ctx._verifier = TokenVerifier(public_key=keypair[1])
    yield ctx
    ctx.engine.dispose()


@pytest.fixture
def staff(token_for: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('staff', sub='staff-1')}"}


def _things(ctx: ServiceContext) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(probe.things)).scalar_one())


def test_a_repeat_gets_the_first_answer_and_makes_nothing_new(
    ctx: ServiceContext, staff: dict[str, str]
) -> None:
    client = ctx.create_app().test_client()
    headers = {**staff, "Idempotency-Key": "form-7f3a9c21"}
    first = client.post("/things", json={"name": "轮椅"}, headers=headers)
    again = client.post("/things", json={"name": "轮椅"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _things(ctx) == 1
    # without the header, or with another key: a new request
    client.post("/things", json={"name": "轮椅"}, headers=staff)
    client.post("/things", json={"name": "轮椅"}, headers={**staff, "Idempotency-Key": "form-2"
                                                                                      "b7e1100"})
    assert _things(ctx) == 3


def test_two_in_flight_make_one_record(ctx: ServiceContext, staff: dict[str, str]) -> None:
    app = ctx.create_app()
    n = 8
    barrier = threading.Barrier(n)
    answers: list[Any] = []

    def submit() -> None:
        client: FlaskClient = app.test_client()
        barrier.wait()
        r = client.post("/things", json={"name": "助行器"},
                        headers={**staff, "Idempotency-Key": "double-click-01"})
        answers.append((r.status_code, r.get_json()["id"]))

    threads = [threading.Thread(target=submit) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == n
    assert {a for a in answers} == {answers[0]} and answers[0][0] == 201
    assert _things(ctx) == 1


def test_a_key_names_one_request(ctx: ServiceContext, staff: dict[str, str]) -> None:
    client = ctx.create_app().test_client()
    headers = {**staff, "Idempotency-Key": "form-reused-1"}
    assert client.post("/things", json={"name": "a"}, headers=headers).status_code == 201
    other = client.post("/things", json={"name": "b"}, headers=headers)
    assert other.status_code == 422 and other.mimetype == "application/problem+json"
    bad = client.post("/things", json={"name": "c"}, headers={**staff, "Idempotency-Key": "x"})
    assert bad.status_code == 400
    assert _things(ctx) == 1


def test_a_refusal_is_replayed_too(ctx: ServiceContext, staff: dict[str, str]) -> None:
    client = ctx.create_app().test_client()
    headers = {**staff, "Idempotency-Key": "form-empty-name"}
    first = client.post("/things", json={"name": ""}, headers=headers)
    again = client.post("/things", json={"name": ""}, headers=headers)
    assert first.status_code == again.status_code == 422
    assert again.headers["Idempotent-Replayed"] == "true"


def test_a_crashed_request_s_key_is_taken_over(
    ctx: ServiceContext, staff: dict[str, str]
) -> None:
    import hashlib
    import json

    body = json.dumps({"name": "护理床"}).encode()
    with ctx.engine.begin() as conn:  # a request that claimed the key and died
        conn.execute(insert(probe.idempotency_keys).values(
            key="form-crashed-1", principal="staff-1", method="POST", path="/things",
            request_hash=hashlib.sha256(body).hexdigest(),
            created_at=datetime.now(UTC) - timedelta(minutes=5)))
    client = ctx.create_app().test_client()
    r = client.post("/things", data=body, headers={
        **staff, "Idempotency-Key": "form-crashed-1", "Content-Type": "application/json"})
    assert r.status_code == 201 and _things(ctx) == 1
