"""A work order assigned to a contractor is also texted to the company's dispatch phone
when renovation keeps one (issue 15: a contractor learnt of a new order only by opening
the console): the SMS names the order's number, its district and the time to accept by
(nothing of the household); it is sent once however often the event comes, held by the
quiet hours like every SMS, and there is none (the inbox message only) without a phone."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from notify import jobs
from notify.adapters.dev_sms_gateway import DevSmsGateway
from notify.domain.notifications import at_china
from notify.service_layer.uow import NotifyUoW
from svckit.service import ServiceContext
from svckit.testing import event_json

ANJU = str(uuid.uuid4())
PHONE = "13806351288"


def assigned(*, phone: str | None = PHONE, order: uuid.UUID | None = None,
             number: str = "SG-371502-2026-000045",
             accept_by: datetime | None = None) -> dict[str, Any]:
    return {"work_order_id": order or uuid.uuid4(), "number": number,
            "application_id": uuid.uuid4(), "contractor_id": ANJU,
            "division_code": "371502",
            "accept_by": accept_by or at_china(date(2026, 3, 4), 10, 0),
            "contractor_phone": phone}


def feed(ctx: ServiceContext, payload: dict[str, Any], event_id: uuid.UUID | None = None
         ) -> None:
    message = event_json("renovation.workorder_assigned", payload, event_id=event_id,
                         subject_id=str(payload["work_order_id"]))
    if payload.get("contractor_phone"):  # sealed on the broker, never in clear
        assert payload["contractor_phone"] not in json.dumps(message, default=str)
    out = ctx.processor().process(message, {})
    assert out.action == "ack", out


def test_a_new_order_is_texted_to_the_contractor_once(
        ctx: ServiceContext, gateway: DevSmsGateway, fixed_clock: Any) -> None:
    fixed_clock.set(at_china(date(2026, 3, 2), 10, 0))
    payload, event = assigned(), uuid.uuid4()
    feed(ctx, payload, event)
    feed(ctx, payload, event)  # redelivered
    feed(ctx, payload)  # replayed under another id
    jobs.deliver(ctx)
    jobs.deliver(ctx)
    assert len(gateway.messages) == 1
    [sms] = gateway.messages
    assert sms["phones"] == [PHONE] and sms["template_code"] == "SMS_471604"
    assert sms["text"] == ("【残联服务】贵单位有新的无障碍改造工单SG-371502-2026-000045（东昌府区），"
                           "请于3月4日 10:00前登录http://127.0.0.1:8000/console/接单或拒单。")
    assert len(sms["text"]) <= 134  # two SMS segments at most

    # A second order to the same company: a second SMS, to the same recipient.
    feed(ctx, assigned(number="SG-371502-2026-000046"))
    jobs.deliver(ctx)
    assert len(gateway.messages) == 2
    assert "SG-371502-2026-000046" in gateway.messages[1]["text"]
    uow = ctx.uow()
    assert isinstance(uow, NotifyUoW)
    with uow:
        recipient = uow.recipients.by_ref(f"renovation:contractor:{ANJU}")
        assert recipient is not None and recipient.phone == PHONE


def test_an_order_assigned_at_night_is_texted_in_the_morning(
        ctx: ServiceContext, gateway: DevSmsGateway, fixed_clock: Any) -> None:
    fixed_clock.set(at_china(date(2026, 3, 2), 22, 30))
    feed(ctx, assigned(accept_by=at_china(date(2026, 3, 4), 22, 30)))
    jobs.deliver(ctx)
    assert gateway.messages == []  # quiet hours
    fixed_clock.set(at_china(date(2026, 3, 3), 8, 5))
    jobs.deliver(ctx)
    assert len(gateway.messages) == 1
    assert "3月4日 22:30前" in gateway.messages[0]["text"]


def test_no_phone_no_sms_but_the_inbox_message(
        ctx: ServiceContext, gateway: DevSmsGateway, fixed_clock: Any) -> None:
    fixed_clock.set(at_china(date(2026, 3, 2), 10, 0))
    order = uuid.uuid4()
    feed(ctx, assigned(phone=None, order=order))
    jobs.deliver(ctx)
    assert gateway.messages == []
    uow = ctx.uow()
    assert isinstance(uow, NotifyUoW)
    with uow:
        assert uow.notifications.by_key(f"workorder-assigned:{order}") is not None
        assert uow.notifications.by_key(f"workorder-assigned:{order}:sms") is None
