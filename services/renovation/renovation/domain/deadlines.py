"""Work-order deadlines: accept after assignment, inspect after completion, rework after a
failed inspection. Pure: the caller passes ``now`` and each programme's settings.

A deadline is breached strictly after ``since + N days``. Each breach has a stable ``key``
(kind and the moment its clock started), so a new rework round is a new breach while the
same one is reported only once (``WorkOrder.breaches_raised``).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import events as ev
from .programme import DeadlineSettings
from .workorder import WorkOrder


class BreachKind(enum.StrEnum):
    ACCEPT = "accept"
    INSPECT = "inspect"
    REWORK = "rework"


@dataclass(frozen=True)
class Breach:
    work_order_id: uuid.UUID
    kind: BreachKind
    since: datetime
    due_at: datetime

    @property
    def key(self) -> str:
        return f"{self.kind.value}@{self.since.isoformat()}"


def clock_of(order: WorkOrder, settings: DeadlineSettings) -> Breach | None:
    """The deadline running now for this order (accept, inspect or rework), due or not;
    None when no clock runs in its state."""
    clocks: dict[str, tuple[BreachKind, datetime | None, timedelta]] = {
        "assigned": (BreachKind.ACCEPT, order.assigned_at, settings.accept_within),
        "completion_requested": (
            BreachKind.INSPECT,
            order.completion_requested_at,
            settings.inspect_within,
        ),
        "rework": (BreachKind.REWORK, order.rework_since, settings.rework_within),
    }
    clock = clocks.get(order.status)
    if clock is None or clock[1] is None:
        return None
    kind, since, within = clock[0], clock[1], clock[2]
    return Breach(order.id, kind, since, since + within)


def breach_of(order: WorkOrder, settings: DeadlineSettings, now: datetime) -> Breach | None:
    """The deadline this order is past at ``now``, if any (reported before or not)."""
    clock = clock_of(order, settings)
    return clock if clock is not None and now > clock.due_at else None


def overdue(
    orders: Iterable[WorkOrder], settings: Mapping[uuid.UUID, DeadlineSettings], now: datetime
) -> list[Breach]:
    """Every current breach (the overdue list). ``settings`` is keyed by programme id."""
    found = (breach_of(o, settings[o.programme_id], now) for o in orders)
    return [b for b in found if b is not None]


def unreported(
    orders: Iterable[WorkOrder], settings: Mapping[uuid.UUID, DeadlineSettings], now: datetime
) -> list[Breach]:
    """The breaches not yet raised: pass each to ``record_breach`` on its order."""
    pending = list(orders)
    raised = {o.id: o.breaches_raised for o in pending}
    return [b for b in overdue(pending, settings, now) if b.key not in raised[b.work_order_id]]


def record_breach(order: WorkOrder, breach: Breach, now: datetime) -> bool:
    """Mark the breach raised and add ``DeadlineBreached`` once; False if already raised."""
    if breach.work_order_id != order.id:
        raise ValueError(f"breach of {breach.work_order_id} recorded on {order.id}")
    if breach.key in order.breaches_raised:
        return False
    order.breaches_raised.add(breach.key)
    order.events.append(
        ev.DeadlineBreached(
            now,
            order.id,
            order.application_id,
            order.contractor_id,
            breach.kind.value,
            breach.due_at,
        )
    )
    return True
