"""Domain events → integration events (the catalogue's ``renovation.*``) and the household
file's timeline. Every use case ends with :func:`publish`, inside its unit of work, so the
state change, its history rows and its outbox rows commit together.

Source references for volunteer visits:
- ``assessment``: the assessment id; a moved visit (round n > 1) is ``<id>:<n>`` after a
  ``renovation.visit_cancelled`` for the previous round (the volunteer side keeps one
  task per source).
- ``acceptance_visit``: ``<work order id>:<round>`` (round 1, then 2 after a rework...).
- ``satisfaction_visit``: the work order id.
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from svckit.domain.certificate import mask_phone

from renovation.domain import events as ev
from renovation.domain.application import Application
from renovation.domain.programme import Programme
from renovation.domain.workorder import WorkOrder
from renovation.service_layer.uow import RenovationUoW

SERVICE = "renovation"
ASSESSMENT_VISIT = timedelta(hours=2)
SATISFACTION_WINDOW = timedelta(days=14)


def assessment_source_id(assessment_id: uuid.UUID, round_: int) -> str:
    return str(assessment_id) if round_ <= 1 else f"{assessment_id}:{round_}"


def acceptance_source_id(order: WorkOrder) -> str:
    return f"{order.id}:{len(order.inspections) + 1}"


def parse_source_id(source_id: str) -> tuple[uuid.UUID, int] | None:
    """``"<uuid>"`` or ``"<uuid>:<round>"`` → (id, round); None when it is neither."""
    head, _, tail = source_id.partition(":")
    try:
        return uuid.UUID(head), int(tail) if tail else 1
    except ValueError:
        return None


def contact_name(holder_name: str) -> str:
    """Surname + 某 (王某): enough for a volunteer at the door, no full name in events."""
    return f"{holder_name[:1]}某"


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


def publish(
    uow: RenovationUoW,
    app: Application,
    events: Iterable[ev.Event],
    *,
    actor: str | None,
    programme: Programme | None = None,
    order: WorkOrder | None = None,
    actor_name: str | None = None,
    integrate: bool = True,
) -> None:
    """Write the timeline rows and (unless ``integrate`` is off, as for demo data) the
    integration events for ``events``."""
    for event in list(events):
        work_order_id = getattr(event, "work_order_id", None)
        uow.repo.add_history(app.id, event.occurred_at, type(event).__name__, event_data(event),
                             actor=actor, work_order_id=work_order_id)
        if integrate:
            _integrate(uow, app, event, programme=programme, order=order,
                       actor_name=actor_name or actor or "")


def _integrate(
    uow: RenovationUoW,
    app: Application,
    event: ev.Event,
    *,
    programme: Programme | None,
    order: WorkOrder | None,
    actor_name: str,
) -> None:
    now = event.occurred_at
    if programme is None and isinstance(
        event, ev.WorkOrderAssigned | ev.WorkOrderCompleted | ev.InspectionFailed
    ):
        programme = uow.repo.programme(app.programme_id)
    match event:
        case ev.ApplicationAccepted():
            uow.add_event("renovation.application_accepted", {
                "application_id": app.id, "programme_id": app.programme_id,
                "division_code": app.division, "certificate": app.masked_certificate,
                "override_reason": event.override_reason,
            }, subject_id=str(app.id))
        case ev.ApplicationWithdrawn():
            a = app.assessment
            if a is not None and a.completed_at is None:
                _cancel_assessment_visit(uow, app, a.id, a.round, "申请已撤回 (withdrawn)")
        case ev.AssessmentRequested():
            a = app.assessment
            assert a is not None
            if event.rescheduled and a.round > 1:
                _cancel_assessment_visit(uow, app, a.id, a.round - 1, "评估改期 (rescheduled)")
            uow.add_event("renovation.assessment_requested", {
                **_visit(app, "assessment", assessment_source_id(a.id, a.round),
                         event.scheduled_at, event.scheduled_at + ASSESSMENT_VISIT,
                         "陪同评估员入户开展无障碍改造需求评估"),
                "application_id": app.id, "assessment_id": a.id,
            }, subject_id=str(app.id))
        case ev.PlanApproved():
            plan = app.plan
            assert plan is not None
            uow.add_event("renovation.plan_approved", {
                "application_id": app.id, "plan_id": plan.id, "programme_id": app.programme_id,
                "division_code": app.division, "total_fen": plan.total_fen,
                "device_items": len(plan.device_requests),
            }, subject_id=str(app.id))
        case ev.DeviceRequested():
            plan = app.plan
            assert plan is not None
            name = next((line.name for line in plan.lines if line.item_code == event.item_code),
                        event.item_code)
            uow.add_event("renovation.device_requested", {
                "request_id": event.request_id, "application_id": app.id,
                "iso_code": event.device_type_code, "item_name": name,
                "division_code": app.division, "address": app.address,
                "contact_name": contact_name(app.holder_name),
                "contact_phone": mask_phone(app.phone),
            }, subject_id=str(app.id))
        case ev.WorkOrderAssigned():
            assert programme is not None
            uow.add_event("renovation.workorder_assigned", {
                "work_order_id": event.work_order_id, "application_id": app.id,
                "contractor_id": event.contractor_id, "division_code": event.division,
                "accept_by": now + programme.deadlines.accept_within,
            }, subject_id=str(event.work_order_id))
        case ev.WorkOrderCompleted():
            assert order is not None and programme is not None
            uow.add_event("renovation.workorder_completed", {
                **_visit(app, "acceptance_visit", acceptance_source_id(order), now,
                         now + programme.deadlines.inspect_within,
                         "施工完工，入户回访并协助验收"),
                "work_order_id": order.id, "application_id": app.id,
                "contractor_id": order.contractor_id, "completed_at": now,
            }, subject_id=str(order.id))
        case ev.InspectionPassed():
            assert order is not None
            uow.add_event("renovation.inspection_passed", {
                **_visit(app, "satisfaction_visit", str(order.id), now,
                         now + SATISFACTION_WINDOW, "改造验收合格，入户了解满意度（1-5分）"),
                "work_order_id": order.id, "application_id": app.id,
                "inspector": actor_name[:100],
            }, subject_id=str(order.id))
        case ev.InspectionFailed():
            assert programme is not None
            uow.add_event("renovation.inspection_failed", {
                "work_order_id": event.work_order_id, "application_id": app.id,
                "defects": [d[:200] for d in event.defects],
                "rework_by": now + programme.deadlines.rework_within,
            }, subject_id=str(event.work_order_id))
        case ev.DeadlineBreached():
            uow.add_event("renovation.deadline_breached", {
                "work_order_id": event.work_order_id, "kind": event.kind,
                "due_at": event.due_at, "division_code": app.division,
            }, subject_id=str(event.work_order_id))
        case _:
            pass  # the timeline row is enough


def _cancel_assessment_visit(
    uow: RenovationUoW, app: Application, assessment_id: uuid.UUID, round_: int, reason: str
) -> None:
    uow.add_event("renovation.visit_cancelled", {
        "source": {"service": SERVICE, "kind": "assessment",
                   "id": assessment_source_id(assessment_id, round_)},
        "reason": reason,
    }, subject_id=str(app.id))
