"""A tiny service built on svckit, used by the spine's tests as a real process.

It owns a ``things`` table (HTTP API) and a ``ledger`` table where its consumer applies
``probe.pinged`` events, so the tests can count effects: exactly once means one ledger
row per event id. Run it like any service: ``python probe.py relay|consumer|...`` with
``PROBE_DATABASE_URL``, ``BUS_URL`` and ``BUS_PREFIX`` in the environment.
"""

from __future__ import annotations

import os
import signal
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, insert, select
from svckit.auth.principal import Role
from svckit.domain.errors import Conflict, NotFound
from svckit.events.catalogue import Catalogue
from svckit.events.envelope import Envelope
from svckit.http.app import current_principal
from svckit.http.idempotency import idempotency_table
from svckit.messaging.consumer import Handlers
from svckit.messaging.tables import messaging_tables
from svckit.service import ServiceContext, ServiceDefinition
from svckit.uow import UnitOfWork

metadata = MetaData()
things = Table(
    "things", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("state", String(20), nullable=False),
)
ledger = Table(
    "ledger", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),  # NOT unique: duplicates must show
    Column("n", Integer, nullable=False),
    Column("subject_id", String(128), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)
switches = Table(
    "switches", metadata,
    Column("name", String(50), primary_key=True),
    Column("on", Boolean, nullable=False),
)
attempt_log = Table(
    "attempt_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
tables = messaging_tables(metadata)
idempotency_keys = idempotency_table(metadata)

catalogue = Catalogue()


@catalogue.register("probe.pinged", 1, "probe", "A numbered ping; the consumer ledgers it.")
class Pinged(Schema):
    n = fields.Integer(required=True, validate=validate.Range(min=0))
    mode = fields.String(load_default="ok", dump_default="ok",
                         validate=validate.OneOf(["ok", "poison", "kill", "slow"]))


@catalogue.register("probe.thing_created", 1, "probe", "A thing was created.")
class ThingCreated(Schema):
    thing_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))


handlers = Handlers("probe")


@handlers.on("probe.pinged")
def apply_ping(env: Envelope, payload: dict[str, Any], uow: UnitOfWork) -> None:
    mode = payload["mode"]
    if mode == "poison":
        with uow.engine.begin() as conn:  # outside the handler's transaction: it survives
            conn.execute(insert(attempt_log).values(event_id=str(env.id), at=datetime.now(UTC)))
        fixed = uow.session.execute(
            select(switches.c.on).where(switches.c.name == "fixed")
        ).scalar()
        if not fixed:
            raise RuntimeError("poison: the fault is not fixed yet")
    if mode == "slow":
        import time

        time.sleep(float(os.environ.get("PROBE_SLOW_SECONDS", "3")))
    uow.session.execute(insert(ledger).values(
        event_id=str(env.id), n=payload["n"], subject_id=env.subject_id,
        applied_at=datetime.now(UTC),
    ))
    if mode == "kill" and os.environ.get("PROBE_KILL_AFTER_COMMIT"):
        # Committed, not yet acknowledged: die the hardest way.
        uow.after_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))


# -- a small HTTP API -------------------------------------------------------------
blp = Blueprint("things", __name__, url_prefix="/things", description="Probe things")


class ThingIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))


class ThingOut(Schema):
    id = fields.String()
    name = fields.String()
    state = fields.String()


def _ctx() -> ServiceContext:
    from flask import current_app

    ctx: ServiceContext = current_app.extensions["svckit.context"]
    return ctx


@blp.route("")
class ThingsView(MethodView):
    @blp.arguments(ThingIn)
    @blp.response(201, ThingOut)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        current_principal().require(Role.STAFF)
        thing = {"id": str(uuid.uuid4()), "name": data["name"], "state": "open"}
        with _ctx().uow() as uow:
            uow.session.execute(insert(things).values(**thing))
            uow.add_event("probe.thing_created", {"thing_id": thing["id"], "name": thing["name"]},
                          subject_id=thing["id"])
            uow.commit()
        return thing


@blp.route("/<thing_id>")
class ThingView(MethodView):
    @blp.response(200, ThingOut)
    def get(self, thing_id: str) -> dict[str, Any]:
        with _ctx().uow() as uow:
            row = uow.session.execute(select(things).where(things.c.id == thing_id)).first()
        if row is None:
            raise NotFound("thing", thing_id)
        return dict(row._mapping)


@blp.route("/<thing_id>/close")
class CloseView(MethodView):
    @blp.response(200, ThingOut)
    def post(self, thing_id: str) -> dict[str, Any]:
        with _ctx().uow() as uow:
            row = uow.session.execute(select(things).where(things.c.id == thing_id)).first()
            if row is None:
                raise NotFound("thing", thing_id)
            if row.state != "open":
                raise Conflict("already closed", current_state=row.state)
            uow.session.execute(things.update().where(things.c.id == thing_id)
                                .values(state="closed"))
            # A schema violation (name too long) when asked to: nothing may be committed.
            name = "x" * 60 if row.name == "break-the-event" else row.name
            uow.add_event("probe.thing_created", {"thing_id": thing_id, "name": name},
                          subject_id=thing_id)
            uow.commit()
            return {**dict(row._mapping), "state": "closed"}


definition = ServiceDefinition(
    name="probe",
    title="Probe",
    metadata=metadata,
    migrations=Path(__file__).parent / "probe_migrations",
    blueprints=lambda ctx: [blp],
    handlers=handlers,
    catalogue=catalogue,
)

if __name__ == "__main__":
    from svckit.cli import main

    sys.exit(main(definition))
