"""The rules of delivery, the reminder plan, the templates and the gateway signature
(no I/O)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from notify.adapters.providers import sign, string_to_sign
from notify.domain import templates
from notify.domain.notifications import (
    Channel,
    Notification,
    Rules,
    State,
    at_china,
    reminder_plan,
)


def cn(s: str) -> datetime:
    """A China wall-clock moment written as text."""
    d, t = s.split(" ")
    return at_china(date.fromisoformat(d), *map(int, t.split(":")))


def test_quiet_hours_are_21_to_8_china_time() -> None:
    r = Rules()
    assert r.in_quiet_hours(cn("2026-03-02 21:00"))
    assert r.in_quiet_hours(cn("2026-03-02 23:59"))
    assert r.in_quiet_hours(cn("2026-03-03 07:59"))
    assert not r.in_quiet_hours(cn("2026-03-03 08:00"))
    assert not r.in_quiet_hours(cn("2026-03-02 20:59"))
    # 22:30 waits for 08:00 the next day; 06:00 for 08:00 the same day
    assert r.after_quiet_hours(cn("2026-03-02 22:30")) == cn("2026-03-03 08:00")
    assert r.after_quiet_hours(cn("2026-03-03 06:00")) == cn("2026-03-03 08:00")
    assert r.next_morning(cn("2026-03-02 10:00")) == cn("2026-03-03 08:00")
    # a federation may tune them (a window that does not wrap midnight)
    assert Rules(quiet_start=time(12), quiet_end=time(14)).in_quiet_hours(cn("2026-03-02 13:00"))


def test_backoff_grows_then_gives_up() -> None:
    r = Rules()
    now = cn("2026-03-02 10:00")
    delays = [r.retry_at(i, now) for i in range(1, len(r.backoff) + 2)]
    assert delays[-1] is None
    waits = [d - now for d in delays[:-1] if d is not None]
    assert waits == sorted(waits) and len(set(waits)) == len(waits)


def test_reminder_plan_minus3_due_plus1_plus7_at_nine() -> None:
    due = date(2026, 3, 10)
    plan = reminder_plan(due, cn("2026-03-01 15:00"))
    assert [(c, o) for c, o, _ in plan] == [("rental_due_soon", -3), ("rental_due_today", 0),
                                            ("rental_overdue_1", 1), ("rental_overdue_7", 7)]
    assert [w for _, _, w in plan] == [cn("2026-03-07 09:00"), cn("2026-03-10 09:00"),
                                       cn("2026-03-11 09:00"), cn("2026-03-17 09:00")]
    # checked out two days before the due date: the -3 day has passed, not sent late
    late = reminder_plan(due, cn("2026-03-08 10:00"))
    assert [o for _, o, _ in late] == [0, 1, 7]
    # today's reminder after 09:00 goes at once
    today = reminder_plan(due, cn("2026-03-10 11:00"))
    assert today[0][2] == cn("2026-03-10 11:00")


def test_templates_render_in_chinese_with_every_parameter() -> None:
    t = templates.get("rental_due_soon")
    text = t.render({"device": "轮椅", "tag": "LC-0001", "due": "3月10日", "station": "东昌府区站"})
    assert text == "您租用的轮椅（LC-0001）将于3月10日到期，请按时归还，或到东昌府区站办理续借。"
    with pytest.raises(KeyError, match="station"):
        t.render({"device": "轮椅", "tag": "LC-0001", "due": "3月10日"})
    codes = [x.sms_code for x in templates.TEMPLATES.values()]
    assert len(set(codes)) == len(codes)
    assert templates.by_sms_code("SMS_471503") is templates.get("rental_overdue_1")


def test_notification_states() -> None:
    now = cn("2026-03-02 10:00")
    n = Notification.create("k", Channel.SMS, "reminders_merged", {"count": "2", "items": "x"},
                            due_at=now, now=now, recipient_id=__import__("uuid").uuid4())
    assert n.state is State.PENDING
    assert n.cancel("returned", now) and n.state is State.CANCELLED
    assert not n.cancel("again", now)  # only a pending message can be cancelled
    with pytest.raises(ValueError):
        Notification.create("k2", Channel.SMS, "reminders_merged", {"count": "1", "items": "x"},
                            due_at=now, now=now)  # an SMS needs a recipient
    inbox = Notification.create("k3", Channel.INBOX, "deadline_breached",
                                {"order": "a", "kind": "接单", "due": "d", "division": "x"},
                                due_at=now, now=now, audience_role="staff")
    assert inbox.state is State.SENT  # the inbox is the database


def test_signature_matches_the_providers_documented_example() -> None:
    """Alibaba Cloud's SendSms documentation example: secret ``testSecret``."""
    params = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
        "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
    }
    assert string_to_sign("GET", params).startswith("GET&%2F&AccessKeyId%3DtestId%26Action")
    assert sign("GET", params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert sign("GET", params, "otherSecret") != "zJDF+Lrzhj/ThnlvIToysFRq6t4="
