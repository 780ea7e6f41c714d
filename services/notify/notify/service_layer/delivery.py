"""Sending: claim a due message, apply the rules, send, mark — one transaction each.

Exactly once, as far as it can be had:

- a message is made once: its idempotency key is unique (``reminders.py``);
- a sender claims the row with ``SELECT ... FOR UPDATE SKIP LOCKED`` and holds the lock
  while it sends and until it has marked the row and committed, so two senders never
  send one message and a crash before the commit leaves the row ``pending`` (it is sent
  again after the restart: nothing is lost);
- the provider gets the notification's id as its idempotency key (the SMS gateway's
  ``OutId``, the e-mail's ``Message-ID``): a crash between the provider's answer and the
  commit makes the next attempt a repeat that a deduplicating provider drops. Where the
  provider does not deduplicate, that window (one message per sender, the time of one
  commit) is the residual risk of a second copy (ADR 0018).

Rules, in China time (``Rules``): no SMS in the quiet hours (moved to their end); a
reminder SMS merges the recipient's other due reminders into one message, and a
recipient gets at most one reminder SMS a day (the rest wait for the next morning); no
recipient gets more SMS a day than the cap (the rest wait for the next morning);
a transient failure is retried with growing delays, a permanent one fails the message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from svckit.domain.clock import china_date, china_midnight

from notify.adapters.providers import EmailProvider, PermanentError, SmsProvider, TransientError
from notify.domain import templates
from notify.domain.notifications import (
    REMINDER_HOUR,
    REMINDER_RANK,
    Channel,
    Notification,
    Recipient,
    Rules,
    at_china,
)
from notify.service_layer.uow import NotifyUoW

log = logging.getLogger(__name__)


@dataclass
class Providers:
    sms: SmsProvider
    email: EmailProvider


@dataclass
class PassResult:
    sent: int = 0
    merged: int = 0
    deferred: int = 0
    failed: int = 0
    retried: int = 0
    cancelled: int = 0

    @property
    def changed(self) -> int:
        return (self.sent + self.merged + self.deferred + self.failed + self.retried
                + self.cancelled)


def deliver_due(uow_factory: Callable[[], NotifyUoW], providers: Providers, rules: Rules,
                now: Callable[[], datetime], *, limit: int = 200) -> PassResult:
    """Send what is due, one message per transaction, until nothing is due or ``limit``
    messages were handled."""
    result = PassResult()
    for _ in range(limit):
        if not _deliver_one(uow_factory(), providers, rules, now(), result):
            break
    result.cancelled += release_inbox(uow_factory(), now())
    return result


def _deliver_one(uow: NotifyUoW, providers: Providers, rules: Rules, now: datetime,
                 result: PassResult) -> bool:
    with uow:
        claimed = uow.notifications.claim_due(now, limit=1)
        if not claimed:
            return False
        n = claimed[0]
        recipient = uow.recipients.get(n.recipient_id) if n.recipient_id else None
        if recipient is None:
            n.fail("收件人不存在 (no recipient)", now)
            result.failed += 1
        elif recipient.opted_out(n.channel):
            n.cancel("收件人已退订 (opted out)", now)
            result.cancelled += 1
        elif n.channel is Channel.SMS:
            _sms(uow, n, recipient, providers.sms, rules, now, result)
        else:
            _email(n, recipient, providers.email, rules, now, result)
        uow.commit()
        return True


def _sms(uow: NotifyUoW, n: Notification, recipient: Recipient, provider: SmsProvider,
         rules: Rules, now: datetime, result: PassResult) -> None:
    if not recipient.phone:
        n.fail("没有手机号 (no phone number)", now)
        result.failed += 1
        return
    if rules.in_quiet_hours(now):
        n.defer(_morning(n, rules.after_quiet_hours(now)),
                "免打扰时段，次日早晨发送 (quiet hours)", now)
        result.deferred += 1
        return
    day_start = china_midnight(china_date(now))
    if uow.notifications.sms_sent_since(recipient.id, day_start) >= rules.daily_cap:
        n.defer(_morning(n, rules.next_morning(now)), "已达当日短信上限 (daily cap)", now)
        result.deferred += 1
        return
    group = [n]
    if n.is_reminder:
        if uow.notifications.sms_sent_since(recipient.id, day_start, reminders_only=True):
            n.defer(_morning(n, rules.next_morning(now)),
                    "今日已发过提醒短信 (one reminder a day)", now)
            result.deferred += 1
            return
        group += uow.notifications.due_reminders_of(recipient.id, now, exclude=n.id)
    # of one rental's reminders only the latest is said ("overdue" covers "due soon")
    def rank(m: Notification) -> tuple[datetime, int]:
        return m.due_at, REMINDER_RANK.get(m.template, 0)

    latest: dict[str, Notification] = {}
    for m in group:
        key = m.cause or str(m.id)
        if key not in latest or rank(m) > rank(latest[key]):
            latest[key] = m
    said = sorted(latest.values(), key=lambda m: (m.due_at, str(m.id)))
    if len(said) == 1:
        template, params = said[0].template, said[0].params
    else:
        template = "reminders_merged"
        params = {"count": str(len(said)),
                  "items": templates.merged_items([m.text for m in said])}
    code = templates.get(template).sms_code
    try:
        biz_id = provider.send_sms(phone=recipient.phone, template_code=code, params=params,
                                   out_id=str(n.id))
    except PermanentError as exc:
        n.fail(str(exc), now)
        result.failed += 1
        return
    except TransientError as exc:
        n.failed_attempt(str(exc), rules.retry_at(n.attempts + 1, now), now)
        result.retried += 1
        return
    n.mark_sent(biz_id, now)
    n.template, n.params = template, params  # the log shows what was said
    result.sent += 1
    for other in group[1:]:
        other.mark_merged(n.id, now)
        result.merged += 1


def _morning(n: Notification, earliest: datetime) -> datetime:
    """Where a held message goes: the end of the quiet hours; a reminder, the reminders'
    hour of that day, so that it meets (and merges with) the rental's next reminder."""
    if not n.is_reminder:
        return earliest
    return max(earliest, at_china(china_date(earliest), REMINDER_HOUR))


def _email(n: Notification, recipient: Recipient, provider: EmailProvider, rules: Rules,
           now: datetime, result: PassResult) -> None:
    if not recipient.email:
        n.fail("没有电子邮箱 (no e-mail address)", now)
        result.failed += 1
        return
    try:
        message_id = provider.send_email(to=recipient.email, subject=n.subject, body=n.text,
                                         message_id=str(n.id))
    except PermanentError as exc:
        n.fail(str(exc), now)
        result.failed += 1
        return
    except TransientError as exc:
        n.failed_attempt(str(exc), rules.retry_at(n.attempts + 1, now), now)
        result.retried += 1
        return
    n.mark_sent(message_id, now)
    result.sent += 1


def _escalation_email(uow: NotifyUoW, n: Notification, address: str, now: datetime) -> None:
    key = f"{n.idempotency_key}:email"
    if uow.notifications.by_key(key) is not None:
        return
    recipient = uow.recipients.by_ref(f"email:{address}")
    if recipient is None:
        recipient = Recipient.create(f"email:{address}", phone=None, email=address,
                                     name="督办", now=now)
        uow.recipients.add(recipient)
        uow.session.flush()
    uow.notifications.add(Notification.create(
        key, Channel.EMAIL, n.template, n.params, due_at=now, now=now,
        recipient_id=recipient.id, cause=n.cause))


def release_inbox(uow: NotifyUoW, now: datetime) -> int:
    """Inbox messages whose moment came (escalations): shown, or cancelled when the
    message they escalate has been read by then. Returns how many were cancelled."""
    cancelled = 0
    with uow:
        for n in uow.notifications.due_inbox(now):
            first = None
            if n.cause and n.cause.startswith("escalation:"):
                first = uow.notifications.by_key(n.cause.removeprefix("escalation:"))
            if first is not None and first.read_at is not None:
                n.cancel("辖区已处理 (read by the district)", now)
                cancelled += 1
                continue
            n.release(now)
            address = uow.settings.escalation_email
            if first is not None and address:  # an escalation: the supervisor's mailbox too
                _escalation_email(uow, n, address, now)
        uow.commit()
    return cancelled
