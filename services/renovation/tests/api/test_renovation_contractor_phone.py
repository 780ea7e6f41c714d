"""A contractor's dispatch phone (issue 15: a contractor learnt of a new work order only by
opening the console): set on registration and edit by the one phone rule (a mobile: it is
texted), shown masked to the staff and inspectors who read contractors, in the audit trail
masked, and carried sealed in ``renovation.workorder_assigned`` for notify's SMS."""

from __future__ import annotations

from typing import Any

from renovation.service_layer import workorders as wo
from svckit.events.catalogue import load_all

PHONE = "13806351288"


def test_a_contractors_phone_is_set_edited_validated_and_masked(
        world: Any, client: Any, auth: Any) -> None:
    staff = auth(world.approver)
    r = client.post("/contractors", headers=staff, json={
        "name": "东昌府康居无障碍工程公司", "division": "371502",
        "contact_phone": "＋86 138-0635-1288"})  # full-width, dashes: normalised
    assert r.status_code == 201, r.json
    assert r.json["contact_phone"] == "138****1288"
    cid = r.json["id"]

    listed = client.get("/contractors", headers=auth(world.inspector))
    assert listed.status_code == 200
    row = next(c for c in listed.json["items"] if c["id"] == cid)
    assert row["contact_phone"] == "138****1288"
    assert PHONE not in listed.get_data(as_text=True)
    # the companies registered without one show none
    assert all(c["contact_phone"] is None for c in listed.json["items"] if c["id"] != cid)

    # a landline cannot take an SMS; garbage is refused field by field
    for bad in ("0635-8212345", "12345"):
        r = client.patch(f"/contractors/{cid}", headers=staff, json={"contact_phone": bad})
        assert r.status_code == 422, r.json
        assert r.headers["Content-Type"] == "application/problem+json"
        assert list(r.json["errors"]) == ["contact_phone"]
        assert "手机号码" in r.json["errors"]["contact_phone"][0]
    r = client.post("/contractors", headers=staff, json={
        "name": "另一家公司", "division": "371502", "contact_phone": "0635-8212345"})
    assert r.status_code == 422 and "contact_phone" in r.json["errors"]

    # edited: a name change leaves the phone; a new number replaces it; blank removes it
    r = client.patch(f"/contractors/{cid}", headers=staff, json={"name": "东昌府康居工程公司"})
    assert r.status_code == 200 and r.json["contact_phone"] == "138****1288"
    r = client.patch(f"/contractors/{cid}", headers=staff, json={"contact_phone": "13906350001"})
    assert r.status_code == 200 and r.json["contact_phone"] == "139****0001"
    r = client.patch(f"/contractors/{cid}", headers=staff, json={"contact_phone": None})
    assert r.status_code == 200 and r.json["contact_phone"] is None
    r = client.patch(f"/contractors/{cid}", headers=staff, json={"contact_phone": "13906350002"})
    r = client.patch(f"/contractors/{cid}", headers=staff, json={"contact_phone": ""})
    assert r.status_code == 200 and r.json["contact_phone"] is None

    # only staff edit it; contractors do not read the list
    r = client.patch(f"/contractors/{cid}", headers=auth(world.inspector),
                     json={"contact_phone": PHONE})
    assert r.status_code == 403
    assert client.get("/contractors", headers=auth(world.crew_a)).status_code == 403

    # the audit trail keeps the changes masked
    audit = client.get(f"/audit?object_type=contractor&object_id={cid}", headers=staff)
    assert audit.status_code == 200, audit.json
    text = audit.get_data(as_text=True)
    assert "139****0001" in text
    assert PHONE not in text and "13906350001" not in text


def test_the_assignment_event_carries_the_phone_sealed(world: Any, client: Any,
                                                       auth: Any) -> None:
    staff = auth(world.approver)
    r = client.patch(f"/contractors/{world.company_a.id}", headers=staff,
                     json={"contact_phone": PHONE})
    assert r.status_code == 200, r.json
    order = world.order("assigned", company="a")
    app = world.application()
    world.drive(app.id, "plan_approved")
    other = wo.assign(world.ctx.uow(), world.approver, app.id, world.company_b.id,
                      now=world.now())

    rows = world.outbox("renovation.workorder_assigned")
    assert len(rows) == 2
    catalogue = load_all()
    by_order = {}
    for row in rows:
        assert PHONE not in str(row)  # sealed on the broker
        payload = catalogue.load(row["type"], row["version"], row["payload"])
        by_order[str(payload["work_order_id"])] = payload
    assert by_order[str(order.id)]["contractor_phone"] == PHONE
    assert by_order[str(order.id)]["number"] == order.number
    assert by_order[str(other.id)]["contractor_phone"] is None  # company b keeps none
