"""A year in operation: the renovation cases that used to get stuck (issue "a year in
operation"), each driven through the HTTP API on real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from renovation.service_layer import workorders as wo
from renovation_testkit import BUDGET
from svckit.domain.clock import china_date
from svckit.testing import event_json


def _partly_done(world: Any) -> Any:
    """A work order in progress with the ramp done and the grab bars still to do."""
    order = world.order("scheduled")
    wo.report_progress(world.ctx.uow(), world.crew_a, order.id, {
        "note": "坡道完成", "percent": 40, "items_done": ["RAMP"]}, now=world.now())
    return order


def _committed(client: Any, headers: Any, world: Any) -> int:
    r = client.get(f"/programmes/{world.programme.id}", headers=headers)
    assert r.status_code == 200, r.json
    return int(r.json["committed_fen"])


def test_a_bankrupt_contractors_order_is_terminated_and_the_rest_reassigned(
        world: Any, client: Any, auth: Any) -> None:
    staff = auth(world.approver)
    order = _partly_done(world)
    r = client.post(f"/work-orders/{order.id}/terminate", headers=staff, json={
        "kind": "bankruptcy", "reason": "施工单位破产清算", "cost_incurred_fen": 87_500})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "terminated"
    assert r.json["termination_kind"] == "bankruptcy"
    assert r.json["closing_reason"] == "施工单位破产清算"
    assert r.json["items_done"] == ["RAMP"]
    assert r.json["cost_incurred_fen"] == 87_500
    app = client.get(f"/applications/{order.application_id}", headers=staff).json
    assert app["status"] == "plan_approved"
    # the remaining items go to another company, as a new order linked to the first
    r = client.post(f"/applications/{order.application_id}/work-orders", headers=staff,
                    json={"contractor_id": str(world.company_b.id)})
    assert r.status_code == 201, r.json
    assert r.json["items"] == ["GRAB-BAR"]
    assert r.json["predecessor_id"] == str(order.id)
    first = client.get(f"/work-orders/{order.id}", headers=staff).json
    assert first["successor_id"] == r.json["id"]
    # the new contractor finishes the rest; the case completes
    crew = auth(world.crew_b)
    new_id = r.json["id"]
    assert client.post(f"/work-orders/{new_id}/accept", headers=crew).status_code == 200
    today = china_date(datetime.now(UTC))
    client.post(f"/work-orders/{new_id}/schedule", headers=crew, json={
        "start_on": today.isoformat(), "end_on": (today + timedelta(days=3)).isoformat()})
    client.post(f"/work-orders/{new_id}/progress", headers=crew, json={
        "note": "扶手安装", "percent": 100, "items_done": ["GRAB-BAR"]})
    r = client.post(f"/work-orders/{new_id}/complete", headers=crew)
    assert r.status_code == 200, r.json
    # a second termination of the first order: 409 in words, no internal code
    r = client.post(f"/work-orders/{order.id}/terminate", headers=staff, json={
        "kind": "breach", "reason": "再次终止", "cost_incurred_fen": 0})
    assert r.status_code == 409
    assert "已终止" in r.json["detail"] and "terminated" not in r.json["detail"].split("(")[0]


def test_termination_needs_a_known_kind_and_a_cost_within_the_order(
        world: Any, client: Any, auth: Any) -> None:
    staff = auth(world.approver)
    order = _partly_done(world)
    r = client.post(f"/work-orders/{order.id}/terminate", headers=staff, json={
        "kind": "fire", "reason": "x", "cost_incurred_fen": 99_999_999})
    assert r.status_code == 422
    assert set(r.json["errors"]) >= {"kind"}
    r = client.post(f"/work-orders/{order.id}/terminate", headers=staff, json={
        "kind": "breach", "reason": "严重违约", "cost_incurred_fen": 99_999_999})
    assert r.status_code == 422 and "cost_incurred_fen" in r.json["errors"]
    crew = auth(world.crew_a)
    r = client.post(f"/work-orders/{order.id}/terminate", headers=crew, json={
        "kind": "breach", "reason": "x", "cost_incurred_fen": 0})
    assert r.status_code == 403
    assert client.get(f"/work-orders/{order.id}", headers=staff).json["status"] == "in_progress"


def test_a_household_that_died_after_approval_is_withdrawn_and_the_budget_released(
        world: Any, client: Any, auth: Any) -> None:
    staff = auth(world.approver)
    app = world.application()
    world.drive(app.id, "plan_approved")
    total = client.get(f"/applications/{app.id}", headers=staff).json["plan"]["total_fen"]
    assert _committed(client, staff, world) == total
    r = client.post(f"/applications/{app.id}/withdraw", headers=staff,
                    json={"kind": "deceased", "reason": "户主已去世"})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "withdrawn"
    assert r.json["withdrawal_kind"] == "deceased"
    assert _committed(client, staff, world) == 0
    timeline = client.get(f"/applications/{app.id}/file", headers=staff).json["timeline"]
    withdrawn = [e for e in timeline if e["event"] == "ApplicationWithdrawn"]
    assert withdrawn and withdrawn[0]["data"]["released_fen"] == total
    assert withdrawn[0]["data"]["kind"] == "deceased"


def test_withdrawal_during_the_works_ends_the_order_and_keeps_what_was_spent(
        world: Any, client: Any, auth: Any) -> None:
    staff = auth(world.approver)
    order = _partly_done(world)
    r = client.post(f"/applications/{order.application_id}/withdraw", headers=staff,
                    json={"kind": "moved", "reason": "全家迁往外地", "cost_incurred_fen": 87_500})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "withdrawn"
    ended = client.get(f"/work-orders/{order.id}", headers=staff).json
    assert ended["status"] == "terminated" and ended["termination_kind"] == "household_request"
    assert ended["cost_incurred_fen"] == 87_500
    assert _committed(client, staff, world) == 87_500  # spent stays spent
    kinds = [e["event"] for e in
             client.get(f"/applications/{order.application_id}/file", headers=staff)
             .json["timeline"]]
    assert "WorkOrderTerminated" in kinds and "ApplicationWithdrawn" in kinds


def test_a_failed_satisfaction_visit_is_recorded_by_staff_and_the_case_closes(
        world: Any, client: Any, auth: Any) -> None:
    staff = auth(world.approver)
    order = world.order("closed")
    world.ctx.processor().process(event_json("volunteer.task_failed", {
        "task_id": str(uuid.uuid4()), "task_type": "satisfaction_visit",
        "source": {"service": "renovation", "kind": "satisfaction_visit",
                   "id": str(order.id)},
        "division_code": "371502", "reason": "三次上门无人", "failed_at": datetime.now(UTC)}), {})
    assert client.get(f"/applications/{order.application_id}",
                      headers=staff).json["status"] == "completed"
    r = client.post(f"/work-orders/{order.id}/satisfaction", headers=staff,
                    json={"reason": "电话三次无人接听，上门无人"})
    assert r.status_code == 200, r.json
    assert r.json["satisfaction_score"] is None
    assert r.json["satisfaction_missing_reason"] == "电话三次无人接听，上门无人"
    assert client.get(f"/applications/{order.application_id}",
                      headers=staff).json["status"] == "closed"
    # and a score taken by phone closes another case
    other = world.order("closed")
    r = client.post(f"/work-orders/{other.id}/satisfaction", headers=staff,
                    json={"score": 4, "comment": "电话回访：满意"})
    assert r.status_code == 200, r.json
    assert r.json["satisfaction_score"] == 4
    assert client.get(f"/applications/{other.application_id}",
                      headers=staff).json["status"] == "closed"
    r = client.post(f"/work-orders/{other.id}/satisfaction", headers=staff, json={})
    assert r.status_code in (409, 422)


def test_a_programmes_budget_is_edited_never_below_what_is_committed(
        world: Any, client: Any, auth: Any) -> None:
    staff = auth(world.approver)
    app = world.application()
    world.drive(app.id, "plan_approved")
    committed = _committed(client, staff, world)
    r = client.patch(f"/programmes/{world.programme.id}", headers=staff,
                     json={"total_budget_fen": BUDGET * 2})
    assert r.status_code == 200, r.json
    assert r.json["total_budget_fen"] == BUDGET * 2
    r = client.patch(f"/programmes/{world.programme.id}", headers=staff,
                     json={"total_budget_fen": committed - 1})
    assert r.status_code == 422
    assert "total_budget_fen" in r.json["errors"]
    r = client.patch(f"/programmes/{world.programme.id}", headers=staff,
                     json={"total_budget_fen": committed, "household_cap_fen": committed})
    assert r.status_code == 200, r.json  # exactly what is committed is fine


def test_last_years_programme_accepts_no_new_application(
        world: Any, client: Any, auth: Any) -> None:
    staff = auth(world.approver)
    today = china_date(datetime.now(UTC))
    r = client.post("/programmes", headers=staff, json={
        "year": today.year - 1, "name": "上年度项目", "division_scope": "371500",
        "household_cap_fen": 300_000, "target_homes": 5, "total_budget_fen": 1_000_000})
    assert r.status_code == 201, r.json
    assert r.json["closes_on"] == f"{today.year - 1}-12-31"
    r = client.post("/applications", headers=staff, json={
        "programme_id": r.json["id"], "certificate": world.certificate(),
        "holder_name": "张桂兰", "address": "东昌府区古楼街道楼北社区3号楼101",
        "division": "371502", "phone": "13806351234", "hardship": "dibao", "consent": True})
    assert r.status_code == 409, r.json
    assert "申请期" in r.json["detail"]


def test_year_end_close_reports_and_next_year_is_created_from_the_last(
        world: Any, client: Any, auth: Any) -> None:
    staff = auth(world.approver)
    order = world.order("closed")
    spent = client.get(f"/applications/{order.application_id}",
                       headers=staff).json["plan"]["total_fen"]
    r = client.post(f"/programmes/{world.programme.id}/close", headers=staff, json={})
    assert r.status_code == 422  # the close is confirmed explicitly
    r = client.post(f"/programmes/{world.programme.id}/close", headers=staff,
                    json={"confirm": True})
    assert r.status_code == 200, r.json
    report = r.json
    assert report["homes_done"] == 1
    assert report["spent_fen"] == spent
    assert report["carry_over_fen"] == BUDGET - spent
    assert report["spent_fen"] + report["carry_over_fen"] == report["total_budget_fen"]
    r = client.post(f"/programmes/{world.programme.id}/next", headers=staff,
                    json={"total_budget_fen": 2_000_000, "add_carry_over": True})
    assert r.status_code == 201, r.json
    assert r.json["year"] == world.programme.year + 1
    assert r.json["total_budget_fen"] == 2_000_000 + BUDGET - spent
    assert r.json["household_cap_fen"] == world.programme.household_cap_fen
    r = client.post("/applications", headers=staff, json={
        "programme_id": str(world.programme.id), "certificate": world.certificate(),
        "holder_name": "张桂兰", "address": "东昌府区古楼街道楼北社区3号楼101",
        "division": "371502", "phone": "13806351234", "hardship": "dibao", "consent": True})
    assert r.status_code == 409  # a closed programme takes no application


def test_contractors_are_edited_suspended_and_blacklisted_with_a_reason(
        world: Any, client: Any, auth: Any) -> None:
    staff = auth(world.approver)
    cid = world.company_b.id
    r = client.patch(f"/contractors/{cid}", headers=staff, json={"name": "茌平宜居装饰工程公司"})
    assert r.status_code == 200, r.json
    assert r.json["name"] == "茌平宜居装饰工程公司"
    r = client.post(f"/contractors/{cid}/suspend", headers=staff, json={"reason": "安全整改"})
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["active"], r.json["status_reason"]) == (
        "suspended", False, "安全整改")
    app = world.application()
    world.drive(app.id, "plan_approved")
    r = client.post(f"/applications/{app.id}/work-orders", headers=staff,
                    json={"contractor_id": str(cid)})
    assert r.status_code == 409 and "暂停" in r.json["detail"]
    r = client.post(f"/contractors/{cid}/reinstate", headers=staff, json={"reason": "整改完成"})
    assert r.json["status"] == "active"
    r = client.post(f"/contractors/{cid}/blacklist", headers=staff, json={"reason": "串标"})
    assert r.json["status"] == "blacklisted"
    r = client.post(f"/contractors/{cid}/reinstate", headers=staff, json={"reason": "x"})
    assert r.status_code == 409  # a blacklisted company is not reinstated
    assert client.post(f"/contractors/{cid}/suspend", headers=auth(world.inspector),
                       json={"reason": "x"}).status_code == 403


def test_a_price_change_is_versioned_and_existing_plans_keep_their_prices(
        world: Any, client: Any, auth: Any) -> None:
    staff = auth(world.approver)
    app = world.application()
    world.drive(app.id, "plan_drafted")
    before = client.get(f"/applications/{app.id}", headers=staff).json["plan"]
    r = client.patch("/catalogue/GRAB-BAR", headers=staff, json={"unit_price_fen": 20_000})
    assert r.status_code == 200, r.json
    assert r.json["unit_price_fen"] == 20_000
    prices = r.json["price_history"]
    assert [p["unit_price_fen"] for p in prices] == [18_000, 20_000]
    after = client.get(f"/applications/{app.id}", headers=staff).json["plan"]
    assert after["total_fen"] == before["total_fen"]
    grab = next(line for line in after["lines"] if line["item_code"] == "GRAB-BAR")
    assert grab["unit_price_fen"] == 18_000


def test_applications_and_work_orders_carry_readable_numbers(
        world: Any, client: Any, auth: Any) -> None:
    from svckit.domain.docnumbers import parse_number

    staff = auth(world.approver)
    year = china_date(datetime.now(UTC)).year
    first, second = world.application(), world.application()
    numbers = [client.get(f"/applications/{a.id}", headers=staff).json["number"]
               for a in (first, second)]
    parsed = [parse_number(n) for n in numbers]
    assert all(p is not None and p.prefix == "GZ" and p.division == "371502"
               and p.year == year for p in parsed)
    assert parsed[1].sequence == parsed[0].sequence + 1  # type: ignore[union-attr]
    order = world.order("assigned")
    r = client.get(f"/work-orders/{order.id}", headers=staff)
    assert r.json["number"].startswith(f"SG-371502-{year}-")
    rows = client.get("/work-orders", headers=staff).json["items"]
    assert order.id in {uuid.UUID(o["id"]) for o in rows if o["number"] == r.json["number"]}


def test_a_defect_within_the_defect_period_opens_a_warranty_order(
        world: Any, client: Any, auth: Any) -> None:
    staff = auth(world.approver)
    order = world.order("closed")
    committed = _committed(client, staff, world)
    app_before = client.get(f"/applications/{order.application_id}", headers=staff).json
    r = client.post(f"/applications/{order.application_id}/defects", headers=staff,
                    json={"description": "扶手松动"})
    assert r.status_code == 201, r.json
    warranty = r.json
    assert (warranty["kind"], warranty["defect"], warranty["contractor_id"]) == (
        "warranty", "扶手松动", str(world.company_a.id))
    assert warranty["warranty_of"] == str(order.id)
    assert warranty["number"].startswith("SG-")
    r = client.post(f"/applications/{order.application_id}/defects", headers=staff,
                    json={"description": "又一处"})
    assert r.status_code == 409  # one open warranty order at a time
    crew, wid = auth(world.crew_a), warranty["id"]
    assert client.post(f"/work-orders/{wid}/accept", headers=crew).status_code == 200
    today = china_date(datetime.now(UTC))
    client.post(f"/work-orders/{wid}/schedule", headers=crew, json={
        "start_on": today.isoformat(), "end_on": (today + timedelta(days=2)).isoformat()})
    client.post(f"/work-orders/{wid}/progress", headers=crew,
                json={"note": "扶手重新固定", "percent": 100})
    assert client.post(f"/work-orders/{wid}/complete", headers=crew).status_code == 200
    r = client.post(f"/work-orders/{wid}/inspection", headers=auth(world.inspector),
                    json={"passed": True})
    assert r.status_code == 200 and r.json["status"] == "closed"
    app_after = client.get(f"/applications/{order.application_id}", headers=staff).json
    assert app_after["status"] == app_before["status"]  # the case is where it was
    assert _committed(client, staff, world) == committed  # no budget charge
    # past the programme's defect period (set to 1 day, acceptance moved back 2 days)
    client.patch(f"/programmes/{world.programme.id}", headers=staff, json={"defect_days": 1})
    import sqlalchemy as sa
    from renovation.adapters import orm

    with world.ctx.engine.begin() as conn:
        conn.execute(sa.update(orm.inspections).where(
            orm.inspections.c.work_order_id == order.id).values(
            at=datetime.now(UTC) - timedelta(days=2)))
    r = client.post(f"/applications/{order.application_id}/defects", headers=staff,
                    json={"description": "地面开裂"})
    assert r.status_code == 409 and "缺陷责任期" in r.json["detail"]
