"""Issue 16, unit exceptions that stranded a case: a unit lost in transit is written off,
a broken rented unit is swapped without ending the rental, a rented unit goes to repair
and back to its borrower; refusals name the state in words, never a code or an enum."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from inventory.adapters import orm
from inventory_testkit import BO, ST, TY, add_units, count, due, outbox, unit_status
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]


def _checkout(client: FlaskClient, h: dict[str, str], unit: object,
              borrower: str = "B6") -> dict:
    r = client.post("/rentals", json={"station_id": str(ST["GX"]),
                                      "borrower_id": str(BO[borrower]), "due_on": due(30),
                                      "unit_id": str(unit)}, headers=h)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_unit_lost_in_transit_is_written_off(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    [unit] = add_units(ctx, "GX", "CU", 1, prefix="LIT")
    r = client.post("/transfers", json={"unit_id": str(unit), "to_station_id": str(ST["LQ"])},
                    headers=headers("clerk", "GX"))
    assert r.status_code == 201, r.get_json()
    transfer = r.get_json()["id"]
    r = client.post(f"/units/{unit}/write-off", json={"reason": "物流丢件，快递公司已确认"},
                    headers=headers("supervisor", "GX"))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "written_off"
    t = client.get(f"/transfers/{transfer}", headers=headers("clerk", "GX")).get_json()
    assert t["status"] == "lost"
    # the destination can no longer receive it, and says why in words
    r = client.post(f"/transfers/{transfer}/receive", json={"station_id": str(ST["LQ"])},
                    headers=headers("clerk", "LQ"))
    assert r.status_code == 409
    assert "运输中丢失" in r.get_json()["detail"]
    [event] = [e for e in outbox(ctx, "unit.written_off") if e["subject_id"] == str(unit)]
    assert "物流丢件" in event["payload"]["reason"]


def test_refusals_name_the_state_in_words(client: FlaskClient, ctx: ServiceContext,
                                          headers: H) -> None:
    [unit] = add_units(ctx, "GX", "CU", 1, prefix="WRD")
    _checkout(client, headers("clerk", "GX"), unit)
    r = client.post(f"/units/{unit}/write-off", json={"reason": "test"},
                    headers=headers("supervisor", "GX"))
    assert r.status_code == 409
    body = r.get_json()
    assert "出借中" in body["detail"] and "on loan" in body["detail"], body
    assert "<" not in body["detail"] and "'rented'" not in body["detail"]
    assert body["current_state"] == "rented"
    assert body["current_state_label"] == "出借中 (on loan)"


def test_a_broken_rented_unit_is_swapped_without_ending_the_rental(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    broken, spare = add_units(ctx, "GX", "CU", 2, prefix="SWP")
    h = headers("clerk", "GX")
    rental = _checkout(client, h, broken)
    r = client.post(f"/rentals/{rental['id']}/swap",
                    json={"fault": "气囊漏气", "unit_id": str(spare)}, headers=h)
    assert r.status_code == 200, r.get_json()
    swapped = r.get_json()
    assert (swapped["id"], swapped["number"], swapped["status"]) == (
        rental["id"], rental["number"], "active")
    assert (swapped["unit_id"], swapped["due_on"], swapped["fee_fen"]) == (
        str(spare), rental["due_on"], rental["fee_fen"])
    assert unit_status(ctx, broken) == "maintenance"
    assert unit_status(ctx, spare) == "rented"
    assert count(ctx, orm.maintenance_tickets, orm.maintenance_tickets.c.unit_id == broken,
                 orm.maintenance_tickets.c.status == "open") == 1
    # the rental goes on and ends normally with the new unit
    r = client.post(f"/rentals/{rental['id']}/return", json={"condition": "B"}, headers=h)
    assert r.status_code == 200, r.get_json()
    assert unit_status(ctx, spare) == "cleaning"


def test_a_swap_by_type_picks_a_free_unit_and_says_when_there_is_none(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    [broken] = add_units(ctx, "GX", "BD", 1, prefix="SWT")
    h = headers("clerk", "GX")
    rental = _checkout(client, h, broken)
    r = client.post(f"/rentals/{rental['id']}/swap", json={"fault": "摇把断裂"}, headers=h)
    assert r.status_code == 409  # no other bed at the station
    assert "暂无" in r.get_json()["detail"]
    assert unit_status(ctx, broken) == "rented"  # nothing half done
    [spare] = add_units(ctx, "GX", "BD", 1, prefix="SWU")
    r = client.post(f"/rentals/{rental['id']}/swap", json={"fault": "摇把断裂"}, headers=h)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["unit_id"] == str(spare)
    assert TY["BD"]


def test_a_rented_unit_goes_to_repair_and_back_to_its_borrower(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    [unit] = add_units(ctx, "GX", "CU", 1, prefix="REP")
    h = headers("clerk", "GX")
    rental = _checkout(client, h, unit)
    r = client.post(f"/rentals/{rental['id']}/repair", json={"fault": "阀门松动"}, headers=h)
    assert r.status_code == 201, r.get_json()
    ticket = r.get_json()
    assert ticket["rental_id"] == rental["id"] and ticket["status"] == "open"
    assert unit_status(ctx, unit) == "maintenance"
    detail = client.get(f"/rentals/{rental['id']}", headers=h).get_json()
    assert detail["status"] == "active"
    assert client.post(f"/maintenance-tickets/{ticket['id']}/start", json={},
                       headers=h).status_code == 200
    r = client.post(f"/maintenance-tickets/{ticket['id']}/resolve",
                    json={"condition": "B", "resolution": "更换阀门"}, headers=h)
    assert r.status_code == 200, r.get_json()
    assert unit_status(ctx, unit) == "rented"  # back with the borrower, not lent again
    r = client.post(f"/rentals/{rental['id']}/return", json={"condition": "B"}, headers=h)
    assert r.status_code == 200, r.get_json()
