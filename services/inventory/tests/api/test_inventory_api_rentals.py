"""Rentals through HTTP on PostgreSQL: check-out, scope of clerks, overdue block and
override, return, loss, problem+json for bad input and illegal transitions."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from inventory.adapters import orm
from inventory_testkit import BO, OVERDUE_RENTAL, ST, TY, count, due, outbox, unit_status
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]


def checkout(client: FlaskClient, h: dict[str, str], station: str = "DCF",
             borrower: str = "B1", **body: object) -> tuple[int, dict]:
    payload = {"station_id": str(ST[station]), "borrower_id": str(BO[borrower]),
               "due_on": due(14), **body}
    if not ({"type_id", "unit_id", "asset_tag", "reservation_id"} & set(body)):
        payload["type_id"] = str(TY["WC"])
    resp = client.post("/rentals", json=payload, headers=h)
    return resp.status_code, resp.get_json()


class TestCheckOut:
    def test_by_type_lends_a_free_unit_and_raises_the_event(
            self, client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
        status, body = checkout(client, headers("clerk", "DCF"), borrower="B6")
        assert status == 201, body
        # 杨德明: grade 4, no hardship: 14 days x 200 fen, deposit 300 yuan
        assert (body["fee_fen"], body["deposit_fen"], body["waiver"]) == (2800, 30_000, None)
        assert body["status"] == "active" and body["logistics"] == "none"
        assert unit_status(ctx, body["unit_id"]) == "rented"
        [event] = outbox(ctx, "rental.checked_out")
        p = event["payload"]
        assert event["subject_id"] == body["id"]
        assert p["borrower_certificate"].startswith("3715") and "*" * 12 in p["borrower_certificate"]
        assert (p["iso_code"], p["home_delivery"]) == ("12 22 03", False)

    def test_waiver_for_severe_grade_is_recorded(self, client: FlaskClient, headers: H) -> None:
        status, body = checkout(client, headers("clerk", "DCF"), borrower="B1")
        assert status == 201
        assert (body["fee_fen"], body["deposit_fen"], body["waiver"]) == (0, 0, "severe")

    def test_by_asset_tag_and_twice_is_409_with_the_state(
            self, client: FlaskClient, headers: H) -> None:
        h = headers("clerk", "DCF")
        assert checkout(client, h, asset_tag="lc-dcf-cc-01")[0] == 201
        status, body = checkout(client, h, borrower="B6", asset_tag="LC-DCF-CC-01")
        assert status == 409
        assert body["current_state"] == "rented"
        assert body["type"] == "/problems/illegal-transition"

    def test_home_delivery_asks_volunteers(self, client: FlaskClient, ctx: ServiceContext,
                                           headers: H) -> None:
        status, body = checkout(client, headers("clerk", "DCF"), borrower="B6",
                                home_delivery=True)
        assert status == 201 and body["logistics"] == "delivery_requested"
        [event] = outbox(ctx, "rental.delivery_requested")
        p = event["payload"]
        assert p["source"] == {"service": "inventory", "kind": "rental_delivery",
                               "id": body["id"]}
        assert p["contact_name"] == "杨某" and p["contact_phone"] == "138****1206"
        assert p["division_code"] == "371525"

    def test_none_free_is_409(self, client: FlaskClient, headers: H) -> None:
        h = headers("clerk", "YG")
        assert checkout(client, h, station="YG", type_id=str(TY["BD"]))[0] == 409

    def test_allocate_only_type_cannot_be_rented(self, client: FlaskClient, headers: H) -> None:
        status, body = checkout(client, headers("clerk", "SZX"), station="SZX",
                                asset_tag="LC-SZX-PR-01")
        assert status == 409 and body["current_state"] == "allocate_only"

    def test_due_date_beyond_the_maximum_is_422_naming_the_field(
            self, client: FlaskClient, headers: H) -> None:
        status, body = checkout(client, headers("clerk", "DCF"), due_on=due(400))
        assert status == 422 and "due_on" in body["errors"]

    def test_unknown_field_is_refused(self, client: FlaskClient, headers: H) -> None:
        status, body = checkout(client, headers("clerk", "DCF"), fee_fen=0)
        assert status == 422 and "fee_fen" in body["errors"]


class TestStationScope:
    """A clerk of station A cannot check out, return or read a rental of station B."""

    def test_clerk_cannot_check_out_at_another_station(
            self, client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
        status, body = checkout(client, headers("clerk", "YG"), station="DCF")
        assert status == 403 and body["type"] == "/problems/forbidden"
        assert count(ctx, orm.rentals) == 2  # the two seeded ones only

    def test_clerk_cannot_read_return_or_touch_another_stations_rental(
            self, client: FlaskClient, headers: H) -> None:
        _, rental = checkout(client, headers("clerk", "DCF"))
        other = headers("clerk", "YG")
        rid = rental["id"]
        assert client.get(f"/rentals/{rid}", headers=other).status_code == 404
        assert client.post(f"/rentals/{rid}/return", json={"condition": "A"},
                           headers=other).status_code == 404
        assert client.post(f"/rentals/{rid}/extend", json={"due_on": due(20)},
                           headers=other).status_code == 404
        assert client.post(f"/rentals/{rid}/lost", json={"reason": "x"},
                           headers=other).status_code == 404
        listed = client.get("/rentals", headers=other).get_json()
        assert rid not in [r["id"] for r in listed["items"]]
        # the own station's clerk and staff do see it
        assert client.get(f"/rentals/{rid}", headers=headers("clerk", "DCF")).status_code == 200
        assert client.get(f"/rentals/{rid}", headers=headers("staff")).status_code == 200

    def test_other_roles_are_refused_and_no_token_is_401(
            self, client: FlaskClient, headers: H) -> None:
        assert client.get("/rentals", headers=headers("volunteer")).status_code == 403
        assert client.get("/rentals", headers=headers("contractor")).status_code == 403
        resp = client.get("/rentals")
        assert resp.status_code == 401 and resp.mimetype == "application/problem+json"


class TestOverdueBlock:
    """B7 has the seeded rental ten days overdue at 东昌府区."""

    def test_blocked_without_override(self, client: FlaskClient, headers: H) -> None:
        status, body = checkout(client, headers("clerk", "DCF"), borrower="B7")
        assert status == 409 and body["current_state"] == "overdue"

    def test_a_clerk_may_not_override(self, client: FlaskClient, headers: H) -> None:
        status, _ = checkout(client, headers("clerk", "DCF"), borrower="B7",
                             override_reason="老人急需")
        assert status == 403

    def test_a_supervisor_overrides_with_a_reason(self, client: FlaskClient,
                                                  headers: H) -> None:
        status, body = checkout(client, headers("supervisor", "DCF", sub="sup-liu"),
                                borrower="B7", override_reason="原助行架已损坏，家属已说明")
        assert status == 201
        assert (body["override_by"], body["override_reason"]) == (
            "sup-liu", "原助行架已损坏，家属已说明")

    def test_a_supervisor_of_another_station_cannot(self, client: FlaskClient,
                                                    headers: H) -> None:
        status, _ = checkout(client, headers("supervisor", "YG"), borrower="B7",
                             override_reason="x")
        assert status == 403


class TestReturnAndLoss:
    def test_return_refunds_deposit_less_damage_and_unit_goes_to_cleaning(
            self, client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
        h = headers("clerk", "DCF")
        _, rental = checkout(client, h, borrower="B6")
        resp = client.post(f"/rentals/{rental['id']}/return", headers=h, json={
            "condition": "B", "notes": "扶手有划痕", "damage_charge_fen": 5000})
        body = resp.get_json()
        assert resp.status_code == 200, body
        assert (body["status"], body["deposit_refund_fen"], body["return_condition"]) == (
            "returned", 25_000, "B")
        assert unit_status(ctx, rental["unit_id"]) == "cleaning"
        [event] = outbox(ctx, "rental.returned")
        assert event["payload"]["refund_fen"] == 25_000
        again = client.post(f"/rentals/{rental['id']}/return", headers=h,
                            json={"condition": "B"})
        assert again.status_code == 409 and again.get_json()["current_state"] == "returned"

    def test_damage_over_the_deposit_is_422_and_nothing_changes(
            self, client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
        h = headers("clerk", "DCF")
        _, rental = checkout(client, h, borrower="B6")
        resp = client.post(f"/rentals/{rental['id']}/return", headers=h,
                           json={"condition": "C", "damage_charge_fen": 30_001})
        assert resp.status_code == 422 and "damage_charge_fen" in resp.get_json()["errors"]
        assert unit_status(ctx, rental["unit_id"]) == "rented"
        assert outbox(ctx, "rental.returned") == []

    def test_lost_unit_is_written_off(self, client: FlaskClient, ctx: ServiceContext,
                                      headers: H) -> None:
        h = headers("clerk", "DCF")
        _, rental = checkout(client, h, borrower="B6")
        resp = client.post(f"/rentals/{rental['id']}/lost", headers=h,
                           json={"reason": "借用人搬家后遗失"})
        assert resp.status_code == 200 and resp.get_json()["status"] == "lost"
        assert unit_status(ctx, rental["unit_id"]) == "written_off"
        [event] = outbox(ctx, "unit.written_off")
        assert event["payload"]["reason"] == "借用人搬家后遗失"

    def test_extend_adds_the_fee(self, client: FlaskClient, headers: H) -> None:
        h = headers("clerk", "DCF")
        _, rental = checkout(client, h, borrower="B6")
        resp = client.post(f"/rentals/{rental['id']}/extend", headers=h,
                           json={"due_on": due(24)})
        assert resp.status_code == 200 and resp.get_json()["fee_fen"] == 24 * 200

    def test_return_cancels_a_pending_delivery(self, client: FlaskClient, ctx: ServiceContext,
                                               headers: H) -> None:
        h = headers("clerk", "DCF")
        _, rental = checkout(client, h, borrower="B6", home_delivery=True)
        client.post(f"/rentals/{rental['id']}/return", headers=h, json={"condition": "A"})
        [event] = outbox(ctx, "rental.visit_cancelled")
        assert event["payload"]["source"]["kind"] == "rental_delivery"


def test_overdue_rental_is_readable_by_its_station(client: FlaskClient, headers: H) -> None:
    resp = client.get(f"/rentals/{OVERDUE_RENTAL}", headers=headers("clerk", "DCF"))
    assert resp.status_code == 200 and resp.get_json()["visits"] == []
