"""Recipients, notifications and the rules of delivery.

A :class:`Notification` is one message to one recipient on one channel, and its row is
the delivery log: it is created ``pending`` with the moment it may go out (``due_at``),
and ends ``sent``, ``merged`` (its text went out in another SMS of the same day),
``cancelled`` (its cause went away: the unit was returned, the rental extended) or
``failed`` (the provider refused it for good, or the retries ran out). Its
``idempotency_key`` is unique: the same cause makes it once, however often the event
that announced it is delivered.

The rules are pure functions of ``now`` (China time): quiet hours, the day's cap and the
one-reminder-SMS-a-day rule move a message to the next allowed moment, never drop it.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from svckit.domain.clock import CHINA_TZ, china_date, china_time, require_aware

from notify.domain import templates


class Channel(enum.StrEnum):
    SMS = "sms"
    EMAIL = "email"
    INBOX = "inbox"


class State(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    MERGED = "merged"
    CANCELLED = "cancelled"
    FAILED = "failed"


STATE_ZH = {State.PENDING: "待发送", State.SENT: "已发送", State.MERGED: "已合并发送",
            State.CANCELLED: "已取消", State.FAILED: "发送失败"}


@dataclass(frozen=True)
class Rules:
    """What a federation may tune (``NOTIFY_*`` settings)."""

    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    #: SMS a recipient may get in one China day (all kinds)
    daily_cap: int = 5
    #: the delays between attempts after a transient failure
    backoff: tuple[timedelta, ...] = (timedelta(seconds=30), timedelta(minutes=2),
                                      timedelta(minutes=10), timedelta(hours=1),
                                      timedelta(hours=4))

    def in_quiet_hours(self, now: datetime) -> bool:
        local = china_time(now).time()
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end

    def after_quiet_hours(self, now: datetime) -> datetime:
        """The end of the quiet hours ``now`` falls in (UTC)."""
        local = china_time(now)
        end = datetime.combine(local.date(), self.quiet_end, CHINA_TZ)
        if end <= local:
            end += timedelta(days=1)
        return require_aware(end)

    def next_morning(self, now: datetime) -> datetime:
        """The end of the next quiet hours: the first moment of tomorrow's SMS day."""
        local = china_time(now)
        return require_aware(datetime.combine(local.date() + timedelta(days=1),
                                              self.quiet_end, CHINA_TZ))

    def retry_at(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after ``attempts`` failed ones (None: give up)."""
        if attempts > len(self.backoff):
            return None
        return now + self.backoff[attempts - 1]


def at_china(day: date, hour: int, minute: int = 0) -> datetime:
    """A China wall-clock moment as aware UTC."""
    return require_aware(datetime.combine(day, time(hour, minute), CHINA_TZ))


#: the borrower's reminders: (template, days from the due date)
REMINDER_OFFSETS: tuple[tuple[str, int], ...] = (
    ("rental_due_soon", -3), ("rental_due_today", 0),
    ("rental_overdue_1", 1), ("rental_overdue_7", 7),
)
#: a later reminder of a rental supersedes an earlier one due at the same moment
REMINDER_RANK = {code: i for i, (code, _) in enumerate(REMINDER_OFFSETS)}
#: the hour (China time) a reminder goes out on its day
REMINDER_HOUR = 9


@dataclass(eq=False)
class Recipient:
    """Someone the service can reach, found by a stable reference (``inventory:borrower:<id>``).

    The phone and the e-mail are kept in clear: the service must send to them. They are
    shown masked everywhere. An opt-out is per channel."""

    id: uuid.UUID
    ref: str
    phone: str | None
    email: str | None
    name: str
    created_at: datetime
    updated_at: datetime
    sms_opt_out_at: datetime | None = None
    email_opt_out_at: datetime | None = None
    #: preferences: {"email": bool, "sms": bool}: the channels the person prefers
    preferences: dict[str, Any] = field(default_factory=dict)
    events: list[Any] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(cls, ref: str, *, phone: str | None, email: str | None, name: str,
               now: datetime) -> Recipient:
        return cls(id=uuid.uuid4(), ref=ref, phone=phone, email=email, name=name,
                   created_at=now, updated_at=now)

    def update_contact(self, *, phone: str | None, email: str | None, name: str | None,
                       now: datetime) -> None:
        changed = False
        for attr, value in (("phone", phone), ("email", email), ("name", name)):
            if value and getattr(self, attr) != value:
                setattr(self, attr, value)
                changed = True
        if changed:
            self.updated_at = now

    def opted_out(self, channel: Channel) -> bool:
        if channel is Channel.SMS:
            return self.sms_opt_out_at is not None
        if channel is Channel.EMAIL:
            return self.email_opt_out_at is not None
        return False

    def set_opt_out(self, channel: Channel, out: bool, now: datetime) -> None:
        if channel is Channel.INBOX:
            raise ValueError("inbox cannot be opted out of")
        attr = "sms_opt_out_at" if channel is Channel.SMS else "email_opt_out_at"
        if out and getattr(self, attr) is None:
            setattr(self, attr, now)
        elif not out:
            setattr(self, attr, None)
        self.updated_at = now


@dataclass(eq=False)
class Notification:
    id: uuid.UUID
    idempotency_key: str
    channel: Channel
    template: str
    params: dict[str, str]
    state: State
    due_at: datetime
    created_at: datetime
    recipient_id: uuid.UUID | None = None
    #: inbox messages: the role and the scope that see them (a contractor's: its company)
    audience_role: str | None = None
    audience_division: str | None = None
    audience_company: str | None = None
    #: what the message is about, to cancel it when that resolves (``rental:<id>``)
    cause: str | None = None
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    #: the id the provider was given (its dedup key) / the provider's own id
    provider_id: str | None = None
    merged_into: uuid.UUID | None = None
    read_at: datetime | None = None
    read_by: str | None = None
    updated_at: datetime | None = None
    events: list[Any] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(cls, key: str, channel: Channel, template: str, params: dict[str, str], *,
               due_at: datetime, now: datetime, recipient_id: uuid.UUID | None = None,
               audience_role: str | None = None, audience_division: str | None = None,
               audience_company: str | None = None, cause: str | None = None
               ) -> Notification:
        tpl = templates.get(template)
        tpl.render(params)  # every parameter is there
        n = cls(id=uuid.uuid4(), idempotency_key=key, channel=channel, template=template,
                params=dict(params), state=State.PENDING, due_at=require_aware(due_at),
                created_at=now, updated_at=now, recipient_id=recipient_id,
                audience_role=audience_role, audience_division=audience_division,
                audience_company=audience_company, cause=cause)
        if channel is Channel.INBOX:  # the inbox is the database: it is there at once
            if due_at <= now:
                n.state, n.sent_at = State.SENT, now
        elif recipient_id is None:
            raise ValueError("an SMS or e-mail needs a recipient")
        return n

    @property
    def text(self) -> str:
        return templates.get(self.template).render(self.params)

    @property
    def subject(self) -> str:
        return templates.get(self.template).subject

    @property
    def is_reminder(self) -> bool:
        return templates.get(self.template).reminder

    @property
    def open(self) -> bool:
        return self.state is State.PENDING

    def defer(self, until: datetime, reason: str, now: datetime) -> None:
        self.due_at = until
        self.last_error = reason
        self.updated_at = now

    def mark_sent(self, provider_id: str | None, now: datetime) -> None:
        self.state, self.sent_at, self.updated_at = State.SENT, now, now
        self.attempts += 1
        self.provider_id = provider_id
        self.last_error = None

    def mark_merged(self, into: uuid.UUID, now: datetime) -> None:
        self.state, self.sent_at, self.updated_at = State.MERGED, now, now
        self.merged_into = into

    def cancel(self, reason: str, now: datetime) -> bool:
        if self.state is not State.PENDING:
            return False
        self.state, self.last_error, self.updated_at = State.CANCELLED, reason, now
        return True

    def failed_attempt(self, error: str, retry_at: datetime | None, now: datetime) -> None:
        self.attempts += 1
        self.last_error = error[:500]
        self.updated_at = now
        if retry_at is None:
            self.state = State.FAILED
        else:
            self.due_at = retry_at

    def fail(self, error: str, now: datetime) -> None:
        self.failed_attempt(error, None, now)

    def mark_read(self, by: str, now: datetime) -> None:
        if self.read_at is None:
            self.read_at, self.read_by, self.updated_at = now, by, now

    def release(self, now: datetime) -> None:
        """An inbox message whose moment has come (an escalation) becomes visible."""
        self.state, self.sent_at, self.updated_at = State.SENT, now, now


def reminder_plan(due_on: date, now: datetime) -> list[tuple[str, int, datetime]]:
    """The reminders of a rental due on ``due_on`` still to come: (template, offset, when).

    Each goes out at 09:00 China time on its day; one whose day has passed is not sent
    late (the next one covers it), one whose day is today goes out now."""
    today = china_date(now)
    plan = []
    for code, offset in REMINDER_OFFSETS:
        day = due_on + timedelta(days=offset)
        if day < today:
            continue
        plan.append((code, offset, max(at_china(day, REMINDER_HOUR), now)))
    return plan
