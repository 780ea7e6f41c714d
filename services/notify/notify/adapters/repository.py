"""Queries on recipients and notifications (row locks where senders race)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from notify.adapters import orm
from notify.domain import templates
from notify.domain.notifications import Channel, Notification, Recipient, State

R = orm.recipients.c
N = orm.notifications.c


class RecipientRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, recipient: Recipient) -> None:
        self.session.add(recipient)

    def get(self, recipient_id: uuid.UUID) -> Recipient | None:
        return self.session.get(Recipient, recipient_id)

    def by_ref(self, ref: str) -> Recipient | None:
        return self.session.scalars(sa.select(Recipient).where(R.ref == ref)).one_or_none()


class NotificationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, notification: Notification) -> None:
        self.session.add(notification)

    def get(self, notification_id: uuid.UUID) -> Notification | None:
        return self.session.get(Notification, notification_id)

    def by_key(self, key: str) -> Notification | None:
        return self.session.scalars(sa.select(Notification).where(N.idempotency_key == key)
                                    ).one_or_none()

    def open_for_cause(self, cause: str) -> Sequence[Notification]:
        return self.session.scalars(sa.select(Notification).where(
            N.cause == cause, N.state == State.PENDING).with_for_update()).all()

    def claim_due(self, now: datetime, limit: int = 1) -> Sequence[Notification]:
        """Due outgoing messages, locked; rows another sender holds are skipped."""
        return self.session.scalars(
            sa.select(Notification).where(
                N.state == State.PENDING, N.due_at <= now, N.channel != Channel.INBOX,
            ).order_by(N.due_at).limit(limit).with_for_update(skip_locked=True)).all()

    def due_inbox(self, now: datetime) -> Sequence[Notification]:
        return self.session.scalars(sa.select(Notification).where(
            N.state == State.PENDING, N.due_at <= now, N.channel == Channel.INBOX,
        ).with_for_update(skip_locked=True)).all()

    def due_reminders_of(self, recipient_id: uuid.UUID, now: datetime,
                         exclude: uuid.UUID) -> list[Notification]:
        """The recipient's other due reminder SMS, locked (merged into one message)."""
        rows = self.session.scalars(sa.select(Notification).where(
            N.recipient_id == recipient_id, N.state == State.PENDING,
            N.channel == Channel.SMS, N.due_at <= now, N.id != exclude,
        ).order_by(N.due_at).with_for_update(skip_locked=True)).all()
        return [n for n in rows if n.is_reminder]

    def sms_sent_since(self, recipient_id: uuid.UUID, since: datetime,
                       *, reminders_only: bool = False) -> int:
        """SMS that went out to the recipient since ``since`` (a merged group counts once)."""
        found = self.session.scalars(sa.select(N.template).where(
            N.recipient_id == recipient_id, N.channel == Channel.SMS,
            N.state == State.SENT, N.sent_at >= since)).all()
        if not reminders_only:
            return len(found)
        return sum(1 for t in found if templates.get(t).reminder or t == "reminders_merged")

    def inbox_query(self, role: str, divisions: Sequence[str] | None, *,
                    company: str | None = None, unread: bool = False) -> Any:
        """The inbox of a role; ``divisions`` the caller's scope (None: the whole city;
        an empty list: only the role's messages addressed to no division). A contractor's
        is its company's: ``company`` given, only the messages addressed to that company
        (whatever their division); otherwise never a message addressed to a company."""
        q = sa.select(Notification).where(
            N.channel == Channel.INBOX, N.state == State.SENT, N.audience_role == role)
        if unread:
            q = q.where(N.read_at.is_(None))
        if company is not None:
            return q.where(N.audience_company == company)
        q = q.where(N.audience_company.is_(None))
        if divisions is not None:
            conds: list[Any] = [N.audience_division.is_(None)]
            for d in divisions:
                if d.endswith("0000"):
                    conds.append(N.audience_division.startswith(d[:2]))
                elif d.endswith("00"):
                    conds.append(N.audience_division.startswith(d[:4]))
                else:
                    conds.append(N.audience_division == d)
            q = q.where(sa.or_(sa.false(), *conds))
        return q

    def page(self, q: Any, page: int, size: int) -> tuple[list[Notification], int]:
        total = self.count(q)
        items = self.session.scalars(q.order_by(N.created_at.desc(), N.id)
                                     .limit(size).offset((page - 1) * size)).all()
        return list(items), total

    def count(self, q: Any) -> int:
        return int(self.session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
                   or 0)

    def log_query(self, *, state: State | None = None, channel: Channel | None = None,
                  cause: str | None = None) -> Any:
        q = sa.select(Notification).where(N.channel != Channel.INBOX)
        if state is not None:
            q = q.where(N.state == state)
        if channel is not None:
            q = q.where(N.channel == channel)
        if cause is not None:
            q = q.where(N.cause == cause)
        return q
