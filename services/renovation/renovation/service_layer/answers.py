"""Use cases driven by other services' answers (the handlers call these; the runner opens
and commits the unit of work and drops a redelivered event by its id first).

- A volunteer visit asked for by renovation (assessment, acceptance follow-up, satisfaction)
  was made or failed: recorded with the household; a satisfaction score is recorded on the
  work order once, and the case closes.
- The rental side answered a device request (reserved, delivered, unavailable): the plan's
  device item follows. A stale answer the state machine refuses (``reserved`` after
  ``delivered``) is logged and ignored, not retried.
- The rental side has stock of a type again at a station (``unit.available``): the device
  item of that type marked unavailable longest, of a household in the station's district,
  is asked for again (one item per unit that arrived; the same request id).
- Another service parked one of renovation's events (``platform.event_parked``): the
  application it concerns shows it (``integration_problem`` and a timeline entry) until the
  step is requested again (the mapper) or an answer to the request arrives (above).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from svckit.domain.errors import Conflict, ValidationFailed
from svckit.messaging.consumer import Reject

from renovation.domain.application import DEVICE_STATES, Application
from renovation.domain.catalogue import normalise_device_type
from renovation.service_layer.mapper import REQUEST_OF_VISIT, SERVICE, parse_source_id
from renovation.service_layer.uow import RenovationUoW

log = logging.getLogger(__name__)

VISIT_KINDS = ("assessment", "acceptance_visit", "satisfaction_visit")


def is_ours(source: dict[str, Any]) -> bool:
    """A volunteer task renovation asked for (others' tasks are ignored)."""
    return bool(source["service"] == SERVICE and source["kind"] in VISIT_KINDS)


def _visit_target(uow: RenovationUoW, kind: str,
                  source_id: str) -> tuple[uuid.UUID, uuid.UUID | None]:
    """(application id, work order id) of a visit's source; Reject when unknown."""
    parsed = parse_source_id(source_id)
    if parsed is None:
        raise Reject(f"unreadable {kind} source id {source_id!r}")
    target, _round = parsed
    if kind == "assessment":
        app_id = uow.repo.application_of_assessment(target)
        if app_id is None:
            raise Reject(f"unknown assessment {target}")
        return app_id, None
    order = uow.repo.work_order(target)
    if order is None:
        raise Reject(f"unknown work order {target}")
    return order.application_id, order.id


def _answered(uow: RenovationUoW, app_id: uuid.UUID, event_type: str, at: datetime) -> None:
    """An answer to the case's ``event_type`` request arrived: it was applied after all."""
    app = uow.repo.application(app_id, lock=True)
    assert app is not None  # foreign key
    app.integration_recovered(event_type, at)


def visit_completed(uow: RenovationUoW, *, kind: str, source_id: str, task_id: uuid.UUID,
                    volunteer_id: uuid.UUID, outcome: str, result: dict[str, Any],
                    at: datetime) -> None:
    app_id, order_id = _visit_target(uow, kind, source_id)
    _answered(uow, app_id, REQUEST_OF_VISIT[kind], at)
    uow.repo.add_visit(
        id=uuid.uuid4(), application_id=app_id, work_order_id=order_id, source_kind=kind,
        source_id=source_id, task_id=task_id, volunteer_id=volunteer_id, outcome=outcome,
        at=at, score=result.get("score"), comment=result.get("comment"),
        note=result.get("note"),
    )
    uow.repo.add_history(app_id, at, "VolunteerVisitCompleted", {
        "kind": kind, "source_id": source_id, "volunteer_id": str(volunteer_id),
        "outcome": outcome,
    }, actor=f"volunteer:{volunteer_id}", work_order_id=order_id)
    if kind != "satisfaction_visit" or order_id is None:
        return
    score = result.get("score")
    if score is None:
        log.warning("satisfaction visit %s came back without a score", source_id)
        return
    order = uow.repo.work_order(order_id, lock=True)
    app = uow.repo.application(app_id, lock=True)
    assert order is not None and app is not None
    try:  # the order's checks first: a refused call changes nothing
        order.record_satisfaction(score, result.get("comment"), at)
    except (Conflict, ValidationFailed) as exc:  # already recorded, or not closed yet
        log.warning("satisfaction for %s not recorded: %s", order_id, exc)
        return
    app.close(at)  # a closed order's application is completed


#: what staff read on the case when nobody took a volunteer visit before its window ended
EXPIRED_MESSAGES = {
    "assessment": "陪同评估的志愿者任务无人接单，已过期；请重新安排评估时间以再次派单 "
                  "(nobody took the task to accompany the assessment before its window "
                  "ended; schedule the assessment again to ask again)",
    "acceptance_visit": "完工验收回访的志愿者任务无人接单，已过期 "
                        "(nobody took the acceptance visit before its window ended)",
    "satisfaction_visit": "满意度回访的志愿者任务无人接单，已过期 "
                          "(nobody took the satisfaction visit before its window ended)",
}


def visit_failed(uow: RenovationUoW, *, kind: str, source_id: str, task_id: uuid.UUID,
                 reason: str, at: datetime, outcome: str = "failed",
                 event_id: str = "") -> None:
    """The visit failed, or (``outcome`` expired) nobody took it in time: recorded on the
    case; an expired one shows on the case as a problem until the step is requested
    again (like a parked request)."""
    app_id, order_id = _visit_target(uow, kind, source_id)
    _answered(uow, app_id, REQUEST_OF_VISIT[kind], at)
    uow.repo.add_visit(
        id=uuid.uuid4(), application_id=app_id, work_order_id=order_id, source_kind=kind,
        source_id=source_id, task_id=task_id, volunteer_id=None, outcome=outcome,
        at=at, score=None, comment=None, note=reason,
    )
    uow.repo.add_history(app_id, at, "VolunteerVisitFailed",
                         {"kind": kind, "source_id": source_id, "reason": reason,
                          "outcome": outcome},
                         work_order_id=order_id)
    if outcome == "expired":
        app = uow.repo.application(app_id, lock=True)
        assert app is not None  # foreign key
        app.integration_failed(REQUEST_OF_VISIT[kind], event_id=event_id, consumer="volunteer",
                               reason="expired", message=EXPIRED_MESSAGES[kind], now=at,
                               work_order_id=order_id)


def device_answer(uow: RenovationUoW, request_id: uuid.UUID,
                  apply: Callable[[Application], None], *, at: datetime) -> None:
    """Apply the rental side's answer to the plan's device item ``request_id``."""
    app = uow.repo.application_of_device_request(request_id, lock=True)
    if app is None:
        raise Reject(f"unknown device request {request_id}")
    app.integration_recovered("renovation.device_requested", at)
    try:
        apply(app)
    except Conflict as exc:  # a stale answer (e.g. reserved after delivered)
        log.warning("device request %s: answer ignored: %s", request_id, exc)


def stock_arrived(uow: RenovationUoW, *, iso_code: str, division: str, unit_ref: str,
                  at: datetime) -> str:
    """A unit of ``iso_code`` became available at a station in ``division``: the item of
    that type waiting longest there is requested again. Returns what happened."""
    try:
        code = normalise_device_type(iso_code)
    except ValueError:
        log.warning("unit %s available with an unreadable ISO code %r", unit_ref, iso_code)
        return "ignored"
    for request_id in uow.repo.waiting_device_requests(code, division, DEVICE_STATES):
        app = uow.repo.application_of_device_request(request_id, lock=True)
        if app is None or app.plan is None or app.status not in DEVICE_STATES:
            continue
        request = next(r for r in app.plan.device_requests if r.id == request_id)
        if request.status != "unavailable":  # another arrival took it meanwhile
            continue
        app.request_device_again(request_id, at)
        log.info("device request %s asked again (attempt %d): unit %s arrived in %s",
                 request_id, request.attempts, unit_ref, division)
        return "requested-again"
    return "none-waiting"


#: what a staff member reads on the case when another service parked one of its events
PARKED_MESSAGES = {
    "renovation.assessment_requested":
        "陪同评估的志愿者派单请求未能处理，已通知管理员 "
        "(the request for a volunteer to accompany the assessment could not be processed; "
        "the administrators have been notified)",
    "renovation.visit_cancelled":
        "取消志愿者上门的通知未能处理，已通知管理员 "
        "(the cancellation of a volunteer visit could not be processed; "
        "the administrators have been notified)",
    "renovation.workorder_completed":
        "完工验收回访的志愿者派单请求未能处理，已通知管理员 "
        "(the request for a volunteer acceptance visit could not be processed; "
        "the administrators have been notified)",
    "renovation.inspection_passed":
        "满意度回访的志愿者派单请求未能处理，已通知管理员 "
        "(the request for a volunteer satisfaction visit could not be processed; "
        "the administrators have been notified)",
    "renovation.device_requested":
        "辅具申领请求未能被辅具租赁服务处理，已通知管理员 "
        "(the device request could not be processed by the rental service; "
        "the administrators have been notified)",
}


def parked_message(event_type: str, consumer: str) -> str:
    return PARKED_MESSAGES.get(event_type) or (
        f"发给{consumer}服务的消息{event_type}未能处理，已通知管理员 "
        f"({event_type} could not be processed by {consumer}; "
        "the administrators have been notified)")


def event_parked(uow: RenovationUoW, *, event_id: uuid.UUID, event_type: str, consumer: str,
                 reason: str, subject_id: str, at: datetime) -> None:
    """``consumer`` parked renovation's ``event_type`` event about ``subject_id`` (an
    application or a work order): its application shows it. Reject when the subject is
    not one of ours."""
    try:
        subject = uuid.UUID(subject_id)
    except ValueError:
        raise Reject(f"unreadable subject {subject_id!r} of parked {event_type}") from None
    app, order_id = uow.repo.application(subject, lock=True), None
    if app is None:
        order = uow.repo.work_order(subject)
        if order is None:
            raise Reject(f"unknown subject {subject} of parked {event_type}")
        app, order_id = uow.repo.application(order.application_id, lock=True), order.id
        assert app is not None  # foreign key
    app.integration_failed(event_type, event_id=str(event_id), consumer=consumer,
                           reason=reason, message=parked_message(event_type, consumer),
                           now=at, work_order_id=order_id)
