"""Events the platform itself publishes, whichever service runs it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from svckit.events.catalogue import CATALOGUE
from svckit.events.catalogue.fields import Text

P = "platform"

PARKED = "platform.event_parked"


@CATALOGUE.register(
    PARKED, 1, P,
    "A consumer could not apply an event and parked it (after its retries, or at once for "
    "one no retry can fix). Published by the consuming service's consumer, with the parked "
    "event's subject as subject, so that the producer can show the person who raised it "
    "that it failed (a parked message is never silent). Replaying it later may still "
    "apply it.",
)
class EventParked(Schema):
    event_id = fields.UUID(required=True)
    event_type = Text(100, required=True)
    producer = Text(64, required=True, metadata={"description": "who published the event"})
    consumer = Text(64, required=True, metadata={"description": "whose consumer parked it"})
    reason = fields.String(required=True, validate=validate.OneOf([
        "unknown-event", "invalid-payload", "rejected", "retries-exhausted"]))
