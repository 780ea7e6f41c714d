"""``unit.available``: a unit that becomes lendable at a station (taken into stock,
received from another station, repaired) is announced with its ISO code and the
station's division, through the aggregate, the unit of work, the mapper and the outbox;
a unit that leaves stock or is only held announces nothing."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from inventory_testkit import ST, TY, outbox
from svckit.events.catalogue import load_all
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]


def _station(client: FlaskClient, headers: H, key: str) -> dict[str, str]:
    return dict(client.get(f"/stations/{ST[key]}", headers=headers("staff")).get_json())


def test_registered_received_and_repaired_units_are_announced(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    catalogue = load_all()
    before = len(outbox(ctx, "unit.available"))
    unit = client.post("/units", headers=headers("clerk", "DCF"), json={
        "asset_tag": "LC-DCF-WC-77", "serial": "SN77", "type_id": str(TY["WC"]),
        "station_id": str(ST["DCF"]), "condition": "A", "acquisition": "donation",
        "acquired_on": "2025-01-02", "cost_fen": 0}).get_json()
    wc = client.get(f"/device-types/{TY['WC']}", headers=headers("staff")).get_json()
    [event] = outbox(ctx, "unit.available")[before:]
    assert event["subject_id"] == unit["id"]
    assert event["payload"] == {
        "unit_id": unit["id"], "asset_tag": "LC-DCF-WC-77", "device_type_id": str(TY["WC"]),
        "iso_code": wc["iso_code"], "station_id": str(ST["DCF"]),
        "division_code": _station(client, headers, "DCF")["division_code"], "how": "register"}
    catalogue.load("unit.available", 1, event["payload"])

    # sent to another station: announced where it is received, not when it leaves
    moving = client.get("/units/by-tag/LC-SZX-BD-01", headers=headers("staff")).get_json()
    transfer = client.post("/transfers", headers=headers("clerk", "SZX"), json={
        "unit_id": moving["id"], "to_station_id": str(ST["LQ"]), "note": "临清缺护理床"})
    assert transfer.status_code == 201
    assert len(outbox(ctx, "unit.available")) == before + 1
    client.post(f"/transfers/{transfer.get_json()['id']}/receive",
                headers=headers("clerk", "LQ"), json={"station_id": str(ST["LQ"])})
    received = outbox(ctx, "unit.available")[-1]["payload"]
    assert (received["unit_id"], received["how"], received["station_id"],
            received["division_code"]) == (
        moving["id"], "receive", str(ST["LQ"]),
        _station(client, headers, "LQ")["division_code"])

    # in repair: announced when the repair is done
    h = headers("clerk", "YG")
    broken = client.get("/units/by-tag/LC-YG-WC-01", headers=h).get_json()
    ticket = client.post("/maintenance-tickets", headers=h, json={
        "unit_id": broken["id"], "fault": "刹车失灵"}).get_json()
    client.post(f"/maintenance-tickets/{ticket['id']}/start", json={}, headers=h)
    assert len(outbox(ctx, "unit.available")) == before + 2
    done = client.post(f"/maintenance-tickets/{ticket['id']}/resolve", headers=h, json={
        "condition": "B", "repair_cost_fen": 3500, "resolution": "更换刹车片"})
    assert done.status_code == 200
    repaired = outbox(ctx, "unit.available")[-1]["payload"]
    assert (repaired["unit_id"], repaired["how"]) == (broken["id"], "finish_repair")
    for e in outbox(ctx, "unit.available")[before:]:
        catalogue.load("unit.available", 1, e["payload"])
