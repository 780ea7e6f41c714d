"""A parked delivery or pickup is never silent on the rental: when a consumer parks one of
inventory's own visit requests, ``platform.event_parked`` reaches inventory and the rental
shows the failure until the clerk asks again."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask.testing import FlaskClient
from inventory_testkit import BO, ST, TY, due, outbox
from svckit.service import ServiceContext
from svckit.testing import event_json

H = Callable[..., dict[str, str]]


def _parked(event_type: str, subject: str, *, producer: str = "inventory") -> str:
    return event_json("platform.event_parked", {
        "event_id": uuid.uuid4(), "event_type": event_type, "producer": producer,
        "consumer": "volunteer", "reason": "invalid-payload"},
        subject_id=subject, producer="volunteer")


def _rental(client: FlaskClient, h: dict[str, str], **body: object) -> dict:
    resp = client.post("/rentals", json={
        "station_id": str(ST["DCF"]), "borrower_id": str(BO["B6"]), "due_on": due(14),
        "type_id": str(TY["WC"]), **body}, headers=h)
    assert resp.status_code == 201, resp.get_json()
    return dict(resp.get_json())


def test_a_parked_delivery_shows_on_the_rental_and_can_be_asked_again(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    h = headers("clerk", "DCF")
    rental = _rental(client, h, home_delivery=True)
    out = ctx.processor().process(_parked("rental.delivery_requested", rental["id"]), {})
    assert out.applied == 1
    body = client.get(f"/rentals/{rental['id']}", headers=h).get_json()
    assert body["logistics"] == "delivery_failed"
    assert "配送请求未能派单" in body["logistics_problem"]
    # the clerk asks again: a new request goes out and the problem is gone
    resp = client.post(f"/rentals/{rental['id']}/delivery", json={}, headers=h)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["logistics"] == "delivery_requested"
    assert resp.get_json()["logistics_problem"] is None
    assert len(outbox(ctx, "rental.delivery_requested")) == 2


def test_a_parked_pickup_shows_on_the_rental_and_can_be_asked_again(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    h = headers("clerk", "DCF")
    rental = _rental(client, h)
    assert client.post(f"/rentals/{rental['id']}/pickup", json={},
                       headers=h).status_code == 200
    ctx.processor().process(_parked("rental.pickup_requested", rental["id"]), {})
    body = client.get(f"/rentals/{rental['id']}", headers=h).get_json()
    assert body["logistics"] == "pickup_failed"
    assert "取回请求未能派单" in body["logistics_problem"]
    resp = client.post(f"/rentals/{rental['id']}/pickup", json={}, headers=h)
    assert resp.status_code == 200 and resp.get_json()["logistics"] == "pickup_requested"


def test_notices_of_other_producers_or_events_change_nothing(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    h = headers("clerk", "DCF")
    rental = _rental(client, h, home_delivery=True)
    for body in (_parked("rental.delivery_requested", rental["id"], producer="renovation"),
                 _parked("rental.checked_out", rental["id"]),
                 _parked("rental.delivery_requested", str(uuid.uuid4())),
                 _parked("rental.delivery_requested", "not-a-uuid")):
        assert ctx.processor().process(body, {}).applied == 1
    body = client.get(f"/rentals/{rental['id']}", headers=h).get_json()
    assert body["logistics"] == "delivery_requested" and body["logistics_problem"] is None
