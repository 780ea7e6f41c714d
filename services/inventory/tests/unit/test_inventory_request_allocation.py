"""A unit held for a renovation request (一户一策) and delivered is allocated to the
household by request reference, with no borrower."""

from __future__ import annotations

from datetime import timedelta

import pytest
from inventory.domain.allocations import Allocation
from inventory.domain.events import UnitAllocated
from inventory.domain.reservations import Reservation
from inventory_builders import NOW, borrower, station, unit, wheelchair
from svckit.domain.errors import Conflict, IllegalTransition, ValidationFailed

HOME = station()
TYPE = wheelchair()


def _hold(request_ref: str | None = "req-1") -> tuple[Reservation, object]:
    u = unit(TYPE, HOME)
    kw = {"request_ref": request_ref} if request_ref else {"borrower": borrower()}
    res = Reservation.place(unit=u, station=HOME, now=NOW, expires_at=NOW + timedelta(days=30),
                            **kw)
    return res, u


def test_delivered_request_hold_becomes_an_allocation_by_reference() -> None:
    res, u = _hold()
    alloc = Allocation.for_request(unit=u, reservation=res, now=NOW + timedelta(days=2),
                                   reason="无障碍改造方案配送")
    assert (alloc.borrower_id, alloc.request_ref, alloc.station_id) == (None, "req-1", HOME.id)
    assert (res.status, u.status) == ("fulfilled", "allocated")
    assert u.movements[-1].reference == alloc.id
    [event] = alloc.events
    assert isinstance(event, UnitAllocated) and event.request_ref == "req-1"


def test_a_borrower_hold_cannot_be_allocated_as_a_request() -> None:
    res, u = _hold(request_ref=None)
    with pytest.raises(ValidationFailed):
        Allocation.for_request(unit=u, reservation=res, now=NOW, reason="x")


def test_a_borrower_hold_cannot_be_fulfilled_without_the_borrower() -> None:
    res, u = _hold(request_ref=None)
    with pytest.raises(Conflict):
        res.fulfil(u, NOW, None)  # type: ignore[arg-type]


def test_an_allocated_request_unit_cannot_be_allocated_again() -> None:
    res, u = _hold()
    Allocation.for_request(unit=u, reservation=res, now=NOW, reason="配送")
    with pytest.raises(IllegalTransition):
        Allocation.for_request(unit=u, reservation=res, now=NOW, reason="配送")


def test_reason_is_required() -> None:
    res, u = _hold()
    with pytest.raises(ValidationFailed):
        Allocation.for_request(unit=u, reservation=res, now=NOW, reason=" ")
