"""Use cases driven by other services' answers (the handlers call these; the runner opens
and commits the unit of work and drops a redelivered event by its id first).

- A volunteer visit asked for by renovation (assessment, acceptance follow-up, satisfaction)
  was made or failed: recorded with the household; a satisfaction score is recorded on the
  work order once, and the case closes.
- The rental side answered a device request (reserved, delivered, unavailable): the plan's
  device item follows. A stale answer the state machine refuses (``reserved`` after
  ``delivered``) is logged and ignored, not retried.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from svckit.domain.errors import Conflict, ValidationFailed
from svckit.messaging.consumer import Reject

from renovation.domain.application import Application
from renovation.service_layer.mapper import SERVICE, parse_source_id
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


def visit_completed(uow: RenovationUoW, *, kind: str, source_id: str, task_id: uuid.UUID,
                    volunteer_id: uuid.UUID, outcome: str, result: dict[str, Any],
                    at: datetime) -> None:
    app_id, order_id = _visit_target(uow, kind, source_id)
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


def visit_failed(uow: RenovationUoW, *, kind: str, source_id: str, task_id: uuid.UUID,
                 reason: str, at: datetime) -> None:
    app_id, order_id = _visit_target(uow, kind, source_id)
    uow.repo.add_visit(
        id=uuid.uuid4(), application_id=app_id, work_order_id=order_id, source_kind=kind,
        source_id=source_id, task_id=task_id, volunteer_id=None, outcome="failed",
        at=at, score=None, comment=None, note=reason,
    )
    uow.repo.add_history(app_id, at, "VolunteerVisitFailed",
                         {"kind": kind, "source_id": source_id, "reason": reason},
                         work_order_id=order_id)


def device_answer(uow: RenovationUoW, request_id: uuid.UUID,
                  apply: Callable[[Application], None]) -> None:
    """Apply the rental side's answer to the plan's device item ``request_id``."""
    app = uow.repo.application_of_device_request(request_id, lock=True)
    if app is None:
        raise Reject(f"unknown device request {request_id}")
    try:
        apply(app)
    except Conflict as exc:  # a stale answer (e.g. reserved after delivered)
        log.warning("device request %s: answer ignored: %s", request_id, exc)
