"""Events consumed: every request for a visit, delivery, pickup or follow-up from the
rental and renovation services, and their cancellations; and the platform's notice that
another service parked one of volunteer's own events (shown on its task); and the
events that resolve what raised a task (a return, a finished assessment, a passed
inspection), which close it.

The runner records the event id in the inbox in the same transaction; on top of that a
source names one task at most (``uq_tasks_source``), so a second event for the same
source (or the same event replayed after the inbox was pruned) makes no second task.
"""

from __future__ import annotations

import logging
from typing import Any

from svckit.domain.clock import utcnow
from svckit.domain.errors import DomainError
from svckit.events.catalogue.platform import PARKED
from svckit.events.envelope import Envelope
from svckit.messaging.consumer import Handlers, Reject
from svckit.uow import UnitOfWork

from volunteer.domain.events import SourceRef
from volunteer.service_layer import tasks
from volunteer.service_layer.uow import VolunteerUoW

log = logging.getLogger(__name__)
handlers = Handlers("volunteer")

#: event type -> the source kinds it may carry
_KINDS: dict[str, tuple[str, ...]] = {
    "rental.delivery_requested": ("rental_delivery", "device_delivery"),
    "rental.pickup_requested": ("rental_pickup",),
    "rental.overdue": ("overdue_call",),
    "renovation.assessment_requested": ("assessment",),
    "renovation.workorder_completed": ("acceptance_visit",),
    "renovation.inspection_passed": ("satisfaction_visit",),
}


def _source(raw: dict[str, Any]) -> SourceRef:
    return SourceRef(raw["service"], raw["kind"], raw["id"])


def _site(env: Envelope, payload: dict[str, Any]) -> str | None:
    """The printed sheet a visit's QR check-in goes by: a rental's hand-over sheet for its
    delivery and pickup, the household's plan sheet for the visits of an application."""
    if env.type in ("rental.delivery_requested", "rental.pickup_requested"):
        rental = payload.get("rental_id")
        return f"inventory:rental:{rental}" if rental else None
    if env.type.startswith("renovation."):
        return f"renovation:application:{payload['application_id']}"
    return None  # an overdue rental's phone call: no sheet


def _create(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    assert isinstance(uow, VolunteerUoW)
    source = _source(payload["source"])
    if source.kind not in _KINDS[env.type]:
        raise Reject(f"source kind {source.kind!r} does not belong in {env.type}")
    req = tasks.VisitRequest(
        source=source, type=tasks.KIND_TO_TYPE[source.kind],
        division=payload["division_code"], address=payload["address"],
        window_start=payload["window_start"], window_end=payload["window_end"],
        summary=payload["summary"], contact_name=payload.get("contact_name"),
        contact_phone=payload.get("contact_phone"), site_key=_site(env, payload),
    )
    try:
        tasks.create_from_request(uow, req, now=utcnow())
    except DomainError as exc:  # e.g. an empty window: no retry can fix it
        raise Reject(f"{env.type}: {exc}") from exc


def _cancel(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    assert isinstance(uow, VolunteerUoW)
    try:
        tasks.cancel_from_source(uow, _source(payload["source"]), payload["reason"],
                                 now=utcnow())
    except DomainError as exc:
        raise Reject(f"{env.type}: {exc}") from exc


for _type in _KINDS:
    handlers.on(_type, name=f"volunteer.create_task:{_type}")(_create)
for _type in ("rental.visit_cancelled", "renovation.visit_cancelled"):
    handlers.on(_type, name=f"volunteer.cancel_task:{_type}")(_cancel)


def _resolved(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    """What raised a task was resolved: its live task closes itself (the inbox drops a
    redelivery; a replay finds no live task and changes nothing)."""
    assert isinstance(uow, VolunteerUoW)
    _, field, _ = tasks.RESOLUTIONS[env.type]
    outcome = tasks.close_for_cause(uow, env.type, str(payload[field]), now=utcnow())
    log.info("%s %s: task %s", env.type, payload[field], outcome)


for _type in tasks.RESOLUTIONS:
    handlers.on(_type, name=f"volunteer.close_task:{_type}")(_resolved)


@handlers.on(PARKED, name="volunteer.event_parked")
def _parked(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    """Another service parked one of volunteer's events: its task shows it. Notices about
    other producers' events are not volunteer's business."""
    assert isinstance(uow, VolunteerUoW)
    if payload["producer"] != "volunteer":
        return
    tasks.record_parked_event(uow, env.subject_id, event_type=payload["event_type"],
                              consumer=payload["consumer"], reason=payload["reason"],
                              at=env.occurred_at)
