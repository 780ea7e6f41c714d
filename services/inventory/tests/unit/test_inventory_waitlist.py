"""The waiting list and date bookings in the domain (issue 16, ADR 0023): the line's
order, a hold for the first in line, a lapsed hold ending the entry, and the count of
units against the booked days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from inventory.domain.events import ReservationFulfilled, WaitlistUnitHeld
from inventory.domain.rentals import ClassLimit, loan_blocks
from inventory.domain.waitlist import (
    WAITLIST_MACHINE,
    Booking,
    WaitlistEntry,
    first_unservable,
    in_line,
    overbooked,
    refusal,
)
from inventory_builders import NOW, TODAY, borrower, station, unit, wheelchair
from svckit.domain.errors import Conflict, IllegalTransition, ValidationFailed

HOME = station()
TYPE = wheelchair()


def _join(b: object, minutes: int) -> WaitlistEntry:
    return WaitlistEntry.join(station=HOME, device_type=TYPE, borrower=b,  # type: ignore[arg-type]
                              now=NOW + timedelta(minutes=minutes))


def test_priority_first_then_first_come() -> None:
    plain1, plain2 = borrower(4), borrower(3)
    severe, dibao, tekun = borrower(2), borrower(4, dibao=True), borrower(3, tekun=True)
    entries = [_join(plain1, 0), _join(severe, 5), _join(plain2, 1), _join(tekun, 9),
               _join(dibao, 7)]
    assert [e.priority for e in entries] == [None, "severe", None, "tekun", "dibao"]
    order = [e.borrower_id for e in in_line(entries)]
    assert order == [severe.id, dibao.id, tekun.id, plain1.id, plain2.id]
    entries[1].cancel(NOW)
    assert next(e.borrower_id for e in in_line(entries)) == dibao.id


def test_join_applies_the_check_out_rules() -> None:
    no_consent = borrower(consent=False)
    with pytest.raises(Conflict, match="同意书"):
        _join(no_consent, 0)
    b = borrower()
    blocks = loan_blocks(b, [], ClassLimit(iso_class="12 22", max_open=1, open_in_class=1), NOW)
    with pytest.raises(Conflict, match="上限") as exc:
        WaitlistEntry.join(station=HOME, device_type=TYPE, borrower=b, now=NOW, blocks=blocks)
    assert exc.value.current_state == "limit_reached"


def test_hold_for_the_first_in_line_and_lapse() -> None:
    b = borrower(2)
    entry = _join(b, 0)
    u = unit(TYPE, HOME)
    until = NOW + timedelta(days=3)
    hold = entry.hold(unit=u, station=HOME, borrower=b, now=NOW, expires_at=until)
    assert (entry.status, entry.reservation_id, u.status) == ("held", hold.id, "reserved")
    [event] = entry.events
    assert isinstance(event, WaitlistUnitHeld)
    assert (event.unit_id, event.borrower_id, event.expires_at) == (u.id, b.id, until)
    with pytest.raises(IllegalTransition):  # a unit is held already
        entry.hold(unit=unit(TYPE, HOME, tag="LC-0002"), station=HOME, borrower=b, now=NOW,
                   expires_at=until)
    hold.expire(u, until)
    entry.hold_ended(hold, until)
    assert (entry.status, entry.closed_at, u.status) == ("lapsed", until, "available")
    assert entry not in in_line([entry])


def test_a_fulfilled_hold_serves_the_entry() -> None:
    b = borrower()
    entry = _join(b, 0)
    u = unit(TYPE, HOME)
    hold = entry.hold(unit=u, station=HOME, borrower=b, now=NOW,
                      expires_at=NOW + timedelta(days=3))
    hold.fulfil(u, NOW, b)
    assert any(isinstance(e, ReservationFulfilled) for e in hold.events)
    entry.hold_ended(hold, NOW)
    assert entry.status == "served"
    with pytest.raises(IllegalTransition) as exc:
        entry.cancel(NOW)
    assert "已出借" in str(exc.value)


def test_the_state_machine_speaks_words() -> None:
    assert WAITLIST_MACHINE.state_label("held") == ("已为其预留设备", "a unit is held")


def _booking(start: int, end: int, minutes: int = 0) -> Booking:
    return Booking.book(station=HOME, device_type=TYPE, borrower=borrower(),
                        starts_on=TODAY + timedelta(days=start),
                        ends_on=TODAY + timedelta(days=end), today=TODAY,
                        now=NOW + timedelta(minutes=minutes))


def test_booking_days_are_checked_field_by_field() -> None:
    with pytest.raises(ValidationFailed) as exc:
        _booking(0, -1)
    assert set(exc.value.errors) == {"starts_on", "ends_on"}
    with pytest.raises(ValidationFailed) as exc:
        _booking(200, 400)
    assert set(exc.value.errors) == {"starts_on", "ends_on"}


def _day(n: int) -> date:
    return TODAY + timedelta(days=n)


def test_units_counted_against_each_booked_day() -> None:
    a, b = _booking(3, 6), _booking(5, 9, minutes=1)
    # one unit on the shelf, one loan due on day 2 (back and cleaned from day 4)
    coming = [_day(4)]
    assert first_unservable([a, b], free=1, coming=coming, start=TODAY, until=_day(10)) is None
    # taking the shelf unit until day 10 leaves a's first day (3) without a unit
    assert first_unservable([a, b], free=1, coming=coming, start=TODAY, until=_day(10),
                            taking=1) is a
    # two on the shelf: day 5 has three units (two, less one, plus the loan back) for two
    assert first_unservable([a, b], free=2, coming=coming, start=TODAY, until=_day(10),
                            taking=1) is None
    # ... but with no loan coming back, day 5 has one unit for a and b: b (the later) is out
    assert first_unservable([a, b], free=2, coming=[], start=TODAY, until=_day(10),
                            taking=1) is b
    # the unit is missing until the day before it is back: day 2 is fine, day 3 is not
    assert first_unservable([a], free=1, coming=[], start=TODAY, until=_day(2),
                            taking=1) is None
    assert first_unservable([a], free=1, coming=[], start=TODAY, until=_day(3),
                            taking=1) is a
    c = _booking(4, 5, minutes=2)
    assert overbooked(c, [a, b], free=1, coming=coming) is not None
    assert overbooked(_booking(10, 12), [a, b], free=1, coming=coming) is None


def test_refusal_names_the_booking() -> None:
    a = _booking(3, 6)
    conflict = refusal(a)
    assert str(a.id)[:8] in conflict.detail and a.label in conflict.detail
    assert conflict.current_state == "reserved_for_booking"
