"""Reservations: holds, expiry freeing the unit, and the nearest-station search."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from inventory.domain.borrowers import Borrower
from inventory.domain.events import DeviceHeldForRequest, NoDeviceForRequest, ReservationReleased
from inventory.domain.rentals import Rental
from inventory.domain.reservations import DeviceRequest, Reservation
from inventory_builders import (
    NOW,
    TODAY,
    borrower,
    station,
    unit,
    wheelchair,
)
from svckit.domain.errors import Conflict, ValidationFailed

HOME = station()
TYPE = wheelchair()
UNTIL = NOW + timedelta(days=2)


def test_place_holds_the_unit() -> None:
    u, b = unit(TYPE, HOME), borrower()
    r = Reservation.place(unit=u, station=HOME, now=NOW, expires_at=UNTIL, borrower=b)
    assert (r.status, u.status, r.borrower_id, r.type_id) == ("held", "reserved", b.id, TYPE.id)
    assert u.movements[-1].reference == r.id
    assert (r.expires_at, r.created_at, r.events) == (UNTIL, NOW, [])


@pytest.mark.parametrize(("with_borrower", "ref"), [(True, "plan-1"), (False, None),
                                                     (False, "")])
def test_exactly_one_of_borrower_or_request(with_borrower: bool, ref: str | None) -> None:
    u = unit(TYPE, HOME)
    with pytest.raises(ValidationFailed) as exc:
        Reservation.place(unit=u, station=HOME, now=NOW, expires_at=UNTIL,
                          borrower=borrower() if with_borrower else None, request_ref=ref)
    assert list(exc.value.errors) == ["borrower_id"]
    assert u.status == "available"


@pytest.mark.parametrize("expires_at", [NOW, NOW - timedelta(seconds=1), datetime(2030, 1, 1)])
def test_expiry_must_be_a_later_aware_time(expires_at: datetime) -> None:
    with pytest.raises(ValidationFailed) as exc:
        Reservation.place(unit=unit(TYPE, HOME), station=HOME, now=NOW, expires_at=expires_at,
                          borrower=borrower())
    assert list(exc.value.errors) == ["expires_at"]


def test_no_hold_for_unconsented_borrower_inactive_station_or_elsewhere() -> None:
    with pytest.raises(Conflict):
        Reservation.place(unit=unit(TYPE, HOME), station=HOME, now=NOW, expires_at=UNTIL,
                          borrower=borrower(consent=False))
    closed = station(active=False)
    with pytest.raises(Conflict):
        Reservation.place(unit=unit(TYPE, closed), station=closed, now=NOW, expires_at=UNTIL,
                          borrower=borrower())
    with pytest.raises(Conflict):
        Reservation.place(unit=unit(TYPE, station()), station=HOME, now=NOW, expires_at=UNTIL,
                          borrower=borrower())


def test_expired_hold_frees_the_unit() -> None:
    u = unit(TYPE, HOME)
    r = Reservation.place(unit=u, station=HOME, now=NOW, expires_at=UNTIL, request_ref="plan-7")
    assert not r.is_expired(UNTIL - timedelta(seconds=1))
    with pytest.raises(Conflict):
        r.expire(u, UNTIL - timedelta(seconds=1))
    assert r.is_expired(UNTIL)
    r.expire(u, UNTIL)
    assert (r.status, r.closed_at, u.status) == ("expired", UNTIL, "available")
    assert r.events[-1] == ReservationReleased(reservation_id=r.id, unit_id=u.id,
                                               request_ref="plan-7", reason="expired",
                                               note="", occurred_at=UNTIL)


def test_cancel_frees_the_unit() -> None:
    u = unit(TYPE, HOME)
    r = Reservation.place(unit=u, station=HOME, now=NOW, expires_at=UNTIL, borrower=borrower())
    r.cancel(u, NOW)
    assert (r.status, u.status) == ("cancelled", "available")
    assert isinstance(r.events[-1], ReservationReleased)


def test_wrong_unit_refused() -> None:
    u = unit(TYPE, HOME)
    r = Reservation.place(unit=u, station=HOME, now=NOW, expires_at=UNTIL, borrower=borrower())
    with pytest.raises(ValidationFailed):
        r.cancel(unit(TYPE, HOME, tag="LC-0002"), NOW)
    assert r.status == "held"


class TestCheckOutOfReservedUnit:
    def setup_method(self) -> None:
        self.unit = unit(TYPE, HOME)
        self.holder = borrower()
        self.res = Reservation.place(unit=self.unit, station=HOME, now=NOW, expires_at=UNTIL,
                                     borrower=self.holder)

    def check_out(self, b: Borrower, reservation: Reservation | None,
                  now: datetime = NOW) -> Rental:
        return Rental.check_out(unit=self.unit, device_type=TYPE, station=HOME, borrower=b,
                                due_on=TODAY + timedelta(days=10), now=now,
                                borrower_rentals=[], reservation=reservation)

    def test_needs_its_reservation(self) -> None:
        with pytest.raises(Conflict) as exc:
            self.check_out(self.holder, None)
        assert exc.value.current_state == "reserved"

    def test_refused_for_another_borrower(self) -> None:
        with pytest.raises(Conflict):
            self.check_out(borrower(first17="37152119900202002"), self.res)
        assert (self.res.status, self.unit.status) == ("held", "reserved")

    def test_refused_once_expired(self) -> None:
        with pytest.raises(Conflict) as exc:
            self.check_out(self.holder, self.res, now=UNTIL)
        assert exc.value.current_state == "expired"
        assert self.unit.status == "reserved"

    def test_holder_gets_it_and_the_hold_is_fulfilled(self) -> None:
        rental = self.check_out(self.holder, self.res)
        assert (self.res.status, self.unit.status) == ("fulfilled", "rented")
        assert self.unit.movements[-1].from_status == "reserved"
        assert rental.unit_id == self.unit.id

    def test_request_hold_goes_to_whoever_the_request_was_for(self) -> None:
        u = unit(TYPE, HOME, tag="LC-0009")
        res = Reservation.place(unit=u, station=HOME, now=NOW, expires_at=UNTIL,
                                request_ref="renovation-plan:1")
        b = borrower(first17="37152119900202002")
        Rental.check_out(unit=u, device_type=TYPE, station=HOME, borrower=b,
                         due_on=TODAY + timedelta(days=10), now=NOW, borrower_rentals=[],
                         reservation=res)
        assert res.status == "fulfilled"


class TestDeviceRequest:
    """A renovation household's request: a hold with its delivery, or "unavailable"."""

    def request(self) -> DeviceRequest:
        return DeviceRequest(request_id=uuid.UUID(int=7), item_name="洗浴椅",
                             division_code="371502", address="聊城市东昌府区某街道1号",
                             contact_name="杨某", contact_phone="138****1206")

    def test_hold_reserves_the_unit_and_asks_for_its_delivery(self) -> None:
        req, u = self.request(), unit(TYPE, HOME)
        r = req.hold(unit=u, station=HOME, now=NOW, expires_at=UNTIL)
        assert (r.request_ref, r.borrower_id, u.status) == (str(req.request_id), None,
                                                            "reserved")
        assert req.events == [DeviceHeldForRequest(
            request_id=req.request_id, reservation_id=r.id, unit_id=u.id, station_id=HOME.id,
            item_name="洗浴椅", division_code="371502", address="聊城市东昌府区某街道1号",
            contact_name="杨某", contact_phone="138****1206", occurred_at=NOW)]

    def test_unavailable_says_why(self) -> None:
        req = self.request()
        req.unavailable("本市暂无", NOW)
        assert req.events == [NoDeviceForRequest(req.request_id, "本市暂无", NOW)]

    def test_a_failed_delivery_ends_the_hold_with_its_reason(self) -> None:
        req, u = self.request(), unit(TYPE, HOME)
        r = req.hold(unit=u, station=HOME, now=NOW, expires_at=UNTIL)
        r.delivery_failed(u, NOW, "家中无人")
        assert (r.status, u.status) == ("cancelled", "available")
        assert r.events == [ReservationReleased(r.id, u.id, str(req.request_id),
                                                "delivery_failed", "家中无人", NOW)]
