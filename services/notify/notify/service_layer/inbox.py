"""The console inbox (a bell with an unread count), the delivery log and opt-outs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from svckit.auth.principal import Principal, Role
from svckit.domain.errors import NotFound

from notify.domain.notifications import Channel, Notification, Recipient, State
from notify.service_layer.policy import POLICY
from notify.service_layer.uow import NotifyUoW

#: roles whose scope is districts: they see their role's messages within them
_DISTRICT_ROLES = {Role.STAFF, Role.INSPECTOR, Role.COORDINATOR}


def _scope(p: Principal) -> list[str] | None:
    """The divisions whose messages the caller sees (None: every one)."""
    if p.role in (Role.STAFF, Role.INSPECTOR) and not p.districts:
        return None
    if p.role in _DISTRICT_ROLES:
        return list(p.districts)
    return []  # clerks, supervisors: only role-wide messages (no division)


#: a contractor token without a company sees no message (no company is "")
_NO_COMPANY = ""


def _company(p: Principal) -> str | None:
    """A contractor's inbox is its company's (None: the caller is not a contractor)."""
    if p.role is Role.CONTRACTOR:
        return p.company or _NO_COMPANY
    return None


def _query(uow: NotifyUoW, p: Principal, unread: bool) -> Any:
    return uow.notifications.inbox_query(p.role.value, _scope(p), company=_company(p),
                                         unread=unread)


def _visible(n: Notification | None, p: Principal) -> bool:
    if n is None or n.channel is not Channel.INBOX or n.state is not State.SENT:
        return False
    if n.audience_role != p.role.value:
        return False
    company = _company(p)
    if company is not None or n.audience_company is not None:
        return bool(company) and n.audience_company == company
    return n.audience_division is None or p.covers(division=n.audience_division)


def list_inbox(uow: NotifyUoW, p: Principal, *, unread: bool, page: int,
               size: int) -> tuple[list[Notification], int]:
    POLICY.require_role(p, "inbox.read")
    with uow:
        items, total = uow.notifications.page(_query(uow, p, unread), page, size)
        uow.session.expunge_all()
        return items, total


def unread_count(uow: NotifyUoW, p: Principal) -> int:
    POLICY.require_role(p, "inbox.read")
    with uow:
        return uow.notifications.count(_query(uow, p, True))


def mark_read(uow: NotifyUoW, p: Principal, notification_id: uuid.UUID,
              now: datetime) -> Notification:
    POLICY.require_role(p, "inbox.read")
    with uow:
        n = uow.notifications.get(notification_id)
        if n is None or not _visible(n, p):
            raise NotFound("notification", notification_id)
        n.mark_read(p.sub, now)
        uow.commit()
        return n


def delivery_log(uow: NotifyUoW, p: Principal, *, state: State | None, channel: Channel | None,
                 cause: str | None, page: int, size: int
                 ) -> tuple[list[tuple[Notification, Recipient | None]], int]:
    POLICY.require_role(p, "delivery.list")
    with uow:
        items, total = uow.notifications.page(
            uow.notifications.log_query(state=state, channel=channel, cause=cause), page, size)
        out = [(n, uow.recipients.get(n.recipient_id) if n.recipient_id else None)
               for n in items]
        uow.session.expunge_all()
        return out, total


def set_opt_out(uow: NotifyUoW, p: Principal, recipient_id: uuid.UUID, channel: Channel,
                out: bool, now: datetime) -> Recipient:
    POLICY.require_role(p, "recipient.opt_out")
    with uow:
        r = uow.recipients.get(recipient_id)
        if r is None:
            raise NotFound("recipient", recipient_id)
        r.set_opt_out(channel, out, now)
        uow.commit()
        return r
