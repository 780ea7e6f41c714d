"""Repair tickets: open -> in repair -> resolved, or written off (also straight from open
when the unit is plainly beyond repair)."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from svckit.domain.errors import Conflict, ValidationFailed
from svckit.domain.fields import FieldErrors, require_text
from svckit.domain.statemachine import StateMachine

from .units import ConditionGrade, Unit, UnitStatus


class TicketStatus(enum.StrEnum):
    OPEN = "open"
    IN_REPAIR = "in_repair"
    RESOLVED = "resolved"
    WRITTEN_OFF = "written_off"


T = TicketStatus
TICKET_MACHINE = StateMachine("maintenance ticket", {
    (T.OPEN, "start_repair"): T.IN_REPAIR,
    (T.IN_REPAIR, "resolve"): T.RESOLVED,
    (T.IN_REPAIR, "write_off"): T.WRITTEN_OFF,
    (T.OPEN, "write_off"): T.WRITTEN_OFF,
}, label=("维修单", "the repair ticket"), state_labels={
    T.OPEN: ("待维修", "open"), T.IN_REPAIR: ("维修中", "in repair"),
    T.RESOLVED: ("已修好", "resolved"), T.WRITTEN_OFF: ("已报废", "written off"),
}, action_labels={"start_repair": ("开始维修", "start the repair"),
                  "resolve": ("完成维修", "resolve it"), "write_off": ("报废", "write it off")})


@dataclass(eq=False)
class MaintenanceTicket:
    unit_id: uuid.UUID
    station_id: uuid.UUID
    fault: str
    opened_at: datetime
    status: TicketStatus = TicketStatus.OPEN
    repair_cost_fen: int = 0
    resolution: str = ""
    closed_at: datetime | None = None
    #: set when the unit was taken in from a running rental: repaired, it goes back to
    #: that borrower (not to the shelf)
    rental_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @classmethod
    def open(
        cls, *, unit: Unit, now: datetime, fault: str, ticket_id: uuid.UUID | None = None
    ) -> MaintenanceTicket:
        """Open a ticket for a unit that is available or cleaning (it moves to maintenance),
        or one already in maintenance because it came back graded D."""
        fault = require_text("fault", fault)
        ticket = cls(unit_id=unit.id, station_id=unit.current_station_id, fault=fault,
                     opened_at=now, id=ticket_id or uuid.uuid4())
        if unit.status != UnitStatus.MAINTENANCE:
            unit.send_to_maintenance(now, ticket.id, fault)
        return ticket

    @classmethod
    def open_on_loan(
        cls, *, unit: Unit, rental_id: uuid.UUID, now: datetime, fault: str,
    ) -> MaintenanceTicket:
        """A rented unit reported for repair: it comes in, the rental goes on, and the
        repaired unit goes back to the borrower."""
        fault = require_text("fault", fault)
        ticket = cls(unit_id=unit.id, station_id=unit.current_station_id, fault=fault,
                     opened_at=now, rental_id=rental_id)
        unit.repair_on_loan(now, ticket.id, fault)
        return ticket

    def detach_from_rental(self) -> None:
        """The rental got another unit meanwhile: once repaired, this one is shelf stock."""
        self.rental_id = None

    def _transition(self, action: str) -> None:
        self.status = TicketStatus(TICKET_MACHINE.next(self.status, action))

    def _check_unit(self, unit: Unit) -> None:
        if unit.id != self.unit_id:
            raise ValidationFailed.field("unit_id", "设备与维修单不符 (unit does not match)")

    def start_repair(self) -> None:
        self._transition("start_repair")

    def resolve(
        self,
        *,
        unit: Unit,
        now: datetime,
        condition: ConditionGrade,
        repair_cost_fen: int = 0,
        resolution: str = "",
    ) -> None:
        """Repaired: the unit is available again with its new grade (A-C)."""
        self._check_unit(unit)
        errors = FieldErrors()
        errors.fen("repair_cost_fen", repair_cost_fen)
        errors.raise_if_any()
        TICKET_MACHINE.next(self.status, "resolve")
        if self.rental_id is not None:
            unit.back_on_loan(now, self.id, condition)
        else:
            unit.finish_repair(now, self.id, condition)
        self._transition("resolve")
        self._close(now, repair_cost_fen, resolution)

    def write_off(self, *, unit: Unit, now: datetime, reason: str,
                  repair_cost_fen: int = 0) -> None:
        """Beyond repair (报废): the unit is written off with the reason."""
        self._check_unit(unit)
        errors = FieldErrors()
        errors.fen("repair_cost_fen", repair_cost_fen)
        errors.raise_if_any()
        TICKET_MACHINE.next(self.status, "write_off")
        if self.rental_id is not None:
            raise Conflict("该设备是出借期间送修的，报废前请先为借用人更换设备 "
                           "(the unit belongs to a running rental: swap it first)",
                           current_state="on_loan_repair")
        unit.write_off(now, reason, reference=self.id)
        self._transition("write_off")
        self._close(now, repair_cost_fen, reason)

    def _close(self, now: datetime, repair_cost_fen: int, resolution: str) -> None:
        self.repair_cost_fen = repair_cost_fen
        self.resolution = resolution
        self.closed_at = now
