"""What the clerk's console pages need from the API: borrowers by the last four characters
of the certificate, a unit's rentals, and "cleaning done" once the buffer is over."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask.testing import FlaskClient
from inventory.adapters import orm
from inventory_testkit import BO, ST, due, unit_status
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]


def _certificate(ctx: ServiceContext, key: str) -> str:
    with ctx.engine.connect() as conn:
        return str(conn.execute(sa.select(orm.borrowers.c.certificate_number)
                                .where(orm.borrowers.c.id == BO[key])).scalar_one())


def test_borrowers_by_certificate_tail_stay_masked(client: FlaskClient, ctx: ServiceContext,
                                                   headers: H) -> None:
    number = _certificate(ctx, "B1")
    resp = client.get(f"/borrowers?certificate_tail={number[-4:]}",
                      headers=headers("clerk", "DCF"))
    body = resp.get_json()
    assert resp.status_code == 200, body
    assert str(BO["B1"]) in [b["id"] for b in body["items"]]
    assert all(b["certificate_masked"].endswith(number[-4:]) for b in body["items"])
    assert number not in resp.get_data(as_text=True)
    bad = client.get("/borrowers?certificate_tail=12%25", headers=headers("clerk", "DCF"))
    assert bad.status_code == 422


def test_rentals_filter_by_unit(client: FlaskClient, headers: H) -> None:
    h = headers("clerk", "DCF")
    resp = client.post("/rentals", headers=h, json={
        "station_id": str(ST["DCF"]), "borrower_id": str(BO["B1"]), "due_on": due(14),
        "asset_tag": "LC-DCF-CC-01"})
    assert resp.status_code == 201, resp.get_json()
    rental = resp.get_json()
    listed = client.get(f"/rentals?unit_id={rental['unit_id']}", headers=h).get_json()
    assert [r["id"] for r in listed["items"]] == [rental["id"]]


def test_cleaned_only_after_the_buffer_and_only_at_the_units_station(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    h = headers("clerk", "DCF")
    rental = client.post("/rentals", headers=h, json={
        "station_id": str(ST["DCF"]), "borrower_id": str(BO["B1"]), "due_on": due(14),
        "asset_tag": "LC-DCF-CU-01"}).get_json()
    unit_id = rental["unit_id"]
    early = client.post(f"/units/{unit_id}/cleaned", headers=h, json={})
    assert early.status_code == 409 and early.get_json()["current_state"] == "rented"
    assert client.post(f"/rentals/{rental['id']}/return", headers=h,
                       json={"condition": "B"}).status_code == 200
    assert client.post(f"/units/{unit_id}/cleaned", headers=h, json={}).status_code == 409
    with ctx.engine.begin() as conn:  # the 24 hours of the cushion's buffer have passed
        conn.execute(orm.units.update().where(orm.units.c.id == unit_id).values(
            cleaning_until=datetime.now(UTC) - timedelta(minutes=1)))
    other = client.post(f"/units/{unit_id}/cleaned", headers=headers("clerk", "YG"),
                        json={})
    assert other.status_code == 404
    done = client.post(f"/units/{unit_id}/cleaned", headers=h, json={})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "available"
    assert unit_status(ctx, unit_id) == "available"


def test_transfer_list_names_the_unit_for_the_receiving_station(
        client: FlaskClient, headers: H) -> None:
    sender = headers("clerk", "DCF")
    unit = client.get("/units/by-tag/LC-DCF-SC-01", headers=sender).get_json()
    resp = client.post("/transfers", headers=sender, json={
        "unit_id": unit["id"], "to_station_id": str(ST["YG"]), "note": "补充"})
    assert resp.status_code == 201, resp.get_json()
    receiver = headers("clerk", "YG")
    assert client.get(f"/units/{unit['id']}", headers=receiver).status_code == 404
    listed = client.get("/transfers?status=in_transit", headers=receiver).get_json()
    [row] = [t for t in listed["items"] if t["unit_id"] == unit["id"]]
    assert row["asset_tag"] == "LC-DCF-SC-01" and row["status"] == "in_transit"
