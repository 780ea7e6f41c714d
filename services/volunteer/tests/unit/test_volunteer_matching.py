"""Matching: skills, division, window, declines, double-booking; fairness ranking with
reasons; the re-offer after a decline; loads from the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from volunteer.domain.matching import VolunteerLoad, rank_candidates
from volunteer.domain.tasks import ExclusionCode, TaskState
from volunteer.domain.volunteers import AvailabilityWindow, Skill

T0 = datetime(2025, 6, 2, tzinfo=UTC)  # Monday 08:00 local; task window 10:00-12:00 local
H = timedelta(hours=1)


def codes(result, volunteer) -> list[ExclusionCode]:
    (entry,) = [e for e in result.excluded if e.volunteer_id == volunteer.id]
    return [r.code for r in entry.reasons]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"skills": [Skill.DELIVERY]}, ExclusionCode.MISSING_SKILLS),
        ({"divisions": ["371503"]}, ExclusionCode.OUT_OF_DIVISION),
        ({"availability": [AvailabilityWindow(0, time(8), time(11))]}, ExclusionCode.UNAVAILABLE),
        ({"availability": [AvailabilityWindow(1, time(8), time(20))]}, ExclusionCode.UNAVAILABLE),
    ],
)
def test_each_requirement_excludes(make_task, make_volunteer, change, code) -> None:
    task = make_task()
    fit, unfit = make_volunteer(), make_volunteer(**change)
    result = rank_candidates(task, [fit, unfit], busy=[], loads={})
    assert [c.volunteer_id for c in result.candidates] == [fit.id]
    assert codes(result, unfit) == [code]


def test_inactive_volunteers_are_excluded(make_task, make_volunteer) -> None:
    v = make_volunteer()
    v.deactivate()
    result = rank_candidates(make_task(), [v], busy=[], loads={})
    assert result.best is None
    assert codes(result, v) == [ExclusionCode.INACTIVE]


def test_exclusion_reasons_are_readable(make_task, make_volunteer) -> None:
    v = make_volunteer(skills=["home_visit"], divisions=["370702"])
    (excluded,) = rank_candidates(make_task(), [v], busy=[], loads={}).excluded
    messages = [r.message for r in excluded.reasons]
    assert messages[0].startswith("不服务东昌府区")
    assert "配送、驾驶" in messages[1]
    assert "(missing skills: delivery, driving)" in messages[1]


def test_skills_required_all_of_them(make_task, make_volunteer) -> None:
    task = make_task(extra_skills=[Skill.INSTALLATION])
    v = make_volunteer(skills=[Skill.DELIVERY, Skill.DRIVING])
    assert codes(rank_candidates(task, [v], busy=[], loads={}), v) == [
        ExclusionCode.MISSING_SKILLS
    ]


def test_declined_volunteer_is_excluded_and_the_next_one_is_offered(
    make_task, make_volunteer, coordinator_id
) -> None:
    task = make_task()
    first, second = make_volunteer(), make_volunteer()
    loads = {first.id: VolunteerLoad(0), second.id: VolunteerLoad(60)}
    best = rank_candidates(task, [first, second], busy=[], loads=loads).best
    assert best is not None
    assert best.volunteer_id == first.id
    task.offer(first, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    task.decline(first.id, now=T0 + H / 4)

    again = rank_candidates(task, [first, second], busy=[], loads=loads)

    assert [c.volunteer_id for c in again.candidates] == [second.id]
    assert codes(again, first) == [ExclusionCode.PASSED_OVER]
    task.offer(second, by=coordinator_id, now=T0 + H / 2, expires_at=T0 + H, busy=[])
    assert task.current_offer is not None
    assert task.current_offer.volunteer_id == second.id


@pytest.mark.parametrize(
    ("start", "end", "clash"),
    [
        (T0 + 3 * H, T0 + 5 * H, True),  # overlaps the last hour
        (T0 + 1 * H, T0 + 5 * H, True),  # contains it
        (T0 + 4 * H, T0 + 6 * H, False),  # starts as it ends
        (T0, T0 + 2 * H, False),  # ends as it starts
    ],
)
def test_double_booking(make_task, make_volunteer, coordinator_id, start, end, clash) -> None:
    task, v = make_task(), make_volunteer()
    booked = make_task(window_start=start, window_end=end)
    booked.assign(v, by=coordinator_id, now=T0, busy=[])
    result = rank_candidates(task, [v], busy=[booked], loads={})
    assert (result.best is None) is clash
    if clash:
        assert codes(result, v) == [ExclusionCode.DOUBLE_BOOKED]


def test_only_own_committed_tasks_count_as_bookings(
    make_task, make_volunteer, coordinator_id, policy
) -> None:
    task, v, other = make_task(), make_volunteer(), make_volunteer()
    someone_elses = make_task()
    someone_elses.assign(other, by=coordinator_id, now=T0, busy=[])
    finished = make_task()
    finished.assign(v, by=coordinator_id, now=T0, busy=[])
    finished.check_in(v.id, now=T0 + 2 * H)
    finished.complete(v, now=T0 + 3 * H, policy=policy)
    in_progress = make_task()
    in_progress.assign(other, by=coordinator_id, now=T0, busy=[])
    in_progress.check_in(other.id, now=T0 + 2 * H)
    assert in_progress.state is TaskState.IN_PROGRESS

    busy = [someone_elses, finished, in_progress]
    result = rank_candidates(task, [v, other], busy=busy, loads={})

    assert [c.volunteer_id for c in result.candidates] == [v.id]
    assert codes(result, other) == [ExclusionCode.DOUBLE_BOOKED]


def test_a_task_never_clashes_with_itself(make_task, make_volunteer, coordinator_id) -> None:
    task, v = make_task(), make_volunteer()
    task.offer(v, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    assert rank_candidates(task, [v], busy=[task], loads={}).best is not None


# ---- ranking -------------------------------------------------------------------------

def test_fewer_minutes_this_month_rank_first(make_task, make_volunteer) -> None:
    a, b, c = make_volunteer(), make_volunteer(), make_volunteer()
    loads = {a.id: VolunteerLoad(300), b.id: VolunteerLoad(30)}  # c: no load at all
    result = rank_candidates(make_task(), [a, b, c], busy=[], loads=loads)
    assert [x.volunteer_id for x in result.candidates] == [c.id, b.id, a.id]
    assert [x.rank for x in result.candidates] == [1, 2, 3]


def test_then_least_recently_served_with_never_served_first(make_task, make_volunteer) -> None:
    a, b, c = make_volunteer(), make_volunteer(), make_volunteer()
    loads = {
        a.id: VolunteerLoad(60, T0 - H),
        b.id: VolunteerLoad(60, T0 - 48 * H),
        c.id: VolunteerLoad(60, None),
    }
    result = rank_candidates(make_task(), [a, b, c], busy=[], loads=loads)
    assert [x.volunteer_id for x in result.candidates] == [c.id, b.id, a.id]


def test_then_reliability(make_task, make_volunteer) -> None:
    shaky, steady, fresh = make_volunteer(), make_volunteer(), make_volunteer()
    shaky.record_completion()
    shaky.record_no_show()
    for _ in range(4):
        steady.record_completion()
    steady.record_no_show()
    result = rank_candidates(make_task(), [shaky, steady, fresh], busy=[], loads={})
    # no record counts as reliable: fresh (1) > steady (4/5) > shaky (1/2)
    assert [x.volunteer_id for x in result.candidates] == [fresh.id, steady.id, shaky.id]


def test_candidate_reasons_explain_the_rank(make_task, make_volunteer) -> None:
    v = make_volunteer()
    v.record_completion()
    v.record_completion()
    v.record_completion()
    v.record_no_show()
    load = VolunteerLoad(200, datetime(2025, 5, 31, 17, tzinfo=UTC))  # June 1 01:00 local
    (candidate,) = rank_candidates(make_task(), [v], busy=[], loads={v.id: load}).candidates
    text = "\n".join(candidate.reasons)
    assert "服务东昌府区" in text
    assert "配送、驾驶" in text
    assert "本月已服务 3小时20分钟 (3 h 20 min served this month)" in text
    assert "上次服务于 2025年6月1日 (last served on 1 Jun 2025)" in text
    assert "可靠率75%：完成3次，爽约1次" in text
    assert candidate.load == load


def test_never_served_and_no_record_are_said_so(make_task, make_volunteer) -> None:
    (candidate,) = rank_candidates(make_task(), [make_volunteer()], busy=[], loads={}).candidates
    assert any("从未服务" in r for r in candidate.reasons)
    assert any("暂无履约记录" in r for r in candidate.reasons)
    assert "本月尚无服务 (no service yet this month)" in candidate.reasons
    assert not any("0分" in r for r in candidate.reasons)
    assert candidate.reliability is None
