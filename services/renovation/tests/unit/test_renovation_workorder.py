"""Contractors and work orders: assignment, company scoping, progress, inspection, follow-up."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

import pytest
from renovation.domain import events as ev
from renovation.domain.workorder import Contractor, WorkOrder
from svckit.domain.errors import Conflict, Forbidden, ValidationFailed

if TYPE_CHECKING:
    from conftest import World


def test_contractor_is_validated() -> None:
    with pytest.raises(ValidationFailed) as err:
        Contractor(" ", "12")
    assert set(err.value.errors) == {"name", "division"}


def test_assign_takes_the_construction_items_of_an_approved_plan(w: World) -> None:
    app = w.app_in("plan_approved")
    now = w.now()
    order = WorkOrder.assign(app, w.contractor, w.clerk, now)
    assert order.items == ["RAMP", "GRAB-BAR"]  # the shower chair comes from the rental side
    assert (order.status, order.contractor_id, order.division) == (
        "assigned",
        w.contractor.id,
        "371502",
    )
    assert order.events == [ev.WorkOrderAssigned(now, order.id, app.id, w.contractor.id, "371502")]


def test_assign_needs_an_approved_plan(w: World) -> None:
    app = w.app_in("plan_confirmed")
    with pytest.raises(Conflict) as err:
        WorkOrder.assign(app, w.contractor, w.clerk, w.now())
    assert err.value.current_state == "plan_confirmed"


def test_assign_needs_an_active_contractor(w: World) -> None:
    w.contractor.active = False
    with pytest.raises(Conflict):
        WorkOrder.assign(w.app_in("plan_approved"), w.contractor, w.clerk, w.now())


def test_devices_only_plan_has_nothing_to_assign(w: World) -> None:
    app = w.app_in("assessed")
    app.draft_plan(w.programme, w.lines(("SHOWER-CHAIR", 1_000)), w.assessor, w.now())
    app.confirm_plan("张三", w.clerk, w.now())
    app.approve_plan(w.programme, 0, w.approver, w.now())
    with pytest.raises(Conflict):
        WorkOrder.assign(app, w.contractor, w.clerk, w.now())


# ---- company scoping -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "call"),
    [
        ("assigned", lambda o, a, now: o.accept(a, now)),
        ("assigned", lambda o, a, now: o.decline(a, "忙", now)),
        ("accepted", lambda o, a, now: o.schedule(a, date(2025, 3, 5), date(2025, 3, 6), now)),
        ("scheduled", lambda o, a, now: o.report_progress("crew", a, now, note="x", percent=10)),
        ("in_progress", lambda o, a, now: o.request_completion(a, now)),
    ],
)
def test_another_company_cannot_update_the_order(w: World, state: str, call: object) -> None:
    order = w.order_in(state)
    before = len(order.events)
    with pytest.raises(Forbidden):
        call(order, w.other.id, w.now())  # type: ignore[operator]
    with pytest.raises(Forbidden):
        call(order, None, w.now())  # type: ignore[operator]  # staff do not act for it
    assert order.status == state
    assert len(order.events) == before


def test_inspector_from_the_contractor_is_refused(w: World) -> None:
    order = w.order_in("completion_requested")
    with pytest.raises(Forbidden):
        order.pass_inspection(str(uuid.uuid4()), w.contractor.id, w.now())
    with pytest.raises(Forbidden):
        order.fail_inspection(w.crew_user, w.crew, ["无"], w.now())
    assert order.status == "completion_requested"
    assert order.inspections == []


def test_third_party_supervisor_may_inspect(w: World) -> None:
    order = w.order_in("completion_requested")
    supervisor = str(uuid.uuid4())
    order.pass_inspection(supervisor, w.other.id, w.now(), "合格")
    assert order.status == "closed"
    assert order.inspections[0].inspector_id == supervisor


# ---- contractor flow -----------------------------------------------------------------


def test_decline_records_the_reason(w: World) -> None:
    order = w.order_in("assigned")
    with pytest.raises(ValidationFailed):
        order.decline(w.crew, " ", w.now())
    order.decline(w.crew, "本月排满", w.now())
    assert (order.status, order.closing_reason) == ("declined", "本月排满")
    assert order.events[-1].reason == "本月排满"  # type: ignore[attr-defined]


def test_schedule_end_not_before_start(w: World) -> None:
    order = w.order_in("accepted")
    with pytest.raises(ValidationFailed):
        order.schedule(w.crew, date(2025, 3, 6), date(2025, 3, 5), w.now())
    order.schedule(w.crew, date(2025, 3, 6), date(2025, 3, 6), w.now())
    assert (order.start_on, order.end_on) == (date(2025, 3, 6), date(2025, 3, 6))


def test_progress_accumulates_items_and_photos(w: World) -> None:
    order = w.order_in("scheduled")
    update = order.report_progress(
        w.crew_user,
        w.crew,
        w.now(),
        note="坡道完成",
        percent=40,
        items_done=["RAMP"],
        photos_before=["p/b.jpg"],
        photos_after=["p/a.jpg"],
    )
    order.report_progress(w.crew_user, w.crew, w.now(), note="扶手进场", percent=40, items_done=["RAMP"])
    assert order.items_done == ["RAMP"]
    assert (order.percent, order.status) == (40, "in_progress")
    assert (update.photos_before, update.photos_after, update.by) == (
        ["p/b.jpg"],
        ["p/a.jpg"],
        w.crew_user,
    )
    assert len(order.progress) == 2
    assert order.events[-1] == ev.ProgressReported(order.progress[-1].at, order.id, 40)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"percent": 29}, "percent"),  # goes down from 30
        ({"percent": 101}, "percent"),
        ({"percent": -1}, "percent"),
        ({"percent": True}, "percent"),
        ({"items_done": ["ELEVATOR"]}, "items_done"),
        ({"note": ""}, "note"),
        ({"photos_after": [""]}, "photos_after"),
    ],
)
def test_progress_input_is_checked(w: World, kwargs: dict[str, object], field: str) -> None:
    order = w.order_in("scheduled")
    order.report_progress(w.crew_user, w.crew, w.now(), note="开工", percent=30)
    data: dict[str, object] = {"note": "继续", "percent": 50}
    data.update(kwargs)
    with pytest.raises(ValidationFailed) as err:
        order.report_progress(w.crew_user, w.crew, w.now(), **data)  # type: ignore[arg-type]
    assert field in err.value.errors
    assert (order.percent, len(order.progress)) == (30, 1)


def test_percent_may_reach_100(w: World) -> None:
    order = w.order_in("scheduled")
    order.report_progress(w.crew_user, w.crew, w.now(), note="完成", percent=100)
    assert order.percent == 100


def test_completion_needs_every_item_done(w: World) -> None:
    order = w.order_in("scheduled")
    order.report_progress(w.crew_user, w.crew, w.now(), note="坡道", percent=90, items_done=["RAMP"])
    with pytest.raises(Conflict) as err:
        order.request_completion(w.crew, w.now())
    assert "GRAB-BAR" in err.value.detail
    assert err.value.current_state == "in_progress"
    order.report_progress(w.crew_user, w.crew, w.now(), note="扶手", percent=95, items_done=["GRAB-BAR"])
    now = w.now()
    order.request_completion(w.crew, now)
    assert (order.status, order.percent, order.completion_requested_at) == (
        "completion_requested",
        100,
        now,
    )
    assert order.events[-1] == ev.WorkOrderCompleted(
        now, order.id, order.application_id, w.contractor.id, "371502"
    )


# ---- inspection and rework -----------------------------------------------------------


def test_failed_inspection_needs_defects_and_returns_for_rework(w: World) -> None:
    order = w.order_in("completion_requested")
    with pytest.raises(ValidationFailed):
        order.fail_inspection(w.inspector, None, [], w.now())
    assert order.status == "completion_requested"
    now = w.now()
    order.fail_inspection(w.inspector, None, ["扶手松动", "坡道过陡"], now)
    assert (order.status, order.rework_since) == ("rework", now)
    assert order.inspections[-1].defects == ["扶手松动", "坡道过陡"]
    assert order.events[-1] == ev.InspectionFailed(
        now, order.id, order.application_id, w.inspector, ("扶手松动", "坡道过陡")
    )


def test_rework_must_be_reported_before_completion_again(w: World) -> None:
    order = w.order_in("completion_requested")
    order.fail_inspection(w.inspector, None, ["扶手松动"], w.now())
    with pytest.raises(Conflict):
        order.request_completion(w.crew, w.now())
    order.report_progress(w.crew_user, w.crew, w.now(), note="扶手已加固", percent=100)
    order.request_completion(w.crew, w.now())
    order.pass_inspection(w.inspector, None, w.now())
    assert order.status == "closed"
    assert [i.passed for i in order.inspections] == [False, True]
    assert isinstance(order.events[-1], ev.InspectionPassed)


def test_rework_cannot_lower_the_percent(w: World) -> None:
    order = w.order_in("rework")
    with pytest.raises(ValidationFailed):
        order.report_progress(w.crew_user, w.crew, w.now(), note="返工", percent=80)


def test_cancel_an_unanswered_order_needs_a_reason(w: World) -> None:
    order = w.order_in("assigned")
    with pytest.raises(ValidationFailed):
        order.cancel(w.clerk, "", w.now())
    order.cancel(w.clerk, "超过3天未接单", w.now())
    assert (order.status, order.closing_reason) == ("cancelled", "超过3天未接单")


# ---- satisfaction follow-up ----------------------------------------------------------


@pytest.mark.parametrize("score", [1, 5])
def test_satisfaction_score_bounds_accepted(w: World, score: int) -> None:
    order = w.order_in("closed")
    order.record_satisfaction(score, None, w.now())
    assert (order.satisfaction_score, order.satisfaction_comment) == (score, None)
    assert order.events[-1].score == score  # type: ignore[attr-defined]


@pytest.mark.parametrize("score", [0, 6, True, 4.5])
def test_satisfaction_score_out_of_range_refused(w: World, score: object) -> None:
    order = w.order_in("closed")
    with pytest.raises(ValidationFailed):
        order.record_satisfaction(score, "好", w.now())  # type: ignore[arg-type]
    assert order.satisfaction_score is None


def test_satisfaction_is_recorded_once(w: World) -> None:
    order = w.order_in("closed")
    order.record_satisfaction(4, "师傅很细心", w.now())
    with pytest.raises(Conflict) as err:
        order.record_satisfaction(1, "改主意了", w.now())
    assert err.value.current_state == "closed"
    assert (order.satisfaction_score, order.satisfaction_comment) == (4, "师傅很细心")
