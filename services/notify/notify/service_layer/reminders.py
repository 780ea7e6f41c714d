"""Borrower reminders: armed at check-out, re-armed on extension, cancelled on return;
and the escalation of renovation deadline breaches through the staff inbox.

Every notification has an idempotency key made of its cause (the rental and its due
date, the work order and its deadline): an event delivered twice, or replayed after the
inbox was pruned, finds the key taken and makes nothing."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from svckit.domain.clock import format_china
from svckit.domain.division import city_of, name_of
from svckit.links import link_keys

from notify.domain import templates
from notify.domain.notifications import Channel, Notification, Recipient, reminder_plan
from notify.service_layer.uow import NotifyUoW


def rental_cause(rental_id: uuid.UUID | str) -> str:
    return f"rental:{rental_id}"


def ensure_recipient(uow: NotifyUoW, ref: str, *, phone: str | None, email: str | None = None,
                     name: str = "", now: datetime) -> Recipient:
    recipient = uow.recipients.by_ref(ref)
    if recipient is None:
        recipient = Recipient.create(ref, phone=phone, email=email, name=name, now=now)
        uow.recipients.add(recipient)
        uow.session.flush()
    else:
        recipient.update_contact(phone=phone, email=email, name=name or None, now=now)
    return recipient


def _due_text(due_on: date) -> str:
    return f"{due_on.month}月{due_on.day}日"


def arm_rental(uow: NotifyUoW, *, rental_id: uuid.UUID, borrower_ref: str, phone: str | None,
               due_on: date, device: str, tag: str, station: str, now: datetime) -> int:
    """Plan the reminders of a rental due on ``due_on`` (those still to come), in the
    caller's open unit of work (the event handler's). Returns how many were made (0 for
    a repeat, or a borrower with no phone)."""
    if not phone:
        return 0
    recipient = ensure_recipient(uow, borrower_ref, phone=phone, now=now)
    params = {"device": device, "tag": tag, "due": _due_text(due_on), "station": station}
    made = 0
    for code, offset, when in reminder_plan(due_on, now):
        key = f"rental:{rental_id}:{due_on.isoformat()}:{offset:+d}"
        if uow.notifications.by_key(key) is not None:
            continue
        uow.notifications.add(Notification.create(
            key, Channel.SMS, code, params, due_at=when, now=now,
            recipient_id=recipient.id, cause=rental_cause(rental_id)))
        made += 1
    return made


def cancel_rental(uow: NotifyUoW, rental_id: uuid.UUID, reason: str, now: datetime) -> int:
    """Cancel the rental's reminders that have not gone out."""
    found = uow.notifications.open_for_cause(rental_cause(rental_id))
    return sum(n.cancel(reason, now) for n in found)


def rental_args(payload: dict[str, Any]) -> dict[str, Any]:
    borrower = payload.get("borrower_id")
    return {
        "rental_id": payload["rental_id"],
        "borrower_ref": f"inventory:borrower:{borrower or payload['rental_id']}",
        "phone": payload.get("borrower_phone"),
        "due_on": payload["due_on"],
        "device": payload.get("device_name") or "辅具",
        "tag": payload["asset_tag"],
        "station": payload.get("station_name") or "租赁站",
    }


def stage_deadline_breach(uow: NotifyUoW, payload: dict[str, Any], now: datetime) -> int:
    """The district's staff inbox at once; the city's staff (their supervisor) after the
    second threshold unless the district's message has been read by then. Runs in the
    caller's open unit of work (the event handler's)."""
    order = str(payload["work_order_id"])
    division = payload["division_code"]
    due_at: datetime = payload["due_at"]
    params = {"order": order[:8], "kind": templates.DEADLINE_KINDS[payload["kind"]],
              "due": format_china(due_at), "division": name_of(division)}
    base = f"deadline:{order}:{payload['kind']}:{due_at.isoformat()}"
    made = 0
    if uow.notifications.by_key(f"{base}:district") is None:
        uow.notifications.add(Notification.create(
            f"{base}:district", Channel.INBOX, "deadline_breached", params, due_at=now,
            now=now, audience_role="staff", audience_division=division,
            cause=f"workorder:{order}"))
        made += 1
    if uow.notifications.by_key(f"{base}:escalated") is None:
        uow.notifications.add(Notification.create(
            f"{base}:escalated", Channel.INBOX, "deadline_escalated", params,
            due_at=now + uow.settings.escalate_after, now=now, audience_role="staff",
            audience_division=city_of(division), cause=f"escalation:{base}:district"))
        made += 1
    return made


def stage_workorder_assigned(uow: NotifyUoW, payload: dict[str, Any], now: datetime) -> int:
    """A work order assigned to a contractor company: a message in that company's inbox
    (its users only: ``audience_company``), and an SMS to the company's dispatch phone when
    the event carries one (sealed); each once per order (the order is in the keys). Runs
    in the caller's open unit of work (the event handler's). Returns how many were made."""
    order = str(payload["work_order_id"])
    company = str(payload["contractor_id"])
    division = payload["division_code"]
    params = {"order": payload.get("number") or order[:8], "division": name_of(division),
              "accept_by": format_china(payload["accept_by"], "%-m月%-d日 %H:%M")}
    made = 0
    key = f"workorder-assigned:{order}"
    if uow.notifications.by_key(key) is None:
        uow.notifications.add(Notification.create(
            key, Channel.INBOX, "workorder_assigned", params, due_at=now, now=now,
            audience_role="contractor", audience_division=division,
            audience_company=company, cause=f"workorder:{order}"))
        made += 1
    phone = payload.get("contractor_phone")
    sms_key = f"workorder-assigned:{order}:sms"
    if phone and uow.notifications.by_key(sms_key) is None:
        recipient = ensure_recipient(uow, f"renovation:contractor:{company}", phone=phone,
                                     now=now)
        uow.notifications.add(Notification.create(
            sms_key, Channel.SMS, "workorder_assigned_sms",
            {**params, "link": uow.settings.console_url + "/"}, due_at=now, now=now,
            recipient_id=recipient.id, cause=f"workorder:{order}"))
        made += 1
    return made


def stage_task_escalated(uow: NotifyUoW, payload: dict[str, Any], now: datetime) -> int:
    """A volunteer task the automatic re-offers gave up on: the inbox of the division's
    coordinators, once per escalation (its time is part of the key). Runs in the caller's
    open unit of work (the event handler's)."""
    task = str(payload["task_id"])
    division = payload["division_code"]
    escalated_at: datetime = payload["escalated_at"]
    key = f"task-escalated:{task}:{escalated_at.isoformat()}"
    if uow.notifications.by_key(key) is not None:
        return 0
    reason = str(payload["reason"]).split(" (", 1)[0]  # the Chinese part
    params = {"task": task[:8], "type": templates.TASK_TYPES.get(payload["task_type"], "任务"),
              "division": name_of(division), "reason": reason,
              "end": format_china(payload["window_end"])}
    uow.notifications.add(Notification.create(
        key, Channel.INBOX, "task_escalated", params, due_at=now, now=now,
        audience_role="coordinator", audience_division=division, cause=f"task:{task}"))
    return 1


def offer_cause(task_id: uuid.UUID | str, volunteer_id: uuid.UUID | str) -> str:
    return f"offer:{task_id}:{volunteer_id}"


#: what an offer link's token is signed for (svckit.links; the console opens it)
OFFER_LINK = "offer-link"


def offer_link(console_url: str, task_id: uuid.UUID, volunteer_id: uuid.UUID,
               expires_at: datetime) -> str:
    """The offer's own link: the console's ``/o/<token>``, the token naming the task and
    the offer's expiry, bound to the volunteer (signed, not written in it). It opens the
    offer for that volunteer, signed in, once, until the offer expires."""
    token = link_keys().make(OFFER_LINK, task_id, expires_at, bound_to=str(volunteer_id))
    return f"{console_url.rstrip('/')}/o/{token}"


def stage_offer(uow: NotifyUoW, payload: dict[str, Any], now: datetime) -> int:
    """The SMS telling a volunteer of a task offered to them, with the offer's own signed
    link (:func:`offer_link`: the volunteer logs in and answers there). Runs in the
    caller's open unit of work (the event handler's); one per offer (its expiry is in the
    key)."""
    phone = payload.get("volunteer_phone")
    if not phone:
        return 0
    task, volunteer = payload["task_id"], payload["volunteer_id"]
    expires: datetime = payload["expires_at"]
    key = f"{offer_cause(task, volunteer)}:{expires.isoformat()}"
    if uow.notifications.by_key(key) is not None:
        return 0
    recipient = ensure_recipient(uow, f"volunteer:volunteer:{volunteer}", phone=phone, now=now)
    start = payload.get("starts_at")
    params = {"kind": templates.TASK_TYPES.get(str(payload["task_type"]), "志愿服务"),
              "when": format_china(start, "%-m月%-d日 %H:%M") if start else "时间待约",
              "district": name_of(payload["division_code"]),
              "expires": format_china(expires, "%-m月%-d日 %H:%M"),
              "link": offer_link(uow.settings.console_url, uuid.UUID(str(task)),
                                 uuid.UUID(str(volunteer)), expires)}
    uow.notifications.add(Notification.create(
        key, Channel.SMS, "task_offered", params, due_at=now, now=now,
        recipient_id=recipient.id, cause=offer_cause(task, volunteer)))
    return 1


def cancel_offer(uow: NotifyUoW, payload: dict[str, Any], reason: str, now: datetime) -> int:
    """An offer answered (or the task taken by someone) before its SMS went out (held by
    the quiet hours, say): the SMS is not sent."""
    found = uow.notifications.open_for_cause(
        offer_cause(payload["task_id"], payload["volunteer_id"]))
    return sum(n.cancel(reason, now) for n in found)


def stage_waitlist_hold(uow: NotifyUoW, payload: dict[str, Any], now: datetime) -> int:
    """The SMS telling a borrower that a unit they waited for (or booked) is held for
    them at the station until a time. Runs in the caller's open unit of work (the event
    handler's); one per hold (the reservation id is the key)."""
    phone = payload.get("borrower_phone")
    if not phone:
        return 0
    key = f"waitlist-hold:{payload['reservation_id']}"
    if uow.notifications.by_key(key) is not None:
        return 0
    recipient = ensure_recipient(uow, f"inventory:borrower:{payload['borrower_id']}",
                                 phone=phone, now=now)
    params = {"device": payload["device_name"], "tag": payload["asset_tag"],
              "station": payload["station_name"],
              "expires": format_china(payload["expires_at"], "%-m月%-d日 %H:%M")}
    uow.notifications.add(Notification.create(
        key, Channel.SMS, "waitlist_unit_held", params, due_at=now, now=now,
        recipient_id=recipient.id, cause=key))
    return 1
