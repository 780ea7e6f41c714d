"""A unit held for a borrower from the waiting list (issue 16) reaches their phone once:
the device, its tag, the station and the time to come by."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from notify import jobs
from notify.adapters.dev_sms_gateway import DevSmsGateway
from notify.domain.notifications import at_china
from svckit.service import ServiceContext
from svckit.testing import event_json

PHONE = "13863501206"


def held(reservation: uuid.UUID, borrower: uuid.UUID, now: Any) -> dict[str, Any]:
    return {"reservation_id": reservation, "entry_id": uuid.uuid4(), "booking_id": None,
            "unit_id": uuid.uuid4(), "asset_tag": "LC-GX-BD-01",
            "device_type_id": uuid.uuid4(), "station_id": uuid.uuid4(),
            "expires_at": now + timedelta(days=3), "borrower_id": borrower,
            "borrower_phone": PHONE, "device_name": "护理床", "station_name": "冠县辅具租赁站"}


def feed(ctx: ServiceContext, payload: dict[str, Any]) -> None:
    out = ctx.processor().process(event_json("waitlist.unit_held", payload,
                                             subject_id=str(payload["reservation_id"])), {})
    assert out.action == "ack", out


def test_a_held_unit_is_texted_to_the_borrower_once(
        ctx: ServiceContext, gateway: DevSmsGateway, fixed_clock: Any) -> None:
    fixed_clock.set(at_china(date(2026, 3, 2), 10, 0))
    reservation, borrower = uuid.uuid4(), uuid.uuid4()
    payload = held(reservation, borrower, fixed_clock.now)
    feed(ctx, payload)
    feed(ctx, payload)  # replayed under another event id
    jobs.deliver(ctx)
    [sms] = gateway.messages
    assert sms["phones"] == [PHONE] and sms["template_code"] == "SMS_471510"
    assert sms["text"] == ("【残联服务】您候补的护理床（LC-GX-BD-01）已在冠县辅具租赁站为您预留，"
                           "请于3月5日 10:00前到站办理借用，逾期将顺延给下一位候补人。")
    # held again later for the same borrower (a new hold): a new SMS
    feed(ctx, held(uuid.uuid4(), borrower, fixed_clock.now))
    jobs.deliver(ctx)
    assert len(gateway.messages) == 2
