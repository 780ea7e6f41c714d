"""A task offered to a volunteer reaches their phone (issue 15: offers lapsed without ever
reaching the volunteer): the SMS names the kind of task, when and where, the offer's
deadline and the offer's own signed link; it is sent once however often the event comes; one held
by the quiet hours is not sent once the task is assigned."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from notify import jobs
from notify.adapters.dev_sms_gateway import DevSmsGateway
from notify.domain.notifications import at_china
from svckit.links import TOKEN_LENGTH, link_keys
from svckit.service import ServiceContext
from svckit.testing import event_json

PHONE = "13906351201"


def offered(task: uuid.UUID, volunteer: uuid.UUID, now: datetime,
            phone: str | None = PHONE) -> dict[str, Any]:
    return {"task_id": task, "task_type": "deliver_device",
            "source": {"service": "inventory", "kind": "rental_delivery", "id": str(task)},
            "division_code": "371502", "volunteer_id": volunteer,
            "expires_at": now + timedelta(hours=2), "volunteer_phone": phone,
            "starts_at": at_china(date(2026, 3, 3), 14, 30)}


def feed(ctx: ServiceContext, type_: str, payload: dict[str, Any],
         event_id: uuid.UUID | None = None) -> None:
    out = ctx.processor().process(event_json(type_, payload, event_id=event_id,
                                             subject_id=str(payload["task_id"])), {})
    assert out.action == "ack", out


def test_an_offer_reaches_the_volunteers_phone_once(ctx: ServiceContext, gateway: DevSmsGateway,
                                                    fixed_clock: Any) -> None:
    fixed_clock.set(at_china(date(2026, 3, 2), 10, 0))
    task, volunteer, event = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    payload = offered(task, volunteer, fixed_clock.now)
    feed(ctx, "volunteer.task_offered", payload, event)
    feed(ctx, "volunteer.task_offered", payload, event)  # redelivered
    feed(ctx, "volunteer.task_offered", payload)  # replayed under another id
    jobs.deliver(ctx)
    jobs.deliver(ctx)
    assert len(gateway.messages) == 1
    sms = gateway.messages[0]
    assert sms["phones"] == [PHONE] and sms["template_code"] == "SMS_471702"
    found = re.fullmatch(r"【残联服务】志愿服务邀请：送辅具上门，3月3日 14:30，东昌府区。"
                         r"请于3月2日 12:00前打开http://127\.0\.0\.1:8000/console/o/"
                         r"([A-Za-z0-9_-]+)答复。", sms["text"])
    assert found, sms["text"]
    token = found.group(1)
    assert len(token) == TOKEN_LENGTH == 38  # short: the SMS stays two segments at most
    assert len(sms["text"]) <= 134, len(sms["text"])
    # the token names the task and the offer's expiry, signed for that volunteer only
    signed = link_keys().read("offer-link", token, now=fixed_clock.now, bound_to=str(volunteer))
    assert signed.subject == task and signed.expires_at == payload["expires_at"]
    assert str(volunteer) not in sms["text"] and PHONE not in sms["text"]

    # offered again later (it lapsed and came back): a new offer, a new SMS
    fixed_clock.set(fixed_clock.now + timedelta(hours=3))
    feed(ctx, "volunteer.task_offered", offered(task, volunteer, fixed_clock.now))
    jobs.deliver(ctx)
    assert len(gateway.messages) == 2


def test_an_offer_held_by_the_quiet_hours_is_dropped_once_assigned(
        ctx: ServiceContext, gateway: DevSmsGateway, fixed_clock: Any) -> None:
    fixed_clock.set(at_china(date(2026, 3, 2), 22, 0))
    task, volunteer = uuid.uuid4(), uuid.uuid4()
    payload = offered(task, volunteer, fixed_clock.now)
    feed(ctx, "volunteer.task_offered", payload)
    jobs.deliver(ctx)
    assert gateway.messages == []  # 22:00: held until the morning
    feed(ctx, "volunteer.task_assigned", {
        "task_id": task, "task_type": "deliver_device", "source": payload["source"],
        "division_code": "371502", "volunteer_id": volunteer, "by_hand": True})
    fixed_clock.set(at_china(date(2026, 3, 3), 8, 30))
    jobs.deliver(ctx)
    assert gateway.messages == []


def test_no_phone_no_sms(ctx: ServiceContext, gateway: DevSmsGateway, fixed_clock: Any) -> None:
    fixed_clock.set(at_china(date(2026, 3, 2), 10, 0))
    feed(ctx, "volunteer.task_offered",
         offered(uuid.uuid4(), uuid.uuid4(), fixed_clock.now, phone=None))
    jobs.deliver(ctx)
    assert gateway.messages == []
