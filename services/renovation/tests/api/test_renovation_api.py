"""The renovation API through the Flask test client on real PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from renovation_testkit import CAP, answered, jpeg_bytes, png_bytes, staff
from svckit.auth.principal import Principal, Role
from svckit.domain.clock import china_date
from svckit.events.catalogue import load_all


def _app_url(app_id: Any, tail: str = "") -> str:
    return f"/applications/{app_id}{tail}"


def test_happy_path_from_application_to_inspection(world: Any, client: Any, auth: Any) -> None:
    approver, assessor = auth(world.approver), auth(world.assessor)
    r = client.post("/applications", headers=approver, json={
        "programme_id": str(world.programme.id), "certificate": world.certificate(),
        "holder_name": "张桂兰", "address": "东昌府区古楼街道楼北社区3号楼101",
        "division": "371502", "phone": "13806351234", "hardship": "dibao", "consent": True})
    assert r.status_code == 201, r.json
    app_id = r.json["id"]
    assert r.json["certificate"].startswith("3715") and "*" in r.json["certificate"]
    assert r.json["holder"] == "张某" and r.json["phone"] == "138****1234"
    assert client.post(_app_url(app_id, "/accept"), headers=approver, json={}).status_code == 200
    at = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    r = client.put(_app_url(app_id, "/assessment"), headers=approver,
                   json={"assessor": world.assessor.sub, "scheduled_at": at})
    assert r.json["status"] == "assessment_scheduled"
    photo = client.post(_app_url(app_id, "/photos"), headers=assessor,
                        data={"purpose": "assessment",
                              "file": (io.BytesIO(png_bytes(8, 6)), "bathroom.png")},
                        content_type="multipart/form-data")
    assert photo.status_code == 201, photo.json
    assert (photo.json["width"], photo.json["height"]) == (8, 6)
    r = client.post(_app_url(app_id, "/assessment/complete"), headers=assessor, json={
        "findings": {"bathroom": "蹲便，无扶手", "entrance": "15厘米台阶"},
        "checklist": answered(bathroom={"squat_toilet": "needs_work"}),
        "needs": ["坐便改造"], "photo_refs": [photo.json["ref"]]})
    assert r.status_code == 200, r.json
    r = client.put(_app_url(app_id, "/plan"), headers=assessor, json={"lines": [
        {"item_code": "RAMP", "quantity": "2.5"}, {"item_code": "grab-bar", "quantity": 2},
        {"item_code": "SHOWER-CHAIR", "quantity": 1}]})
    assert r.status_code == 200, r.json
    assert r.json["plan"]["total_fen"] == 87_500 + 36_000 + 15_000
    client.post(_app_url(app_id, "/plan/confirm"), headers=assessor, json={"signatory": "张桂兰"})
    r = client.post(_app_url(app_id, "/plan/approve"), headers=approver)
    assert r.status_code == 200, r.json
    devices = r.json["plan"]["device_requests"]
    assert [d["status"] for d in devices] == ["requested"]
    r = client.post(_app_url(app_id, "/work-orders"), headers=approver,
                    json={"contractor_id": str(world.company_a.id)})
    assert r.status_code == 201, r.json
    order_id = r.json["id"]
    crew = auth(world.crew_a)
    assert client.post(f"/work-orders/{order_id}/accept", headers=crew).status_code == 200
    today = china_date(datetime.now(UTC))  # works dates are China calendar dates
    r = client.post(f"/work-orders/{order_id}/schedule", headers=crew, json={
        "start_on": today.isoformat(), "end_on": (today + timedelta(days=5)).isoformat()})
    assert r.json["status"] == "scheduled"
    before = client.post(f"/work-orders/{order_id}/photos", headers=crew,
                         data={"purpose": "before",
                               "file": (io.BytesIO(jpeg_bytes()), "x.bin", "text/plain")},
                         content_type="multipart/form-data")
    assert before.status_code == 201 and before.json["content_type"] == "image/jpeg"
    r = client.post(f"/work-orders/{order_id}/progress", headers=crew, json={
        "note": "坡道浇筑完成", "percent": 100, "items_done": ["RAMP", "GRAB-BAR"],
        "photos_before": [before.json["ref"]]})
    assert r.status_code == 200, r.json
    assert client.post(f"/work-orders/{order_id}/complete", headers=crew).status_code == 200
    inspector = auth(world.inspector)
    r = client.post(f"/work-orders/{order_id}/inspection", headers=inspector,
                    json={"passed": False, "defects": ["扶手松动"]})
    assert r.json["status"] == "rework"
    client.post(f"/work-orders/{order_id}/progress", headers=crew,
                json={"note": "扶手重新固定", "percent": 100})
    client.post(f"/work-orders/{order_id}/complete", headers=crew)
    r = client.post(f"/work-orders/{order_id}/inspection", headers=inspector,
                    json={"passed": True, "note": "合格"})
    assert r.json["status"] == "closed", r.json

    file = client.get(_app_url(app_id, "/file"), headers=approver)
    assert file.status_code == 200
    body = file.json
    assert body["application"]["status"] == "completed"
    assert len(body["work_orders"][0]["inspections"]) == 2
    assert len(body["photos"]) == 2
    events = [t["event"] for t in body["timeline"]]
    assert events[0] == "ApplicationSubmitted" and "InspectionPassed" in events
    assert "13806351234" not in file.get_data(as_text=True)

    types = [e["type"] for e in world.outbox()]
    assert types == [
        "renovation.application_accepted", "renovation.assessment_requested",
        "renovation.assessment_completed",
        "renovation.plan_approved", "renovation.device_requested",
        "renovation.workorder_assigned", "renovation.workorder_completed",
        "renovation.inspection_failed", "renovation.workorder_completed",
        "renovation.inspection_passed",
    ]
    catalogue = load_all()
    for e in world.outbox():  # every outbox row validates against the catalogue
        catalogue.load(e["type"], e["version"], e["payload"])
    completed = world.outbox("renovation.workorder_completed")
    assert [e["payload"]["source"]["id"] for e in completed] == [f"{order_id}:1",
                                                                  f"{order_id}:2"]
    passed = world.outbox("renovation.inspection_passed")[0]["payload"]
    assert passed["source"] == {"service": "renovation", "kind": "satisfaction_visit",
                                "id": order_id}
    assert passed["contact_phone"] == "138****1234" and passed["contact_name"] == "张某"


def test_plan_one_fen_over_the_cap_is_refused_exactly_at_the_cap_accepted(
    world: Any, client: Any, auth: Any
) -> None:
    app = world.application()
    world.drive(app.id, "assessed")
    assessor = auth(world.assessor)
    over = client.put(_app_url(app.id, "/plan"), headers=assessor, json={"lines": [
        {"item_code": "BIG", "quantity": 1}, {"item_code": "ONE", "quantity": 2}]})
    assert over.status_code == 422
    assert over.headers["Content-Type"] == "application/problem+json"
    assert (over.json["total_fen"], over.json["limit_fen"], over.json["over_fen"]) == (
        CAP + 1, CAP, 1)
    assert "3000.01" in over.json["detail"] and "3000.00" in over.json["detail"]
    at_cap = client.put(_app_url(app.id, "/plan"), headers=assessor, json={"lines": [
        {"item_code": "BIG", "quantity": 1}, {"item_code": "ONE", "quantity": 1}]})
    assert at_cap.status_code == 200 and at_cap.json["plan"]["total_fen"] == CAP


def test_money_and_quantities_never_pass_through_floats(world: Any, client: Any,
                                                        auth: Any) -> None:
    app = world.application()
    world.drive(app.id, "assessed")
    assessor = auth(world.assessor)
    r = client.put(_app_url(app.id, "/plan"), headers=assessor,
                   json={"lines": [{"item_code": "RAMP", "quantity": 2.5}]})
    assert r.status_code == 422 and "lines.0.quantity" in r.json["errors"]
    r = client.post("/catalogue", headers=auth(world.approver), json={
        "code": "X1", "name": "x", "area": "floor", "unit": "each", "unit_price_fen": 100.5})
    assert r.status_code == 422 and "unit_price_fen" in r.json["errors"]
    # 0.001 m of a 35,000-fen/m ramp is 35 fen exactly; 1.234 m is 43,190 fen.
    r = client.put(_app_url(app.id, "/plan"), headers=assessor,
                   json={"lines": [{"item_code": "RAMP", "quantity": "1.234"}]})
    line = r.json["plan"]["lines"][0]
    assert (line["quantity"], line["quantity_milli"], line["total_fen"]) == ("1.234", 1234,
                                                                             43_190)
    assert isinstance(r.json["plan"]["total_fen"], int)


def test_four_eyes_the_assessor_cannot_approve(world: Any, client: Any, auth: Any) -> None:
    app = world.application()
    world.drive(app.id, "plan_confirmed")
    r = client.post(_app_url(app.id, "/plan/approve"), headers=auth(world.assessor))
    assert r.status_code == 403
    assert client.post(_app_url(app.id, "/plan/approve"),
                       headers=auth(world.approver)).status_code == 200


def test_contractor_a_cannot_read_or_update_contractor_b_order(world: Any, client: Any,
                                                                auth: Any) -> None:
    order_b = world.order("assigned", company="b")
    order_a = world.order("assigned", company="a")
    crew_a = auth(world.crew_a)
    assert client.get(f"/work-orders/{order_b.id}", headers=crew_a).status_code == 404
    for action in ("accept", "complete"):
        r = client.post(f"/work-orders/{order_b.id}/{action}", headers=crew_a)
        assert r.status_code == 404, (action, r.json)
    r = client.post(f"/work-orders/{order_b.id}/decline", headers=crew_a,
                    json={"reason": "不想做"})
    assert r.status_code == 404
    r = client.post(f"/work-orders/{order_b.id}/photos", headers=crew_a,
                    data={"purpose": "before", "file": (io.BytesIO(png_bytes()), "a.png")},
                    content_type="multipart/form-data")
    assert r.status_code == 404
    listing = client.get("/work-orders", headers=crew_a).json
    assert [o["id"] for o in listing["items"]] == [str(order_a.id)]
    assert client.get(f"/work-orders/{order_a.id}", headers=crew_a).status_code == 200
    # B's order is untouched; B itself can act on it.
    assert client.get(f"/work-orders/{order_b.id}",
                      headers=auth(world.crew_b)).json["status"] == "assigned"
    # A contractor token without a company sees nothing.
    nobody = auth(Principal(sub="crew-x", role=Role.CONTRACTOR))
    assert client.get("/work-orders", headers=nobody).status_code == 403
    # Contractors cannot read households at all.
    assert client.get(_app_url(order_a.application_id),
                      headers=crew_a).status_code == 403


def test_a_contractor_sees_the_site_masked_and_the_running_deadline(world: Any, client: Any,
                                                                    auth: Any) -> None:
    order = world.order("assigned", company="a")
    crew = auth(world.crew_a)
    [row] = client.get("/work-orders", headers=crew).json["items"]
    one = client.get(f"/work-orders/{order.id}", headers=crew).json
    for shown in (row, one):
        assert shown["site_address"] == "东昌府区古楼街道********"
        assert shown["due_kind"] == "accept"
        due = datetime.fromisoformat(shown["due_at"])
        assert due == order.assigned_at + timedelta(days=world.programme.deadlines.accept_days)
    assert row["division_name"] and row["start_on"] is None
    world_order = world.order("in_progress", company="a")
    moving = client.get(f"/work-orders/{world_order.id}", headers=crew).json
    assert (moving["due_kind"], moving["due_at"]) == (None, None)
    assert moving["end_on"] is not None


def test_inspector_from_the_contractor_company_cannot_inspect(world: Any, client: Any,
                                                              auth: Any) -> None:
    order = world.order("completion_requested", company="a")
    own = auth(Principal(sub="insp-a", role=Role.INSPECTOR, company=str(world.company_a.id)))
    r = client.post(f"/work-orders/{order.id}/inspection", headers=own,
                    json={"passed": True})
    assert r.status_code == 403
    crew = auth(world.crew_a)
    assert client.post(f"/work-orders/{order.id}/inspection", headers=crew,
                       json={"passed": True}).status_code == 403


def test_illegal_transition_is_409_with_the_current_state(world: Any, client: Any,
                                                          auth: Any) -> None:
    app = world.application()
    r = client.post(_app_url(app.id, "/plan/approve"), headers=auth(world.approver))
    assert r.status_code == 409 and r.json["current_state"] == "submitted"
    order = world.order("assigned")
    r = client.post(f"/work-orders/{order.id}/complete", headers=auth(world.crew_a))
    assert r.status_code == 409 and r.json["current_state"] == "assigned"


def test_eligibility_refusal_and_override(world: Any, client: Any, auth: Any) -> None:
    approver = auth(world.approver)
    app = world.application(grade=3, hardship="none")
    r = client.post(_app_url(app.id, "/accept"), headers=approver, json={})
    assert r.status_code == 422 and "override_reason" in r.json["errors"]
    r = client.post(_app_url(app.id, "/refuse"), headers=approver, json={})
    assert r.json["status"] == "refused" and len(r.json["refusal_reasons"]) == 2
    r = client.post(_app_url(app.id, "/accept"), headers=approver,
                    json={"override_reason": "县残联特批：独居且无劳动能力"})
    assert r.json["status"] == "accepted" and r.json["override_reason"]
    payload = world.outbox("renovation.application_accepted")[0]["payload"]
    assert payload["override_reason"] and "*" in payload["certificate"]


def _photo_state(world: Any) -> tuple[int, list[str]]:
    import sqlalchemy as sa
    from renovation.adapters.orm import photos

    with world.ctx.engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(photos)).scalar_one()
    root = world.ctx_photo_root
    files = [str(p) for p in root.rglob("*") if p.is_file()] if root.exists() else []
    return rows, files


def test_bad_or_too_large_photos_are_refused_and_nothing_is_written(
    world: Any, client: Any, auth: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    world.ctx_photo_root = tmp_path / "photos"
    app = world.application()
    url, headers = _app_url(app.id, "/photos"), auth(world.approver)

    def post(data: bytes, name: str = "p.jpg", ctype: str = "image/jpeg") -> Any:
        return client.post(url, headers=headers, content_type="multipart/form-data",
                           data={"purpose": "assessment",
                                 "file": (io.BytesIO(data), name, ctype)})

    for bad in (b"%PDF-1.4 not an image", b"GIF89a" + b"\x00" * 20, png_bytes()[:40],
                b"\xff\xd8\xff\xe0\x00\x10JFIF", b""):
        r = post(bad)
        assert r.status_code == 422, r.json
        assert r.headers["Content-Type"] == "application/problem+json"
    big = jpeg_bytes()[:-2] + b"\x00" * (5 * 1024 * 1024) + b"\xff\xd9"
    r = post(big)
    assert r.status_code in (413, 422) and r.headers["Content-Type"] == \
        "application/problem+json"
    huge = b"\x00" * (7 * 1024 * 1024)
    r = post(huge)
    assert r.status_code == 413 and r.headers["Content-Type"] == "application/problem+json"
    assert _photo_state(world) == (0, [])
    # Not trusted by name or type: a PNG called .jpg and sent as text/plain is a PNG.
    r = post(png_bytes(), "photo.jpg", "text/plain")
    assert r.status_code == 201 and r.json["content_type"] == "image/png"
    rows, files = _photo_state(world)
    assert rows == 1 and len(files) == 1 and files[0].endswith(".png")
    content = client.get(f"/photos/{r.json['id']}/content", headers=headers)
    assert content.status_code == 200 and content.data.startswith(b"\x89PNG")


def test_a_photo_whose_row_fails_leaves_no_file(world: Any, client: Any, auth: Any,
                                                tmp_path: Any, monkeypatch: Any) -> None:
    world.ctx_photo_root = tmp_path / "photos"
    from renovation.service_layer.uow import RenovationUoW

    def broken_commit(self: Any) -> None:
        raise RuntimeError("database went away at commit")

    app = world.application()
    monkeypatch.setattr(RenovationUoW, "commit", broken_commit)
    r = client.post(_app_url(app.id, "/photos"), headers=auth(world.approver),
                    content_type="multipart/form-data",
                    data={"purpose": "assessment", "file": (io.BytesIO(png_bytes()), "a.png")})
    assert r.status_code == 500
    monkeypatch.undo()
    assert _photo_state(world) == (0, [])


def test_lists_are_paginated_masked_and_scoped(world: Any, client: Any, auth: Any) -> None:
    for division in ("371502", "371502", "371503"):
        world.application(division=division)
    r = client.get("/applications?page_size=2", headers=auth(world.approver))
    assert r.json["total"] == 3 and len(r.json["items"]) == 2
    text = r.get_data(as_text=True)
    assert "13806351234" not in text and "张桂兰" not in text
    assert client.get("/applications?page_size=101",
                      headers=auth(world.approver)).status_code == 422
    local = auth(staff("staff-chiping", districts=("371503",)))
    assert client.get("/applications", headers=local).json["total"] == 1
    volunteer = auth(Principal(sub="v1", role=Role.VOLUNTEER, volunteer_id="x"))
    assert client.get("/applications", headers=volunteer).status_code == 403
    contact = client.get(_app_url(r.json["items"][0]["id"], "/contact?purpose=入户评估"),
                         headers=auth(world.approver))
    assert contact.json["phone"] == "13806351234"


def test_reports(world: Any, client: Any, auth: Any) -> None:
    app = world.application()
    world.drive(app.id, "plan_approved")
    world.application(division="371503")
    by_status = client.get("/reports/households-by-status", headers=auth(world.approver)).json
    assert by_status["by_status"] == {"plan_approved": 1, "submitted": 1}
    spend = client.get("/reports/spend", headers=auth(world.approver)).json["programmes"][0]
    assert spend["committed_fen"] == 87_500 + 36_000 + 15_000
    assert spend["remaining_fen"] == spend["total_budget_fen"] - spend["committed_fen"]
    assert spend["divisions"][0]["division_code"] == "371502"
    assert client.get("/reports/spend", headers=auth(world.crew_a)).status_code == 403


def test_openapi_lists_every_operation_with_schemas(client: Any) -> None:
    spec = client.get("/openapi.json").json
    operations = [(path, method, op) for path, item in spec["paths"].items()
                  for method, op in item.items()
                  if method in ("get", "post", "put", "patch", "delete")]
    assert len(operations) >= 30
    for path, method, op in operations:
        ok = [c for c in op["responses"] if c.startswith("2")]
        assert ok, (path, method)
        content = op["responses"][ok[0]].get("content", {})
        assert content, (path, method)
        if method in ("post", "put", "patch") and not path.endswith(
            ("/accept", "/complete", "/approve", "/replay")
        ):
            assert "requestBody" in op, (path, method)
    upload = spec["paths"]["/applications/{application_id}/photos"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]


def test_staff_and_inspectors_with_districts_see_only_those(world: Any, client: Any,
                                                            auth: Any) -> None:
    order = world.order("completion_requested")  # 371502
    local_staff = auth(staff("staff-chiping", districts=("371503",)))
    local_inspector = auth(Principal(sub="insp-chiping", role=Role.INSPECTOR,
                                     districts=("371503",)))
    city_inspector = auth(Principal(sub="insp-city", role=Role.INSPECTOR,
                                    districts=("371500",)))
    assert client.get(_app_url(order.application_id),
                      headers=local_staff).status_code == 404
    assert client.post(_app_url(order.application_id, "/withdraw"), headers=local_staff,
                       json={"reason": "越权"}).status_code == 404
    assert client.get(f"/work-orders/{order.id}", headers=local_inspector).status_code == 404
    assert client.get("/work-orders", headers=local_inspector).json["total"] == 0
    r = client.post(f"/work-orders/{order.id}/inspection", headers=local_inspector,
                    json={"passed": True})
    assert r.status_code == 404
    assert client.get(f"/work-orders/{order.id}", headers=city_inspector).status_code == 200
    r = client.post(f"/work-orders/{order.id}/inspection", headers=city_inspector,
                    json={"passed": True})
    assert r.status_code == 200 and r.json["status"] == "closed"


def _full_width(text: str) -> str:
    """What a Chinese input method types: ASCII digits and letters as full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def test_full_width_certificate_and_phone_are_the_same_household(world: Any, client: Any,
                                                                 auth: Any) -> None:
    approver = auth(world.approver)
    certificate = world.certificate()
    body = {"programme_id": str(world.programme.id), "holder_name": "张桂兰",
            "address": "东昌府区古楼街道楼北社区3号楼101", "division": "371502",
            "hardship": "dibao", "consent": True}
    wide = client.post("/applications", headers=approver, json={
        **body, "certificate": _full_width(certificate), "phone": "１３８ ０６３５ １２３４",
        "division": _full_width("371502")})
    assert wide.status_code == 201, wide.json
    assert wide.json["certificate"] == certificate[:4] + "*" * 12 + certificate[-4:]
    assert wide.json["phone"] == "138****1234" and wide.json["division"] == "371502"
    again = client.post("/applications", headers=approver, json={
        **body, "certificate": certificate.lower(), "phone": "13806351234"})
    assert again.status_code == 409, again.json
    listing = client.get("/applications", headers=approver).json
    assert listing["total"] == 1
    contact = client.get(_app_url(wide.json["id"], "/contact?purpose=入户评估"),
                         headers=approver).json
    assert contact["phone"] == "13806351234"
    # and the lookups take either form too
    found = client.get(f"/applications?division={_full_width('371502')}", headers=approver)
    assert found.json["total"] == 1
    r = client.patch(f"/catalogue/{_full_width('ramp')}", headers=approver,
                     json={"active": False})
    assert r.status_code == 200 and r.json["code"] == "RAMP"
