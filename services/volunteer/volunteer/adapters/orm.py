"""Tables and the imperative mapping of the domain classes.

Rules the domain leaves to the database:
- one task per source (``uq_tasks_source``: service, kind, id): a request event
  delivered twice, or two events naming one source, make one task;
- one live task per cause (partial unique index ``uq_tasks_live_cause`` on
  ``cause_key`` over open/offered/accepted/in-progress tasks): a second round or spell of
  one request (a work order completed again after rework) makes no second task;
- at most one pending offer per task (partial unique index ``uq_offers_one_pending``);
- one ledger entry per task (``uq_hours_task``); one team per district.
Double booking of a volunteer (overlapping ``slot_start``/``slot_end`` of their accepted
or in-progress tasks) is prevented by a row lock on the volunteer around accept/assign
(see ``VolunteerRepository.lock``), not by a constraint.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import composite, registry, relationship
from svckit.audit import audit_table
from svckit.db import UtcDateTime, records_events
from svckit.idempotency import idempotency_table
from svckit.messaging.tables import messaging_tables
from svckit.numbering import document_counters_table
from svckit.pipl import access_log_table

from volunteer.domain.certificates import Certificate
from volunteer.domain.events import SourceRef
from volunteer.domain.hours import HourStatus, ServiceHourEntry
from volunteer.domain.tasks import (
    LIVE,
    Offer,
    OfferOutcome,
    Priority,
    Task,
    TaskResult,
    TaskState,
    TaskType,
)
from volunteer.domain.volunteers import AvailabilityWindow, Skill, Team, Volunteer

metadata = sa.MetaData()
messaging_tables(metadata)
#: PIPL: who read personal data in full (svckit.pipl) and the audit trail (svckit.audit)
access_log_table(metadata)
audit_table(metadata)
idempotency_table(metadata)  # Idempotency-Key answers (svckit.idempotency)
#: one counter per (prefix, division, year) for the document numbers (svckit.numbering)
document_counters = document_counters_table(metadata)
mapper_registry = registry(metadata=metadata)


def _enum(enum: Any, name: str, length: int = 30) -> sa.Enum:
    return sa.Enum(enum, name=name, native_enum=False, length=length,
                   values_callable=lambda e: [m.value for m in e], validate_strings=True)


# -- value types kept in JSON -----------------------------------------------------------
class SkillSet(sa.types.TypeDecorator[frozenset[Skill]]):
    """``frozenset[Skill]`` as a sorted JSON list of values."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else sorted(str(Skill(v)) for v in value)

    def process_result_value(self, value: Any, dialect: Any) -> frozenset[Skill] | None:
        return None if value is None else frozenset(Skill(v) for v in value)


class CodeSet(sa.types.TypeDecorator[frozenset[str]]):
    """``frozenset[str]`` (division codes) as a sorted JSON list."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else sorted(str(v) for v in value)

    def process_result_value(self, value: Any, dialect: Any) -> frozenset[str] | None:
        return None if value is None else frozenset(str(v) for v in value)


class Availability(sa.types.TypeDecorator[tuple[AvailabilityWindow, ...]]):
    """Weekly windows as ``[{"weekday": 0, "start": "08:00", "end": "12:00"}, ...]``."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        return [{"weekday": w.weekday, "start": w.start.strftime("%H:%M:%S"),
                 "end": w.end.strftime("%H:%M:%S")} for w in value]

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        return tuple(AvailabilityWindow(int(w["weekday"]), time.fromisoformat(w["start"]),
                                        time.fromisoformat(w["end"])) for w in value)


class ResultType(sa.types.TypeDecorator[TaskResult]):
    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else value.as_dict()

    def process_result_value(self, value: Any, dialect: Any) -> TaskResult | None:
        return None if value is None else TaskResult(**value)


class Minutes(sa.types.TypeDecorator[timedelta]):
    """A ``timedelta`` of whole minutes as an integer."""

    impl = sa.Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else int(value.total_seconds()) // 60

    def process_result_value(self, value: Any, dialect: Any) -> timedelta | None:
        return None if value is None else timedelta(minutes=int(value))


class PriorityType(sa.types.TypeDecorator[Priority]):
    impl = sa.SmallInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else int(value)

    def process_result_value(self, value: Any, dialect: Any) -> Priority | None:
        return None if value is None else Priority(value)


# -- tables -------------------------------------------------------------------------------
teams = sa.Table(
    "teams", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("division", sa.String(6), nullable=False, unique=True),
)

volunteers = sa.Table(
    "volunteers", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("real_name", sa.String(50), nullable=False),
    sa.Column("phone", sa.String(11), nullable=False),
    sa.Column("divisions", CodeSet, nullable=False),
    sa.Column("skills", SkillSet, nullable=False),
    sa.Column("availability", Availability, nullable=False),
    sa.Column("team_id", sa.Uuid, sa.ForeignKey("teams.id"), nullable=True, index=True),
    sa.Column("timezone", sa.String(50), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("completed_count", sa.Integer, nullable=False),
    sa.Column("no_show_count", sa.Integer, nullable=False),
    sa.Column("consent_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("phone", name="uq_volunteers_phone"),
)

#: the states of a task still to be done (``tasks.LIVE``)
_LIVE_SQL = "state IN ('open', 'offered', 'accepted', 'in_progress')"
assert {s.value for s in LIVE} == {"open", "offered", "accepted", "in_progress"}

tasks = sa.Table(
    "tasks", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("type", _enum(TaskType, "task_type"), nullable=False),
    sa.Column("division", sa.String(6), nullable=False),
    sa.Column("address", sa.String(200), nullable=False),
    sa.Column("window_start", UtcDateTime, nullable=False),
    sa.Column("window_end", UtcDateTime, nullable=False),
    sa.Column("required_skills", SkillSet, nullable=False),
    sa.Column("priority", PriorityType, nullable=False),
    sa.Column("source_service", sa.String(20), nullable=False),
    sa.Column("source_kind", sa.String(30), nullable=False),
    sa.Column("source_id", sa.String(100), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("note", sa.String(500), nullable=False),
    sa.Column("duration_minutes", Minutes, nullable=False),
    sa.Column("slot_start", UtcDateTime, nullable=True),
    sa.Column("slot_end", UtcDateTime, nullable=True),
    sa.Column("state", _enum(TaskState, "task_state"), nullable=False),
    sa.Column("dispatched_by", sa.Uuid, nullable=True),
    sa.Column("assignee_id", sa.Uuid, sa.ForeignKey("volunteers.id"), nullable=True),
    sa.Column("checked_in_at", UtcDateTime, nullable=True),
    sa.Column("checked_out_at", UtcDateTime, nullable=True),
    sa.Column("flagged_for_review", sa.Boolean, nullable=False),
    sa.Column("closing_reason", sa.String(500), nullable=True),
    sa.Column("contact_name", sa.String(20), nullable=True),
    sa.Column("contact_phone", sa.String(20), nullable=True),
    sa.Column("result", ResultType, nullable=True),
    sa.Column("source_cancelled_at", UtcDateTime, nullable=True),
    sa.Column("source_cancel_reason", sa.String(200), nullable=True),
    # another service parked one of this task's events (platform.event_parked)
    sa.Column("problem_event_type", sa.String(100), nullable=True),
    sa.Column("problem_consumer", sa.String(64), nullable=True),
    sa.Column("problem_reason", sa.String(32), nullable=True),
    sa.Column("problem_at", UtcDateTime, nullable=True),
    # what the task is for (tasks.cause_key): one live task per cause
    sa.Column("cause_key", sa.String(160), nullable=True),
    sa.Column("reoffer_count", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("escalated_at", UtcDateTime, nullable=True),
    sa.Column("escalation_reason", sa.String(200), nullable=True),
    sa.Column("check_in_code", sa.String(6), nullable=True),
    # the printed sheet whose QR code checks the visit in (Task.site_key)
    sa.Column("site_key", sa.String(80), nullable=True),
    sa.UniqueConstraint("source_service", "source_kind", "source_id", name="uq_tasks_source"),
    sa.Index("uq_tasks_live_cause", "cause_key", unique=True,
             postgresql_where=sa.text(_LIVE_SQL), sqlite_where=sa.text(_LIVE_SQL)),
    sa.Index("ix_tasks_division_state", "division", "state"),
    sa.Index("ix_tasks_assignee_state", "assignee_id", "state"),
    sa.Index("ix_tasks_state_window", "state", "window_start"),
)

offers = sa.Table(
    "offers", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("task_id", sa.Uuid, sa.ForeignKey("tasks.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("volunteer_id", sa.Uuid, sa.ForeignKey("volunteers.id"), nullable=False),
    sa.Column("offered_by", sa.Uuid, nullable=False),
    sa.Column("offered_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=True),
    sa.Column("outcome", _enum(OfferOutcome, "offer_outcome"), nullable=False),
    sa.Column("answered_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("task_id", "position", name="uq_offers_task_position"),
    sa.Index("ix_offers_volunteer", "volunteer_id"),
    sa.Index("uq_offers_one_pending", "task_id", unique=True,
             postgresql_where=sa.text("outcome = 'pending'"),
             sqlite_where=sa.text("outcome = 'pending'")),
    sa.Index("ix_offers_pending_expiry", "expires_at",
             postgresql_where=sa.text("outcome = 'pending'"),
             sqlite_where=sa.text("outcome = 'pending'")),
)

service_hours = sa.Table(
    "service_hours", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("volunteer_id", sa.Uuid, sa.ForeignKey("volunteers.id"), nullable=False),
    sa.Column("team_id", sa.Uuid, sa.ForeignKey("teams.id"), nullable=True),
    sa.Column("division", sa.String(6), nullable=False),
    sa.Column("task_id", sa.Uuid, sa.ForeignKey("tasks.id"), nullable=True),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("ended_at", UtcDateTime, nullable=False),
    sa.Column("minutes", sa.Integer, nullable=False),
    sa.Column("flagged", sa.Boolean, nullable=False),
    sa.Column("recorded_by", sa.Uuid, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("note", sa.String(500), nullable=False),
    sa.Column("status", _enum(HourStatus, "hour_status", 10), nullable=False),
    sa.Column("decided_by", sa.Uuid, nullable=True),
    sa.Column("decided_at", UtcDateTime, nullable=True),
    sa.Column("rejection_reason", sa.String(500), nullable=True),
    sa.Column("flag_reasons", sa.JSON, nullable=False, server_default=sa.text("'[]'")),
    sa.CheckConstraint("minutes >= 0", name="ck_hours_minutes"),
    sa.Index("uq_hours_task", "task_id", unique=True,
             postgresql_where=sa.text("task_id IS NOT NULL"),
             sqlite_where=sa.text("task_id IS NOT NULL")),
    sa.Index("ix_hours_volunteer_started", "volunteer_id", "started_at"),
    sa.Index("ix_hours_team_started", "team_id", "started_at"),
    sa.Index("ix_hours_division_status", "division", "status"),
)

#: A source cancelled before its request arrived (or with no task): a late request makes
#: no task. Also the coordinator's list of cancellations nobody could apply.
cancelled_sources = sa.Table(
    "cancelled_sources", metadata,
    sa.Column("source_service", sa.String(20), primary_key=True),
    sa.Column("source_kind", sa.String(30), primary_key=True),
    sa.Column("source_id", sa.String(100), primary_key=True),
    sa.Column("reason", sa.String(200), nullable=False),
    sa.Column("cancelled_at", UtcDateTime, nullable=False),
)

#: Issued service record certificates (志愿服务记录证明): a snapshot, never updated.
certificates = sa.Table(
    "certificates", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.String(24), nullable=False),
    sa.Column("volunteer_id", sa.Uuid, sa.ForeignKey("volunteers.id"), nullable=False),
    sa.Column("real_name", sa.String(50), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("total_minutes", sa.Integer, nullable=False),
    sa.Column("entry_count", sa.Integer, nullable=False),
    sa.Column("lines", sa.JSON, nullable=False),
    sa.Column("issuer_name", sa.String(100), nullable=False),
    sa.Column("issuer_contact", sa.String(100), nullable=False),
    sa.Column("division", sa.String(6), nullable=False),
    sa.Column("issued_at", UtcDateTime, nullable=False),
    sa.Column("issued_by", sa.Uuid, nullable=False),
    sa.Column("issued_by_role", sa.String(20), nullable=False),
    sa.UniqueConstraint("number", name="uq_certificates_number"),
    sa.CheckConstraint("total_minutes > 0", name="ck_certificates_minutes"),
    sa.Index("ix_certificates_volunteer_issued", "volunteer_id", "issued_at"),
)

_started = False


def start_mappers() -> None:
    """Map the domain classes (idempotent)."""
    global _started
    if _started:
        return
    _started = True
    mapper_registry.map_imperatively(Team, teams)
    mapper_registry.map_imperatively(Volunteer, volunteers)
    mapper_registry.map_imperatively(Offer, offers)
    mapper_registry.map_imperatively(Task, tasks, properties={
        "duration": tasks.c.duration_minutes,
        "source": composite(SourceRef, tasks.c.source_service, tasks.c.source_kind,
                            tasks.c.source_id),
        "offers": relationship(Offer, order_by=offers.c.position,
                               collection_class=ordering_list("position"),
                               cascade="all, delete-orphan", lazy="selectin"),
    })
    mapper_registry.map_imperatively(ServiceHourEntry, service_hours, properties={
        "flags": service_hours.c.flag_reasons,
    })
    mapper_registry.map_imperatively(Certificate, certificates)
    records_events(Task)
