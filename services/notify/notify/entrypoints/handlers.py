"""Events consumed: a rental's life (checked out, extended, returned) arms, re-arms and
cancels the borrower's reminders; a renovation deadline breach reaches the district's
staff inbox and later, unread, the city's; a work order assigned to a contractor
reaches that company's inbox; a volunteer task escalated after its
re-offers reaches the division's coordinators' inbox; a task offered to a volunteer is
sent to their phone (and not sent once the task is assigned, if it is still held); a
unit held for a borrower from the waiting list (or on a booking's first day) is texted
to them.

The runner records the event id in the inbox table in the same transaction; on top of
that every notification has a unique idempotency key made of its cause, so an event
replayed after the inbox was pruned makes nothing twice."""

from __future__ import annotations

from typing import Any

from svckit.domain.clock import utcnow
from svckit.events.envelope import Envelope
from svckit.messaging.consumer import Handlers
from svckit.uow import UnitOfWork

from notify.service_layer import reminders
from notify.service_layer.uow import NotifyUoW

handlers = Handlers("notify")


def _uow(uow: UnitOfWork) -> NotifyUoW:
    assert isinstance(uow, NotifyUoW)
    return uow


# The runner has opened the unit of work (inbox row first); the use cases below enter it
# again, which joins the same transaction, and their commit is the runner's.
@handlers.on("rental.checked_out", name="notify.arm_reminders")
def _checked_out(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    reminders.arm_rental(_uow(uow), **reminders.rental_args(payload), now=utcnow())


@handlers.on("rental.extended", name="notify.rearm_reminders")
def _extended(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    u, now = _uow(uow), utcnow()
    reminders.cancel_rental(u, payload["rental_id"], "已续借 (extended)", now)
    reminders.arm_rental(u, **reminders.rental_args(payload), now=now)


@handlers.on("rental.returned", name="notify.cancel_reminders")
def _returned(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    reminders.cancel_rental(_uow(uow), payload["rental_id"], "已归还 (returned)", utcnow())


@handlers.on("renovation.deadline_breached", name="notify.deadline_breached")
def _breached(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    reminders.stage_deadline_breach(_uow(uow), payload, utcnow())


@handlers.on("renovation.workorder_assigned", name="notify.workorder_assigned")
def _workorder_assigned(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    reminders.stage_workorder_assigned(_uow(uow), payload, utcnow())


@handlers.on("volunteer.task_escalated", name="notify.task_escalated")
def _task_escalated(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    reminders.stage_task_escalated(_uow(uow), payload, utcnow())


@handlers.on("volunteer.task_offered", name="notify.task_offered")
def _offered(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    reminders.stage_offer(_uow(uow), payload, utcnow())


@handlers.on("volunteer.task_assigned", name="notify.offer_answered")
def _assigned(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    reminders.cancel_offer(_uow(uow), payload, "已接单 (assigned)", utcnow())


@handlers.on("waitlist.unit_held", name="notify.waitlist_unit_held")
def _waitlist_held(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    reminders.stage_waitlist_hold(_uow(uow), payload, utcnow())
