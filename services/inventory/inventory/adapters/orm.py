"""Tables and the imperative mapping of the domain classes (the domain knows nothing of it).

Concurrency and uniqueness rules the domain leaves to the database:

* ``units.asset_tag`` and ``borrowers.certificate_number`` are unique;
* one ``active`` rental per unit, one ``held`` reservation per unit, one ``in_transit``
  transfer per unit and one open (``open``/``in_repair``) ticket per unit: partial unique
  indexes (PostgreSQL and SQLite). Together with the row locks the repository takes
  (``FOR UPDATE`` / ``FOR UPDATE SKIP LOCKED`` on ``units``) a unit can never be lent,
  held or moved twice, however many requests race.
"""

from __future__ import annotations

import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import registry, relationship
from sqlalchemy.orm.attributes import set_committed_value
from svckit.audit import audit_table, not_personal, person_names
from svckit.db import UtcDateTime, records_events
from svckit.idempotency import idempotency_table
from svckit.messaging.tables import messaging_tables
from svckit.numbering import document_counters_table
from svckit.pipl import access_log_table

from inventory.domain.allocations import Allocation
from inventory.domain.borrowers import Borrower, BorrowerStatus, WaiverReason
from inventory.domain.catalogue import DeviceType, Station, SupplyMode
from inventory.domain.maintenance import MaintenanceTicket, TicketStatus
from inventory.domain.payments import Payment, PaymentKind, PaymentMethod
from inventory.domain.recalls import Recall, RecallStatus
from inventory.domain.rentals import Logistics, Rental, RentalStatus
from inventory.domain.reservations import Reservation, ReservationStatus
from inventory.domain.stocktakes import (
    CorrectionAction,
    Stocktake,
    StocktakeCorrection,
    StocktakeScan,
    StocktakeStatus,
)
from inventory.domain.transfers import Transfer, TransferStatus
from inventory.domain.units import AcquisitionKind, ConditionGrade, Movement, Unit, UnitStatus
from inventory.domain.waitlist import Booking, BookingStatus, WaitlistEntry, WaitStatus

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})
messaging_tables(metadata)
#: PIPL: who read personal data in full (svckit.pipl) and the audit trail (svckit.audit)
access_log_table(metadata)
audit_table(metadata)
idempotency_table(metadata)  # Idempotency-Key answers (svckit.idempotency)
#: one counter per (prefix, division, year) for the document numbers (svckit.numbering)
document_counters = document_counters_table(metadata)
mapper_registry = registry(metadata=metadata)


def _enum(e: type[enum.Enum], length: int = 20) -> sa.Enum:
    return sa.Enum(e, native_enum=False, length=length,
                   values_callable=lambda members: [m.value for m in members])


def _partial_unique(name: str, table: sa.Table, column: str, where: Any) -> sa.Index:
    return sa.Index(name, table.c[column], unique=True,
                    postgresql_where=where, sqlite_where=where)


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.Uuid, primary_key=True)


stations = sa.Table(
    "stations", metadata,
    _id(),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("division_code", sa.String(6), nullable=False, index=True),
    sa.Column("address", sa.String(200), nullable=False),
    sa.Column("phone", sa.String(20), nullable=False),
    sa.Column("opening_days", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)

device_types = sa.Table(
    "device_types", metadata,
    _id(),
    sa.Column("iso_code", sa.String(20), nullable=False, index=True),
    sa.Column("name_zh", sa.String(100), nullable=False),
    sa.Column("mode", _enum(SupplyMode), nullable=False),
    sa.Column("daily_fee_fen", sa.BigInteger, nullable=False),
    sa.Column("deposit_fen", sa.BigInteger, nullable=False),
    sa.Column("max_rental_days", sa.Integer, nullable=True),
    sa.Column("cleaning_buffer_hours", sa.Integer, nullable=False),
    sa.Column("specs", sa.JSON, nullable=False),
    sa.Column("loan_limit", sa.Integer, nullable=True),
)

#: open loans per borrower and ISO 9999 class (``12 22``), set by staff; copied onto the
#: class's device types (``device_types.loan_limit``) so that a check-out reads it with
#: the type
loan_limits = sa.Table(
    "loan_limits", metadata,
    sa.Column("iso_class", sa.String(5), primary_key=True),
    sa.Column("max_open", sa.Integer, nullable=False),
)

units = sa.Table(
    "units", metadata,
    _id(),
    sa.Column("asset_tag", sa.String(32), nullable=False, unique=True),
    sa.Column("serial", sa.String(64), nullable=False),
    sa.Column("type_id", sa.Uuid, sa.ForeignKey("device_types.id"), nullable=False),
    sa.Column("home_station_id", sa.Uuid, sa.ForeignKey("stations.id"), nullable=False),
    sa.Column("current_station_id", sa.Uuid, sa.ForeignKey("stations.id"), nullable=False),
    sa.Column("condition", _enum(ConditionGrade, 1), nullable=False),
    sa.Column("acquisition", _enum(AcquisitionKind), nullable=False),
    sa.Column("acquired_on", sa.Date, nullable=False),
    sa.Column("cost_fen", sa.BigInteger, nullable=False),
    sa.Column("status", _enum(UnitStatus), nullable=False),
    sa.Column("cleaning_until", UtcDateTime(), nullable=True),
    sa.Column("model", sa.String(40), nullable=True),
    sa.Column("batch", sa.String(40), nullable=True),
)
# the pick of a free unit of a type at a station, and the stock report
sa.Index("ix_units_station_type_status", units.c.current_station_id, units.c.type_id,
         units.c.status)
sa.Index("ix_units_type_status", units.c.type_id, units.c.status)
# availability: free, issuable units of a type per station, counted from the index alone
sa.Index("ix_units_free_type_station", units.c.type_id, units.c.current_station_id,
         postgresql_where=sa.and_(units.c.status == "available", units.c.condition != "D"),
         sqlite_where=sa.and_(units.c.status == "available", units.c.condition != "D"))

unit_movements = sa.Table(
    "unit_movements", metadata,
    _id(),
    sa.Column("unit_id", sa.Uuid, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("action", sa.String(30), nullable=False),
    sa.Column("from_status", sa.String(20), nullable=True),
    sa.Column("to_status", sa.String(20), nullable=False),
    sa.Column("from_station_id", sa.Uuid, nullable=True),
    sa.Column("to_station_id", sa.Uuid, nullable=False),
    sa.Column("reference", sa.Uuid, nullable=True),
    sa.Column("note", sa.String(500), nullable=False),
)
sa.Index("ix_unit_movements_unit_at", unit_movements.c.unit_id, unit_movements.c.at)

borrowers = sa.Table(
    "borrowers", metadata,
    _id(),
    sa.Column("certificate_number", sa.String(20), nullable=False, unique=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("phone", sa.String(20), nullable=False),
    sa.Column("address", sa.String(200), nullable=False),
    sa.Column("division_code", sa.String(6), nullable=False, index=True),
    sa.Column("dibao", sa.Boolean, nullable=False),
    sa.Column("tekun", sa.Boolean, nullable=False),
    sa.Column("consent_at", UtcDateTime(), nullable=True),
    sa.Column("registered_station_id", sa.Uuid, sa.ForeignKey("stations.id"), nullable=True,
              index=True),
    sa.Column("status", _enum(BorrowerStatus, 30), nullable=False, server_default="active"),
    sa.Column("status_reason", sa.String(500), nullable=False, server_default=""),
    sa.Column("status_changed_at", UtcDateTime(), nullable=True),
    sa.Column("anonymised_at", UtcDateTime(), nullable=True),
)

reservations = sa.Table(
    "reservations", metadata,
    _id(),
    sa.Column("unit_id", sa.Uuid, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("type_id", sa.Uuid, sa.ForeignKey("device_types.id"), nullable=False),
    sa.Column("station_id", sa.Uuid, sa.ForeignKey("stations.id"), nullable=False),
    sa.Column("borrower_id", sa.Uuid, sa.ForeignKey("borrowers.id"), nullable=True),
    sa.Column("request_ref", sa.String(100), nullable=True, index=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("status", _enum(ReservationStatus), nullable=False),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
)
_partial_unique("uq_reservations_held_unit", reservations, "unit_id",
                reservations.c.status == "held")
sa.Index("ix_reservations_status_expires", reservations.c.status, reservations.c.expires_at)
sa.Index("ix_reservations_station_status", reservations.c.station_id, reservations.c.status)

#: the waiting list of a type at a station (one open entry per borrower, type, station)
waitlist_entries = sa.Table(
    "waitlist_entries", metadata,
    _id(),
    sa.Column("type_id", sa.Uuid, sa.ForeignKey("device_types.id"), nullable=False),
    sa.Column("station_id", sa.Uuid, sa.ForeignKey("stations.id"), nullable=False),
    sa.Column("borrower_id", sa.Uuid, sa.ForeignKey("borrowers.id"), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("priority", _enum(WaiverReason), nullable=True),
    sa.Column("status", _enum(WaitStatus), nullable=False),
    sa.Column("reservation_id", sa.Uuid, sa.ForeignKey("reservations.id"), nullable=True),
    sa.Column("held_at", UtcDateTime(), nullable=True),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
)
_open_wait = waitlist_entries.c.status.in_(["waiting", "held"])
sa.Index("uq_waitlist_open_borrower", waitlist_entries.c.borrower_id,
         waitlist_entries.c.type_id, waitlist_entries.c.station_id, unique=True,
         postgresql_where=_open_wait, sqlite_where=_open_wait)
sa.Index("ix_waitlist_line", waitlist_entries.c.type_id, waitlist_entries.c.station_id,
         waitlist_entries.c.status)
sa.Index("ix_waitlist_reservation", waitlist_entries.c.reservation_id)

#: date bookings of a type at a station
bookings = sa.Table(
    "bookings", metadata,
    _id(),
    sa.Column("type_id", sa.Uuid, sa.ForeignKey("device_types.id"), nullable=False),
    sa.Column("station_id", sa.Uuid, sa.ForeignKey("stations.id"), nullable=False),
    sa.Column("borrower_id", sa.Uuid, sa.ForeignKey("borrowers.id"), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("status", _enum(BookingStatus), nullable=False),
    sa.Column("reservation_id", sa.Uuid, sa.ForeignKey("reservations.id"), nullable=True),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
    sa.CheckConstraint("ends_on >= starts_on", name="booking_days"),
)
sa.Index("ix_bookings_stock", bookings.c.type_id, bookings.c.station_id, bookings.c.status,
         bookings.c.starts_on)

rentals = sa.Table(
    "rentals", metadata,
    _id(),
    sa.Column("unit_id", sa.Uuid, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("type_id", sa.Uuid, sa.ForeignKey("device_types.id"), nullable=False),
    sa.Column("station_id", sa.Uuid, sa.ForeignKey("stations.id"), nullable=False),
    sa.Column("borrower_id", sa.Uuid, sa.ForeignKey("borrowers.id"), nullable=False),
    sa.Column("checked_out_at", UtcDateTime(), nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("max_rental_days", sa.Integer, nullable=False),
    sa.Column("daily_fee_fen", sa.BigInteger, nullable=False),
    sa.Column("fee_fen", sa.BigInteger, nullable=False),
    sa.Column("deposit_fen", sa.BigInteger, nullable=False),
    sa.Column("waiver", _enum(WaiverReason), nullable=True),
    sa.Column("status", _enum(RentalStatus), nullable=False),
    sa.Column("logistics", _enum(Logistics), nullable=False),
    sa.Column("override_by", sa.String(100), nullable=True),
    sa.Column("override_reason", sa.String(500), nullable=True),
    sa.Column("overdue_noticed_at", UtcDateTime(), nullable=True),
    sa.Column("returned_at", UtcDateTime(), nullable=True),
    sa.Column("return_condition", _enum(ConditionGrade, 1), nullable=True),
    sa.Column("return_notes", sa.String(500), nullable=False),
    sa.Column("damage_charge_fen", sa.BigInteger, nullable=False),
    sa.Column("deposit_refund_fen", sa.BigInteger, nullable=False),
    sa.Column("number", sa.String(24), nullable=False, unique=True),
    sa.Column("recovery_reason", sa.String(500), nullable=True),
)
# THE rule of the issue: a unit is never rented twice, whatever races.
_partial_unique("uq_rentals_active_unit", rentals, "unit_id", rentals.c.status == "active")
sa.Index("ix_rentals_borrower_status", rentals.c.borrower_id, rentals.c.status)
sa.Index("ix_rentals_station_status", rentals.c.station_id, rentals.c.status)
sa.Index("ix_rentals_status_due", rentals.c.status, rentals.c.due_on)

allocations = sa.Table(
    "allocations", metadata,
    _id(),
    sa.Column("unit_id", sa.Uuid, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("type_id", sa.Uuid, sa.ForeignKey("device_types.id"), nullable=False),
    sa.Column("station_id", sa.Uuid, sa.ForeignKey("stations.id"), nullable=False, index=True),
    sa.Column("borrower_id", sa.Uuid, sa.ForeignKey("borrowers.id"), nullable=True, index=True),
    sa.Column("allocated_at", UtcDateTime(), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("eligibility", _enum(WaiverReason), nullable=True),
    sa.Column("request_ref", sa.String(100), nullable=True, index=True),
    sa.Column("recovery_reason", sa.String(500), nullable=True),
    sa.Column("reclaimed_at", UtcDateTime(), nullable=True),
    sa.Column("reclaim_reason", sa.String(500), nullable=False, server_default=""),
)
# one standing allocation per unit (a reclaimed unit may be given again)
_partial_unique("uq_allocations_standing_unit", allocations, "unit_id",
                allocations.c.reclaimed_at.is_(None))

transfers = sa.Table(
    "transfers", metadata,
    _id(),
    sa.Column("unit_id", sa.Uuid, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("from_station_id", sa.Uuid, sa.ForeignKey("stations.id"), nullable=False,
              index=True),
    sa.Column("to_station_id", sa.Uuid, sa.ForeignKey("stations.id"), nullable=False,
              index=True),
    sa.Column("dispatched_at", UtcDateTime(), nullable=False),
    sa.Column("note", sa.String(500), nullable=False),
    sa.Column("status", _enum(TransferStatus), nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=True),
)
_partial_unique("uq_transfers_in_transit_unit", transfers, "unit_id",
                transfers.c.status == "in_transit")

maintenance_tickets = sa.Table(
    "maintenance_tickets", metadata,
    _id(),
    sa.Column("unit_id", sa.Uuid, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("station_id", sa.Uuid, sa.ForeignKey("stations.id"), nullable=False, index=True),
    sa.Column("fault", sa.String(500), nullable=False),
    sa.Column("opened_at", UtcDateTime(), nullable=False),
    sa.Column("status", _enum(TicketStatus), nullable=False),
    sa.Column("repair_cost_fen", sa.BigInteger, nullable=False),
    sa.Column("resolution", sa.String(500), nullable=False),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
    sa.Column("rental_id", sa.Uuid, sa.ForeignKey("rentals.id"), nullable=True, index=True),
)
_partial_unique("uq_maintenance_tickets_open_unit", maintenance_tickets, "unit_id",
                maintenance_tickets.c.status.in_(["open", "in_repair"]))

#: holds on a type, a model or a batch (召回): no unit they cover is lent while active
recalls = sa.Table(
    "recalls", metadata,
    _id(),
    sa.Column("type_id", sa.Uuid, sa.ForeignKey("device_types.id"), nullable=False),
    sa.Column("type_name", sa.String(100), nullable=False),
    sa.Column("model", sa.String(40), nullable=True),
    sa.Column("batch", sa.String(40), nullable=True),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("placed_by", sa.String(100), nullable=False),
    sa.Column("placed_at", UtcDateTime(), nullable=False),
    sa.Column("status", _enum(RecallStatus), nullable=False),
    sa.Column("lifted_by", sa.String(100), nullable=True),
    sa.Column("lifted_at", UtcDateTime(), nullable=True),
    sa.Column("lift_reason", sa.String(500), nullable=False),
)
sa.Index("ix_recalls_type_status", recalls.c.type_id, recalls.c.status)

#: counts of a station's shelves by scanning (盘点); one open count per station
stocktakes = sa.Table(
    "stocktakes", metadata,
    _id(),
    sa.Column("station_id", sa.Uuid, sa.ForeignKey("stations.id"), nullable=False,
              index=True),
    sa.Column("started_by", sa.String(100), nullable=False),
    sa.Column("started_at", UtcDateTime(), nullable=False),
    sa.Column("status", _enum(StocktakeStatus), nullable=False),
    sa.Column("closed_by", sa.String(100), nullable=True),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
    sa.Column("report", sa.JSON, nullable=True),
)
_partial_unique("uq_stocktakes_open_station", stocktakes, "station_id",
                stocktakes.c.status == "open")

stocktake_scans = sa.Table(
    "stocktake_scans", metadata,
    _id(),
    sa.Column("stocktake_id", sa.Uuid, sa.ForeignKey("stocktakes.id"), nullable=False),
    sa.Column("tag", sa.String(64), nullable=False),
    sa.Column("unit_id", sa.Uuid, sa.ForeignKey("units.id"), nullable=True),
    sa.Column("scanned_at", UtcDateTime(), nullable=False),
    sa.Column("scanned_by", sa.String(100), nullable=False),
    sa.UniqueConstraint("stocktake_id", "tag"),
)

stocktake_corrections = sa.Table(
    "stocktake_corrections", metadata,
    _id(),
    sa.Column("stocktake_id", sa.Uuid, sa.ForeignKey("stocktakes.id"), nullable=False),
    sa.Column("unit_id", sa.Uuid, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("action", _enum(CorrectionAction), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("applied_by", sa.String(100), nullable=False),
    sa.Column("applied_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("stocktake_id", "unit_id"),
)
#: The payments ledger (append-only; a correction is a reversing entry, ``reverses_id``).
payments = sa.Table(
    "payments", metadata,
    _id(),
    sa.Column("rental_id", sa.Uuid, sa.ForeignKey("rentals.id"), nullable=False, index=True),
    sa.Column("station_id", sa.Uuid, sa.ForeignKey("stations.id"), nullable=False),
    sa.Column("kind", _enum(PaymentKind), nullable=False),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("method", _enum(PaymentMethod), nullable=True),
    sa.Column("reference", sa.String(64), nullable=False),
    sa.Column("note", sa.String(500), nullable=False),
    sa.Column("number", sa.String(24), nullable=False, unique=True),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
    sa.Column("reverses_id", sa.Uuid, sa.ForeignKey("payments.id"), nullable=True,
              unique=True),
    sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
)
# the month-end settlement reads a station's entries in time order
sa.Index("ix_payments_station_recorded", payments.c.station_id, payments.c.recorded_at)

#: What the volunteers reported back for the visits this service asked for.
visit_reports = sa.Table(
    "visit_reports", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("task_id", sa.Uuid, nullable=False),
    sa.Column("source_kind", sa.String(30), nullable=False),
    sa.Column("source_id", sa.String(100), nullable=False),
    # completed | auto_closed | failed | expired (nobody took it in time)
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("note", sa.String(500), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
)
sa.Index("ix_visit_reports_source", visit_reports.c.source_kind, visit_reports.c.source_id)

_started = False


def _history_not_loaded(unit: Unit, _ctx: Any) -> None:
    """The movement history is append-only and grows with every loan: a unit loaded from
    the database starts with an empty ``movements`` list (never a lazy load of the whole
    history on the next ``append``); what the domain appends is inserted at flush.
    Readers of the history load it explicitly (``Repository.units_with_history``; the
    movements endpoint queries the table)."""
    set_committed_value(unit, "movements", [])


def start_mappers() -> None:
    """Map the domain classes onto the tables (idempotent)."""
    global _started
    if _started:
        return
    _started = True
    r = mapper_registry
    r.map_imperatively(Station, stations)
    not_personal(Station, "address", "phone")  # a station's public details
    r.map_imperatively(DeviceType, device_types)
    r.map_imperatively(Movement, unit_movements)
    r.map_imperatively(Unit, units, properties={
        "movements": relationship(Movement, order_by=unit_movements.c.at,
                                  foreign_keys=[unit_movements.c.unit_id]),
    })
    r.map_imperatively(Borrower, borrowers)
    person_names(Borrower, "name")
    r.map_imperatively(Reservation, reservations)
    r.map_imperatively(Rental, rentals)
    r.map_imperatively(Allocation, allocations)
    r.map_imperatively(Transfer, transfers)
    r.map_imperatively(MaintenanceTicket, maintenance_tickets)
    r.map_imperatively(Recall, recalls)
    r.map_imperatively(Stocktake, stocktakes)
    r.map_imperatively(StocktakeScan, stocktake_scans)
    r.map_imperatively(StocktakeCorrection, stocktake_corrections)
    r.map_imperatively(Payment, payments)
    r.map_imperatively(WaitlistEntry, waitlist_entries)
    r.map_imperatively(Booking, bookings)
    records_events(Unit, Reservation, Rental, Allocation, Recall, Stocktake, WaitlistEntry,
                   Booking)
    sa.event.listen(Unit, "load", _history_not_loaded)
