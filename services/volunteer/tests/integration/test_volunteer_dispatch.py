"""Matching, offers, declines, lapses, check-in/out, forgotten check-ins and the ledger,
through the use cases on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from svckit.domain.errors import Conflict, Forbidden, NotFound
from volunteer import jobs
from volunteer.domain.hours import HourStatus
from volunteer.domain.tasks import TaskResult, TaskState, TaskType
from volunteer.domain.volunteers import AvailabilityWindow
from volunteer.service_layer import dispatch, hours, onsite
from volunteer.service_layer import tasks as task_uc
from volunteer_testkit import (
    A,
    B,
    as_volunteer,
    coordinator,
    outbox,
    person_of,
    request_event,
    soon,
    source_of,
    task_id_for,
    uow_of,
)

NOW = lambda: datetime.now(UTC)  # noqa: E731


def _task(ctx, kind: str = "rental_delivery", **kw):
    body = request_event(kind, **kw)
    assert ctx.processor().process(body, {}).applied >= 1  # inspection_passed: 2 handlers
    return task_id_for(ctx, source_of(body)["id"])


def test_candidates_are_ranked_with_reasons_and_the_excluded_say_why(
    ctx, add_volunteer
) -> None:
    good = add_volunteer(name="张建华")
    no_skill = add_volunteer(skills=("phone_followup",), name="李秀英")
    elsewhere = add_volunteer(division=B, name="王志强")
    mornings = add_volunteer(name="刘静", availability=[
        AvailabilityWindow(d, time(6), time(7)) for d in range(7)])
    tid = _task(ctx)
    r = dispatch.candidates(uow_of(ctx), coordinator(), tid, now=NOW())
    assert [c.volunteer_id for c in r.result.candidates] == [good.id]
    assert any("具备所需技能" in reason for reason in r.result.candidates[0].reasons)
    excluded = {x.volunteer_id: {e.code.value for e in x.reasons} for x in r.result.excluded}
    assert excluded[no_skill.id] == {"missing_skills"}
    assert excluded[mornings.id] == {"unavailable"}
    assert elsewhere.id not in excluded  # another district's roster is not shown


def test_ranking_prefers_fewer_hours_this_month(ctx, add_volunteer) -> None:
    busy, fresh = add_volunteer(name="忙"), add_volunteer(name="闲")
    hours.record_manual(uow_of(ctx), coordinator(), busy.id, division=A,
                        started_at=NOW() - timedelta(hours=3),
                        ended_at=NOW() - timedelta(hours=1), note="助残日活动", now=NOW())
    r = dispatch.candidates(uow_of(ctx), coordinator(), _task(ctx), now=NOW())
    assert [c.volunteer_id for c in r.result.candidates] == [fresh.id, busy.id]
    assert r.result.candidates[1].load.minutes_this_month == 120


def test_offer_to_the_best_then_decline_reoffers_to_the_next(ctx, add_volunteer) -> None:
    first, second = add_volunteer(), add_volunteer()
    tid = _task(ctx)
    task = dispatch.offer(uow_of(ctx), coordinator(), tid, None, now=NOW())
    offered_to = task.current_offer.volunteer_id
    other = second.id if offered_to == first.id else first.id
    task = dispatch.decline(uow_of(ctx), as_volunteer(offered_to), tid, now=NOW())
    assert task.state is TaskState.OFFERED
    assert task.current_offer.volunteer_id == other
    types = [e["type"] for e in outbox(ctx)]
    assert types == ["volunteer.task_offered", "volunteer.task_offered"]
    # nobody left after the second declines: the task stays open for the coordinator
    task = dispatch.decline(uow_of(ctx), as_volunteer(other), tid, now=NOW())
    assert task.state is TaskState.OPEN


def test_a_second_offer_of_one_task_is_refused(ctx, add_volunteer) -> None:
    v1, v2 = add_volunteer(), add_volunteer()
    tid = _task(ctx)
    dispatch.offer(uow_of(ctx), coordinator(), tid, v1.id, now=NOW())
    with pytest.raises(Conflict) as err:
        dispatch.offer(uow_of(ctx), coordinator(), tid, v2.id, now=NOW())
    assert err.value.current_state == "offered"


def test_an_unanswered_offer_lapses_and_goes_to_the_next_candidate(ctx, add_volunteer) -> None:
    v1, v2 = add_volunteer(), add_volunteer()
    tid = _task(ctx)
    dispatch.offer(uow_of(ctx), coordinator(), tid, v1.id, now=NOW(), ttl=timedelta(minutes=5))
    assert dispatch.lapse_offers(uow_of(ctx), now=NOW()) == 0  # not yet
    assert dispatch.lapse_offers(uow_of(ctx), now=NOW() + timedelta(minutes=6)) == 1
    uow = uow_of(ctx)
    with uow:
        task = uow.tasks.get(tid)
        assert task.state is TaskState.OFFERED
        assert task.current_offer.volunteer_id == v2.id
        assert task.passed_over == {v1.id: task.offers[0].outcome}


def test_a_coordinator_of_another_district_cannot_dispatch(ctx, add_volunteer) -> None:
    v = add_volunteer()
    tid = _task(ctx)
    other = coordinator("coord-b", B)
    with pytest.raises(NotFound):
        dispatch.offer(uow_of(ctx), other, tid, v.id, now=NOW())
    with pytest.raises(NotFound):
        dispatch.assign(uow_of(ctx), other, tid, v.id, now=NOW())
    with pytest.raises(Forbidden):
        task_uc.create_manual(uow_of(ctx), other, task_uc.CreateTask(
            type=TaskType.MANUAL, division=A, address="东昌府区某地", window_start=soon(),
            window_end=soon(26), note="帮忙"), now=NOW())


def test_hand_assignment_cannot_put_a_volunteer_of_another_district_on_a_task(
    ctx, add_volunteer
) -> None:
    outsider = add_volunteer(division=B)
    tid = _task(ctx)
    with pytest.raises(Conflict) as err:
        dispatch.assign(uow_of(ctx), coordinator(), tid, outsider.id, now=NOW(), override=True)
    assert err.value.extra["reasons"] == ["out_of_division"]


def test_double_booking_is_refused_even_by_hand(ctx, add_volunteer) -> None:
    v = add_volunteer()
    start = soon()
    t1, t2 = _task(ctx, start=start), _task(ctx, start=start + timedelta(hours=1))
    dispatch.assign(uow_of(ctx), coordinator(), t1, v.id, now=NOW())
    with pytest.raises(Conflict) as err:
        dispatch.assign(uow_of(ctx), coordinator(), t2, v.id, now=NOW(), override=True)
    assert "double_booked" in err.value.extra["reasons"]


def test_a_full_visit_reports_back_with_the_satisfaction_score(ctx, add_volunteer) -> None:
    v = add_volunteer()
    c = coordinator()
    tid = _task(ctx, "satisfaction_visit")
    dispatch.offer(uow_of(ctx), c, tid, v.id, now=NOW())
    dispatch.accept(uow_of(ctx), as_volunteer(v), tid, now=NOW())
    onsite.check_in(uow_of(ctx), as_volunteer(v), tid, now=NOW())
    with pytest.raises(Exception, match="score"):
        onsite.check_out(uow_of(ctx), as_volunteer(v), tid, None, now=NOW())
    task = onsite.check_out(uow_of(ctx), as_volunteer(v), tid,
                            TaskResult(score=5, comment="扶手很实用，谢谢"), now=NOW())
    assert task.state is TaskState.COMPLETED
    events = outbox(ctx)
    assert [e["type"] for e in events] == [
        "volunteer.task_offered", "volunteer.task_assigned", "volunteer.task_completed"]
    assert {e["subject_id"] for e in events} == {str(tid)}
    done = events[-1]["payload"]
    assert done["outcome"] == "completed"
    assert done["result"] == {"score": 5, "comment": "扶手很实用，谢谢", "note": None}
    assert done["source"]["kind"] == "satisfaction_visit"
    assert done["volunteer_id"] == str(v.id)
    ledger, _ = hours.list_entries(uow_of(ctx), c, volunteer_id=v.id, status=None,
                                   flagged=None, page=1, size=10)
    assert [(e.status, e.recorded_by) for e in ledger] == [(HourStatus.PENDING, person_of(c))]


def test_a_forgotten_check_in_is_closed_flagged_and_its_hours_wait(ctx, add_volunteer) -> None:
    """The job closes a check-in open longer than the limit (8 h) at check-in + 2 h,
    flags it, and its ledger entry waits for the dispatching coordinator."""
    v = add_volunteer()
    c = coordinator()
    past = NOW() - timedelta(hours=11)
    tid = _task(ctx, start=past - timedelta(minutes=30), hours=12)  # still open: a task
    dispatch.assign(uow_of(ctx), c, tid, v.id, now=past - timedelta(hours=1))
    onsite.check_in(uow_of(ctx), as_volunteer(v), tid, now=past)
    assert jobs.lapse_offers(ctx) == 0
    assert jobs.close_forgotten(ctx) == 1
    assert jobs.close_forgotten(ctx) == 0  # nothing left
    uow = uow_of(ctx)
    with uow:
        task = uow.tasks.get(tid)
        assert task.state is TaskState.COMPLETED
        assert task.flagged_for_review
        assert task.checked_out_at == past + timedelta(hours=2)
    done = outbox(ctx)[-1]
    assert (done["type"], done["payload"]["outcome"]) == ("volunteer.task_completed",
                                                         "auto_closed")
    ledger, _ = hours.list_entries(uow_of(ctx), c, volunteer_id=None, status="pending",
                                   flagged=True, page=1, size=10)
    assert [(e.minutes, e.flagged, e.status) for e in ledger] == [
        (120, True, HourStatus.PENDING)]
    assert ledger[0].flags == ["check_out_capped"]
    # flagged: a second coordinator certifies it, not the one who recorded it
    with pytest.raises(Conflict):
        hours.approve(uow_of(ctx), c, ledger[0].id, now=NOW())
    approved = hours.approve(uow_of(ctx), coordinator("coord-a2", A), ledger[0].id, now=NOW())
    assert approved.status is HourStatus.APPROVED
    totals = hours.totals(uow_of(ctx), c, group="volunteer", statuses=[HourStatus.APPROVED],
                          start=None, end=None)
    assert totals == [(v.id, "测试志愿者", 120, 1)]
    team_totals = hours.totals(uow_of(ctx), c, group="team", statuses=[HourStatus.APPROVED],
                               start=None, end=None)
    assert team_totals == [(v.team_id, f"{A}绿挎包志愿服务队", 120, 1)]


def test_a_no_show_counts_against_reliability_and_reoffers(ctx, add_volunteer) -> None:
    v1, v2 = add_volunteer(), add_volunteer()
    c = coordinator()
    tid = _task(ctx, start=NOW() - timedelta(minutes=30), hours=3)
    dispatch.assign(uow_of(ctx), c, tid, v1.id, now=NOW() - timedelta(hours=1))
    task = dispatch.no_show(uow_of(ctx), c, tid, now=NOW())
    assert task.state is TaskState.OFFERED
    assert task.current_offer.volunteer_id == v2.id
    uow = uow_of(ctx)
    with uow:
        assert uow.volunteers.get(v1.id).no_show_count == 1


def test_failing_on_site_tells_the_asker(ctx, add_volunteer) -> None:
    v = add_volunteer()
    tid = _task(ctx, "rental_pickup")
    dispatch.assign(uow_of(ctx), coordinator(), tid, v.id, now=NOW())
    with pytest.raises(Conflict):
        onsite.fail_on_site(uow_of(ctx), as_volunteer(v), tid, "家中无人", now=NOW())
    onsite.check_in(uow_of(ctx), as_volunteer(v), tid, now=NOW())
    task = onsite.fail_on_site(uow_of(ctx), as_volunteer(v), tid, "家中无人", now=NOW())
    assert task.state is TaskState.FAILED
    failed = outbox(ctx)[-1]
    assert failed["type"] == "volunteer.task_failed"
    assert failed["payload"]["reason"] == "家中无人"
    assert failed["payload"]["source"]["kind"] == "rental_pickup"
