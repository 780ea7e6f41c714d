# flask-smorest ships no type information, so its decorators are untyped:
# mypy: disallow-untyped-decorators=False
"""``GET /access-log`` and ``GET /audit``: the processing records, for staff and inspectors.

Every service that keeps the tables (:func:`svckit.pipl.access_log_table`,
:func:`svckit.audit.audit_table`) adds :func:`records_blueprint` to its blueprints. Only
city-wide federation staff and inspectors (a token without ``districts``) may read them:
the rows name records of every district.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from svckit import audit, pipl
from svckit.auth.principal import Role
from svckit.domain.errors import Forbidden
from svckit.http.app import ProblemSchema, current_principal
from svckit.http.pagination import PageArgs, paged


class AccessLogArgs(PageArgs):
    record_id = fields.String(required=True, validate=validate.Length(min=1, max=64),
                              metadata={"description": "the record whose full reads to list"})
    record_type = fields.String(validate=validate.Length(min=1, max=40))


class AccessLogEntry(Schema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.String(metadata={"description": "the reader's user id (token sub)"})
    actor_role = fields.String()
    record_type = fields.String()
    record_id = fields.String()
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")
    purpose = fields.String()
    request_id = fields.String(allow_none=True)


class AuditArgs(PageArgs):
    object_type = fields.String(required=True, validate=validate.Length(min=1, max=60),
                                metadata={"description": "e.g. borrower, application, task"})
    object_id = fields.String(required=True, validate=validate.Length(min=1, max=100))


class AuditEntry(Schema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.String(metadata={"description": "user id, or system:<handler|job>"})
    actor_role = fields.String(allow_none=True)
    object_type = fields.String()
    object_id = fields.String()
    action = fields.String(metadata={"description": "create | update | delete"})
    changes = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={
        "description": "changed field -> [before, after]; personal data masked"})
    request_id = fields.String(allow_none=True)


AccessLogPage = paged(AccessLogEntry, "AccessLogPage")
AuditPage = paged(AuditEntry, "AuditPage")


def _require_records_reader() -> None:
    p = current_principal()
    if p.role not in (Role.STAFF, Role.INSPECTOR) or p.districts:
        raise Forbidden("仅限市级残联工作人员或验收人员 (city-wide staff or inspectors only)")


def _page(table: Any, where: list[Any], args: dict[str, Any], out: Any) -> dict[str, Any]:
    ctx = current_app.extensions["svckit.context"]
    page, size = args["page"], args["page_size"]
    with ctx.uow() as uow:
        total = uow.session.execute(select(func.count()).select_from(table).where(*where)
                                    ).scalar_one()
        rows = uow.session.execute(select(table).where(*where).order_by(table.c.id.desc())
                                   .limit(size).offset((page - 1) * size)).all()
    return {"items": [out(r) for r in rows], "total": total, "page": page, "page_size": size}


def records_blueprint() -> Blueprint:
    """A fresh blueprint with the two read endpoints (one per app)."""
    blp = Blueprint("records", __name__, url_prefix="",
                    description="处理记录 Personal-data access log and audit trail (staff, "
                                "inspector)")

    @blp.route("/access-log")
    class AccessLogView(MethodView):
        @blp.arguments(AccessLogArgs, location="query")
        @blp.response(200, AccessLogPage)
        @blp.alt_response(403, schema=ProblemSchema, content_type="application/problem+json")
        @blp.alt_response(422, schema=ProblemSchema, content_type="application/problem+json")
        def get(self, args: dict[str, Any]) -> dict[str, Any]:
            """Who read which personal data of a record in full, when and why (newest first)."""
            _require_records_reader()
            ctx = current_app.extensions["svckit.context"]
            table = pipl.access_log_table(ctx.definition.metadata)
            where = [table.c.record_id == args["record_id"]]
            if args.get("record_type"):
                where.append(table.c.record_type == args["record_type"])
            return _page(table, where, args, pipl.entry_out)

    @blp.route("/audit")
    class AuditView(MethodView):
        @blp.arguments(AuditArgs, location="query")
        @blp.response(200, AuditPage)
        @blp.alt_response(403, schema=ProblemSchema, content_type="application/problem+json")
        @blp.alt_response(422, schema=ProblemSchema, content_type="application/problem+json")
        def get(self, args: dict[str, Any]) -> dict[str, Any]:
            """An object's state changes: who, when, before -> after (newest first)."""
            _require_records_reader()
            ctx = current_app.extensions["svckit.context"]
            table = audit.audit_table(ctx.definition.metadata)
            where = [table.c.object_type == args["object_type"],
                     table.c.object_id == args["object_id"]]
            return _page(table, where, args, audit.entry_out)

    return blp
