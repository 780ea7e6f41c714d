"""Events this service consumes. The runner opens the unit of work, claims the inbox row
(a redelivered event has no second effect), runs the handler and commits.

Volunteer task events are for every asking service: only those whose ``source.service``
is ``inventory`` concern this one; the others are acknowledged and ignored.
"""

from __future__ import annotations

import logging
from typing import Any

from svckit.domain.clock import utcnow
from svckit.events.envelope import Envelope
from svckit.messaging.consumer import Handlers
from svckit.uow import UnitOfWork

from inventory.service_layer import requests
from inventory.service_layer.uow import InventoryUoW

log = logging.getLogger(__name__)
handlers = Handlers("inventory")


def _ours(payload: dict[str, Any]) -> bool:
    return bool(payload["source"]["service"] == "inventory")


def _uow(uow: UnitOfWork) -> InventoryUoW:
    assert isinstance(uow, InventoryUoW)
    return uow


@handlers.on("volunteer.task_completed")
def task_completed(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    if not _ours(payload):
        return
    outcome = requests.task_completed(_uow(uow), str(env.id), payload)
    log.info("volunteer task %s completed: %s", payload["task_id"], outcome)


@handlers.on("volunteer.task_failed")
def task_failed(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    if not _ours(payload):
        return
    outcome = requests.task_failed(_uow(uow), str(env.id), payload)
    log.info("volunteer task %s failed: %s", payload["task_id"], outcome)


@handlers.on("platform.event_parked")
def event_parked(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    """A consumer parked an event: a parked visit request of ours shows on its rental."""
    if payload["producer"] != "inventory":
        return
    outcome = requests.event_parked(_uow(uow), env.subject_id, payload)
    log.info("parked %s %s: %s", payload["event_type"], payload["event_id"], outcome)


@handlers.on("renovation.device_requested")
def device_requested(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    outcome = requests.device_requested(_uow(uow), payload, now=utcnow())
    log.info("renovation device request %s: %s", payload["request_id"], outcome)
