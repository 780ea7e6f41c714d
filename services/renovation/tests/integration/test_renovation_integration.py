"""Service layer, handlers and jobs on real PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from renovation.service_layer import applications as apps
from renovation.service_layer import setup
from renovation.service_layer.jobs import scan_deadlines
from renovation_testkit import CAP
from svckit.domain.errors import DomainError
from svckit.events.catalogue import load_all
from svckit.testing import event_json


def _app(world: Any, app_id: uuid.UUID) -> Any:
    return apps.get(world.ctx.uow(), world.approver, app_id)


def _task(kind: str, source_id: str, *, service: str = "renovation",
          result: dict[str, Any] | None = None) -> dict[str, Any]:
    task_type = {"assessment": "accompany_assessment",
                 "rental_delivery": "deliver_device"}.get(kind, kind)
    return {
        "task_id": str(uuid.uuid4()), "task_type": task_type,
        "source": {"service": service, "kind": kind, "id": source_id},
        "division_code": "371502", "volunteer_id": str(uuid.uuid4()),
        "completed_at": datetime.now(UTC), "outcome": "completed",
        "result": result or {},
    }


def test_device_answers_update_the_plan_and_a_duplicate_changes_nothing(world: Any) -> None:
    app = world.application()
    world.drive(app.id, "plan_approved", lines=[
        {"item_code": "GRAB-BAR", "quantity": 1}, {"item_code": "SHOWER-CHAIR", "quantity": 2},
        {"item_code": "FLASH-DOORBELL", "quantity": 1}])
    requested = world.outbox("renovation.device_requested")
    assert len(requested) == 3  # one per device unit
    assert {e["payload"]["iso_code"] for e in requested} == {"09 33 03", "22 27 03"}
    first, second, third = (uuid.UUID(e["payload"]["request_id"]) for e in requested)
    processor = world.ctx.processor()
    reserved = event_json("device.reserved", {
        "request_id": str(first), "reservation_id": str(uuid.uuid4()),
        "unit_id": str(uuid.uuid4()), "asset_tag": "LC-0933-0007",
        "station_id": str(uuid.uuid4()), "station_name": "东昌府区辅具租赁服务站"})
    assert processor.process(reserved, {}).applied == 1
    again = processor.process(reserved, {})
    assert again.duplicates == 1 and again.applied == 0
    processor.process(event_json("device.delivered", {
        "request_id": str(first), "unit_id": str(uuid.uuid4()), "asset_tag": "LC-0933-0007",
        "delivered_at": datetime.now(UTC)}), {})
    processor.process(event_json("device.unavailable", {
        "request_id": str(second), "reason": "全市无库存"}), {})
    # A stale answer (reserved after delivered) is acknowledged and ignored.
    stale = processor.process(event_json("device.reserved", {
        "request_id": str(first), "reservation_id": str(uuid.uuid4()),
        "unit_id": str(uuid.uuid4()), "asset_tag": "LC-0933-0009",
        "station_id": str(uuid.uuid4()), "station_name": "x"}), {})
    assert stale.action == "ack"
    states = {r.id: (r.status, r.unit_ref) for r in _app(world, app.id).plan.device_requests}
    assert states[first] == ("delivered", "LC-0933-0007 @ 东昌府区辅具租赁服务站")
    assert states[second][0] == "unavailable" and states[third][0] == "requested"
    unknown = processor.process(event_json("device.unavailable", {
        "request_id": str(uuid.uuid4()), "reason": "x"}), {})
    assert unknown.action == "park"


def test_satisfaction_visit_records_the_score_once_and_closes_the_case(world: Any) -> None:
    order = world.order("closed")
    processor = world.ctx.processor()
    body = event_json("volunteer.task_completed", _task(
        "satisfaction_visit", str(order.id), result={"score": 4, "comment": "满意"}))
    assert processor.process(body, {}).applied == 1
    assert processor.process(body, {}).duplicates == 1
    from renovation.service_layer import reading, workorders

    closed = workorders.get(world.ctx.uow(), world.approver, order.id)
    assert (closed.satisfaction_score, closed.satisfaction_comment) == (4, "满意")
    file = reading.household_file(world.ctx.uow(), world.approver, order.application_id)
    assert file["application"].status == "closed"
    assert [v["source_kind"] for v in file["visits"]] == ["satisfaction_visit"]
    # A second, different visit report does not overwrite the score.
    other = event_json("volunteer.task_completed", _task(
        "satisfaction_visit", str(order.id), result={"score": 1}))
    assert processor.process(other, {}).action == "ack"
    assert workorders.get(world.ctx.uow(), world.approver, order.id).satisfaction_score == 4


def test_assessment_and_acceptance_visits_are_recorded_others_ignored(world: Any) -> None:
    app = world.application()
    world.drive(app.id, "assessment_scheduled")
    assessment_id = _app(world, app.id).assessment.id
    processor = world.ctx.processor()
    processor.process(event_json("volunteer.task_completed",
                                 _task("assessment", str(assessment_id))), {})
    order = world.order("completion_requested")
    processor.process(event_json("volunteer.task_completed",
                                 _task("acceptance_visit", f"{order.id}:1")), {})
    failed = _task("acceptance_visit", f"{order.id}:1")
    failed.pop("completed_at"), failed.pop("outcome"), failed.pop("result"), failed.pop(
        "volunteer_id")
    processor.process(event_json("volunteer.task_failed",
                                 {**failed, "reason": "家中无人",
                                  "failed_at": datetime.now(UTC)}), {})
    # A task raised by another service is not ours.
    foreign = processor.process(event_json("volunteer.task_completed", _task(
        "rental_delivery", str(uuid.uuid4()), service="inventory")), {})
    assert foreign.action == "ack"
    from renovation.service_layer import reading

    visits = reading.household_file(world.ctx.uow(), world.approver, app.id)["visits"]
    assert [(v["source_kind"], v["outcome"]) for v in visits] == [("assessment", "completed")]
    visits = reading.household_file(world.ctx.uow(), world.approver,
                                    order.application_id)["visits"]
    assert [(v["source_kind"], v["outcome"]) for v in visits] == [
        ("acceptance_visit", "completed"), ("acceptance_visit", "failed")]


def test_rescheduling_cancels_the_old_visit_and_asks_for_a_new_one(world: Any) -> None:
    app = world.application()
    world.drive(app.id, "assessment_scheduled")
    apps.schedule_assessment(world.ctx.uow(), world.approver, app.id, world.assessor.sub,
                             datetime.now(UTC) + timedelta(days=3), now=datetime.now(UTC))
    assessment_id = str(_app(world, app.id).assessment.id)
    types = [(e["type"], (e["payload"].get("source") or {}).get("id")) for e in world.outbox()
             if e["type"] != "renovation.application_accepted"]
    assert types == [("renovation.assessment_requested", assessment_id),
                     ("renovation.visit_cancelled", assessment_id),
                     ("renovation.assessment_requested", f"{assessment_id}:2")]
    apps.withdraw(world.ctx.uow(), world.approver, app.id, "户主搬迁", now=datetime.now(UTC))
    last = world.outbox()[-1]
    assert last["type"] == "renovation.visit_cancelled"
    assert last["payload"]["source"]["id"] == f"{assessment_id}:2"
    for e in world.outbox():
        load_all().load(e["type"], e["version"], e["payload"])


def test_redrafting_replaces_the_plan_lines(world: Any) -> None:
    app = world.application()
    world.drive(app.id, "plan_drafted")
    plan_id = _app(world, app.id).plan.id
    apps.draft_plan(world.ctx.uow(), world.assessor, app.id,
                    [{"item_code": "GRAB-BAR", "quantity": 3}], now=datetime.now(UTC))
    plan = _app(world, app.id).plan
    assert plan.id == plan_id
    assert [(line.item_code, line.quantity_milli) for line in plan.lines] == [("GRAB-BAR",
                                                                               3000)]
    assert plan.total_fen == 54_000


def test_deadline_breach_is_raised_once_per_breach(world: Any) -> None:
    order = world.order("assigned")
    now = datetime.now(UTC)
    assert scan_deadlines(world.ctx.uow(), now=now) == 0
    later = now + timedelta(days=3, minutes=1)
    assert scan_deadlines(world.ctx.uow(), now=later) == 1
    assert scan_deadlines(world.ctx.uow(), now=later + timedelta(days=1)) == 0
    breached = world.outbox("renovation.deadline_breached")
    assert len(breached) == 1
    payload = breached[0]["payload"]
    assert payload["kind"] == "accept" and payload["work_order_id"] == str(order.id)
    assert breached[0]["subject_id"] == str(order.id)
    from renovation.service_layer import workorders

    overdue = workorders.overdue_list(world.ctx.uow(), world.approver, now=later)
    assert [(b.kind.value, o.id) for b, o in overdue] == [("accept", order.id)]


def test_two_scans_at_once_report_a_breach_once(world: Any) -> None:
    world.order("assigned")
    later = datetime.now(UTC) + timedelta(days=4)
    results: list[int] = []
    barrier = threading.Barrier(2)

    def scan() -> None:
        barrier.wait()
        results.append(scan_deadlines(world.ctx.uow(), now=later))

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [0, 1]
    assert len(world.outbox("renovation.deadline_breached")) == 1


def test_two_approvals_cannot_both_spend_the_last_of_the_budget(world: Any) -> None:
    # A programme with room for exactly one more 200,000-fen plan.
    programme = setup.create_programme(world.ctx.uow(), world.approver, {
        "year": world.programme.year, "name": "预算紧张的项目", "division_scope": "371500",
        "household_cap_fen": CAP, "target_homes": 2, "total_budget_fen": 350_000})
    world.programme = programme
    lines = [{"item_code": "RAMP", "quantity": "4"}, {"item_code": "GRAB-BAR", "quantity": 3},
             {"item_code": "ONE", "quantity": 6000}]  # 140,000 + 54,000 + 6,000
    ids = []
    for _ in range(2):
        app = world.application()
        world.drive(app.id, "plan_confirmed", lines=lines)
        ids.append(app.id)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def approve(app_id: uuid.UUID) -> None:
        barrier.wait()
        try:
            apps.approve_plan(world.ctx.uow(), world.approver, app_id, now=datetime.now(UTC))
            outcomes.append("approved")
        except DomainError as exc:
            outcomes.append(f"{type(exc).__name__}:{exc.extra.get('limit')}")

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["BudgetExceeded:programme_budget", "approved"]
    statuses = sorted(_app(world, i).status for i in ids)
    assert statuses == ["plan_approved", "plan_confirmed"]
    assert len(world.outbox("renovation.plan_approved")) == 1


def test_one_open_application_per_holder_per_programme(world: Any) -> None:
    from sqlalchemy.exc import IntegrityError

    app = world.application()
    data = {"programme_id": world.programme.id, "certificate": app.certificate_number,
            "holder_name": "张桂兰", "address": "东昌府区", "division": "371502",
            "phone": "13806351234", "hardship": "dibao", "consent": True}
    with pytest.raises(IntegrityError):
        apps.submit(world.ctx.uow(), world.approver, dict(data), now=datetime.now(UTC))
    apps.withdraw(world.ctx.uow(), world.approver, app.id, "重新申请", now=datetime.now(UTC))
    again = apps.submit(world.ctx.uow(), world.approver, dict(data), now=datetime.now(UTC))
    assert again.status == "submitted"


def test_seed_is_idempotent_and_gives_token_hints(ctx: Any) -> None:
    from renovation import seed

    seed.seed(ctx)
    seed.seed(ctx)
    world_apps, total = apps.search(ctx.uow(), staff_principal(), status=None,
                                    programme_id=None, division=None, page=1, page_size=100)
    assert total == len(seed.HOUSEHOLDS)
    assert {a.status for a in world_apps} >= {"submitted", "assessment_scheduled",
                                              "plan_confirmed", "plan_approved", "in_works",
                                              "closed", "refused"}
    hints = seed.token_hints(ctx)
    assert any("--role contractor --company" in h for h in hints)


def staff_principal() -> Any:
    from renovation_testkit import staff

    return staff("staff-seed")


def _timeline(world: Any, app_id: uuid.UUID) -> list[str]:
    from renovation.service_layer import reading

    return [t["event"] for t in
            reading.household_file(world.ctx.uow(), world.approver, app_id)["timeline"]]


def test_a_use_case_changing_two_aggregates_maps_both_their_events(world: Any) -> None:
    order = world.order("completion_requested")
    before = len(world.outbox())
    from renovation.service_layer import workorders

    workorders.inspect(world.ctx.uow(), world.inspector, order.id, passed=True, defects=[],
                       note="扶手牢固", now=datetime.now(UTC))
    # the work order's InspectionPassed is published, the application's ApplicationCompleted
    # goes to the timeline only; both in the same commit
    assert [e["type"] for e in world.outbox()[before:]] == ["renovation.inspection_passed"]
    passed = world.outbox("renovation.inspection_passed")[0]["payload"]
    assert passed["inspector"] == "孙验收" and passed["contact_name"] == "张某"
    assert _timeline(world, order.application_id)[-2:] == ["InspectionPassed",
                                                           "ApplicationCompleted"]
    assert _app(world, order.application_id).status == "completed"


def test_a_rolled_back_use_case_publishes_nothing(world: Any) -> None:
    order = world.order("completion_requested")
    before, timeline = len(world.outbox()), _timeline(world, order.application_id)
    with pytest.raises(RuntimeError), world.ctx.uow() as uow:
        wo = uow.repo.work_order(order.id, lock=True)
        app = uow.repo.application(order.application_id, lock=True)
        wo.pass_inspection(world.inspector.sub, None, datetime.now(UTC))
        app.pass_inspection(datetime.now(UTC))
        raise RuntimeError("the use case fails after both aggregates changed")
    assert len(world.outbox()) == before
    assert _timeline(world, order.application_id) == timeline
    assert _app(world, order.application_id).status == "inspection"


def _arrived(iso_code: str, division: str, tag: str = "LC-2227-0001") -> str:
    return event_json("unit.available", {
        "unit_id": str(uuid.uuid4()), "asset_tag": tag, "device_type_id": str(uuid.uuid4()),
        "iso_code": iso_code, "station_id": str(uuid.uuid4()), "division_code": division,
        "how": "register"}, producer="inventory")


def test_stock_arriving_in_the_district_requests_an_unavailable_item_again(world: Any) -> None:
    early, late, away = world.application(), world.application(), world.application(
        division="371503")
    for app in (early, late, away):
        world.drive(app.id, "plan_approved", lines=[
            {"item_code": "GRAB-BAR", "quantity": 1},
            {"item_code": "FLASH-DOORBELL", "quantity": 1}])
    processor = world.ctx.processor()
    request_of = {app.id: _app(world, app.id).plan.device_requests[0].id
                  for app in (early, late, away)}
    for app in (early, late, away):
        processor.process(event_json("device.unavailable", {
            "request_id": str(request_of[app.id]), "reason": "全市无库存"}), {})
    asked = len(world.outbox("renovation.device_requested"))

    # a unit of another type, or in another district, asks for nothing
    assert processor.process(_arrived("09 33 03", "371502"), {}).applied == 1
    processor.process(_arrived("22 27 03", "371521"), {})
    assert len(world.outbox("renovation.device_requested")) == asked

    # a doorbell registered at a station of 371502: the item waiting longest is asked again,
    # with its own request id; a redelivery of that event asks nothing more (inbox)
    arrival = _arrived("222703", "371502")
    assert processor.process(arrival, {}).applied == 1
    assert processor.process(arrival, {}).duplicates == 1
    again = world.outbox("renovation.device_requested")[asked:]
    assert [e["payload"]["request_id"] for e in again] == [str(request_of[early.id])]
    assert again[0]["payload"]["iso_code"] == "22 27 03"
    assert again[0]["payload"]["division_code"] == "371502"
    [item] = _app(world, early.id).plan.device_requests
    assert (item.status, item.attempts) == ("requested", 2)
    assert _app(world, late.id).plan.device_requests[0].status == "unavailable"
    assert _app(world, away.id).plan.device_requests[0].status == "unavailable"
    assert "DeviceRequested" in _timeline(world, early.id)[-3:]

    # the next unit serves the next household; with none waiting, nothing is asked
    processor.process(_arrived("22 27 03", "371502", "LC-2227-0002"), {})
    processor.process(_arrived("22 27 03", "371502", "LC-2227-0003"), {})
    again = world.outbox("renovation.device_requested")[asked:]
    assert [e["payload"]["request_id"] for e in again] == [
        str(request_of[early.id]), str(request_of[late.id])]
    load_all().load("renovation.device_requested", 1, again[-1]["payload"])


def test_a_withdrawn_household_is_not_asked_for_again(world: Any) -> None:
    app = world.application()
    world.drive(app.id, "plan_approved", lines=[{"item_code": "FLASH-DOORBELL", "quantity": 1}])
    processor = world.ctx.processor()
    [request] = _app(world, app.id).plan.device_requests
    processor.process(event_json("device.unavailable", {
        "request_id": str(request.id), "reason": "全市无库存"}), {})
    apps.withdraw(world.ctx.uow(), world.approver, app.id, "户主去世", kind="deceased",
                  cost_incurred_fen=None, now=datetime.now(UTC))
    asked = len(world.outbox("renovation.device_requested"))
    assert processor.process(_arrived("22 27 03", "371502"), {}).applied == 1
    assert len(world.outbox("renovation.device_requested")) == asked
    assert _app(world, app.id).plan.device_requests[0].status == "unavailable"


def test_a_finished_assessment_tells_the_volunteer_side(world: Any) -> None:
    """The escort task raised for the assessment closes itself on this event."""
    app = world.application()
    world.drive(app.id, "assessed")
    assessment_id = str(_app(world, app.id).assessment.id)
    done = [e for e in world.outbox() if e["type"] == "renovation.assessment_completed"]
    assert len(done) == 1
    assert done[0]["payload"]["assessment_id"] == assessment_id
    assert done[0]["payload"]["application_id"] == str(app.id)
    assert done[0]["payload"]["division_code"] == "371502"
    load_all().load(done[0]["type"], done[0]["version"], done[0]["payload"])


def test_an_expired_visit_shows_on_the_case_until_it_is_asked_again(world: Any) -> None:
    app = world.application()
    world.drive(app.id, "assessment_scheduled")
    assessment_id = str(_app(world, app.id).assessment.id)
    expired = _task("assessment", assessment_id)
    for k in ("completed_at", "outcome", "result", "volunteer_id"):
        expired.pop(k)
    out = world.ctx.processor().process(event_json("volunteer.task_failed", {
        **expired, "reason": "时段结束仍无人接单，已过期 (nobody took it before its window ended)",
        "failed_at": datetime.now(UTC), "outcome": "expired"}), {})
    assert out.action == "ack", out
    problem = _app(world, app.id).integration_problem
    assert problem is not None
    assert (problem["event_type"], problem["consumer"], problem["reason"]) == (
        "renovation.assessment_requested", "volunteer", "expired")
    assert "无人接单" in problem["message"]
    # asked again (the assessment rescheduled): the problem is over
    apps.schedule_assessment(world.ctx.uow(), world.approver, app.id, world.assessor.sub,
                             datetime.now(UTC) + timedelta(days=3), now=datetime.now(UTC))
    assert _app(world, app.id).integration_problem is None
