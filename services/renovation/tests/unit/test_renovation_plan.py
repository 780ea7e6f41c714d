"""The household plan (一户一策): money, both caps, confirmation, four eyes, devices."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from renovation.domain import events as ev
from renovation.domain.application import Application
from renovation.domain.catalogue import Area, CatalogueItem, Unit
from renovation.domain.programme import BudgetExceeded, Programme
from svckit.domain.errors import Forbidden, NotFound, ValidationFailed

if TYPE_CHECKING:
    from conftest import World

CAP = 500_000
ONE_FEN = CatalogueItem("ONE-FEN", "测试项", Area.OTHER, Unit.EACH, 1)


def draft(w: World, app: Application, *pairs: tuple[str, int]) -> None:
    app.draft_plan(w.programme, w.lines(*pairs), w.assessor, w.now())


def test_plan_total_is_the_sum_of_rounded_lines_in_int_fen(w: World) -> None:
    app = w.app_in("assessed")
    draft(w, app, ("RAMP", 2_500), ("ANTISLIP", 3_333), ("GRAB-BAR", 2_000))
    assert app.plan is not None
    totals = [line.total_fen for line in app.plan.lines]
    assert totals == [75_000, 26_664, 30_000]  # 8000 * 3.333 = 26664
    assert app.plan.total_fen == 131_664
    assert type(app.plan.total_fen) is int
    assert app.events[-1] == ev.PlanDrafted(app.plan.drafted_at, app.id, app.plan.id, 131_664)


def test_plan_exactly_at_the_household_cap_is_accepted(w: World) -> None:
    app = w.app_in("assessed")
    draft(w, app, ("ANTISLIP", 62_500))  # 8000 fen * 62.5 m2 = 5000.00 yuan
    assert app.plan is not None
    assert app.plan.total_fen == CAP
    assert app.status == "plan_drafted"


def test_plan_one_fen_over_the_household_cap_is_refused(w: World) -> None:
    app = w.app_in("assessed")
    lines = [*w.lines(("ANTISLIP", 62_500)), (ONE_FEN, 1_000)]
    with pytest.raises(BudgetExceeded) as err:
        app.draft_plan(w.programme, lines, w.assessor, w.now())
    assert (err.value.limit, err.value.total_fen, err.value.limit_fen) == (
        "household_cap",
        CAP + 1,
        CAP,
    )
    assert "5000.01" in err.value.errors["total_fen"][0]
    assert app.status == "assessed"
    assert app.plan is None


def test_redraft_over_the_cap_keeps_the_previous_plan(w: World) -> None:
    app = w.app_in("plan_drafted")
    before = app.plan
    with pytest.raises(BudgetExceeded):
        draft(w, app, ("ANTISLIP", 62_501))
    assert app.plan is before


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ((), "at least one"),
        ((("RAMP", 1_000), ("RAMP", 2_000)), "RAMP"),
        ((("GRAB-BAR", 1_500),), "whole"),
        ((("RAMP", 0),), "positive"),
    ],
)
def test_bad_plan_lines_are_refused(
    w: World, pairs: tuple[tuple[str, int], ...], message: str
) -> None:
    app = w.app_in("assessed")
    with pytest.raises(ValidationFailed) as err:
        draft(w, app, *pairs)
    assert message in str(err.value)
    assert app.status == "assessed"


def test_retired_items_cannot_be_planned(w: World) -> None:
    app = w.app_in("assessed")
    w.items["RAMP"].active = False
    with pytest.raises(ValidationFailed) as err:
        draft(w, app, ("RAMP", 1_000))
    assert "RAMP" in str(err.value)


def test_plan_keeps_the_price_it_was_drafted_with(w: World) -> None:
    app = w.app_in("plan_drafted")
    w.items["RAMP"].unit_price_fen = 99_999
    assert app.plan is not None
    assert app.plan.lines[0].unit_price_fen == 30_000


def test_redraft_replaces_lines_but_keeps_the_plan_id(w: World) -> None:
    app = w.app_in("plan_drafted")
    assert app.plan is not None
    plan_id = app.plan.id
    draft(w, app, ("GRAB-BAR", 1_000))
    assert app.plan.id == plan_id
    assert [line.item_code for line in app.plan.lines] == ["GRAB-BAR"]
    assert app.plan.total_fen == 15_000


def test_plan_for_another_programme_is_a_bug(w: World) -> None:
    app = w.app_in("assessed")
    other = Programme(2025, "其他", "371500", CAP, 10, 10 * CAP)
    with pytest.raises(ValueError):
        app.draft_plan(other, w.lines(("RAMP", 1_000)), w.assessor, w.now())


# ---- confirmation --------------------------------------------------------------------


def test_household_confirmation_is_recorded_and_lapses_on_revision(w: World) -> None:
    app = w.app_in("plan_drafted")
    now = w.now()
    app.confirm_plan("李四（监护人）", w.clerk, now, "forms/sign-1.jpg")
    assert app.plan is not None
    plan = app.plan
    assert (plan.confirmed_by_name, plan.confirmation_ref) == ("李四（监护人）", "forms/sign-1.jpg")
    assert (plan.confirmation_recorded_by, plan.confirmed_at) == (w.clerk, now)
    assert "李四" not in repr(plan)
    app.revise_plan("户主要求增加扶手", w.now())
    assert app.status == "plan_drafted"
    assert plan.confirmed_by_name is None
    assert plan.confirmed_at is None
    assert app.events[-1].reason == "户主要求增加扶手"  # type: ignore[attr-defined]


def test_confirmation_needs_a_signatory(w: World) -> None:
    app = w.app_in("plan_drafted")
    with pytest.raises(ValidationFailed):
        app.confirm_plan(" ", w.clerk, w.now())
    assert app.status == "plan_drafted"
    assert app.plan is not None
    assert app.plan.confirmed_at is None


# ---- approval ------------------------------------------------------------------------


def test_approval_by_the_assessor_is_refused(w: World) -> None:
    app = w.app_in("plan_confirmed")
    with pytest.raises(Forbidden):
        app.approve_plan(w.programme, 0, w.assessor, w.now())
    assert app.status == "plan_confirmed"


def test_approval_by_the_drafter_is_refused(w: World) -> None:
    app = w.app_in("assessed")
    drafter = uuid.uuid4()
    app.draft_plan(w.programme, w.lines(("RAMP", 1_000)), drafter, w.now())
    app.confirm_plan("张三", w.clerk, w.now())
    with pytest.raises(Forbidden):
        app.approve_plan(w.programme, 0, drafter, w.now())


def test_approval_exactly_using_up_the_remaining_budget(w: World) -> None:
    app = w.app_in("plan_confirmed")
    assert app.plan is not None
    committed = w.programme.total_budget_fen - app.plan.total_fen
    app.approve_plan(w.programme, committed, w.approver, w.now())
    assert app.status == "plan_approved"


def test_approval_one_fen_over_the_remaining_budget_is_refused(w: World) -> None:
    app = w.app_in("plan_confirmed")
    assert app.plan is not None
    committed = w.programme.total_budget_fen - app.plan.total_fen + 1
    before = len(app.events)
    with pytest.raises(BudgetExceeded) as err:
        app.approve_plan(w.programme, committed, w.approver, w.now())
    assert err.value.limit == "programme_budget"
    assert err.value.limit_fen == app.plan.total_fen - 1
    assert app.status == "plan_confirmed"
    assert app.plan.approved_by is None
    assert app.plan.device_requests == []
    assert len(app.events) == before


def test_approval_rechecks_the_household_cap(w: World) -> None:
    app = w.app_in("plan_confirmed")
    assert app.plan is not None
    w.programme.household_cap_fen = app.plan.total_fen - 1  # cap lowered after drafting
    with pytest.raises(BudgetExceeded) as err:
        app.approve_plan(w.programme, 0, w.approver, w.now())
    assert err.value.limit == "household_cap"


def test_approval_requests_each_device_unit_from_the_rental_side(w: World) -> None:
    app = w.app_in("assessed")
    draft(w, app, ("RAMP", 1_000), ("SHOWER-CHAIR", 2_000), ("DOORBELL", 1_000))
    app.confirm_plan("张三", w.clerk, w.now())
    now = w.now()
    app.approve_plan(w.programme, 0, w.approver, now)
    assert app.plan is not None
    requests = app.plan.device_requests
    assert [(r.item_code, r.device_type_code, r.status) for r in requests] == [
        ("SHOWER-CHAIR", "09 33 03", "requested"),
        ("SHOWER-CHAIR", "09 33 03", "requested"),
        ("DOORBELL", "22 27 03", "requested"),
    ]
    assert len({r.id for r in requests}) == 3
    approved = [e for e in app.events if isinstance(e, ev.PlanApproved)]
    assert approved == [
        ev.PlanApproved(now, app.id, app.plan.id, w.programme.id, app.plan.total_fen, w.approver,
                        device_items=3)
    ]
    asked = [e for e in app.events if isinstance(e, ev.DeviceRequested)]
    assert [e.request_id for e in asked] == [r.id for r in requests]
    assert {e.division for e in asked} == {"371502"}
    assert [e.item_name for e in asked] == ["洗澡椅", "洗澡椅", "闪光门铃"]
    assert [line.item_code for line in app.plan.construction_lines] == ["RAMP"]


# ---- device answers ------------------------------------------------------------------


def test_device_answers_update_the_plan(w: World) -> None:
    app = w.app_in("plan_approved")
    assert app.plan is not None
    request = app.plan.device_requests[0]
    now = w.now()
    app.device_reserved(request.id, "LC-WH-0042", now)
    assert (request.status, request.unit_ref, request.updated_at) == ("reserved", "LC-WH-0042", now)
    app.device_delivered(request.id, w.now())
    assert request.status == "delivered"
    assert request.unit_ref == "LC-WH-0042"


def test_unavailable_device_records_why(w: World) -> None:
    app = w.app_in("plan_approved")
    assert app.plan is not None
    request = app.plan.device_requests[0]
    app.device_unavailable(request.id, "全市无库存", w.now())
    assert (request.status, request.note) == ("unavailable", "全市无库存")


def test_unknown_device_request_is_not_found(w: World) -> None:
    app = w.app_in("plan_approved")
    with pytest.raises(NotFound):
        app.device_delivered(uuid.uuid4(), w.now())


def test_blank_reservation_ref_changes_nothing(w: World) -> None:
    app = w.app_in("plan_approved")
    assert app.plan is not None
    with pytest.raises(ValidationFailed):
        app.device_reserved(app.plan.device_requests[0].id, " ", w.now())
    assert app.plan.device_requests[0].status == "requested"
