"""Utilisation figures replayed from the units' movement history (stock counts and the
overdue list are queries: ``adapters/repository.py``)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .units import IN_STOCK, Unit, UnitStatus


@dataclass(frozen=True)
class Utilisation:
    rented: timedelta
    in_stock: timedelta

    @property
    def rate(self) -> float:
        """Rented time / time in stock (0 when the type had no stock in the period)."""
        if not self.in_stock:
            return 0.0
        return round(self.rented / self.in_stock, 4)


def utilisation_by_type(
    units: Iterable[Unit], start: datetime, end: datetime
) -> dict[uuid.UUID, Utilisation]:
    """Per type, over ``[start, end)``: time units spent rented against time they were in
    stock (any status but allocated or written off), replayed from the movement history."""
    rented: Counter[uuid.UUID] = Counter()
    in_stock: Counter[uuid.UUID] = Counter()
    for unit in units:
        moves = sorted(unit.movements, key=lambda m: m.at)
        for here, nxt in zip(moves, [*moves[1:], None], strict=True):
            lo = max(here.at, start)
            hi = min(nxt.at if nxt else end, end)
            if hi <= lo:
                continue
            seconds = int((hi - lo).total_seconds())
            if here.to_status in IN_STOCK:
                in_stock[unit.type_id] += seconds
            if here.to_status == UnitStatus.RENTED:
                rented[unit.type_id] += seconds
    return {
        type_id: Utilisation(rented=timedelta(seconds=rented[type_id]),
                             in_stock=timedelta(seconds=in_stock[type_id]))
        for type_id in in_stock
    }
