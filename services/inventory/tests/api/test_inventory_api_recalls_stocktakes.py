"""Issue 16, rental items 5 and 6 over HTTP and PostgreSQL: units carry model and batch; a
recall stops lending (409 naming the recall) and lists the units out for recovery; a
stocktake counts a station by scanning, closes with a discrepancy report and takes
corrections with a reason. Clerks reach only their stations."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from inventory.adapters import orm
from inventory_testkit import BO, ST, TY, add_units, count, due, outbox, unit_status
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]


def _describe(client: FlaskClient, h: dict[str, str], unit: object, model: str | None,
              batch: str | None) -> dict:
    r = client.patch(f"/units/{unit}", json={"model": model, "batch": batch}, headers=h)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _checkout(client: FlaskClient, h: dict[str, str], **what: str) -> object:
    return client.post("/rentals", json={"station_id": str(ST["GX"]),
                                         "borrower_id": str(BO["B6"]), "due_on": due(30),
                                         **what}, headers=h)


def test_units_take_model_and_batch_on_create_and_edit(
        client: FlaskClient, headers: H) -> None:
    h = headers("clerk", "GX")
    r = client.post("/units", json={
        "asset_tag": "LC-GX-REC-01", "serial": "SN1", "type_id": str(TY["CU"]),
        "station_id": str(ST["GX"]), "condition": "A", "acquisition": "purchase",
        "acquired_on": "2024-05-01", "cost_fen": 20000, "model": "ｈ００５",
        "batch": "2024-03"}, headers=h)
    assert r.status_code == 201, r.get_json()
    unit = r.get_json()
    assert (unit["model"], unit["batch"]) == ("H005", "2024-03")
    assert _describe(client, h, unit["id"], "H007", None)["batch"] is None
    r = client.patch(f"/units/{unit['id']}", json={"model": "坏型号!"}, headers=h)
    assert r.status_code == 422 and "model" in r.get_json()["errors"]
    # another station's clerk does not see it
    r = client.patch(f"/units/{unit['id']}", json={"model": "H1"},
                     headers=headers("clerk", "DCF"))
    assert r.status_code == 404


def test_a_recall_stops_lending_in_words_lists_the_units_out_and_is_lifted(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    out, held, other = add_units(ctx, "GX", "CU", 3, prefix="RCL")
    clerk, staff = headers("clerk", "GX"), headers("staff")
    _describe(client, clerk, out, "H005", "2024-03")
    _describe(client, clerk, held, "H005", "2024-03")
    _describe(client, clerk, other, "H005", "2024-04")
    r = _checkout(client, clerk, unit_id=str(out))
    assert r.status_code == 201
    rental = r.get_json()

    body = {"type_id": str(TY["CU"]), "model": "H005", "batch": "2024-03",
            "reason": "厂家召回：坐垫阻燃不合格"}
    assert client.post("/recalls", json=body, headers=clerk).status_code == 403
    r = client.post("/recalls", json=body, headers=staff)
    assert r.status_code == 201, r.get_json()
    recall = r.get_json()
    assert (recall["scope"], recall["status"]) == ("batch", "active")
    [event] = outbox(ctx, "recall.placed")
    assert event["payload"]["units_out"] == 1 and event["payload"]["batch"] == "2024-03"

    # lending the held unit: 409 naming the recall, both languages, no code
    for what in ({"unit_id": str(held)}, {"asset_tag": "RCL-GX-CU-001"}):
        r = _checkout(client, clerk, **what)
        assert r.status_code == 409, r.get_json()
        detail = r.get_json()["detail"]
        assert "已召回" in detail and "批次2024-03" in detail and "坐垫阻燃不合格" in detail
        assert "recalled" in detail and "<" not in detail
        assert r.get_json()["current_state"] == "recalled"
    r = client.post("/reservations", json={"station_id": str(ST["GX"]),
                                           "borrower_id": str(BO["B6"]),
                                           "unit_id": str(held)}, headers=clerk)
    assert r.status_code == 409 and "已召回" in r.get_json()["detail"]
    # by type: every other unit is lent, the held one never is; then 409 naming the recall
    lent = []
    for _ in range(20):
        r = _checkout(client, clerk, type_id=str(TY["CU"]))
        if r.status_code != 201:
            break
        lent.append(r.get_json()["unit_id"])
    assert r.status_code == 409 and "已召回" in r.get_json()["detail"], r.get_json()
    assert str(other) in lent and str(held) not in lent
    assert unit_status(ctx, held) == "available"

    # the units out, for recovery: the rental's number and the borrower masked
    r = client.get(f"/recalls/{recall['id']}/units-out", headers=clerk)
    assert r.status_code == 200, r.get_json()
    [row] = r.get_json()["items"]
    assert (row["rental_number"], row["asset_tag"]) == (rental["number"], "RCL-GX-CU-000")
    assert "*" in row["borrower_certificate"] and row["borrower_name"].startswith("杨")
    assert "德明" not in row["borrower_name"] and "*" in row["borrower_phone"]
    # a clerk of another station sees none of them
    r = client.get(f"/recalls/{recall['id']}/units-out", headers=headers("clerk", "DCF"))
    assert r.status_code == 200 and r.get_json()["items"] == []
    assert client.get("/recalls?status=active", headers=clerk).get_json()["total"] == 1

    # lifting: staff only, with a reason; then the unit lends again
    assert client.post(f"/recalls/{recall['id']}/lift", json={"reason": "已整改"},
                       headers=clerk).status_code == 403
    r = client.post(f"/recalls/{recall['id']}/lift", json={"reason": "厂家已更换坐垫"},
                    headers=staff)
    assert r.status_code == 200 and r.get_json()["status"] == "lifted"
    r = client.post(f"/recalls/{recall['id']}/lift", json={"reason": "again"}, headers=staff)
    assert r.status_code == 409 and "已解除" in r.get_json()["detail"]
    assert _checkout(client, clerk, unit_id=str(held)).status_code == 201
    assert len(outbox(ctx, "recall.lifted")) == 1


def test_a_hold_on_the_whole_type_covers_units_without_model(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    [unit] = add_units(ctx, "GX", "CU", 1, prefix="RCT")
    r = client.post("/recalls", json={"type_id": str(TY["CU"]), "reason": "全类停用检查"},
                    headers=headers("staff"))
    assert r.status_code == 201 and r.get_json()["scope"] == "type"
    r = _checkout(client, headers("clerk", "GX"), unit_id=str(unit))
    assert r.status_code == 409 and "全类停用检查" in r.get_json()["detail"]
    r = client.get(f"/units/availability?type_id={TY['CU']}", headers=headers("clerk", "GX"))
    assert r.status_code == 200
    assert all(row["available"] == 0 for row in r.get_json()["items"])


def _scan(client: FlaskClient, h: dict[str, str], count_id: str, tag: str) -> dict:
    r = client.post(f"/stocktakes/{count_id}/scans", json={"tag": tag}, headers=h)
    assert r.status_code in (200, 201), r.get_json()
    return r.get_json()


def test_a_stocktake_reports_discrepancies_and_takes_corrections(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    here = add_units(ctx, "GX", "CU", 3, prefix="STK")
    [elsewhere] = add_units(ctx, "LQ", "CU", 1, prefix="STL")
    clerk, supervisor = headers("clerk", "GX"), headers("supervisor", "GX")
    # the units already at GX (seed) are expected too: count them all but one
    r = client.post("/stocktakes", json={"station_id": str(ST["GX"])}, headers=clerk)
    assert r.status_code == 201, r.get_json()
    count_id = r.get_json()["id"]
    r = client.post("/stocktakes", json={"station_id": str(ST["GX"])}, headers=clerk)
    assert r.status_code == 409 and "已有进行中的盘点" in r.get_json()["detail"]
    # another station's clerk cannot start one here, nor see this one
    r = client.post("/stocktakes", json={"station_id": str(ST["GX"])},
                    headers=headers("clerk", "LQ"))
    assert r.status_code == 403
    assert client.get(f"/stocktakes/{count_id}",
                      headers=headers("clerk", "LQ")).status_code == 404
    r = client.post(f"/stocktakes/{count_id}/scans", json={"tag": "STK-GX-CU-000"},
                    headers=headers("clerk", "LQ"))
    assert r.status_code == 404

    with ctx.engine.connect() as conn:
        u = orm.units.c
        tags = [row[0] for row in conn.execute(
            orm.units.select().with_only_columns(u.asset_tag)
            .where(u.current_station_id == ST["GX"], u.status == "available"))]
    missing_tag = "STK-GX-CU-002"
    for tag in tags:
        if tag != missing_tag:
            _scan(client, clerk, count_id, tag.lower())  # a typed tag works too
    assert _scan(client, clerk, count_id, "STK-GX-CU-000")["repeated"] is True
    _scan(client, clerk, count_id, "https://labels.example/u/STL-LQ-CU-000")
    _scan(client, clerk, count_id, "NO-SUCH-TAG")

    r = client.post(f"/stocktakes/{count_id}/close", json={}, headers=clerk)
    assert r.status_code == 200, r.get_json()
    report = r.get_json()["report"]
    assert [m["asset_tag"] for m in report["missing"]] == [missing_tag]
    assert [(x["asset_tag"], x["reason"]) for x in report["unexpected"]] == [
        ("STL-LQ-CU-000", "wrong_station")]
    assert report["unknown_tags"] == ["NO-SUCH-TAG"]
    assert report["expected"] == len(tags)
    [event] = outbox(ctx, "stocktake.closed")
    assert (event["payload"]["missing"], event["payload"]["unknown_tags"]) == (1, 1)
    # closed: no more scans, said in words
    r = client.post(f"/stocktakes/{count_id}/scans", json={"tag": "X-1"}, headers=clerk)
    assert r.status_code == 409 and "已结束" in r.get_json()["detail"]

    # corrections, each with a reason: a clerk moves the unit found here; writing the
    # missing one off needs a supervisor
    missing_id = here[2]
    r = client.post(f"/stocktakes/{count_id}/corrections", json={
        "unit_id": str(missing_id), "action": "write_off", "reason": "盘点确认丢失"},
        headers=clerk)
    assert r.status_code == 403
    r = client.post(f"/stocktakes/{count_id}/corrections", json={
        "unit_id": str(elsewhere), "action": "move", "reason": ""}, headers=clerk)
    assert r.status_code == 422
    r = client.post(f"/stocktakes/{count_id}/corrections", json={
        "unit_id": str(elsewhere), "action": "move", "reason": "聊城站调来未登记"},
        headers=clerk)
    assert r.status_code == 201, r.get_json()
    r = client.post(f"/stocktakes/{count_id}/corrections", json={
        "unit_id": str(missing_id), "action": "write_off", "reason": "盘点确认丢失"},
        headers=supervisor)
    assert r.status_code == 201, r.get_json()
    r = client.post(f"/stocktakes/{count_id}/corrections", json={
        "unit_id": str(missing_id), "action": "write_off", "reason": "again"},
        headers=supervisor)
    assert r.status_code == 409 and "已处理" in r.get_json()["detail"]
    assert unit_status(ctx, missing_id) == "written_off"
    with ctx.engine.connect() as conn:
        station = conn.execute(orm.units.select().with_only_columns(
            orm.units.c.current_station_id).where(orm.units.c.id == elsewhere)).scalar_one()
    assert station == ST["GX"]
    detail = client.get(f"/stocktakes/{count_id}", headers=clerk).get_json()
    assert [c["action"] for c in detail["corrections"]] == ["move", "write_off"]
    assert detail["report"]["missing"][0]["asset_tag"] == missing_tag  # kept as closed
    # each correction is audited, with who
    audit = orm.metadata.tables["audit_log"]
    assert count(ctx, audit, audit.c.object_type == "stocktake_correction") == 2
    [written_off] = [e for e in outbox(ctx, "unit.written_off")
                     if e["subject_id"] == str(missing_id)]
    assert "盘点确认丢失" in written_off["payload"]["reason"]
    # a new count can start once this one is closed
    r = client.post("/stocktakes", json={"station_id": str(ST["GX"])}, headers=clerk)
    assert r.status_code == 201
    listed = client.get("/stocktakes", headers=clerk).get_json()
    assert listed["total"] == 2
    assert client.get("/stocktakes", headers=headers("clerk", "LQ")).get_json()["total"] == 0
