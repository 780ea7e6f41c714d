"""Demo data (embedded mode): one deadline message in the Dongchangfu district staff inbox,
so the console's bell has something to show. Idempotent (the idempotency key)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from svckit.domain.clock import utcnow
from svckit.service import ServiceContext

from notify.service_layer import reminders
from notify.service_layer.uow import NotifyUoW

DEMO_ORDER = uuid.UUID("00000000-0000-4000-8000-00000000d001")


def seed(ctx: ServiceContext) -> None:
    uow = ctx.uow()
    assert isinstance(uow, NotifyUoW)
    now = utcnow()
    due = (now - timedelta(days=1)).replace(hour=1, minute=0, second=0, microsecond=0)
    with uow:
        reminders.stage_deadline_breach(uow, {"work_order_id": DEMO_ORDER, "kind": "accept",
                                              "due_at": due, "division_code": "371502"}, now)
        uow.commit(publish=False)
