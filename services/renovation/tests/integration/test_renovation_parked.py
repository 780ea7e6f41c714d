"""A renovation event another service parked is never silent on its record: the
``platform.event_parked`` notice flags the application it concerns (``integration_problem``
in its API answer, with a Chinese text a staff member understands) and adds a timeline
entry; the flag goes when the step is requested again or the request is answered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from svckit.testing import event_json


def _parked(event_type: str, subject_id: Any, *, producer: str = "renovation",
            consumer: str = "volunteer", reason: str = "rejected") -> str:
    return event_json("platform.event_parked", {
        "event_id": str(uuid.uuid4()), "event_type": event_type, "producer": producer,
        "consumer": consumer, "reason": reason,
    }, subject_id=str(subject_id), producer=consumer)


def _timeline(client: Any, headers: dict[str, str], app_id: Any) -> list[dict[str, Any]]:
    r = client.get(f"/applications/{app_id}/file", headers=headers)
    assert r.status_code == 200, r.json
    return list(r.json["timeline"])


def test_a_parked_assessment_request_shows_on_the_application_until_re_requested(
    world: Any, client: Any, auth: Any
) -> None:
    app, headers = world.application(), auth(world.approver)
    world.drive(app.id, "assessment_scheduled")
    assert client.get(f"/applications/{app.id}", headers=headers).json[
        "integration_problem"] is None
    out = world.ctx.processor().process(
        _parked("renovation.assessment_requested", app.id), {})
    assert (out.action, out.applied) == ("ack", 1)

    problem = client.get(f"/applications/{app.id}", headers=headers).json[
        "integration_problem"]
    assert problem["event_type"] == "renovation.assessment_requested"
    assert problem["reason"] == "rejected" and problem["consumer"] == "volunteer"
    assert problem["at"]
    assert "志愿者" in problem["message"] and "已通知管理员" in problem["message"]
    entries = [t for t in _timeline(client, headers, app.id) if t["event"] == "IntegrationFailed"]
    assert len(entries) == 1 and entries[0]["data"]["message"] == problem["message"]
    assert entries[0]["data"]["event_type"] == "renovation.assessment_requested"

    # Requesting the step again (moving the visit asks the volunteers anew) clears it.
    r = client.put(f"/applications/{app.id}/assessment", headers=headers, json={
        "scheduled_at": (datetime.now(UTC) + timedelta(days=3)).isoformat()})
    assert r.status_code == 200, r.json
    assert r.json["integration_problem"] is None
    assert [t["event"] for t in _timeline(client, headers, app.id)].count(
        "IntegrationProblemCleared") == 1


def test_the_flag_clears_when_the_replayed_request_is_answered(world: Any, client: Any,
                                                               auth: Any) -> None:
    app, headers = world.application(), auth(world.approver)
    world.drive(app.id, "assessment_scheduled")
    processor = world.ctx.processor()
    processor.process(_parked("renovation.assessment_requested", app.id,
                              reason="retries-exhausted"), {})
    assert client.get(f"/applications/{app.id}", headers=headers).json["integration_problem"]
    source_id = world.outbox("renovation.assessment_requested")[-1]["payload"]["source"]["id"]
    out = processor.process(event_json("volunteer.task_completed", {
        "task_id": str(uuid.uuid4()), "task_type": "accompany_assessment",
        "source": {"service": "renovation", "kind": "assessment", "id": source_id},
        "division_code": "371502", "volunteer_id": str(uuid.uuid4()),
        "completed_at": datetime.now(UTC), "outcome": "completed", "result": {},
    }), {})
    assert out.applied == 1
    assert client.get(f"/applications/{app.id}", headers=headers).json[
        "integration_problem"] is None


def test_a_parked_work_order_event_flags_its_application(world: Any, client: Any,
                                                         auth: Any) -> None:
    order, headers = world.order("completion_requested"), auth(world.approver)
    out = world.ctx.processor().process(
        _parked("renovation.workorder_completed", order.id), {})
    assert out.applied == 1
    problem = client.get(f"/applications/{order.application_id}", headers=headers).json[
        "integration_problem"]
    assert problem["event_type"] == "renovation.workorder_completed"
    assert "验收" in problem["message"]
    entries = [t for t in _timeline(client, headers, order.application_id)
               if t["event"] == "IntegrationFailed"]
    assert entries and entries[0]["work_order_id"] == str(order.id)


def test_a_notice_about_another_producers_event_is_ignored(world: Any, client: Any,
                                                           auth: Any) -> None:
    app, headers = world.application(), auth(world.approver)
    world.drive(app.id, "assessment_scheduled")
    before = _timeline(client, headers, app.id)
    out = world.ctx.processor().process(
        _parked("rental.delivery_requested", app.id, producer="inventory"), {})
    assert out.action == "ack"
    assert client.get(f"/applications/{app.id}", headers=headers).json[
        "integration_problem"] is None
    assert _timeline(client, headers, app.id) == before


def test_a_notice_about_an_unknown_record_is_parked(world: Any) -> None:
    out = world.ctx.processor().process(
        _parked("renovation.assessment_requested", uuid.uuid4()), {})
    assert out.action == "park" and out.notice is None  # no notice about a notice
