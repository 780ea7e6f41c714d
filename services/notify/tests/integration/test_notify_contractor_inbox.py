"""A work order assigned to a contractor reaches that company's inbox (issue 15: nobody is
told anything), and only that company's: another contractor never sees it, counts it or
marks it read; the other roles' inboxes never show a company's message, and a contractor
no longer sees the role's city-wide messages meant for nobody in particular."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient
from notify.domain.notifications import Channel, Notification, at_china
from notify.service_layer.uow import NotifyUoW
from svckit.service import ServiceContext
from svckit.testing import event_json

ANJU, KANGNING = str(uuid.uuid4()), str(uuid.uuid4())


def assigned(contractor: str, *, number: str | None = "SG-371502-2026-000045",
             order: uuid.UUID | None = None) -> dict[str, Any]:
    return {"work_order_id": order or uuid.uuid4(), "number": number,
            "application_id": uuid.uuid4(), "contractor_id": contractor,
            "division_code": "371502",
            "accept_by": at_china(date(2026, 12, 9), 17, 30)}


def feed(ctx: ServiceContext, payload: dict[str, Any], event_id: uuid.UUID | None = None
         ) -> None:
    out = ctx.processor().process(event_json("renovation.workorder_assigned", payload,
                                             event_id=event_id,
                                             subject_id=str(payload["work_order_id"])), {})
    assert out.action == "ack", out


def as_(client: FlaskClient, token: str) -> Callable[..., Any]:
    def call(method: str, path: str, expect: int = 200) -> Any:
        resp = client.open(path, method=method, json={} if method == "POST" else None,
                           headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == expect, (path, resp.status_code, resp.get_json())
        return resp.get_json()
    return call


def test_a_work_order_reaches_only_its_contractors_inbox(
        ctx: ServiceContext, token_for: Callable[..., str]) -> None:
    order = uuid.uuid4()
    payload = assigned(ANJU, order=order)
    event = uuid.uuid4()
    feed(ctx, payload, event)
    feed(ctx, payload, event)  # redelivered
    feed(ctx, payload)  # replayed under another id: still one message
    feed(ctx, assigned(KANGNING, number=None))  # another company's order (an older producer)

    client = ctx.create_app().test_client()
    anju = as_(client, token_for("contractor", company=ANJU))
    anju_colleague = as_(client, token_for("contractor", company=ANJU))
    kangning = as_(client, token_for("contractor", company=KANGNING))
    staff = as_(client, token_for("staff"))
    companyless = as_(client, token_for("contractor"))

    page = anju("GET", "/inbox")
    assert page["total"] == 1
    [item] = page["items"]
    assert item["text"] == ("新工单SG-371502-2026-000045已派给贵单位（东昌府区），"
                            "请于12月9日 17:30前接单或拒单。")
    assert item["subject"] == "新工单" and item["cause"] == f"workorder:{order}"
    assert item["read_at"] is None
    assert anju("GET", "/inbox/unread-count") == {"unread": 1}

    [theirs] = kangning("GET", "/inbox")["items"]
    assert theirs["id"] != item["id"] and theirs["text"].startswith("新工单")
    assert kangning("GET", "/inbox/unread-count") == {"unread": 1}
    # Another company can neither read nor mark the message: it does not exist for them.
    kangning("POST", f"/inbox/{item['id']}/read", expect=404)
    assert anju("GET", "/inbox/unread-count") == {"unread": 1}

    # Staff (the whole city) and a contractor token without a company see none of them.
    assert staff("GET", "/inbox")["total"] == 0
    assert companyless("GET", "/inbox")["total"] == 0
    assert companyless("GET", "/inbox/unread-count") == {"unread": 0}
    companyless("POST", f"/inbox/{item['id']}/read", expect=404)

    # Read by one of the company's users: handled for the company.
    read = anju("POST", f"/inbox/{item['id']}/read")
    assert read["read_at"] is not None
    assert anju_colleague("GET", "/inbox/unread-count") == {"unread": 0}
    assert anju_colleague("GET", "/inbox?unread=true")["total"] == 0
    assert anju_colleague("GET", "/inbox")["items"][0]["read_at"] is not None  # still listed
    assert kangning("GET", "/inbox/unread-count") == {"unread": 1}


def test_a_contractor_no_longer_sees_role_wide_messages(
        ctx: ServiceContext, token_for: Callable[..., str]) -> None:
    """A message to the contractor role with no company (none is made today; one of an
    older version, say) belongs to no company: no contractor sees it."""
    uow = ctx.uow()
    assert isinstance(uow, NotifyUoW)
    now = at_china(date(2026, 12, 7), 10, 0)
    with uow:
        uow.notifications.add(Notification.create(
            f"role-wide:{uuid.uuid4()}", Channel.INBOX, "deadline_breached",
            {"order": "x", "kind": "接单", "due": "d", "division": "东昌府区"},
            due_at=now, now=now, audience_role="contractor"))
        uow.notifications.add(Notification.create(
            f"company:{uuid.uuid4()}", Channel.INBOX, "workorder_assigned",
            {"order": "SG-1", "division": "东昌府区", "accept_by": "12月9日 17:30"},
            due_at=now - timedelta(minutes=1), now=now, audience_role="contractor",
            audience_company=ANJU))
        uow.commit()
    client = ctx.create_app().test_client()
    anju = as_(client, token_for("contractor", company=ANJU))
    kangning = as_(client, token_for("contractor", company=KANGNING))
    assert [i["template"] for i in anju("GET", "/inbox")["items"]] == ["workorder_assigned"]
    assert kangning("GET", "/inbox")["total"] == 0
