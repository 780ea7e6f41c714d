"""Borrower reminders and the rules of delivery on real PostgreSQL, the local SMS gateway
(signature checked) and a local SMTP server, with the clock injected: events go in through
the consumer's processor, the sender job runs at the moments the test sets."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from notify import jobs
from notify.adapters.dev_sms_gateway import DevSmsGateway
from notify.adapters.orm import notifications
from notify.domain import templates
from notify.domain.notifications import at_china
from svckit.service import ServiceContext
from svckit.testing import event_json

PHONE = "13806351207"


def cn(s: str) -> datetime:
    d, t = s.split(" ")
    return at_china(date.fromisoformat(d), *map(int, t.split(":")))


def checked_out(rental: uuid.UUID, borrower: uuid.UUID, due: date, *, tag: str = "LC-0001",
                device: str = "手动轮椅") -> dict[str, Any]:
    return {
        "rental_id": rental, "unit_id": uuid.uuid4(), "asset_tag": tag,
        "device_type_id": uuid.uuid4(), "iso_code": "12 22 03", "station_id": uuid.uuid4(),
        "division_code": "371502", "borrower_certificate": "3715************0141",
        "due_on": due, "fee_fen": 0, "deposit_fen": 20000, "waiver": None,
        "home_delivery": False, "borrower_id": borrower, "borrower_phone": PHONE,
        "device_name": device, "station_name": "东昌府区辅具租赁站",
    }


def feed(ctx: ServiceContext, type_: str, payload: dict[str, Any],
         event_id: uuid.UUID | None = None) -> None:
    out = ctx.processor().process(event_json(type_, payload, event_id=event_id,
                                             subject_id=str(payload["rental_id"])
                                             if "rental_id" in payload else "s"), {})
    assert out.action == "ack", out


def texts(g: DevSmsGateway) -> list[str]:
    return [m["text"] for m in g.messages]


def states(ctx: ServiceContext) -> list[tuple[str, str]]:
    with ctx.engine.connect() as c:
        return [(r.template, r.state) for r in c.execute(
            sa.select(notifications.c.template, notifications.c.state)
            .order_by(notifications.c.due_at, notifications.c.template))]


def test_reminders_at_the_right_times_rearmed_on_extension_stopped_on_return(
        ctx: ServiceContext, gateway: DevSmsGateway, fixed_clock: Any) -> None:
    rental, borrower = uuid.uuid4(), uuid.uuid4()
    fixed_clock.set(cn("2026-03-01 10:00"))
    event_id = uuid.uuid4()
    feed(ctx, "rental.checked_out", checked_out(rental, borrower, date(2026, 3, 10)), event_id)
    feed(ctx, "rental.checked_out", checked_out(rental, borrower, date(2026, 3, 10)), event_id)
    assert len(states(ctx)) == 4  # a redelivered event makes nothing twice
    jobs.deliver(ctx)
    assert gateway.messages == []  # nothing is due yet

    fixed_clock.set(cn("2026-03-07 08:59"))
    jobs.deliver(ctx)
    assert gateway.messages == []
    fixed_clock.set(cn("2026-03-07 09:00"))
    jobs.deliver(ctx)
    assert texts(gateway) == ["【残联服务】您租用的手动轮椅（LC-0001）将于3月10日到期，请按时归还，"
                              "或到东昌府区辅具租赁站办理续借。"]
    assert gateway.messages[0]["phones"] == [PHONE]
    jobs.deliver(ctx)
    assert len(gateway.messages) == 1  # sent once

    # extended to the 20th on the 8th: the old plan is cancelled, the new one armed
    fixed_clock.set(cn("2026-03-08 11:00"))
    ext = {"rental_id": rental, "unit_id": uuid.uuid4(), "asset_tag": "LC-0001",
           "station_id": uuid.uuid4(), "previous_due_on": date(2026, 3, 10),
           "due_on": date(2026, 3, 20), "fee_fen": 0, "borrower_id": borrower,
           "borrower_phone": PHONE, "device_name": "手动轮椅", "station_name": "东昌府区辅具租赁站"}
    feed(ctx, "rental.extended", ext)
    fixed_clock.set(cn("2026-03-10 09:30"))
    jobs.deliver(ctx)
    assert len(gateway.messages) == 1  # the old due date's reminder is gone
    fixed_clock.set(cn("2026-03-17 09:00"))
    jobs.deliver(ctx)
    fixed_clock.set(cn("2026-03-20 09:00"))
    jobs.deliver(ctx)
    fixed_clock.set(cn("2026-03-21 09:00"))
    jobs.deliver(ctx)
    assert [m["template_code"] for m in gateway.messages] == [
        "SMS_471501", "SMS_471501", "SMS_471502", "SMS_471503"]
    assert "3月20日" in gateway.messages[1]["text"]
    assert "现已逾期1天" in gateway.messages[3]["text"]

    # returned on the 23rd: the +7 reminder (the 27th) never goes
    fixed_clock.set(cn("2026-03-23 15:00"))
    feed(ctx, "rental.returned", {
        "rental_id": rental, "unit_id": uuid.uuid4(), "station_id": uuid.uuid4(),
        "condition": "A", "returned_at": fixed_clock.now, "refund_fen": 20000,
        "damage_charge_fen": 0})
    fixed_clock.set(cn("2026-03-27 09:00"))
    jobs.deliver(ctx)
    assert len(gateway.messages) == 4
    assert states(ctx)[-1] == ("rental_overdue_7", "cancelled")
    assert gateway.duplicates == 0


def test_quiet_hours_queue_until_morning(ctx: ServiceContext, gateway: DevSmsGateway,
                                         fixed_clock: Any) -> None:
    fixed_clock.set(cn("2026-03-10 22:15"))  # checked out late on the due date
    feed(ctx, "rental.checked_out", checked_out(uuid.uuid4(), uuid.uuid4(), date(2026, 3, 10)))
    jobs.deliver(ctx)
    assert gateway.messages == []  # 22:15 is quiet
    fixed_clock.set(cn("2026-03-11 07:59"))
    jobs.deliver(ctx)
    assert gateway.messages == []
    fixed_clock.set(cn("2026-03-11 08:30"))
    jobs.deliver(ctx)
    assert gateway.messages == []  # a reminder held over the night waits for 09:00 ...
    fixed_clock.set(cn("2026-03-11 09:00"))
    jobs.deliver(ctx)
    # ... where it meets the +1 reminder: one SMS, saying what is true that morning
    assert [m["template_code"] for m in gateway.messages] == ["SMS_471503"]
    assert states(ctx)[:2] == [("rental_due_today", "merged"), ("rental_overdue_1", "sent")]


def test_one_reminder_sms_a_day_merged(ctx: ServiceContext, gateway: DevSmsGateway,
                                       fixed_clock: Any) -> None:
    borrower = uuid.uuid4()
    fixed_clock.set(cn("2026-03-01 10:00"))
    feed(ctx, "rental.checked_out", checked_out(uuid.uuid4(), borrower, date(2026, 3, 10)))
    feed(ctx, "rental.checked_out", checked_out(uuid.uuid4(), borrower, date(2026, 3, 10),
                                                tag="LC-0002", device="助行器"))
    feed(ctx, "rental.checked_out", checked_out(uuid.uuid4(), borrower, date(2026, 3, 7),
                                                tag="LC-0003", device="坐便椅"))
    # the 7th, 09:00: two "due in 3 days" and one "due today", for one person: one SMS
    fixed_clock.set(cn("2026-03-07 09:00"))
    jobs.deliver(ctx)
    assert len(gateway.messages) == 1
    text = gateway.messages[0]["text"]
    assert text.startswith("【残联服务】您有3条辅具租赁提醒：1. ")
    for tag in ("LC-0001", "LC-0002", "LC-0003"):
        assert tag in text
    # a reminder that falls due later the same day waits for the next morning
    fixed_clock.set(cn("2026-03-07 12:00"))
    feed(ctx, "rental.checked_out", checked_out(uuid.uuid4(), borrower, date(2026, 3, 7),
                                                tag="LC-0004"))
    jobs.deliver(ctx)
    assert len(gateway.messages) == 1
    fixed_clock.set(cn("2026-03-08 08:59"))
    jobs.deliver(ctx)
    assert len(gateway.messages) == 1
    fixed_clock.set(cn("2026-03-08 09:00"))
    jobs.deliver(ctx)
    # the next morning: LC-0003 and LC-0004 are a day overdue (their "today" reminders are
    # superseded), one SMS
    assert len(gateway.messages) == 2
    second = gateway.messages[1]["text"]
    assert second.startswith("【残联服务】您有2条辅具租赁提醒：") and "LC-0004" in second
    assert second.count("已逾期1天") == 2 and "今天" not in second
    # merged ones are logged as such, pointing at the message that carried them
    with ctx.engine.connect() as c:
        merged = c.execute(sa.select(sa.func.count()).where(
            notifications.c.state == "merged")).scalar()
    assert merged == 3 + 2  # the 7th: 4 rows in 1 SMS; the 8th: 3 rows (one superseded) in 1


def test_daily_cap_and_retries(ctx: ServiceContext, gateway: DevSmsGateway,
                               fixed_clock: Any, monkeypatch: Any) -> None:
    fixed_clock.set(cn("2026-03-07 10:00"))
    feed(ctx, "rental.checked_out", checked_out(uuid.uuid4(), uuid.uuid4(), date(2026, 3, 10)))
    gateway._fail_next = 2  # the gateway's own fault twice: retried with growing delays
    jobs.deliver(ctx)
    assert gateway.messages == []
    fixed_clock.set(cn("2026-03-07 10:00") + timedelta(seconds=29))
    jobs.deliver(ctx)
    assert gateway.requests == 1  # not before the first delay
    fixed_clock.set(cn("2026-03-07 10:00") + timedelta(seconds=31))
    jobs.deliver(ctx)
    assert gateway.requests == 2 and gateway.messages == []
    fixed_clock.set(cn("2026-03-07 10:00") + timedelta(minutes=3))
    jobs.deliver(ctx)
    assert len(gateway.messages) == 1
    with ctx.engine.connect() as c:
        row = c.execute(sa.select(notifications.c.attempts, notifications.c.state)
                        .where(notifications.c.state == "sent")).one()
    assert tuple(row) == (3, "sent")


def test_an_escalated_volunteer_task_reaches_the_coordinators_inbox_once(
        ctx: ServiceContext) -> None:
    task, at = uuid.uuid4(), cn("2026-12-07 10:00")
    payload = {
        "task_id": task, "task_type": "overdue_call",
        "source": {"service": "inventory", "kind": "overdue_call", "id": f"{uuid.uuid4()}"},
        "division_code": "371502", "reoffers": 3, "coordinator_id": None,
        "reason": "已自动改派3次仍无人接单，请协调员处理 (re-offered 3 times)",
        "window_end": cn("2026-12-10 10:00"), "escalated_at": at,
    }
    for _ in range(2):  # redelivered with a new event id: still one message
        out = ctx.processor().process(event_json("volunteer.task_escalated", payload,
                                                 subject_id=str(task)), {})
        assert out.action == "ack", out
    n = notifications.c
    with ctx.engine.connect() as c:
        rows = c.execute(sa.select(n.template, n.audience_role, n.audience_division, n.state)
                         .where(n.template == "task_escalated")).all()
    assert [tuple(r) for r in rows] == [("task_escalated", "coordinator", "371502", "sent")]
    text = templates.get("task_escalated").render({
        "task": str(task)[:8], "type": "逾期电话回访", "division": "东昌府区",
        "reason": "已自动改派3次仍无人接单，请协调员处理", "end": "12月10日 10:00"})
    assert text.startswith(f"志愿任务{str(task)[:8]}（逾期电话回访，东昌府区）已自动改派3次")
