# mypy: disable-error-code="untyped-decorator"
"""HTTP API of the notifications service: the inbox (every staff role), the delivery log
and opt-outs (staff)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from svckit.domain.clock import utcnow
from svckit.domain.masking import mask_phone
from svckit.http.app import current_principal, problems
from svckit.http.records import records_blueprint
from svckit.service import ServiceContext

from notify.domain.notifications import STATE_ZH, Notification, Recipient
from notify.entrypoints import schemas as s
from notify.service_layer import inbox
from notify.service_layer.uow import NotifyUoW

inbox_blp = Blueprint("inbox", __name__, url_prefix="/inbox",
                      description="站内消息 The console inbox of every staff role")
log_blp = Blueprint("deliveries", __name__, url_prefix="/deliveries",
                    description="发送记录 Delivery log (SMS and e-mail)")
recipients_blp = Blueprint("recipients", __name__, url_prefix="/recipients",
                           description="收件人与退订 Recipients and opt-outs")


def _uow() -> NotifyUoW:
    ctx: ServiceContext = current_app.extensions["svckit.context"]
    uow = ctx.uow()
    assert isinstance(uow, NotifyUoW)
    return uow


def _page(items: list[dict[str, Any]], total: int, args: dict[str, Any]) -> dict[str, Any]:
    return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}


def inbox_out(n: Notification) -> dict[str, Any]:
    return {"id": n.id, "template": n.template, "subject": n.subject, "text": n.text,
            "division": n.audience_division, "created_at": n.sent_at or n.created_at,
            "read_at": n.read_at, "cause": n.cause}


def delivery_out(n: Notification, r: Recipient | None) -> dict[str, Any]:
    to = None
    if r is not None:
        to = mask_phone(r.phone) if n.channel.value == "sms" and r.phone else (
            (r.email or "")[:2] + "***" if r.email else None)
    return {"id": n.id, "idempotency_key": n.idempotency_key, "channel": n.channel.value,
            "template": n.template, "text": n.text, "state": n.state.value,
            "state_label": STATE_ZH[n.state], "recipient_id": n.recipient_id, "to": to,
            "due_at": n.due_at, "sent_at": n.sent_at, "attempts": n.attempts,
            "last_error": n.last_error, "merged_into": n.merged_into, "cause": n.cause}


@inbox_blp.route("")
class InboxView(MethodView):
    @inbox_blp.arguments(s.InboxQuery, location="query")
    @inbox_blp.response(200, s.InboxPage)
    @problems(inbox_blp, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Messages to your role within your scope, newest first (``unread=true``: unread only)"""
        items, total = inbox.list_inbox(_uow(), current_principal(), unread=args["unread"],
                                        page=args["page"], size=args["page_size"])
        return _page([inbox_out(n) for n in items], total, args)


@inbox_blp.route("/unread-count")
class UnreadView(MethodView):
    @inbox_blp.response(200, s.UnreadOut)
    @problems(inbox_blp, 403)
    def get(self) -> dict[str, Any]:
        """The bell: how many messages to your role within your scope are unread"""
        return {"unread": inbox.unread_count(_uow(), current_principal())}


@inbox_blp.route("/<uuid:notification_id>/read")
class ReadView(MethodView):
    @inbox_blp.arguments(s.EmptyIn)
    @inbox_blp.response(200, s.InboxItem)
    @problems(inbox_blp, 403, 404, 422)
    def post(self, _data: dict[str, Any], notification_id: UUID) -> dict[str, Any]:
        """Mark a message read (for everyone of your role and scope: it is handled)"""
        return inbox_out(inbox.mark_read(_uow(), current_principal(), notification_id, utcnow()))


@log_blp.route("")
class DeliveriesView(MethodView):
    @log_blp.arguments(s.DeliveryQuery, location="query")
    @log_blp.response(200, s.DeliveryPage)
    @problems(log_blp, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Every SMS and e-mail with its state (numbers masked), newest first"""
        found, total = inbox.delivery_log(_uow(), current_principal(), state=args["state"],
                                          channel=args["channel"], cause=args["cause"],
                                          page=args["page"], size=args["page_size"])
        return _page([delivery_out(n, r) for n, r in found], total, args)


@recipients_blp.route("/<uuid:recipient_id>/opt-out")
class OptOutView(MethodView):
    @recipients_blp.arguments(s.OptOutIn)
    @recipients_blp.response(200, s.RecipientOut)
    @problems(recipients_blp, 403, 404, 422)
    def post(self, data: dict[str, Any], recipient_id: UUID) -> dict[str, Any]:
        """Opt a recipient out of (or back into) SMS or e-mail, as they asked"""
        r = inbox.set_opt_out(_uow(), current_principal(), recipient_id, data["channel"],
                              data["opted_out"], utcnow())
        return {"id": r.id, "ref": r.ref, "phone": mask_phone(r.phone) if r.phone else None,
                "sms_opted_out": r.sms_opt_out_at is not None,
                "email_opted_out": r.email_opt_out_at is not None}


def blueprints(_ctx: ServiceContext) -> list[Blueprint]:
    return [inbox_blp, log_blp, recipients_blp, records_blueprint()]
