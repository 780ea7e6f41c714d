"""The inventory unit of work: the repository on the session, state and outbox in one commit.

Before it commits, the units that became free in the transaction (``UnitAvailable``, a
released hold) are offered to the date bookings and waiting lists of their type and
station, and the waiting-list entries whose hold ended are closed
(``waitlist.serve_freed``): the one place where "a unit became available" is acted on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from svckit.uow import UnitOfWork

from inventory.adapters.repository import Repository
from inventory.domain.events import ReservationFulfilled, ReservationReleased, UnitAvailable
from inventory.domain.reservations import Reservation
from inventory.domain.units import Unit


class InventoryUoW(UnitOfWork):
    repo: Repository

    def __enter__(self) -> Self:
        super().__enter__()
        self.repo = Repository(self.session)
        return self

    def _stock_changes(self) -> tuple[list[Unit], list[Reservation], datetime | None]:
        freed: dict[Any, Unit] = {}
        closed: list[Reservation] = []
        at: datetime | None = None
        session = self.session
        for obj in (*session.identity_map.values(), *session.new, *self._seen):
            for e in getattr(obj, "events", ()):
                if isinstance(e, UnitAvailable) and isinstance(obj, Unit):
                    freed[obj.id] = obj
                elif isinstance(e, ReservationReleased | ReservationFulfilled):
                    assert isinstance(obj, Reservation)
                    if obj not in closed:
                        closed.append(obj)
                    unit = session.get(Unit, obj.unit_id) if isinstance(
                        e, ReservationReleased) else None
                    if unit is not None:
                        freed[unit.id] = unit
                else:
                    continue
                at = e.occurred_at if at is None else max(at, e.occurred_at)
        return list(freed.values()), closed, at

    def commit(self, *, publish: bool = True) -> None:
        freed, closed, at = self._stock_changes()
        if at is not None:
            from inventory.service_layer.waitlist import serve_freed

            serve_freed(self, freed, closed, at)
        super().commit(publish=publish)
