"""Domain additions made with the service: task results, a source cancelled too late,
and the pre-checks the service layer uses before taking locks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from svckit.domain.errors import Forbidden, IllegalTransition, ValidationFailed
from volunteer.domain.tasks import TaskResult, TaskState, TaskType

H = timedelta(hours=1)


@pytest.fixture
def on_site(make_task, make_volunteer, coordinator_id, t0):
    def make(type_: TaskType = TaskType.SATISFACTION_VISIT):
        v = make_volunteer()
        task = make_task(type=type_)
        task.assign(v, by=coordinator_id, now=t0, busy=[])
        task.check_in(v.id, now=t0 + 2 * H)
        return task, v

    return make


def test_result_score_is_one_to_five() -> None:
    assert TaskResult(score=5, comment="很满意").as_dict() == {
        "score": 5, "comment": "很满意", "note": None}
    with pytest.raises(ValidationFailed):
        TaskResult(score=6)
    with pytest.raises(ValidationFailed):
        TaskResult(note="x" * 501)


def test_a_satisfaction_visit_needs_a_score(on_site, policy, t0) -> None:
    task, v = on_site()
    with pytest.raises(ValidationFailed) as err:
        task.complete(v, now=t0 + 3 * H, policy=policy, result=TaskResult(comment="好"))
    assert "result.score" in err.value.errors
    assert task.state is TaskState.IN_PROGRESS
    task.complete(v, now=t0 + 3 * H, policy=policy, result=TaskResult(score=4))
    assert task.result == TaskResult(score=4)


def test_other_tasks_complete_without_a_result(on_site, policy, t0) -> None:
    task, v = on_site(TaskType.DELIVER_DEVICE)
    task.complete(v, now=t0 + 3 * H, policy=policy)
    assert task.state is TaskState.COMPLETED and task.result is None


def test_a_source_cancelled_before_check_in_cancels(make_task, t0) -> None:
    task = make_task()
    assert task.source_cancelled(now=t0, reason="改为到站自取") is True
    assert task.state is TaskState.CANCELLED
    assert task.source_cancelled(now=t0, reason="again") is False  # already cancelled


def test_a_source_cancelled_on_site_is_recorded_not_applied(on_site, t0) -> None:
    task, _ = on_site()
    assert task.source_cancelled(now=t0 + 3 * H, reason="住户已搬走") is False
    assert task.state is TaskState.IN_PROGRESS
    assert (task.source_cancelled_at, task.source_cancel_reason) == (t0 + 3 * H, "住户已搬走")


def test_pre_checks_refuse_before_any_lock(make_task, make_volunteer, coordinator_id, t0):
    task = make_task()
    with pytest.raises(IllegalTransition):
        task.check("accept")
    v, w = make_volunteer(), make_volunteer()
    task.offer(v, by=coordinator_id, now=t0, expires_at=t0 + H, busy=[])
    task.require_offeree(v.id)
    with pytest.raises(Forbidden):
        task.require_offeree(w.id)
