"""Tables and the imperative mapping of the renovation domain classes.

Every rule the domain leaves to storage is a constraint here: programme (year, name),
catalogue codes and contractor names are unique; one open application per certificate per
programme and one live work order per application are partial unique indexes (both
PostgreSQL and SQLite). Money is ``BigInteger`` fen; every timestamp is ``UtcDateTime``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableDict, MutableList, MutableSet
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import composite, registry, relationship
from svckit.audit import audit_table
from svckit.db import UtcDateTime, records_events
from svckit.idempotency import idempotency_table
from svckit.messaging.tables import messaging_tables
from svckit.numbering import document_counters_table
from svckit.pipl import access_log_table

from renovation.domain.application import (
    Application,
    Assessment,
    DeviceRequest,
    Hardship,
    Plan,
    PlanLine,
)
from renovation.domain.catalogue import Area, CatalogueItem, Unit
from renovation.domain.programme import DeadlineSettings, Programme
from renovation.domain.workorder import Contractor, Inspection, ProgressUpdate, WorkOrder

metadata = sa.MetaData()
mapper_registry = registry(metadata=metadata)
messaging = messaging_tables(metadata)
#: PIPL: who read personal data in full (svckit.pipl) and the audit trail (svckit.audit)
access_log = access_log_table(metadata)
audit_log = audit_table(metadata)
idempotency_table(metadata)  # Idempotency-Key answers (svckit.idempotency)
#: one counter per (prefix, division, year) for the document numbers (svckit.numbering)
document_counters = document_counters_table(metadata)

USER = 100  # length of a user id (the token's ``sub``)


def _enum(cls: type[Any], name: str) -> sa.Enum:
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class JSONSet(sa.types.TypeDecorator[set[str]]):
    """A set of strings kept as a sorted JSON list."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: set[str] | None, dialect: Any) -> list[str] | None:
        return None if value is None else sorted(value)

    def process_result_value(self, value: list[str] | None, dialect: Any) -> set[str] | None:
        return None if value is None else set(value)


def _list() -> Any:
    return MutableList.as_mutable(sa.JSON())


_OPEN_APPLICATION = "status NOT IN ('refused', 'withdrawn')"
_LIVE_ORDER = "status NOT IN ('declined', 'cancelled', 'terminated') AND kind = 'works'"
_OPEN_WARRANTY = ("status NOT IN ('declined', 'cancelled', 'terminated', 'closed') "
                  "AND kind = 'warranty'")

programmes = sa.Table(
    "programmes",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("division_scope", sa.String(6), nullable=False),
    sa.Column("household_cap_fen", sa.BigInteger, nullable=False),
    sa.Column("target_homes", sa.Integer, nullable=False),
    sa.Column("total_budget_fen", sa.BigInteger, nullable=False),
    sa.Column("accept_days", sa.Integer, nullable=False),
    sa.Column("inspect_days", sa.Integer, nullable=False),
    sa.Column("rework_days", sa.Integer, nullable=False),
    # the application window (China dates, inclusive); NULL: the programme's calendar year
    sa.Column("opens_on", sa.Date, nullable=True),
    sa.Column("closes_on", sa.Date, nullable=True),
    sa.Column("status", sa.String(20), nullable=False, server_default="open"),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
    sa.Column("closing_report", sa.JSON(), nullable=True),
    sa.Column("previous_id", sa.Uuid, sa.ForeignKey("programmes.id"), nullable=True),
    sa.Column("defect_days", sa.Integer, nullable=False, server_default="365"),
    sa.UniqueConstraint("year", "name", name="uq_programmes_year_name"),
    sa.CheckConstraint("household_cap_fen > 0 AND total_budget_fen >= household_cap_fen",
                       name="ck_programmes_caps"),
)

catalogue_items = sa.Table(
    "catalogue_items",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("area", _enum(Area, "area"), nullable=False),
    sa.Column("unit", _enum(Unit, "unit"), nullable=False),
    sa.Column("unit_price_fen", sa.BigInteger, nullable=False),
    sa.Column("is_device", sa.Boolean, nullable=False),
    sa.Column("device_type_code", sa.String(20), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("price_history", _list(), nullable=False, server_default=sa.text("'[]'")),
    sa.CheckConstraint("unit_price_fen >= 0", name="ck_catalogue_price"),
)

contractors = sa.Table(
    "contractors",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("division", sa.String(6), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="active"),
    sa.Column("status_reason", sa.String(200), nullable=True),
    sa.Column("contact_phone", sa.String(20), nullable=True),
)

applications = sa.Table(
    "applications",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("programme_id", sa.Uuid, sa.ForeignKey("programmes.id"), nullable=False),
    sa.Column("certificate_number", sa.String(20), nullable=False),
    sa.Column("holder_name", sa.String(50), nullable=False),
    sa.Column("address", sa.String(200), nullable=False),
    sa.Column("division", sa.String(6), nullable=False),
    sa.Column("phone", sa.String(20), nullable=False),
    sa.Column("hardship", _enum(Hardship, "hardship"), nullable=False),
    sa.Column("submitted_at", UtcDateTime(), nullable=False),
    sa.Column("number", sa.String(24), nullable=False, unique=True),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("refusal_reasons", _list(), nullable=False),
    sa.Column("override_reason", sa.String(500), nullable=True),
    sa.Column("decided_by", sa.String(USER), nullable=True),
    sa.Column("decided_at", UtcDateTime(), nullable=True),
    sa.Column("withdrawal_reason", sa.String(200), nullable=True),
    sa.Column("withdrawal_kind", sa.String(20), nullable=True),
    sa.Column("released_fen", sa.BigInteger, nullable=True),
    sa.Column("consent_at", UtcDateTime(), nullable=True),
    # events of the case another service parked, by type (``Application.integration_failed``)
    sa.Column("integration_problems", MutableDict.as_mutable(sa.JSON()), nullable=False,
              server_default=sa.text("'{}'")),
    sa.Index("ix_applications_programme_division", "programme_id", "division"),
    sa.Index("ix_applications_status", "status"),
    sa.Index(
        "uq_applications_open_per_holder",
        "programme_id",
        "certificate_number",
        unique=True,
        postgresql_where=sa.text(_OPEN_APPLICATION),
        sqlite_where=sa.text(_OPEN_APPLICATION),
    ),
)

assessments = sa.Table(
    "assessments",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("application_id", sa.Uuid, sa.ForeignKey("applications.id"), nullable=False,
              unique=True),
    sa.Column("assessor_id", sa.String(USER), nullable=False),
    sa.Column("scheduled_at", UtcDateTime(), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("findings", MutableDict.as_mutable(sa.JSON()), nullable=False),
    sa.Column("checklist", MutableDict.as_mutable(sa.JSON()), nullable=False,
              server_default=sa.text("'{}'")),
    sa.Column("needs", _list(), nullable=False),
    sa.Column("photo_refs", _list(), nullable=False),
    sa.Column("completed_at", UtcDateTime(), nullable=True),
)

plans = sa.Table(
    "plans",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("application_id", sa.Uuid, sa.ForeignKey("applications.id"), nullable=False,
              unique=True),
    sa.Column("drafted_by", sa.String(USER), nullable=False),
    sa.Column("drafted_at", UtcDateTime(), nullable=False),
    sa.Column("total_fen", sa.BigInteger, nullable=False),
    sa.Column("confirmed_by_name", sa.String(50), nullable=True),
    sa.Column("confirmation_ref", sa.String(500), nullable=True),
    sa.Column("confirmation_recorded_by", sa.String(USER), nullable=True),
    sa.Column("confirmed_at", UtcDateTime(), nullable=True),
    sa.Column("approved_by", sa.String(USER), nullable=True),
    sa.Column("approved_at", UtcDateTime(), nullable=True),
    sa.CheckConstraint("total_fen >= 0", name="ck_plans_total"),
)

plan_lines = sa.Table(
    "plan_lines",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("plan_id", sa.Uuid, sa.ForeignKey("plans.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("item_code", sa.String(32), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("area", _enum(Area, "area"), nullable=False),
    sa.Column("unit", _enum(Unit, "unit"), nullable=False),
    sa.Column("unit_price_fen", sa.BigInteger, nullable=False),
    sa.Column("quantity_milli", sa.BigInteger, nullable=False),
    sa.Column("total_fen", sa.BigInteger, nullable=False),
    sa.Column("is_device", sa.Boolean, nullable=False),
    sa.Column("device_type_code", sa.String(20), nullable=True),
)

device_requests = sa.Table(
    "device_requests",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("plan_id", sa.Uuid, sa.ForeignKey("plans.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("item_code", sa.String(32), nullable=False),
    sa.Column("device_type_code", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("unit_ref", sa.String(64), nullable=True),
    sa.Column("note", sa.String(200), nullable=True),
    sa.Column("updated_at", UtcDateTime(), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Index("ix_device_requests_waiting", "device_type_code", "status"),
)

work_orders = sa.Table(
    "work_orders",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("application_id", sa.Uuid, sa.ForeignKey("applications.id"), nullable=False),
    sa.Column("programme_id", sa.Uuid, sa.ForeignKey("programmes.id"), nullable=False),
    sa.Column("contractor_id", sa.Uuid, sa.ForeignKey("contractors.id"), nullable=False),
    sa.Column("division", sa.String(6), nullable=False),
    sa.Column("items", _list(), nullable=False),
    sa.Column("assigned_by", sa.String(USER), nullable=False),
    sa.Column("assigned_at", UtcDateTime(), nullable=False),
    sa.Column("number", sa.String(24), nullable=False, unique=True),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("accepted_at", UtcDateTime(), nullable=True),
    sa.Column("closing_reason", sa.String(200), nullable=True),
    sa.Column("start_on", sa.Date, nullable=True),
    sa.Column("end_on", sa.Date, nullable=True),
    sa.Column("percent", sa.Integer, nullable=False),
    sa.Column("items_done", _list(), nullable=False),
    sa.Column("completion_requested_at", UtcDateTime(), nullable=True),
    sa.Column("rework_since", UtcDateTime(), nullable=True),
    sa.Column("satisfaction_score", sa.Integer, nullable=True),
    sa.Column("satisfaction_comment", sa.String(500), nullable=True),
    sa.Column("breaches_raised", MutableSet.as_mutable(JSONSet()), nullable=False),
    sa.Column("termination_kind", sa.String(30), nullable=True),
    sa.Column("terminated_at", UtcDateTime(), nullable=True),
    sa.Column("cost_incurred_fen", sa.BigInteger, nullable=True),
    sa.Column("predecessor_id", sa.Uuid, sa.ForeignKey("work_orders.id"), nullable=True),
    sa.Column("satisfaction_missing_reason", sa.String(200), nullable=True),
    sa.Column("kind", sa.String(20), nullable=False, server_default="works"),
    sa.Column("defect", sa.String(500), nullable=True),
    sa.Column("warranty_of", sa.Uuid, sa.ForeignKey("work_orders.id"), nullable=True),
    sa.CheckConstraint("cost_incurred_fen IS NULL OR cost_incurred_fen >= 0",
                       name="ck_work_orders_cost"),
    sa.CheckConstraint("percent BETWEEN 0 AND 100", name="ck_work_orders_percent"),
    sa.Index("ix_work_orders_contractor_status", "contractor_id", "status"),
    sa.Index("ix_work_orders_status", "status"),
    sa.Index("ix_work_orders_application", "application_id"),
    sa.Index(
        "uq_work_orders_live_per_application",
        "application_id",
        unique=True,
        postgresql_where=sa.text(_LIVE_ORDER),
        sqlite_where=sa.text(_LIVE_ORDER),
    ),
    sa.Index(  # one open warranty order per household at a time
        "uq_work_orders_open_warranty",
        "application_id",
        unique=True,
        postgresql_where=sa.text(_OPEN_WARRANTY),
        sqlite_where=sa.text(_OPEN_WARRANTY),
    ),
)

progress_updates = sa.Table(
    "progress_updates",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("work_order_id", sa.Uuid, sa.ForeignKey("work_orders.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("by", sa.String(USER), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("note", sa.String(1000), nullable=False),
    sa.Column("percent", sa.Integer, nullable=False),
    sa.Column("items_done", _list(), nullable=False),
    sa.Column("photos_before", _list(), nullable=False),
    sa.Column("photos_after", _list(), nullable=False),
)

inspections = sa.Table(
    "inspections",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("work_order_id", sa.Uuid, sa.ForeignKey("work_orders.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("inspector_id", sa.String(USER), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("defects", _list(), nullable=False),
    sa.Column("note", sa.String(1000), nullable=True),
)

# ---- read models and records kept by the service layer (not domain classes) -----------

photos = sa.Table(
    "photos",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("application_id", sa.Uuid, sa.ForeignKey("applications.id"), nullable=False),
    sa.Column("work_order_id", sa.Uuid, sa.ForeignKey("work_orders.id"), nullable=True),
    sa.Column("purpose", sa.String(20), nullable=False),
    sa.Column("storage_key", sa.String(200), nullable=False, unique=True),
    sa.Column("content_type", sa.String(20), nullable=False),
    sa.Column("size_bytes", sa.Integer, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("uploaded_by", sa.String(USER), nullable=False),
    sa.Column("uploaded_at", UtcDateTime(), nullable=False),
    sa.Index("ix_photos_application", "application_id"),
    sa.Index("ix_photos_work_order", "work_order_id"),
)

#: the household file's timeline (一户一档): one row per domain event and volunteer visit
history = sa.Table(
    "history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("application_id", sa.Uuid, sa.ForeignKey("applications.id"), nullable=False),
    sa.Column("work_order_id", sa.Uuid, nullable=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("event", sa.String(60), nullable=False),
    sa.Column("actor", sa.String(USER), nullable=True),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Index("ix_history_application_at", "application_id", "at"),
)

#: volunteer visits reported back by the volunteer service
visits = sa.Table(
    "visits",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("application_id", sa.Uuid, sa.ForeignKey("applications.id"), nullable=False),
    sa.Column("work_order_id", sa.Uuid, nullable=True),
    sa.Column("source_kind", sa.String(30), nullable=False),
    sa.Column("source_id", sa.String(100), nullable=False),
    sa.Column("task_id", sa.Uuid, nullable=False),
    sa.Column("volunteer_id", sa.Uuid, nullable=True),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("score", sa.Integer, nullable=True),
    sa.Column("comment", sa.String(500), nullable=True),
    sa.Column("note", sa.String(500), nullable=True),
    sa.Index("ix_visits_application", "application_id"),
)


_started = False


def _ordered_children(cls: type, table: sa.Table) -> Any:
    """A list of child rows kept in ``position`` order, owned by the parent."""
    return relationship(cls, order_by=table.c.position,
                        collection_class=ordering_list("position"),
                        cascade="all, delete-orphan", lazy="selectin")


def start_mappers() -> None:
    """Map the domain classes (idempotent)."""
    global _started
    if _started:
        return
    _started = True
    mapper_registry.map_imperatively(
        Programme,
        programmes,
        properties={
            "deadlines": composite(
                DeadlineSettings,
                programmes.c.accept_days,
                programmes.c.inspect_days,
                programmes.c.rework_days,
            )
        },
    )
    mapper_registry.map_imperatively(CatalogueItem, catalogue_items)
    mapper_registry.map_imperatively(Contractor, contractors)
    mapper_registry.map_imperatively(Assessment, assessments)
    mapper_registry.map_imperatively(PlanLine, plan_lines)
    mapper_registry.map_imperatively(DeviceRequest, device_requests)
    mapper_registry.map_imperatively(
        Plan,
        plans,
        properties={
            "lines": _ordered_children(PlanLine, plan_lines),
            "device_requests": _ordered_children(DeviceRequest, device_requests),
        },
    )
    mapper_registry.map_imperatively(
        Application,
        applications,
        properties={
            "assessment": relationship(
                Assessment, uselist=False, cascade="all, delete-orphan", lazy="selectin"
            ),
            "plan": relationship(
                Plan, uselist=False, cascade="all, delete-orphan", lazy="selectin"
            ),
        },
    )
    mapper_registry.map_imperatively(ProgressUpdate, progress_updates)
    mapper_registry.map_imperatively(Inspection, inspections)
    mapper_registry.map_imperatively(
        WorkOrder,
        work_orders,
        properties={
            "progress": _ordered_children(ProgressUpdate, progress_updates),
            "inspections": _ordered_children(Inspection, inspections),
        },
    )
    records_events(Application, WorkOrder)
