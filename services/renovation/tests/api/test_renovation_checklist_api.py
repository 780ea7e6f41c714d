"""The assessment checklist through the API: the list for forms, every finding answered,
unknown findings refused field by field in the caller's language (problem+json), and the
suggested catalogue items on the answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from renovation_testkit import answered


def _scheduled(world: Any, client: Any, auth: Any) -> str:
    app = world.application()
    world.drive(app.id, "assessment_scheduled")
    return str(app.id)


def test_the_checklist_is_served_with_labels_suggestions_and_answers(
    world: Any, client: Any, auth: Any
) -> None:
    r = client.get("/catalogue/checklist", headers=auth(world.crew_a))  # every role
    assert r.status_code == 200, r.json
    areas = {a["code"]: a for a in r.json["areas"]}
    assert list(areas) == ["entrance", "floor", "bathroom", "kitchen", "bedroom"]
    assert areas["floor"]["label_zh"] == "通道地面" and areas["floor"]["label_en"]
    kitchen = {f["code"]: f for f in areas["kitchen"]["findings"]}
    assert kitchen["counter_too_high"] == {"code": "counter_too_high", "label_zh": "灶台过高",
                                           "label_en": "Counter too high",
                                           "suggests": ["COUNTER"]}
    assert [(a["code"], a["label_zh"]) for a in r.json["answers"]] == [
        ("yes", "有"), ("no", "无"), ("needs_work", "需改造")]
    assert client.get("/catalogue/checklist").status_code == 401


def test_a_complete_checklist_is_kept_and_suggests_items_for_the_plan(
    world: Any, client: Any, auth: Any
) -> None:
    app_id = _scheduled(world, client, auth)
    r = client.post(f"/applications/{app_id}/assessment/complete",
                    headers=auth(world.assessor), json={
                        "checklist": answered(entrance={"steps": "needs_work"},
                                              bathroom={"no_grab_bar": "needs_work",
                                                        "slippery": "yes"}),
                        "findings": {"entrance": "门口三级台阶，共45厘米"}})
    assert r.status_code == 200, r.json
    assessment = r.json["assessment"]
    assert r.json["status"] == "assessed"
    assert assessment["checklist"]["bathroom"]["slippery"] == "yes"
    assert assessment["findings"] == {"entrance": "门口三级台阶，共45厘米"}
    assert assessment["suggested_items"] == [
        {"item_code": "RAMP", "findings": ["entrance.steps"]},
        {"item_code": "GRAB-BAR", "findings": ["bathroom.no_grab_bar"]}]
    again = client.get(f"/applications/{app_id}", headers=auth(world.approver)).json
    assert again["assessment"]["suggested_items"] == assessment["suggested_items"]


def test_missing_and_unknown_findings_are_refused_field_by_field(
    world: Any, client: Any, auth: Any
) -> None:
    app_id = _scheduled(world, client, auth)
    answers = answered()
    del answers["kitchen"]["counter_too_high"]
    answers["bedroom"]["wardrobe"] = "no"
    answers["bathroom"]["squat_toilet"] = "perhaps"
    url = f"/applications/{app_id}/assessment/complete"
    r = client.post(url, headers=auth(world.assessor), json={"checklist": answers})
    assert r.status_code == 422 and r.content_type == "application/problem+json"
    errors = r.json["errors"]
    assert set(errors) == {"checklist.kitchen.counter_too_high", "checklist.bedroom.wardrobe",
                           "checklist.bathroom.squat_toilet"}
    assert errors["checklist.kitchen.counter_too_high"] == [
        "请回答厨房的“灶台过高”：有、无或需改造"]
    assert errors["checklist.bedroom.wardrobe"] == ["卧室检查表中没有该项：wardrobe"]
    en = client.post(url, headers={**auth(world.assessor), "Accept-Language": "en"},
                     json={"checklist": answers}).json["errors"]
    assert en["checklist.kitchen.counter_too_high"] == [
        "answer Counter too high: yes, no or needs work"]
    assert en["checklist.bedroom.wardrobe"] == ["unknown finding"]
    # without a checklist at all: the field is required
    r = client.post(url, headers=auth(world.assessor), json={"findings": {"bathroom": "蹲便"}})
    assert r.status_code == 422 and "checklist" in r.json["errors"]
    assert client.get(f"/applications/{app_id}", headers=auth(world.approver)).json[
        "status"] == "assessment_scheduled"


def test_an_unknown_area_is_refused_and_answers_must_be_text(
    world: Any, client: Any, auth: Any
) -> None:
    app_id = _scheduled(world, client, auth)
    url = f"/applications/{app_id}/assessment/complete"
    r = client.post(url, headers=auth(world.assessor),
                    json={"checklist": {**answered(), "garden": {"weeds": "yes"}}})
    assert r.status_code == 422
    assert r.json["errors"] == {"checklist.garden": ["检查表中没有该区域：garden"]}
    r = client.post(url, headers=auth(world.assessor),
                    json={"checklist": {**answered(), "kitchen": ["no"]}})
    assert r.status_code == 422, r.json
    assert any(k.startswith("checklist") for k in r.json["errors"])


def test_a_rescheduled_visit_is_completed_with_the_checklist_too(
    world: Any, client: Any, auth: Any
) -> None:
    app_id = _scheduled(world, client, auth)
    at = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    assert client.put(f"/applications/{app_id}/assessment", headers=auth(world.approver),
                      json={"assessor": world.assessor.sub,
                            "scheduled_at": at}).status_code == 200
    r = client.post(f"/applications/{app_id}/assessment/complete",
                    headers=auth(world.assessor), json={"checklist": answered("yes")})
    assert r.status_code == 200, r.json
    assert r.json["assessment"]["suggested_items"] == []
