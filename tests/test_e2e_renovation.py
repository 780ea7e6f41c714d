"""Flows 2 and 3, across processes: a household's renovation from application to accepted
works (with a failed inspection and rework), and the plan's movable devices supplied by
the rental side (delivered, or unavailable)."""

from __future__ import annotations

import uuid

from e2e_kit import (
    DONGCHANGFU,
    Renovation,
    System,
    dispatch_and_complete,
    find,
    poll,
    task_for,
)

CONSTRUCTION = [{"item_code": "GRAB-BAR", "quantity": "2"}, {"item_code": "THRESHOLD", "quantity": "1"},
                {"item_code": "RAMP", "quantity": "1.5"}]


def test_renovation_from_application_to_accepted_works_with_rework(system: System) -> None:
    r = Renovation(system)
    coordinator = system.client("volunteer", "coordinator", districts=[DONGCHANGFU])
    app_id = r.apply(101)

    assessment = r.schedule_assessment(app_id)
    visit = poll(lambda: task_for(coordinator, assessment["assessment"]["id"]),
                 what="the assessment visit task")
    assert visit["type"] == "accompany_assessment"
    dispatch_and_complete(system, visit)
    poll(lambda: any(v.get("source_kind") == "assessment" or v.get("kind") == "assessment"
                     for v in r.approver.get(f"/applications/{app_id}/file").get("visits", [])),
         what="the accompanied visit recorded")

    plan = r.assess_and_plan(app_id, CONSTRUCTION)
    assert plan["status"] == "plan_approved"
    order = r.approver.post(f"/applications/{app_id}/work-orders",
                            {"contractor_id": r.contractor["id"]})
    c = r.contractor_client
    c.post(f"/work-orders/{order['id']}/accept")
    from datetime import timedelta

    from svckit.domain.clock import china_date, utcnow

    c.post(f"/work-orders/{order['id']}/schedule",
           {"start_on": china_date(utcnow()).isoformat(),  # a China calendar date
            "end_on": (china_date(utcnow()) + timedelta(days=5)).isoformat()})
    c.post(f"/work-orders/{order['id']}/progress",
           {"note": "扶手、坡道完工", "percent": 100, "items_done": order["items"]})
    c.post(f"/work-orders/{order['id']}/complete")

    first = poll(lambda: task_for(coordinator, f"{order['id']}:1"), what="acceptance visit")
    assert first["type"] == "acceptance_visit"
    dispatch_and_complete(system, first)

    failed = r.inspector.post(f"/work-orders/{order['id']}/inspection",
                              {"passed": False, "defects": ["扶手松动"]})
    assert failed["status"] == "rework"
    c.post(f"/work-orders/{order['id']}/progress",
           {"note": "扶手重新固定", "percent": 100, "items_done": order["items"]})
    c.post(f"/work-orders/{order['id']}/complete")
    second = poll(lambda: task_for(coordinator, f"{order['id']}:2"), what="second visit")
    dispatch_and_complete(system, second)

    passed = r.inspector.post(f"/work-orders/{order['id']}/inspection", {"passed": True})
    assert passed["status"] == "closed"
    survey = poll(lambda: task_for(coordinator, order["id"]), what="satisfaction visit")
    assert survey["type"] == "satisfaction_visit"
    dispatch_and_complete(system, survey, result={"score": 5, "comment": "很满意"})
    # The volunteer's survey closes the case: inspection passed = completed, survey = closed.
    poll(lambda: r.application(app_id)["status"] == "closed", what="the case to close")
    file = r.approver.get(f"/applications/{app_id}/file")
    [done] = file["work_orders"]
    assert (done["satisfaction_score"], done["satisfaction_comment"]) == (5, "很满意")
    assert [i["passed"] for i in done["inspections"]] == [False, True]


def test_plan_devices_delivered_by_the_rental_side_or_unavailable(system: System) -> None:
    r = Renovation(system)
    coordinator = system.client("volunteer", "coordinator", districts=[DONGCHANGFU])
    # The rental side carries flashing doorbells in its catalogue but has none in stock.
    inventory = system.client("inventory", "staff")
    if not any(t["iso_code"] == "22 27 03"
               for t in inventory.get("/device-types?page_size=100")["items"]):
        inventory.post("/device-types", {"iso_code": "22 27 03", "name_zh": "闪光门铃",
                                         "mode": "rentable", "max_rental_days": 365})
    app_id = r.apply(202)
    r.schedule_assessment(app_id)
    r.assess_and_plan(app_id, [*CONSTRUCTION[:1],
                               {"item_code": "SHOWER-CHAIR", "quantity": "1"},
                               {"item_code": "FLASH-DOORBELL", "quantity": "1"}])

    def requests() -> dict[str, dict[str, object]]:
        plan = r.application(app_id)["plan"]
        return {d["device_type_code"]: d for d in plan["device_requests"]}

    poll(lambda: requests()["09 33 03"]["status"] == "reserved", what="the chair reserved")
    chair = requests()["09 33 03"]
    delivery = poll(lambda: next((t for t in coordinator.get("/tasks?page_size=100")["items"]
                                  if t["source"]["kind"] == "device_delivery"
                                  and t["state"] == "open"), None),
                    what="the device delivery task")
    dispatch_and_complete(system, delivery)
    poll(lambda: requests()["09 33 03"]["status"] == "delivered", what="the chair delivered")
    assert chair["unit_ref"]
    # No flashing doorbell in stock at any station of the city: the plan says so.
    poll(lambda: requests()["22 27 03"]["status"] == "unavailable", what="doorbell unavailable")
    assert "none in stock" in str(requests()["22 27 03"]["note"])  # not "unknown type"

    # A doorbell is taken into stock at the household's district station: inventory says
    # so (unit.available), renovation asks for the waiting item again (same request id),
    # and inventory holds the new unit for it.
    from datetime import date

    station = find(inventory.get("/stations?page_size=100")["items"],
                   division_code=DONGCHANGFU)
    doorbell = find(inventory.get("/device-types?page_size=100")["items"], iso_code="22 27 03")
    clerk = system.client("inventory", "clerk", stations=[station["id"]], name="王芳")
    tag = f"E2E-DB-{uuid.uuid4().hex[:6].upper()}"
    clerk.post("/units", {"asset_tag": tag, "serial": tag, "type_id": doorbell["id"],
                          "station_id": station["id"], "condition": "A",
                          "acquisition": "donation", "acquired_on": date.today().isoformat(),
                          "cost_fen": 0})
    poll(lambda: requests()["22 27 03"]["status"] == "reserved",
         what="the doorbell asked again and reserved")
    again = requests()["22 27 03"]
    assert again["attempts"] == 2 and tag in str(again["unit_ref"])
