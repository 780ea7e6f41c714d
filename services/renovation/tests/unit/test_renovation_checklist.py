"""The home assessment checklist: every finding answered yes / no / needs work, unknown
areas and findings refused field by field, and "needs work" suggests catalogue items."""

from __future__ import annotations

import pytest
from renovation.domain import checklist as cl
from renovation.domain.application import DEVICE_REQUEST
from renovation.seed import CATALOGUE
from renovation_testkit import answered
from svckit.domain.errors import Conflict, ValidationFailed

from .conftest import World


def test_the_list_covers_the_five_areas_with_chinese_and_english_labels() -> None:
    assert [a.code for a in cl.CHECKLIST] == ["entrance", "floor", "bathroom", "kitchen",
                                              "bedroom"]
    assert [a.label_zh for a in cl.CHECKLIST] == ["入户", "通道地面", "卫生间", "厨房", "卧室"]
    labels = {f.label_zh for a in cl.CHECKLIST for f in a.findings}
    assert {"门槛高差", "无扶手", "地面湿滑", "蹲便不便", "灶台过高", "床边无扶手"} <= labels
    for area in cl.CHECKLIST:
        assert area.label_en and all(f.label_en for f in area.findings)
        codes = [f.code for f in area.findings]
        assert len(codes) == len(set(codes))
    assert [(a.value, a.label_zh) for a in cl.Answer] == [
        ("yes", "有"), ("no", "无"), ("needs_work", "需改造")]


def test_every_suggested_item_is_in_the_seed_catalogue() -> None:
    seed_codes = {row[0] for row in CATALOGUE}
    suggested = {code for a in cl.CHECKLIST for f in a.findings for code in f.suggests}
    assert suggested and suggested <= seed_codes


def test_needs_work_suggests_items_once_each_with_the_findings_behind_them() -> None:
    answers = answered(
        entrance={"threshold": "needs_work", "no_handrail": "yes"},
        floor={"level_change": "needs_work", "slippery": "needs_work"},
        bathroom={"no_grab_bar": "needs_work", "slippery": "needs_work"},
        bedroom={"no_bed_rail": "needs_work"})
    assert cl.suggestions(cl.validate_answers(answers)) == [
        {"item_code": "THRESHOLD", "findings": ["entrance.threshold", "floor.level_change"]},
        {"item_code": "ANTISLIP", "findings": ["floor.slippery", "bathroom.slippery"]},
        {"item_code": "GRAB-BAR", "findings": ["bathroom.no_grab_bar"]},
        {"item_code": "BED-RAIL", "findings": ["bedroom.no_bed_rail"]},
    ]
    # "yes" (有) records the problem without asking for works; "no" suggests nothing
    assert cl.suggestions(answered("yes")) == [] and cl.suggestions(answered()) == []


def test_every_finding_must_be_answered_and_unknown_ones_are_refused_field_by_field() -> None:
    answers = answered()
    del answers["kitchen"]["counter_too_high"]
    answers["bathroom"]["squat_toilet"] = "maybe"
    answers["bedroom"]["wardrobe"] = "no"
    answers["garden"] = {"weeds": "yes"}
    del answers["floor"]
    with pytest.raises(ValidationFailed) as err:
        cl.validate_answers(answers)
    errors = err.value.errors
    assert set(errors) == {
        "checklist.kitchen.counter_too_high", "checklist.bathroom.squat_toilet",
        "checklist.bedroom.wardrobe", "checklist.garden",
        *(f"checklist.floor.{f.code}" for f in cl.AREAS["floor"].findings)}
    assert "灶台过高" in errors["checklist.kitchen.counter_too_high"][0]
    assert "(unknown finding)" in errors["checklist.bedroom.wardrobe"][0]
    assert "有、无或需改造" in errors["checklist.bathroom.squat_toilet"][0]


def test_completing_the_assessment_keeps_answers_notes_and_suggestions(w: World) -> None:
    app = w.app_in("assessment_scheduled")
    app.complete_assessment(w.assessor, {}, [], [], w.now(), checklist=answered(
        kitchen={"counter_too_high": "needs_work"}))
    assert app.status == "assessed" and app.assessment is not None
    assert app.assessment.findings == {}  # notes are optional now
    assert app.assessment.suggested_items == [
        {"item_code": "COUNTER", "findings": ["kitchen.counter_too_high"]}]


def test_an_incomplete_checklist_leaves_the_visit_open(w: World) -> None:
    app = w.app_in("assessment_scheduled")
    answers = answered()
    answers["entrance"].pop("threshold")
    with pytest.raises(ValidationFailed) as err:
        app.complete_assessment(w.assessor, {"garden": "x"}, [], [], w.now(), checklist=answers)
    assert set(err.value.errors) == {"checklist.entrance.threshold", "findings"}
    assert app.status == "assessment_scheduled"
    assert app.assessment is not None and app.assessment.checklist == {}


def test_an_unavailable_device_is_requested_again_with_the_same_id(w: World) -> None:
    app = w.app_in("plan_approved")
    assert app.plan is not None and app.plan.device_requests
    request = app.plan.device_requests[0]
    app.device_unavailable(request.id, "全市无库存", w.now())
    app.events.clear()
    app.request_device_again(request.id, w.now())
    assert (request.status, request.attempts) == ("requested", 2)
    assert [type(e).__name__ for e in app.events] == ["DeviceRequested", "DeviceRequestUpdated"]
    assert app.events[0].request_id == request.id  # type: ignore[attr-defined]
    # only an unavailable item is asked again
    with pytest.raises(Conflict) as err:
        app.request_device_again(request.id, w.now())
    assert "已申领" in str(err.value)
    assert DEVICE_REQUEST.table[("unavailable", "rerequest")] == "requested"


def test_a_withdrawn_case_asks_for_no_more_devices(w: World) -> None:
    app = w.app_in("plan_approved")
    assert app.plan is not None
    request = app.plan.device_requests[0]
    app.device_unavailable(request.id, "全市无库存", w.now())
    app.withdraw("户主去世", w.now(), kind="deceased")
    with pytest.raises(Conflict) as err:
        app.request_device_again(request.id, w.now())
    assert "已撤回" in str(err.value)
    assert request.status == "unavailable"
