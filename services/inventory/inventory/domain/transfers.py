"""Transfers between stations: the unit is in transit until the destination receives it."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from svckit.domain.errors import Conflict, ValidationFailed
from svckit.domain.statemachine import StateMachine

from .catalogue import Station
from .units import Unit


class TransferStatus(enum.StrEnum):
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    LOST = "lost"  # lost on the way; the unit is written off


TRANSFER_MACHINE = StateMachine("transfer", {
    (TransferStatus.IN_TRANSIT, "receive"): TransferStatus.RECEIVED,
    (TransferStatus.IN_TRANSIT, "lose"): TransferStatus.LOST,
}, label=("调拨单", "the transfer"), state_labels={
    TransferStatus.IN_TRANSIT: ("运输中", "in transit"),
    TransferStatus.RECEIVED: ("已接收", "received"),
    TransferStatus.LOST: ("运输中丢失", "lost in transit"),
}, action_labels={"receive": ("接收", "receive it"), "lose": ("报失", "report it lost")})


@dataclass(eq=False)
class Transfer:
    unit_id: uuid.UUID
    from_station_id: uuid.UUID
    to_station_id: uuid.UUID
    dispatched_at: datetime
    note: str = ""
    status: TransferStatus = TransferStatus.IN_TRANSIT
    received_at: datetime | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @classmethod
    def dispatch(
        cls,
        *,
        unit: Unit,
        from_station: Station,
        to_station: Station,
        now: datetime,
        note: str = "",
        transfer_id: uuid.UUID | None = None,
    ) -> Transfer:
        """Send an available unit from the station it is at to another, active station."""
        if from_station.id == to_station.id:
            raise ValidationFailed.field("to_station_id", "调入站点不能与调出站点相同 "
                                         "(destination must differ from origin)")
        to_station.ensure_active()
        unit.ensure_at(from_station.id)
        transfer = cls(unit_id=unit.id, from_station_id=from_station.id,
                       to_station_id=to_station.id, dispatched_at=now, note=note,
                       id=transfer_id or uuid.uuid4())
        unit.dispatch(now, transfer.id)
        return transfer

    def receive(self, *, unit: Unit, at_station_id: uuid.UUID, now: datetime) -> None:
        """Only the destination station can receive; the unit becomes available there."""
        if unit.id != self.unit_id:
            raise ValidationFailed.field("unit_id", "设备与调拨单不符 (unit does not match)")
        TRANSFER_MACHINE.next(self.status, "receive")
        if at_station_id != self.to_station_id:
            raise Conflict("只能由调入站点接收 (must be received at the destination station)",
                           current_state=self.status)
        unit.receive(now, self.id, self.to_station_id)
        self.status = TransferStatus.RECEIVED
        self.received_at = now

    def lose(self, *, unit: Unit, now: datetime, reason: str) -> None:
        """Lost on the way (物流丢失): the transfer closes as lost and the unit is written
        off with the reason."""
        if unit.id != self.unit_id:
            raise ValidationFailed.field("unit_id", "设备与调拨单不符 (unit does not match)")
        TRANSFER_MACHINE.next(self.status, "lose")
        unit.write_off(now, reason, reference=self.id)
        self.status = TransferStatus.LOST
        self.received_at = None
