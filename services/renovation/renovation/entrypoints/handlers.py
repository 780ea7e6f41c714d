"""Events the renovation service consumes.

- ``volunteer.task_completed`` / ``volunteer.task_failed`` whose ``source.service`` is
  ``renovation``: the assessment visit (the volunteer accompanied the assessor), the
  acceptance follow-up, the satisfaction visit (score 1-5 and comment: recorded on the work
  order, and the case closes). Tasks raised for other services are ignored.
- ``device.reserved`` / ``device.delivered`` / ``device.unavailable``: the state of the
  plan's device item with that ``request_id``. A stale answer the state machine refuses
  (``reserved`` after ``delivered``) is acknowledged and logged, not retried.

The runner drops a redelivered event by its id (inbox) before these run.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any, cast

from svckit.domain.errors import Conflict, ValidationFailed
from svckit.events.envelope import Envelope
from svckit.messaging.consumer import Handlers, Reject
from svckit.uow import UnitOfWork

from renovation.domain.application import Application
from renovation.service_layer.mapper import SERVICE, parse_source_id
from renovation.service_layer.uow import RenovationUoW

log = logging.getLogger(__name__)

handlers = Handlers("renovation")

VISIT_KINDS = ("assessment", "acceptance_visit", "satisfaction_visit")


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


def _ours(payload: dict[str, Any]) -> bool:
    source = payload["source"]
    return bool(source["service"] == SERVICE and source["kind"] in VISIT_KINDS)


@handlers.on("volunteer.task_completed")
def visit_completed(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    if not _ours(payload):
        return
    ruow = cast(RenovationUoW, uow)
    kind, source_id = payload["source"]["kind"], payload["source"]["id"]
    app_id, order_id = _visit_target(ruow, kind, source_id)
    now: datetime = payload["completed_at"]
    result = payload.get("result") or {}
    ruow.repo.add_visit(
        id=uuid.uuid4(), application_id=app_id, work_order_id=order_id, source_kind=kind,
        source_id=source_id, task_id=payload["task_id"], volunteer_id=payload["volunteer_id"],
        outcome=payload["outcome"], at=now, score=result.get("score"),
        comment=result.get("comment"), note=result.get("note"),
    )
    ruow.repo.add_history(app_id, now, "VolunteerVisitCompleted", {
        "kind": kind, "source_id": source_id, "volunteer_id": str(payload["volunteer_id"]),
        "outcome": payload["outcome"],
    }, actor=f"volunteer:{payload['volunteer_id']}", work_order_id=order_id)
    if kind != "satisfaction_visit" or order_id is None:
        return
    score = result.get("score")
    if score is None:
        log.warning("satisfaction visit %s came back without a score", source_id)
        return
    order = ruow.repo.work_order(order_id, lock=True)
    app = ruow.repo.application(app_id, lock=True)
    assert order is not None and app is not None
    try:  # the order's checks first: a refused call changes nothing
        order.record_satisfaction(score, result.get("comment"), now)
    except (Conflict, ValidationFailed) as exc:  # already recorded, or not closed yet
        log.warning("satisfaction for %s not recorded: %s", order_id, exc)
        return
    app.close(now)  # a closed order's application is completed


@handlers.on("volunteer.task_failed")
def visit_failed(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    if not _ours(payload):
        return
    ruow = cast(RenovationUoW, uow)
    kind, source_id = payload["source"]["kind"], payload["source"]["id"]
    app_id, order_id = _visit_target(ruow, kind, source_id)
    now: datetime = payload["failed_at"]
    ruow.repo.add_visit(
        id=uuid.uuid4(), application_id=app_id, work_order_id=order_id, source_kind=kind,
        source_id=source_id, task_id=payload["task_id"], volunteer_id=None, outcome="failed",
        at=now, score=None, comment=None, note=payload["reason"],
    )
    ruow.repo.add_history(app_id, now, "VolunteerVisitFailed",
                          {"kind": kind, "source_id": source_id, "reason": payload["reason"]},
                          work_order_id=order_id)


def _device_answer(uow: UnitOfWork, request_id: uuid.UUID, now: datetime,
                   apply: Any) -> None:
    ruow = cast(RenovationUoW, uow)
    app: Application | None = ruow.repo.application_of_device_request(request_id, lock=True)
    if app is None:
        raise Reject(f"unknown device request {request_id}")
    try:
        apply(app, now)
    except Conflict as exc:  # a stale answer (e.g. reserved after delivered)
        log.warning("device request %s: answer ignored: %s", request_id, exc)


@handlers.on("device.reserved")
def device_reserved(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    ref = f"{payload['asset_tag']} @ {payload['station_name']}"[:64]
    _device_answer(uow, payload["request_id"], env.occurred_at,
                   lambda app, now: app.device_reserved(payload["request_id"], ref, now))


@handlers.on("device.delivered")
def device_delivered(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    _device_answer(uow, payload["request_id"], payload["delivered_at"],
                   lambda app, now: app.device_delivered(payload["request_id"], now))


@handlers.on("device.unavailable")
def device_unavailable(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    _device_answer(uow, payload["request_id"], env.occurred_at,
                   lambda app, now: app.device_unavailable(payload["request_id"],
                                                           payload["reason"], now))
