"""The volunteer service's one mapper: a task's domain events -> catalogue events.

Every payload starts with what never changes on a task (its id, type, source and
division, from the aggregate); the rest comes from the event. The unit of work calls
these at commit (``svckit.uow``); no use case publishes by hand.
"""

from __future__ import annotations

from typing import Any

from svckit.events.mapper import EventMapper
from svckit.uow import UnitOfWork

from volunteer.domain import events as ev
from volunteer.domain.tasks import Task
from volunteer.service_layer.uow import VolunteerUoW

mapper = EventMapper("volunteer")


def _base(task: Task) -> dict[str, Any]:
    assert task.source is not None  # every task has one (manual: volunteer/manual/<id>)
    return {
        "task_id": task.id,
        "task_type": str(task.type),
        "source": {"service": task.source.service, "kind": task.source.kind,
                   "id": task.source.id},
        "division_code": task.division,
    }


@mapper.on(ev.TaskOffered)
def _offered(uow: UnitOfWork, task: Task, e: ev.TaskOffered) -> None:
    assert isinstance(uow, VolunteerUoW)
    volunteer = uow.volunteers.get(e.volunteer_id)
    uow.add_event("volunteer.task_offered",
                  {**_base(task), "volunteer_id": e.volunteer_id, "expires_at": e.expires_at,
                   "volunteer_phone": volunteer.phone,
                   "starts_at": task.window_start},
                  subject_id=str(e.task_id))


@mapper.on(ev.TaskAssigned)
def _assigned(uow: UnitOfWork, task: Task, e: ev.TaskAssigned) -> None:
    uow.add_event("volunteer.task_assigned",
                  {**_base(task), "volunteer_id": e.volunteer_id, "by_hand": e.by_hand},
                  subject_id=str(e.task_id))


@mapper.on(ev.TaskCompleted)
def _completed(uow: UnitOfWork, task: Task, e: ev.TaskCompleted) -> None:
    uow.add_event("volunteer.task_completed", {
        **_base(task), "volunteer_id": e.volunteer_id, "completed_at": e.checked_out_at,
        "outcome": e.outcome, "result": e.result.as_dict() if e.result else {},
    }, subject_id=str(e.task_id))


@mapper.on(ev.TaskFailed)
def _failed(uow: UnitOfWork, task: Task, e: ev.TaskFailed) -> None:
    uow.add_event("volunteer.task_failed",
                  {**_base(task), "reason": e.reason[:500], "failed_at": e.occurred_at,
                   "outcome": "failed"},
                  subject_id=str(e.task_id))


@mapper.on(ev.TaskExpired)
def _expired(uow: UnitOfWork, task: Task, e: ev.TaskExpired) -> None:
    """The asking service is told as of a failure (it shows it and may ask again)."""
    uow.add_event("volunteer.task_failed",
                  {**_base(task), "reason": e.reason[:500], "failed_at": e.occurred_at,
                   "outcome": "expired"},
                  subject_id=str(e.task_id))


@mapper.on(ev.TaskEscalated)
def _escalated(uow: UnitOfWork, task: Task, e: ev.TaskEscalated) -> None:
    uow.add_event("volunteer.task_escalated",
                  {**_base(task), "reason": e.reason[:200], "reoffers": e.reoffers,
                   "coordinator_id": task.dispatched_by, "window_end": task.window_end,
                   "escalated_at": e.occurred_at},
                  subject_id=str(e.task_id))
