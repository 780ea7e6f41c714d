"""Tasks: created from the other services' requests or by a coordinator; cancelled when
their source is; rescheduled; failed when nobody can do them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from svckit import pipl
from svckit.auth.principal import Principal, Role
from svckit.domain import masking
from svckit.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from svckit.domain.identifiers import normalise
from svckit.domain.phone import validate_phone

from volunteer.domain.events import SourceRef
from volunteer.domain.tasks import Priority, Task, TaskType, cause_key
from volunteer.domain.volunteers import Skill
from volunteer.service_layer.common import coordinated_task, division_arg, me, visible_task
from volunteer.service_layer.policy import POLICY, assignee_scope
from volunteer.service_layer.uow import VolunteerUoW

log = logging.getLogger(__name__)

#: source kind -> task type (the catalogue's SOURCE_KINDS that volunteers act on)
KIND_TO_TYPE: dict[str, TaskType] = {
    "rental_delivery": TaskType.DELIVER_DEVICE,
    "device_delivery": TaskType.DELIVER_DEVICE,
    "rental_pickup": TaskType.PICKUP_DEVICE,
    "overdue_call": TaskType.OVERDUE_CALL,
    "assessment": TaskType.ACCOMPANY_ASSESSMENT,
    "acceptance_visit": TaskType.ACCEPTANCE_VISIT,
    "satisfaction_visit": TaskType.SATISFACTION_VISIT,
}


@dataclass(frozen=True)
class VisitRequest:
    source: SourceRef
    type: TaskType
    division: str
    address: str
    window_start: datetime
    window_end: datetime
    summary: str
    contact_name: str | None = None
    contact_phone: str | None = None
    priority: Priority = Priority.NORMAL
    #: the sheet whose QR code checks the visit in (Task.site_key)
    site_key: str | None = None


def create_from_request(uow: VolunteerUoW, req: VisitRequest, *, now: datetime) -> Task | None:
    """Inside an open unit of work (an event handler): one task per source. A source seen
    before (another event naming it, or already cancelled) makes no second task."""
    cause = cause_key(req.source)
    # one query says whether any of the three checks can find something (a new request:
    # none can; the unique indexes on source and live cause stay the last line)
    if uow.tasks.source_seen(req.source, cause):
        existing = uow.tasks.by_source(req.source)
        if existing is not None:
            log.info("task for source %s already exists (%s)", req.source, existing.id)
            return None
        if uow.tasks.source_cancelled(req.source):
            log.info("source %s was cancelled before its request arrived", req.source)
            return None
        live = uow.tasks.live_by_cause(cause, lock=True)
        if live is not None:  # another round or spell of a request still being served
            log.info("source %s: task %s is still live for its cause", req.source, live.id)
            return None
    task = Task.create(
        type=req.type, division=req.division, address=req.address,
        window_start=req.window_start, window_end=req.window_end, now=now,
        priority=req.priority, source=req.source, note=req.summary,
        rules=uow.settings.windows, site_key=req.site_key,
    )
    task.contact_name, task.contact_phone = req.contact_name, req.contact_phone
    uow.tasks.add(task)
    return task


def cancel_from_source(uow: VolunteerUoW, source: SourceRef, reason: str, *,
                       now: datetime) -> str:
    """Inside an open unit of work: cancel the source's task if it still can be; otherwise
    record the cancellation on it for the coordinator. Returns what happened."""
    task = uow.tasks.by_source(source, lock=True)
    if task is None:
        uow.tasks.record_cancelled_source(source, reason, now)
        return "recorded"
    if task.source_cancelled(now=now, reason=reason):
        return "cancelled"
    return "flagged" if task.source_cancelled_at is not None else "unchanged"


#: event type -> (the cause kind it resolves, payload field naming the cause, the reason)
RESOLUTIONS: dict[str, tuple[tuple[str, str], str, str]] = {
    "rental.returned": (("inventory", "overdue_call"), "rental_id",
                        "设备已归还 (the device was returned)"),
    "renovation.assessment_completed": (("renovation", "assessment"), "assessment_id",
                                        "评估已完成 (the assessment was done)"),
    "renovation.inspection_passed": (("renovation", "acceptance_visit"), "work_order_id",
                                     "验收已通过 (the inspection passed)"),
}


def close_for_cause(uow: VolunteerUoW, event_type: str, cause_id: str, *,
                    now: datetime) -> str:
    """Inside an open unit of work (an event handler): what raised a task was resolved;
    its live task (if any) closes itself with the reason in words, or, once the volunteer
    is on site, records it for the coordinator. Replays find nothing live: idempotent.
    Returns what happened."""
    (service, kind), _, reason = RESOLUTIONS[event_type]
    task = uow.tasks.live_by_cause(cause_key(SourceRef(service, kind, cause_id)), lock=True)
    if task is None:
        return "none"
    if task.close_resolved(now=now, reason=reason):
        return "closed"
    return "flagged"


def record_parked_event(uow: VolunteerUoW, subject_id: str, *, event_type: str,
                        consumer: str, reason: str, at: datetime) -> bool:
    """Inside an open unit of work (the ``platform.event_parked`` handler): another service
    parked one of volunteer's events; its task (the event's subject) shows it. A subject
    that names no task changes nothing. True when a task recorded it."""
    try:
        task = uow.tasks.lock(UUID(subject_id))
    except (ValueError, NotFound):
        log.warning("parked %s names no task (%s)", event_type, subject_id)
        return False
    task.record_integration_problem(event_type, consumer, reason, at=at)
    return True


def get_task(uow: VolunteerUoW, principal: Principal, task_id: UUID) -> Task:
    with uow:
        return visible_task(uow, principal, task_id)


def read_address(uow: VolunteerUoW, principal: Principal, task_id: UUID, purpose: str, *,
                 now: datetime) -> Task:
    """The task's full address, for its assignee and the coordinators of its division;
    the read is recorded in the access log with its purpose (svckit.pipl)."""
    purpose = pipl.check_purpose(purpose)
    with uow:
        task = visible_task(uow, principal, task_id)
        POLICY.require(principal, "task.read_address", **assignee_scope(task))
        pipl.record_read(uow, principal, record_type="task", record_id=task.id,
                         fields=("address",), purpose=purpose, at=now)
        uow.commit()
        return task


def list_tasks(uow: VolunteerUoW, principal: Principal, *, states: Sequence[str],
               type: str | None, division: str | None, page: int,
               size: int) -> tuple[list[Task], int]:
    """A coordinator's districts, staff's scope, or a volunteer's own offers and tasks."""
    POLICY.require_role(principal, "task.list")
    volunteer = principal.role is Role.VOLUNTEER
    with uow:
        return uow.tasks.search(
            scopes=principal.division_filter(),
            volunteer_id=me(principal) if volunteer else None,
            states=states, type=type, division=division and normalise(division), page=page,
            size=size)


@dataclass(frozen=True)
class CreateTask:
    type: TaskType
    division: str
    address: str
    window_start: datetime
    window_end: datetime
    note: str
    priority: Priority = Priority.NORMAL
    extra_skills: tuple[Skill, ...] = ()
    duration: timedelta | None = None  # None: the type's (TASK_DURATIONS)
    #: the person to ask for at the door, as typed; kept masked like a visit request's
    contact_name: str | None = None
    contact_phone: str | None = None


def masked_contact(name: str | None, phone: str | None) -> tuple[str | None, str | None]:
    """A coordinator's contact kept as a visit request carries it (``王某``,
    ``138****5678``): the full values stay with the household's own service. A phone
    that is not one: 422 on ``contact_phone``."""
    shown_name = masking.contact_name(name) if name and name.strip() else None
    shown_phone = None
    if phone and phone.strip():
        try:
            shown_phone = masking.mask_phone(validate_phone(phone))
        except ValueError as exc:
            raise ValidationFailed.field("contact_phone", str(exc)) from None
    return shown_name, shown_phone


def create_manual(uow: VolunteerUoW, principal: Principal, cmd: CreateTask, *,
                  now: datetime) -> Task:
    """A coordinator raises a task by hand in their district (source ``volunteer/manual``)."""
    POLICY.require(principal, "task.create", division=division_arg("division", cmd.division))
    contact = masked_contact(cmd.contact_name, cmd.contact_phone)
    task_id = uuid4()
    with uow:
        task = Task.create(
            type=cmd.type, division=cmd.division, address=cmd.address,
            window_start=cmd.window_start, window_end=cmd.window_end, now=now,
            priority=cmd.priority, source=SourceRef("volunteer", "manual", str(task_id)),
            extra_skills=cmd.extra_skills, note=cmd.note, duration=cmd.duration, id=task_id,
            rules=uow.settings.windows,
        )
        task.contact_name, task.contact_phone = contact
        uow.tasks.add(task)
        uow.commit()
    return task


def reschedule(uow: VolunteerUoW, principal: Principal, task_id: UUID, start: datetime,
               end: datetime, *, now: datetime) -> Task:
    with uow:
        task = coordinated_task(uow, principal, task_id)
        task.reschedule(start, end, now=now, rules=uow.settings.windows)
        uow.commit()
    return task


def cancel(uow: VolunteerUoW, principal: Principal, task_id: UUID, reason: str, *,
           now: datetime) -> Task:
    """A coordinator cancels a task they raised by hand. A task another service asked for
    is cancelled by that service, or failed with a reason (which it is told)."""
    with uow:
        task = coordinated_task(uow, principal, task_id)
        if task.source is None or task.source.service != "volunteer":
            raise Forbidden(
                "其他业务提出的任务由提出方取消；无法完成请标记失败 "
                "(a requested task is cancelled by its source; fail it with a reason instead)"
            )
        task.cancel(now=now, reason=reason)
        uow.commit()
    return task


def fail_unstaffed(uow: VolunteerUoW, principal: Principal, task_id: UUID, reason: str, *,
                   now: datetime) -> Task:
    """The coordinator gives up on a task nobody can take (the asker is told)."""
    with uow:
        task = coordinated_task(uow, principal, task_id)
        if task.checked_in_at is not None:
            raise Conflict("志愿者已签到，应由志愿者在现场标记失败 (the volunteer is on site)",
                           current_state=str(task.state))
        task.fail(now=now, reason=reason, policy=uow.settings.policy)
        uow.commit()
    return task
