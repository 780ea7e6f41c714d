"""Borrowers, units, reservations, allocation, transfers, maintenance, reports and the
OpenAPI document, through HTTP on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from inventory.adapters import orm
from inventory_testkit import BO, OVERDUE_RENTAL, ST, TY, count, due, outbox, unit_status
from svckit.domain.certificate import make_certificate
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]
GOOD = make_certificate("37152219750316032", 4, 2)  # 莘县, physical, grade 2


def _borrower(**over: object) -> dict[str, object]:
    return {"certificate_number": GOOD, "name": "周桂芳", "phone": "13963512345",
            "address": "聊城市莘县燕塔街道莘亭路1号", "division_code": "371522",
            "consent": True, **over}


class TestBorrowers:
    @pytest.mark.parametrize("number", [
        GOOD[:-1],  # 19 characters
        GOOD + "1",  # 21 characters
        GOOD[:17] + ("0" if GOOD[17] != "0" else "1") + GOOD[18:],  # bad check character
        GOOD[:18] + "0" + GOOD[19],  # category 0
        GOOD[:18] + "8" + GOOD[19],  # category 8
        GOOD[:19] + "5",  # grade 5
    ])
    def test_invalid_certificate_is_422_naming_the_field_and_writes_nothing(
            self, client: FlaskClient, ctx: ServiceContext, headers: H, number: str) -> None:
        before = count(ctx, orm.borrowers)
        resp = client.post("/borrowers", json=_borrower(certificate_number=number),
                           headers=headers("clerk", "DCF"))
        assert resp.status_code == 422
        assert resp.mimetype == "application/problem+json"
        body = resp.get_json()
        assert body["type"] == "/problems/validation-failed"
        assert list(body["errors"]) == ["certificate_number"]
        assert count(ctx, orm.borrowers) == before

    def test_register_derives_category_and_grade_and_masks(
            self, client: FlaskClient, headers: H) -> None:
        resp = client.post("/borrowers", json=_borrower(), headers=headers("clerk", "DCF"))
        body = resp.get_json()
        assert resp.status_code == 201, body
        assert (body["category"], body["grade"], body["severe"], body["waiver"]) == (
            4, 2, True, "severe")
        assert body["certificate_masked"] == GOOD[:4] + "*" * 12 + GOOD[-4:]
        assert body["name_masked"] == "周**" and body["phone_masked"] == "139****2345"
        assert GOOD not in resp.get_data(as_text=True)
        assert "13963512345" not in resp.get_data(as_text=True)
        again = client.post("/borrowers", json=_borrower(), headers=headers("clerk", "DCF"))
        assert again.status_code == 409

    def test_lookup_by_certificate_and_list_are_masked(self, client: FlaskClient,
                                                       headers: H) -> None:
        h = headers("clerk", "YG")
        client.post("/borrowers", json=_borrower(), headers=h)
        found = client.post("/borrowers/lookup", json={"certificate_number": GOOD}, headers=h)
        assert found.status_code == 200 and found.get_json()["name_masked"] == "周**"
        listing = client.get("/borrowers?page_size=100", headers=h)
        # the station's borrowers only: 刘志强 (registered there) and the one just registered
        assert listing.get_json()["total"] == 2
        assert GOOD not in listing.get_data(as_text=True)
        bad = client.post("/borrowers/lookup", json={"certificate_number": "123"}, headers=h)
        assert bad.status_code == 422 and "certificate_number" in bad.get_json()["errors"]

    def test_personal_read_is_logged(self, client: FlaskClient, ctx: ServiceContext,
                                     headers: H) -> None:
        h = headers("clerk", "DCF", sub="clerk-wang")
        resp = client.get(f"/borrowers/{BO['B1']}/personal?purpose=预约上门", headers=h)
        assert resp.status_code == 200 and resp.get_json()["name"] == "王秀英"
        with ctx.engine.connect() as conn:
            [read] = conn.execute(sa.select(orm.metadata.tables["personal_data_access_log"])
                                  ).mappings().all()
        assert (read["actor"], read["actor_role"], read["purpose"]) == (
            "clerk-wang", "clerk", "预约上门")
        assert (read["record_type"], read["record_id"]) == ("borrower", str(BO["B1"]))
        assert read["fields"] == ["certificate_number", "name", "phone", "address"]
        assert read["request_id"] == resp.headers["X-Request-ID"]
        assert read["at"].tzinfo is not None
        for bad in ("", "?purpose=", "?purpose=%20x%20"):
            refused = client.get(f"/borrowers/{BO['B1']}/personal{bad}", headers=h)
            assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
        with ctx.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(
                orm.metadata.tables["personal_data_access_log"])).scalar_one() == 1


class TestUnitsAndStock:
    def test_register_unit_only_at_own_station(self, client: FlaskClient, headers: H) -> None:
        body = {"asset_tag": "LC-DCF-WC-09", "serial": "SN1", "type_id": str(TY["WC"]),
                "condition": "A", "acquisition": "donation", "acquired_on": "2025-01-02",
                "cost_fen": 0}
        ok = client.post("/units", json={**body, "station_id": str(ST["DCF"])},
                         headers=headers("clerk", "DCF"))
        assert ok.status_code == 201 and ok.get_json()["status"] == "available"
        other = client.post("/units", json={**body, "asset_tag": "LC-YG-X-1",
                                            "station_id": str(ST["YG"])},
                            headers=headers("clerk", "DCF"))
        assert other.status_code == 403
        dup = client.post("/units", json={**body, "station_id": str(ST["DCF"])},
                          headers=headers("clerk", "DCF"))
        assert dup.status_code == 409

    def test_units_list_scoped_paginated_and_capped(self, client: FlaskClient,
                                                     headers: H) -> None:
        mine = client.get("/units?page_size=100", headers=headers("clerk", "DCF")).get_json()
        assert mine["total"] == 6
        assert {u["current_station_id"] for u in mine["items"]} == {str(ST["DCF"])}
        everything = client.get("/units?page=2&page_size=10", headers=headers("staff"))
        assert everything.get_json()["total"] == 45 and len(everything.get_json()["items"]) == 10
        assert client.get("/units?page_size=101", headers=headers("staff")).status_code == 422

    def test_unit_by_tag_and_history(self, client: FlaskClient, headers: H) -> None:
        h = headers("clerk", "DCF")
        unit = client.get("/units/by-tag/LC-DCF-WF-01", headers=h).get_json()
        assert unit["status"] == "rented"
        hist = client.get(f"/units/{unit['id']}/movements", headers=h).get_json()
        assert [m["action"] for m in hist["items"]] == ["register", "check_out"]
        assert client.get("/units/by-tag/LC-DCF-WF-01",
                          headers=headers("clerk", "YG")).status_code == 404

    def test_availability_nearest_first(self, client: FlaskClient, headers: H) -> None:
        resp = client.get(f"/units/availability?type_id={TY['SC']}&division_code=371521",
                          headers=headers("clerk", "YG"))
        items = resp.get_json()["items"]
        assert items[0]["station_name"] == "阳谷县辅具租赁服务站" and items[0]["same_county"]
        assert len(items) == 6

    def test_reserve_then_check_out_the_reservation(self, client: FlaskClient,
                                                    headers: H) -> None:
        h = headers("clerk", "CP")
        res = client.post("/reservations", headers=h, json={
            "station_id": str(ST["CP"]), "borrower_id": str(BO["B3"]),
            "type_id": str(TY["CC"])})
        assert res.status_code == 201, res.get_json()
        reservation = res.get_json()
        # held for B3: someone else cannot take that unit
        taken = client.post("/rentals", headers=h, json={
            "station_id": str(ST["CP"]), "borrower_id": str(BO["B8"]),
            "unit_id": reservation["unit_id"], "due_on": due(10)})
        assert taken.status_code == 409
        rental = client.post("/rentals", headers=h, json={
            "station_id": str(ST["CP"]), "borrower_id": str(BO["B3"]),
            "reservation_id": reservation["id"], "due_on": due(10)})
        assert rental.status_code == 201
        after = client.get(f"/reservations/{reservation['id']}", headers=h).get_json()
        assert after["status"] == "fulfilled"

    def test_cancel_reservation_frees_the_unit(self, client: FlaskClient, ctx: ServiceContext,
                                               headers: H) -> None:
        h = headers("clerk", "CP")
        reservation = client.post("/reservations", headers=h, json={
            "station_id": str(ST["CP"]), "borrower_id": str(BO["B3"]),
            "type_id": str(TY["CC"])}).get_json()
        resp = client.post(f"/reservations/{reservation['id']}/cancel", json={}, headers=h)
        assert resp.status_code == 200 and resp.get_json()["status"] == "cancelled"
        assert unit_status(ctx, reservation["unit_id"]) == "available"
        again = client.post(f"/reservations/{reservation['id']}/cancel", json={}, headers=h)
        assert again.status_code == 409 and again.get_json()["current_state"] == "cancelled"

    def test_allocation_of_a_prosthesis(self, client: FlaskClient, ctx: ServiceContext,
                                        headers: H) -> None:
        h = headers("clerk", "SZX")
        unit = client.get("/units/by-tag/LC-SZX-PR-01", headers=h).get_json()
        resp = client.post("/allocations", headers=h, json={
            "unit_id": unit["id"], "borrower_id": str(BO["B6"]),
            "reason": "市辅具中心适配评估单 2025-031"})
        assert resp.status_code == 201, resp.get_json()
        assert unit_status(ctx, unit["id"]) == "allocated"
        # a rentable wheelchair is given only to an eligible person (B6: grade 4, no flags)
        wc = client.get("/units/by-tag/LC-SZX-WC-01", headers=h).get_json()
        refused = client.post("/allocations", headers=h, json={
            "unit_id": wc["id"], "borrower_id": str(BO["B6"]), "reason": "x"})
        assert refused.status_code == 409

    def test_transfer_and_receiving_at_the_wrong_station(
            self, client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
        unit = client.get("/units/by-tag/LC-SZX-BD-01", headers=headers("staff")).get_json()
        sent = client.post("/transfers", headers=headers("clerk", "SZX"), json={
            "unit_id": unit["id"], "to_station_id": str(ST["LQ"]), "note": "临清缺护理床"})
        assert sent.status_code == 201
        transfer = sent.get_json()
        assert unit_status(ctx, unit["id"]) == "in_transit"
        wrong = client.post(f"/transfers/{transfer['id']}/receive",
                            headers=headers("clerk", "SZX"), json={"station_id": str(ST["SZX"])})
        assert wrong.status_code == 409
        outsider = client.post(f"/transfers/{transfer['id']}/receive",
                               headers=headers("clerk", "GX"), json={"station_id": str(ST["GX"])})
        assert outsider.status_code == 404
        ok = client.post(f"/transfers/{transfer['id']}/receive",
                         headers=headers("clerk", "LQ"), json={"station_id": str(ST["LQ"])})
        assert ok.status_code == 200 and ok.get_json()["status"] == "received"
        moved = client.get(f"/units/{unit['id']}", headers=headers("clerk", "LQ")).get_json()
        assert (moved["status"], moved["current_station_id"]) == ("available", str(ST["LQ"]))

    def test_maintenance_to_repair_and_write_off(self, client: FlaskClient,
                                                 ctx: ServiceContext, headers: H) -> None:
        h = headers("clerk", "YG")
        unit = client.get("/units/by-tag/LC-YG-WC-01", headers=h).get_json()
        ticket = client.post("/maintenance-tickets", headers=h, json={
            "unit_id": unit["id"], "fault": "刹车失灵"}).get_json()
        assert ticket["status"] == "open" and unit_status(ctx, unit["id"]) == "maintenance"
        assert client.post(f"/maintenance-tickets/{ticket['id']}/start", json={},
                           headers=h).get_json()["status"] == "in_repair"
        done = client.post(f"/maintenance-tickets/{ticket['id']}/resolve", headers=h, json={
            "condition": "B", "repair_cost_fen": 3500, "resolution": "更换刹车片"})
        assert done.status_code == 200 and unit_status(ctx, unit["id"]) == "available"
        other = client.get("/units/by-tag/LC-YG-WC-02", headers=h).get_json()
        t2 = client.post("/maintenance-tickets", headers=h, json={
            "unit_id": other["id"], "fault": "车架断裂"}).get_json()
        clerk_try = client.post(f"/maintenance-tickets/{t2['id']}/write-off", headers=h,
                                json={"reason": "车架断裂无法修复"})
        assert clerk_try.status_code == 403
        sup = client.post(f"/maintenance-tickets/{t2['id']}/write-off",
                          headers=headers("supervisor", "YG"),
                          json={"reason": "车架断裂无法修复"})
        assert sup.status_code == 200 and sup.get_json()["status"] == "written_off"
        [event] = outbox(ctx, "unit.written_off")
        assert event["payload"]["asset_tag"] == "LC-YG-WC-02"


class TestReports:
    def test_stock_by_station_and_type(self, client: FlaskClient, headers: H) -> None:
        rows = client.get("/reports/stock", headers=headers("clerk", "DCF")).get_json()["items"]
        assert {r["station_id"] for r in rows} == {str(ST["DCF"])}
        wc = next(r for r in rows if r["iso_code"] == "12 22 03")
        assert wc["counts"] == {"available": 1, "rented": 1} and wc["total"] == 2
        everything = client.get("/reports/stock", headers=headers("staff")).get_json()
        assert sum(r["total"] for r in everything["items"]) == 45

    def test_utilisation_per_type(self, client: FlaskClient, headers: H) -> None:
        body = client.get("/reports/utilisation", headers=headers("staff")).get_json()
        by_code = {i["iso_code"]: i for i in body["items"]}
        assert by_code["12 22 03"]["rate"] > 0 and by_code["12 06 03"]["rate"] > 0
        assert by_code["18 12 07"]["rate"] == 0
        bad = client.get("/reports/utilisation?start=2025-02-01&end=2025-01-01",
                         headers=headers("staff"))
        assert bad.status_code == 422

    def test_overdue_list(self, client: FlaskClient, headers: H) -> None:
        body = client.get("/reports/overdue", headers=headers("clerk", "DCF")).get_json()
        [row] = body["items"]
        assert row["rental_id"] == str(OVERDUE_RENTAL) and row["days_overdue"] == 10
        assert "*" in row["borrower_certificate"] and "*" in row["borrower_phone"]
        assert client.get("/reports/overdue", headers=headers("clerk", "YG")).get_json()[
            "total"] == 0


class TestStationsAndCatalogue:
    def test_only_staff_create_stations_and_codes_are_validated(
            self, client: FlaskClient, headers: H) -> None:
        body = {"name": "莘县辅具租赁服务站", "division_code": "371522",
                "address": "聊城市莘县莘亭路2号", "phone": "0635-7312345",
                "opening_days": [1, 2, 3, 4, 5]}
        assert client.post("/stations", json=body,
                           headers=headers("clerk", "DCF")).status_code == 403
        bad = client.post("/stations", json={**body, "division_code": "37152"},
                          headers=headers("staff"))
        assert bad.status_code == 422 and "division_code" in bad.get_json()["errors"]
        ok = client.post("/stations", json=body, headers=headers("staff"))
        assert ok.status_code == 201 and ok.get_json()["division_name"] == "莘县"
        off = client.patch(f"/stations/{ok.get_json()['id']}", json={"active": False},
                           headers=headers("staff"))
        assert off.get_json()["active"] is False

    def test_device_types(self, client: FlaskClient, headers: H) -> None:
        listed = client.get("/device-types", headers=headers("clerk", "DCF")).get_json()
        assert listed["total"] == 7
        resp = client.post("/device-types", headers=headers("staff"), json={
            "iso_code": "12-39-03", "name_zh": "盲杖", "mode": "rentable",
            "daily_fee_fen": 20, "deposit_fen": 2000, "max_rental_days": 90})
        assert resp.status_code == 201 and resp.get_json()["iso_code"] == "12 39 03"
        bad = client.post("/device-types", headers=headers("staff"), json={
            "iso_code": "06 24 09", "name_zh": "假肢", "mode": "allocate_only",
            "daily_fee_fen": 100})
        assert bad.status_code == 422 and "mode" in bad.get_json()["errors"]


def test_openapi_lists_every_operation_with_schemas(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    operations = [(path, method, op) for path, item in spec["paths"].items()
                  for method, op in item.items() if method in ("get", "post", "patch")]
    assert len(operations) >= 40
    for path, method, op in operations:
        ok = next(code for code in op["responses"] if code.startswith("2"))
        assert "schema" in op["responses"][ok]["content"]["application/json"], (path, method)
        if method in ("post", "patch") and not path.endswith("/replay"):
            assert "requestBody" in op, (path, method)
        if method == "get" and "{" not in path and path != "/parked":
            assert any(p["in"] == "query" for p in op.get("parameters", [])), path
    assert "/rentals/{rental_id}/return" in spec["paths"]
