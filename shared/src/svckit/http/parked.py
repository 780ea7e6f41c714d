# flask-smorest ships no type information, so its decorators are untyped:
# mypy: disallow-untyped-decorators=False
"""``/parked``: the messages a service's consumer could not apply, for staff to see,
inspect and replay once the cause is fixed (a parked message is never silent).

Every service that consumes events gets this blueprint from
:meth:`svckit.service.ServiceContext.create_app`; it reads the service's own parking
queue on RabbitMQ or, in the embedded mode, on the in-process bus of the same process (so
the embedded mode's parking is listable too). City-wide federation staff only.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from svckit.auth.principal import Role
from svckit.domain.errors import Forbidden, NotFound
from svckit.http.app import current_principal, problems
from svckit.messaging.parked import Parked, ParkedQueue


class ParkedOut(Schema):
    event_id = fields.String()
    event_type = fields.String()
    subject_id = fields.String()
    reason = fields.String(metadata={"description": "malformed | unknown-event | "
                                     "invalid-payload | rejected | retries-exhausted"})
    error = fields.String(metadata={"description": "the last error (personal data masked)"})
    attempts = fields.Integer()
    parked_at = fields.String()


class ParkedDetail(ParkedOut):
    envelope = fields.Dict(metadata={"description": "the event as it was received "
                                     "(personal fields masked or sealed)"})


class ParkedList(Schema):
    items = fields.List(fields.Nested(ParkedOut))
    total = fields.Integer()


class ReplayOut(Schema):
    replayed = fields.Integer()


def _queue() -> ParkedQueue:
    p = current_principal()
    if p.role is not Role.STAFF or p.districts:
        raise Forbidden("仅限市级残联工作人员 (city-wide federation staff only)")
    ctx = current_app.extensions["svckit.context"]
    return ParkedQueue(ctx.bus_url, ctx.topology)


def _detail(item: Parked) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in asdict(item).items() if k != "body"}
    try:
        out["envelope"] = json.loads(item.body)
    except ValueError:
        out["envelope"] = {"unreadable": item.body[:200]}
    return out


def parked_blueprint() -> Blueprint:
    blp = Blueprint("parked", __name__, url_prefix="/parked",
                    description="搁置的消息 Parked messages: events this service could not "
                                "apply (city-wide staff)")

    @blp.route("")
    class ParkedListView(MethodView):
        @blp.response(200, ParkedList)
        @problems(blp, 403)
        def get(self) -> dict[str, Any]:
            """The parked messages, oldest first, with why each was parked."""
            items = _queue().list()
            return {"items": [asdict(i) for i in items], "total": len(items)}

    @blp.route("/<string:event_id>")
    class ParkedView(MethodView):
        @blp.response(200, ParkedDetail)
        @problems(blp, 403, 404)
        def get(self, event_id: str) -> dict[str, Any]:
            """One parked message with its envelope."""
            found = _queue().show(event_id)
            if found is None:
                raise NotFound("parked message", event_id)
            return _detail(found)

    @blp.route("/<string:event_id>/replay")
    class ReplayView(MethodView):
        @blp.response(200, ReplayOut)
        @problems(blp, 403, 404)
        def post(self, event_id: str) -> dict[str, int]:
            """Send the message back to the consumer (after the cause is fixed): the inbox
            makes a replay of an already applied event harmless."""
            n = _queue().replay([event_id])
            if not n:
                raise NotFound("parked message", event_id)
            return {"replayed": n}

    return blp
