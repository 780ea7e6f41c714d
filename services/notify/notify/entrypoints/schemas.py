"""Request and response schemas of the notifications API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from svckit.http.pagination import PageArgs, paged

from notify.domain.notifications import Channel, State


class InboxQuery(PageArgs):
    unread = fields.Boolean(load_default=False)


class InboxItem(Schema):
    id = fields.UUID(required=True)
    template = fields.String(required=True)
    subject = fields.String(required=True)
    text = fields.String(required=True)
    division = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    read_at = fields.AwareDateTime(allow_none=True)
    cause = fields.String(allow_none=True)


InboxPage = paged(InboxItem, "InboxPage")


class UnreadOut(Schema):
    unread = fields.Integer(required=True)


class EmptyIn(Schema):
    pass


class DeliveryQuery(PageArgs):
    state = fields.Enum(State, by_value=True, load_default=None)
    channel = fields.Enum(Channel, by_value=True, load_default=None)
    cause = fields.String(load_default=None, validate=validate.Length(max=200))


class DeliveryItem(Schema):
    id = fields.UUID(required=True)
    idempotency_key = fields.String(required=True)
    channel = fields.String(required=True)
    template = fields.String(required=True)
    text = fields.String(required=True)
    state = fields.String(required=True)
    state_label = fields.String(required=True)
    recipient_id = fields.UUID(allow_none=True)
    to = fields.String(allow_none=True)  # masked
    due_at = fields.AwareDateTime(required=True)
    sent_at = fields.AwareDateTime(allow_none=True)
    attempts = fields.Integer(required=True)
    last_error = fields.String(allow_none=True)
    merged_into = fields.UUID(allow_none=True)
    cause = fields.String(allow_none=True)


DeliveryPage = paged(DeliveryItem, "DeliveryPage")


class OptOutIn(Schema):
    channel = fields.Enum(Channel, by_value=True, required=True,
                          validate=validate.OneOf([Channel.SMS, Channel.EMAIL]))
    opted_out = fields.Boolean(required=True)


class RecipientOut(Schema):
    id = fields.UUID(required=True)
    ref = fields.String(required=True)
    phone = fields.String(allow_none=True)  # masked
    sms_opted_out = fields.Boolean(required=True)
    email_opted_out = fields.Boolean(required=True)
