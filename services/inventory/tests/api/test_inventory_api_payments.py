"""The payments ledger over HTTP on PostgreSQL (issue 16, rental item 7): what the clerk
records (fee, deposit with the payer's reference), receipts numbered SJ-, the deposit
settled at return (deduction + refund), corrections as reversing entries, the month-end
settlement that balances to the fen, the deposits held, and who may see what."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from inventory_testkit import BO, ST, TY, due
from svckit.domain.clock import china_date, utcnow
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]


def _checkout(client: FlaskClient, h: dict[str, str]) -> dict[str, Any]:
    r = client.post("/rentals", json={"station_id": str(ST["DCF"]),
                                      "borrower_id": str(BO["B6"]), "due_on": due(14),
                                      "type_id": str(TY["WC"])}, headers=h)
    assert r.status_code == 201, r.get_json()
    body: dict[str, Any] = r.get_json()
    assert (body["fee_fen"], body["deposit_fen"]) == (14 * 200, 30_000)
    return body


def _pay(client: FlaskClient, h: dict[str, str], rental_id: str, **body: Any) -> Any:
    return client.post(f"/rentals/{rental_id}/payments", json=body, headers=h)


def test_a_rental_paid_returned_refunded_and_settled(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    h = headers("clerk", "DCF", sub="clerk-dcf")
    rental = _checkout(client, h)
    rid = rental["id"]
    ledger = client.get(f"/rentals/{rid}/payments", headers=h).get_json()
    assert (ledger["fee_outstanding_fen"], ledger["deposit_outstanding_fen"]) == (2800, 30_000)
    assert ledger["entries"] == [] and ledger["deposit_held_fen"] == 0

    fee = _pay(client, h, rid, kind="fee", amount_fen=2800, method="cash")
    assert fee.status_code == 201, fee.get_json()
    year = china_date(utcnow()).year
    assert re.match(rf"^SJ-371502-{year}-\d{{6}}$", fee.get_json()["number"])
    assert fee.get_json()["recorded_by"] == "clerk-dcf"

    # WeChat Pay needs the payer's reference: 422 on that field, in Chinese
    no_ref = _pay(client, h, rid, kind="deposit", amount_fen=30_000, method="wechat_pay")
    assert no_ref.status_code == 422
    assert "交易单号" in no_ref.get_json()["errors"]["reference"][0]
    dep = _pay(client, h, rid, kind="deposit", amount_fen=30_000, method="wechat_pay",
               reference="4200001234202612070012345678")
    assert dep.status_code == 201, dep.get_json()
    assert dep.get_json()["number"] != fee.get_json()["number"]

    # never more than due, never a zero or negative amount, never a float
    over = _pay(client, h, rid, kind="fee", amount_fen=1, method="cash")
    assert over.status_code == 422 and "amount_fen" in over.get_json()["errors"]
    for bad in (0, -5, 12.5):
        r = _pay(client, h, rid, kind="fee", amount_fen=bad, method="cash")
        assert r.status_code == 422 and "amount_fen" in r.get_json()["errors"], bad
    en = client.post(f"/rentals/{rid}/payments", headers={**h, "Accept-Language": "en"},
                     json={"kind": "gift", "amount_fen": 100, "method": "cash"})
    assert en.status_code == 422 and "kind" in en.get_json()["errors"]

    # no refund while the unit is out: 409 naming the state in words
    early = _pay(client, h, rid, kind="deposit_refund", amount_fen=100, method="cash")
    assert early.status_code == 409
    problem = early.get_json()
    assert "出借中" in problem["detail"] and "active" in problem["detail"]
    assert problem["current_state"] == "active" and "RentalStatus" not in problem["detail"]

    # a deduction above the deposit held refuses the return as a whole
    too_much = client.post(f"/rentals/{rid}/return", headers=h, json={
        "condition": "C", "damage_charge_fen": 30_001, "refund_method": "cash"})
    assert too_much.status_code == 422
    assert client.get(f"/rentals/{rid}", headers=h).get_json()["status"] == "active"
    back = client.post(f"/rentals/{rid}/return", headers=h, json={
        "condition": "C", "damage_charge_fen": 5_000, "refund_method": "cash"})
    assert back.status_code == 200, back.get_json()
    ledger = client.get(f"/rentals/{rid}/payments", headers=h).get_json()
    assert (ledger["deductions_fen"], ledger["refunds_fen"], ledger["deposit_held_fen"]) == (
        5_000, 25_000, 0)
    kinds = [e["kind"] for e in ledger["entries"]]
    assert kinds == ["fee", "deposit", "damage_deduction", "deposit_refund"]
    refund = ledger["entries"][3]
    assert refund["amount_fen"] == 30_000 - 5_000 and refund["method"] == "cash"
    assert ledger["entries"][2]["method"] is None

    # a deposit already refunded cannot be reversed; the held deposit never goes below zero
    deposit_id = ledger["entries"][1]["id"]
    r = client.post(f"/payments/{deposit_id}/reverse", json={"reason": "录错"}, headers=h)
    assert r.status_code == 409 and "押金已退还或扣除" in r.get_json()["detail"]
    # the fee was recorded as cash but paid by Alipay: reverse, then record again
    fee_id = fee.get_json()["id"]
    rev = client.post(f"/payments/{fee_id}/reverse", json={"reason": "付款方式录错"},
                      headers=h)
    assert rev.status_code == 201, rev.get_json()
    assert rev.get_json()["reverses_id"] == fee_id and rev.get_json()["amount_fen"] == 2800
    again = client.post(f"/payments/{fee_id}/reverse", json={"reason": "再冲"}, headers=h)
    assert again.status_code == 409 and "已冲正" in again.get_json()["detail"]
    twice = client.post(f"/payments/{rev.get_json()['id']}/reverse", json={"reason": "x"},
                        headers=h)
    assert twice.status_code == 409 and "冲正记录" in twice.get_json()["detail"]
    assert _pay(client, h, rid, kind="fee", amount_fen=2800, method="alipay",
                reference="2026120722001400001").status_code == 201
    ledger = client.get(f"/rentals/{rid}/payments", headers=h).get_json()
    states = [e["state"] for e in ledger["entries"]]
    assert states.count("reversed") == 1 and states.count("reversal") == 1
    assert ledger["fees_paid_fen"] == 2800 and ledger["fee_outstanding_fen"] == 0

    # the receipt: station, rental, unit, masked borrower, the ledger
    receipt = client.get(f"/payments/{refund['id']}", headers=h).get_json()
    assert receipt["rental_number"] == rental["number"]
    assert receipt["station_name"] and receipt["asset_tag"].startswith("LC-")
    assert receipt["borrower_name_masked"] != "杨德明" and receipt["borrower_name_masked"]

    # the month: every entry of the station listed, and it balances to the fen
    month = china_date(utcnow()).strftime("%Y-%m")
    s = client.get("/reports/settlement", headers=h,
                   query_string={"station_id": str(ST["DCF"]), "month": month}).get_json()
    mine = [e for e in s["entries"] if e["rental_id"] == rid]
    assert len(mine) == 6 and all(e["rental_number"] == rental["number"] for e in mine)
    assert s["balanced"] is True
    assert s["receipts_fen"] == s["fees_fen"] + s["deposits_fen"] - s["refunds_fen"]
    assert s["receipts_fen"] == sum(s["by_method"].values())
    assert sum(e["cash_fen"] for e in s["entries"]) == s["receipts_fen"]
    assert s["fees_fen"] >= 2800 and s["kept_fen"] == s["fees_fen"] + s["deductions_fen"]
    bad = client.get("/reports/settlement", headers=h,
                     query_string={"station_id": str(ST["DCF"]), "month": "2026-13"})
    assert bad.status_code == 422 and "month" in bad.get_json()["errors"]


def test_deposits_held_and_who_sees_the_ledger(
        client: FlaskClient, headers: H) -> None:
    h = headers("clerk", "DCF")
    rental = _checkout(client, h)
    rid = rental["id"]
    assert _pay(client, h, rid, kind="deposit", amount_fen=30_000,
                method="cash").status_code == 201
    held = client.get("/reports/deposits-held", headers=h).get_json()
    [dcf] = [i for i in held["items"] if i["station_id"] == str(ST["DCF"])]
    row = next(r for r in dcf["rentals"] if r["rental_id"] == rid)
    assert row["held_fen"] == 30_000 and row["rental_number"] == rental["number"]
    assert dcf["held_fen"] == sum(r["held_fen"] for r in dcf["rentals"])
    assert held["total_fen"] == sum(i["held_fen"] for i in held["items"])

    # a clerk of another station: the rental and its receipts are not there for them
    yg = headers("clerk", "YG")
    assert client.get(f"/rentals/{rid}/payments", headers=yg).status_code == 404
    assert _pay(client, yg, rid, kind="fee", amount_fen=100,
                method="cash").status_code == 404
    entry = client.get(f"/rentals/{rid}/payments", headers=h).get_json()["entries"][0]
    assert client.get(f"/payments/{entry['id']}", headers=yg).status_code == 404
    assert client.post(f"/payments/{entry['id']}/reverse", json={"reason": "x"},
                       headers=yg).status_code == 404
    month = china_date(utcnow()).strftime("%Y-%m")
    assert client.get("/reports/settlement", headers=yg, query_string={
        "station_id": str(ST["DCF"]), "month": month}).status_code == 403
    other = client.get("/reports/deposits-held", headers=yg).get_json()
    assert all(i["station_id"] != str(ST["DCF"]) for i in other["items"])
    # staff read everything
    staff = headers("staff")
    assert client.get(f"/payments/{entry['id']}", headers=staff).status_code == 200
    assert client.get("/reports/settlement", headers=staff, query_string={
        "station_id": str(ST["DCF"]), "month": month}).get_json()["balanced"] is True
