"""Events the renovation service consumes (thin: parse, call ``service_layer.answers``).

- ``volunteer.task_completed`` / ``volunteer.task_failed`` whose ``source.service`` is
  ``renovation``: the assessment visit (the volunteer accompanied the assessor), the
  acceptance follow-up, the satisfaction visit (score 1-5 and comment: recorded on the work
  order, and the case closes). Tasks raised for other services are ignored.
- ``device.reserved`` / ``device.delivered`` / ``device.unavailable``: the state of the
  plan's device item with that ``request_id``. A stale answer the state machine refuses
  (``reserved`` after ``delivered``) is acknowledged and logged, not retried.

- ``unit.available``: stock of a type at a station; the device item of that type marked
  unavailable longest, of a household in the station's district, is asked for again
  (one item per unit; the inbox drops a redelivery, so one arrival asks once).

- ``platform.event_parked`` whose ``producer`` is ``renovation``: another service parked
  one of renovation's events; the application it concerns shows it. Notices about other
  producers' events are ignored.

The runner drops a redelivered event by its id (inbox) before these run.
"""

from __future__ import annotations

from typing import Any, cast

from svckit.events.catalogue.platform import PARKED
from svckit.events.envelope import Envelope
from svckit.messaging.consumer import Handlers
from svckit.uow import UnitOfWork

from renovation.service_layer import answers
from renovation.service_layer.uow import RenovationUoW

handlers = Handlers("renovation")


@handlers.on("volunteer.task_completed")
def visit_completed(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    source = payload["source"]
    if answers.is_ours(source):
        answers.visit_completed(
            cast(RenovationUoW, uow), kind=source["kind"], source_id=source["id"],
            task_id=payload["task_id"], volunteer_id=payload["volunteer_id"],
            outcome=payload["outcome"], result=payload.get("result") or {},
            at=payload["completed_at"])


@handlers.on("volunteer.task_failed")
def visit_failed(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    source = payload["source"]
    if answers.is_ours(source):
        answers.visit_failed(cast(RenovationUoW, uow), kind=source["kind"],
                             source_id=source["id"], task_id=payload["task_id"],
                             reason=payload["reason"], at=payload["failed_at"],
                             outcome=payload.get("outcome", "failed"), event_id=str(env.id))


@handlers.on("device.reserved")
def device_reserved(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    ref = f"{payload['asset_tag']} @ {payload['station_name']}"[:64]
    answers.device_answer(cast(RenovationUoW, uow), payload["request_id"], lambda app: (
        app.device_reserved(payload["request_id"], ref, env.occurred_at)), at=env.occurred_at)


@handlers.on("device.delivered")
def device_delivered(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    answers.device_answer(cast(RenovationUoW, uow), payload["request_id"], lambda app: (
        app.device_delivered(payload["request_id"], payload["delivered_at"])),
        at=env.occurred_at)


@handlers.on("device.unavailable")
def device_unavailable(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    answers.device_answer(cast(RenovationUoW, uow), payload["request_id"], lambda app: (
        app.device_unavailable(payload["request_id"], payload["reason"], env.occurred_at)),
        at=env.occurred_at)


@handlers.on("unit.available")
def unit_available(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    answers.stock_arrived(cast(RenovationUoW, uow), iso_code=payload["iso_code"],
                          division=payload["division_code"],
                          unit_ref=f"{payload['asset_tag']}", at=env.occurred_at)


@handlers.on(PARKED)
def event_parked(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    if payload["producer"] == handlers.service:
        answers.event_parked(
            cast(RenovationUoW, uow), event_id=payload["event_id"],
            event_type=payload["event_type"], consumer=payload["consumer"],
            reason=payload["reason"], subject_id=env.subject_id, at=env.occurred_at)
