"""The renovation service's one event mapper (ADR 0010): domain events -> the household
file's timeline and the catalogue's ``renovation.*`` events.

The unit of work hands every domain event recorded by an aggregate of the transaction to
:data:`mapper` at commit. Every event gets a timeline row (一户一档: ``history``, named after
the event class, with who acted: the request's principal, none for consumers and jobs);
some also stage a catalogue event. A visit request takes the household's address and
contact from the application (the domain events carry none).

Source references for volunteer visits:
- ``assessment``: the assessment id; a moved visit (round n > 1) is ``<id>:<n>`` after a
  ``renovation.visit_cancelled`` for the previous round (the volunteer side keeps one
  task per source).
- ``acceptance_visit``: ``<work order id>:<round>`` (round 1, then 2 after a rework...).
- ``satisfaction_visit``: the work order id.

An event another service parked flags its application (``Application.integration_failed``);
staging an event of the same type for that application again (the step re-requested)
clears the flag, as does the answer to the request (``service_layer.answers``).
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar, cast

from svckit import context
from svckit.domain.masking import contact_name, mask_phone
from svckit.events.mapper import EventMapper
from svckit.uow import UnitOfWork

from renovation.domain import events as ev
from renovation.domain.application import Application
from renovation.domain.programme import Programme
from renovation.domain.workorder import WorkOrder
from renovation.service_layer.uow import RenovationUoW

SERVICE = "renovation"
ASSESSMENT_VISIT = timedelta(hours=2)
SATISFACTION_WINDOW = timedelta(days=14)

mapper = EventMapper(SERVICE)

E = TypeVar("E", bound=ev.Event)
Aggregate = Application | WorkOrder


#: the event that asked for each kind of volunteer visit (its answer shows it was applied)
REQUEST_OF_VISIT = {
    "assessment": "renovation.assessment_requested",
    "acceptance_visit": "renovation.workorder_completed",
    "satisfaction_visit": "renovation.inspection_passed",
}


def assessment_source_id(assessment_id: uuid.UUID, round_: int) -> str:
    return str(assessment_id) if round_ <= 1 else f"{assessment_id}:{round_}"


def parse_source_id(source_id: str) -> tuple[uuid.UUID, int] | None:
    """``"<uuid>"`` or ``"<uuid>:<round>"`` → (id, round); None when it is neither."""
    head, _, tail = source_id.partition(":")
    try:
        return uuid.UUID(head), int(tail) if tail else 1
    except ValueError:
        return None


# ---- the timeline row every event gets -------------------------------------------------------
def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def event_data(event: ev.Event) -> dict[str, Any]:
    data = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    data.pop("occurred_at", None)
    result: dict[str, Any] = _jsonable(data)
    return result


def _acting() -> str | None:
    """The person who acted (the request's principal); None for consumers and jobs."""
    who = context.actor.get()
    return None if who is None or who.startswith("system") else who


def _timeline(uow: RenovationUoW, aggregate: Aggregate, event: ev.Event) -> None:
    order = aggregate if isinstance(aggregate, WorkOrder) else None
    uow.repo.add_history(
        order.application_id if order else aggregate.id, event.occurred_at,
        type(event).__name__, event_data(event), actor=_acting(),
        work_order_id=getattr(event, "work_order_id", None),
    )


def on(*classes: type[E]) -> Callable[[Callable[[RenovationUoW, Any, Any], None]],
                                      Callable[[RenovationUoW, Any, Any], None]]:
    """Register ``fn`` for ``classes``: the timeline row, then what ``fn`` stages."""

    def register(fn: Callable[[RenovationUoW, Any, Any], None]
                 ) -> Callable[[RenovationUoW, Any, Any], None]:
        def mapped(uow: UnitOfWork, aggregate: Any, event: Any) -> None:
            ruow = cast(RenovationUoW, uow)
            _timeline(ruow, aggregate, event)
            before = len(ruow.staged_events)
            fn(ruow, aggregate, event)
            staged = ruow.staged_events[before:]
            if staged:  # the step is requested again: a problem it had is over
                app = (aggregate if isinstance(aggregate, Application)
                       else _application(ruow, aggregate.application_id))
                for event_type in staged:
                    app.integration_recovered(event_type, event.occurred_at)

        mapper.on(*classes)(mapped)
        return fn

    return register


@on(ev.ApplicationSubmitted, ev.ApplicationRefused, ev.ConsentGiven, ev.ConsentWithdrawn,
    ev.PlanDrafted, ev.PlanConfirmed, ev.PlanRevised,
    ev.DeviceRequestUpdated, ev.ApplicationCompleted, ev.ApplicationClosed,
    ev.WorkOrderAccepted, ev.WorkOrderDeclined, ev.WorkOrderCancelled, ev.WorkOrderScheduled,
    ev.WorkOrderTerminated,
    ev.ProgressReported, ev.SatisfactionRecorded, ev.IntegrationFailed,
    ev.IntegrationProblemCleared)
def _timeline_only(uow: RenovationUoW, aggregate: Aggregate, event: ev.Event) -> None:
    """The household file's timeline is all these change."""


# ---- catalogue events ------------------------------------------------------------------------
def _application(uow: RenovationUoW, application_id: uuid.UUID) -> Application:
    app = uow.repo.application(application_id)
    assert app is not None  # foreign key
    return app


def _programme(uow: RenovationUoW, programme_id: uuid.UUID) -> Programme:
    programme = uow.repo.programme(programme_id)
    assert programme is not None  # foreign key
    return programme


def _visit(app: Application, kind: str, source_id: str, start: datetime, end: datetime,
           summary: str) -> dict[str, Any]:
    return {
        "source": {"service": SERVICE, "kind": kind, "id": source_id},
        "division_code": app.division,
        "address": app.address,
        "contact_name": contact_name(app.holder_name),
        "contact_phone": mask_phone(app.phone),
        "window_start": start,
        "window_end": end,
        "summary": summary,
    }


def _cancel_assessment_visit(uow: RenovationUoW, application_id: uuid.UUID,
                             assessment_id: uuid.UUID, round_: int, reason: str) -> None:
    uow.add_event("renovation.visit_cancelled", {
        "source": {"service": SERVICE, "kind": "assessment",
                   "id": assessment_source_id(assessment_id, round_)},
        "reason": reason,
    }, subject_id=str(application_id))


@on(ev.ApplicationAccepted)
def _accepted(uow: RenovationUoW, app: Application, event: ev.ApplicationAccepted) -> None:
    uow.add_event("renovation.application_accepted", {
        "application_id": event.application_id, "programme_id": event.programme_id,
        "division_code": event.division, "certificate": app.masked_certificate,
        "override_reason": event.override_reason,
    }, subject_id=str(event.application_id))


@on(ev.ApplicationWithdrawn)
def _withdrawn(uow: RenovationUoW, app: Application, event: ev.ApplicationWithdrawn) -> None:
    if event.open_visit is not None:
        _cancel_assessment_visit(uow, event.application_id, *event.open_visit,
                                 "申请已撤回 (withdrawn)")


@on(ev.AssessmentRequested)
def _assessment_requested(uow: RenovationUoW, app: Application,
                          event: ev.AssessmentRequested) -> None:
    if event.rescheduled and event.round > 1:
        _cancel_assessment_visit(uow, event.application_id, event.assessment_id,
                                 event.round - 1, "评估改期 (rescheduled)")
    uow.add_event("renovation.assessment_requested", {
        **_visit(app, "assessment", assessment_source_id(event.assessment_id, event.round),
                 event.scheduled_at, event.scheduled_at + ASSESSMENT_VISIT,
                 "陪同评估员入户开展无障碍改造需求评估"),
        "application_id": event.application_id, "assessment_id": event.assessment_id,
    }, subject_id=str(event.application_id))


@on(ev.AssessmentCompleted)
def _assessment_completed(uow: RenovationUoW, app: Application,
                          event: ev.AssessmentCompleted) -> None:
    """The volunteer side closes the task raised to accompany it (any round)."""
    uow.add_event("renovation.assessment_completed", {
        "application_id": event.application_id, "assessment_id": event.assessment_id,
        "division_code": app.division, "completed_at": event.occurred_at,
    }, subject_id=str(event.application_id))


@on(ev.PlanApproved)
def _plan_approved(uow: RenovationUoW, app: Application, event: ev.PlanApproved) -> None:
    uow.add_event("renovation.plan_approved", {
        "application_id": event.application_id, "plan_id": event.plan_id,
        "programme_id": event.programme_id, "division_code": app.division,
        "total_fen": event.total_fen, "device_items": event.device_items,
    }, subject_id=str(event.application_id))


@on(ev.DeviceRequested)
def _device_requested(uow: RenovationUoW, app: Application,
                      event: ev.DeviceRequested) -> None:
    uow.add_event("renovation.device_requested", {
        "request_id": event.request_id, "application_id": event.application_id,
        "iso_code": event.device_type_code, "item_name": event.item_name or event.item_code,
        "division_code": event.division, "address": app.address,
        "contact_name": contact_name(app.holder_name),
        "contact_phone": mask_phone(app.phone),
    }, subject_id=str(event.application_id))


@on(ev.WorkOrderAssigned)
def _assigned(uow: RenovationUoW, order: WorkOrder, event: ev.WorkOrderAssigned) -> None:
    programme = _programme(uow, order.programme_id)
    contractor = uow.repo.contractor(event.contractor_id)
    uow.add_event("renovation.workorder_assigned", {
        "work_order_id": event.work_order_id, "number": order.number or None,
        "application_id": event.application_id,
        "contractor_id": event.contractor_id, "division_code": event.division,
        "accept_by": event.occurred_at + programme.deadlines.accept_within,
        # sealed on the broker (catalogue field); notify texts the company
        "contractor_phone": contractor.contact_phone if contractor else None,
    }, subject_id=str(event.work_order_id))


@on(ev.WorkOrderCompleted)
def _completed(uow: RenovationUoW, order: WorkOrder, event: ev.WorkOrderCompleted) -> None:
    now, programme = event.occurred_at, _programme(uow, order.programme_id)
    uow.add_event("renovation.workorder_completed", {
        **_visit(_application(uow, event.application_id), "acceptance_visit",
                 f"{event.work_order_id}:{event.round}", now,
                 now + programme.deadlines.inspect_within, "施工完工，入户回访并协助验收"),
        "work_order_id": event.work_order_id, "application_id": event.application_id,
        "contractor_id": event.contractor_id, "completed_at": now,
    }, subject_id=str(event.work_order_id))


@on(ev.InspectionPassed)
def _passed(uow: RenovationUoW, order: WorkOrder, event: ev.InspectionPassed) -> None:
    if order.kind != "works":  # a warranty repair: no satisfaction visit, the case stays
        return
    now = event.occurred_at
    uow.add_event("renovation.inspection_passed", {
        **_visit(_application(uow, event.application_id), "satisfaction_visit",
                 str(event.work_order_id), now, now + SATISFACTION_WINDOW,
                 "改造验收合格，入户了解满意度（1-5分）"),
        "work_order_id": event.work_order_id, "application_id": event.application_id,
        "inspector": event.inspector_name or event.inspector_id,
    }, subject_id=str(event.work_order_id))


@on(ev.InspectionFailed)
def _failed(uow: RenovationUoW, order: WorkOrder, event: ev.InspectionFailed) -> None:
    programme = _programme(uow, order.programme_id)
    uow.add_event("renovation.inspection_failed", {
        "work_order_id": event.work_order_id, "application_id": event.application_id,
        "defects": [d[:200] for d in event.defects],
        "rework_by": event.occurred_at + programme.deadlines.rework_within,
    }, subject_id=str(event.work_order_id))


@on(ev.DeadlineBreached)
def _breached(uow: RenovationUoW, order: WorkOrder, event: ev.DeadlineBreached) -> None:
    uow.add_event("renovation.deadline_breached", {
        "work_order_id": event.work_order_id, "kind": event.kind,
        "due_at": event.due_at, "division_code": order.division,
    }, subject_id=str(event.work_order_id))
