"""Rentals: check-out rules and money, waiver, overdue block and override, extension,
return with deposit refund, loss, overdue detection, delivery and pickup."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from inventory.domain.borrowers import Borrower, WaiverReason
from inventory.domain.catalogue import DeviceType
from inventory.domain.events import (
    DeliveryRequested,
    PickupRequested,
    RentalCheckedOut,
    RentalOverdue,
    RentalReturned,
    UnitWrittenOff,
)
from inventory.domain.rentals import (
    Rental,
    SupervisorOverride,
    check_visit_window,
    overdue_call_due_by,
    quote,
)
from inventory.domain.units import ConditionGrade, Unit
from inventory_builders import NOW, TODAY, UTC, borrower, prosthesis, station, unit, wheelchair
from svckit.domain.clock import china_date
from svckit.domain.errors import Conflict, Forbidden, ValidationFailed

HOME = station()
TYPE = wheelchair()  # 200 fen a day, 50,000 fen deposit, 90 days max, 24 h cleaning


def check_out(u: Unit | None = None, b: Borrower | None = None, *, days: int = 30,
              now: datetime = NOW, device_type: DeviceType = TYPE, **kw: Any) -> Rental:
    return Rental.check_out(
        unit=u or unit(device_type, HOME), device_type=device_type, station=HOME,
        borrower=b or borrower(), due_on=china_date(now) + timedelta(days=days), now=now,
        borrower_rentals=kw.pop("borrower_rentals", []), **kw)


class TestMoney:
    @pytest.mark.parametrize("days", [1, 30, 90])
    def test_fee_is_days_times_daily_fee_plus_deposit(self, days: int) -> None:
        c = quote(TYPE, borrower(), TODAY, TODAY + timedelta(days=days))
        assert (c.days, c.fee_fen, c.deposit_fen, c.waiver) == (days, days * 200, 50_000, None)

    @pytest.mark.parametrize("days", [0, -1, 91])
    def test_due_date_within_one_to_max_days(self, days: int) -> None:
        with pytest.raises(ValidationFailed) as exc:
            quote(TYPE, borrower(), TODAY, TODAY + timedelta(days=days))
        assert list(exc.value.errors) == ["due_on"]

    @pytest.mark.parametrize(("b", "reason"), [
        (borrower(dibao=True), WaiverReason.DIBAO),
        (borrower(tekun=True), WaiverReason.TEKUN),
        (borrower(grade=1), WaiverReason.SEVERE),
        (borrower(grade=2), WaiverReason.SEVERE),
    ])
    def test_eligible_borrowers_pay_nothing_and_the_reason_is_recorded(
            self, b: Borrower, reason: WaiverReason) -> None:
        r = check_out(b=b)
        assert (r.fee_fen, r.deposit_fen, r.waiver) == (0, 0, reason)
        assert r.daily_fee_fen == 200  # list price kept for the record
        assert r.events[0].waiver == reason  # type: ignore[attr-defined]

    def test_check_out_records_everything_and_rents_the_unit(self) -> None:
        u, b = unit(TYPE, HOME), borrower()
        r = check_out(u, b, days=30)
        assert (r.status, r.logistics, r.due_on, r.fee_fen, r.deposit_fen) == (
            "active", "none", TODAY + timedelta(days=30), 6_000, 50_000)
        assert (r.max_rental_days, r.override_by, r.override_reason) == (90, None, None)
        assert (u.status, u.movements[-1].reference) == ("rented", r.id)
        assert r.events == [RentalCheckedOut(
            rental_id=r.id, unit_id=u.id, type_id=TYPE.id, station_id=HOME.id,
            borrower_id=b.id, due_on=r.due_on, fee_fen=6_000, deposit_fen=50_000, waiver=None,
            overridden=False, home_delivery=False, occurred_at=NOW)]

    def test_days_count_in_china_time(self) -> None:
        evening_utc = datetime(2025, 3, 2, 20, 0, tzinfo=UTC)  # 04:00 on 3 March in China
        r = Rental.check_out(unit=unit(TYPE, HOME), device_type=TYPE, station=HOME,
                             borrower=borrower(), due_on=date(2025, 3, 4), now=evening_utc,
                             borrower_rentals=[])
        assert r.fee_fen == 200  # one day, not the two a UTC date would give
        assert r.start_date == TODAY


class TestCheckOutRules:
    def test_allocate_only_type_is_never_rented(self) -> None:
        p = prosthesis()
        with pytest.raises(Conflict):
            check_out(unit(p, HOME), device_type=p)

    def test_unit_must_be_of_the_type(self) -> None:
        with pytest.raises(ValidationFailed) as exc:
            check_out(unit(wheelchair(), HOME))
        assert list(exc.value.errors) == ["unit_id"]

    def test_unit_must_be_at_the_station(self) -> None:
        u = unit(TYPE, station("阳谷站", "371521"))
        with pytest.raises(Conflict):
            check_out(u)
        assert u.status == "available"

    def test_inactive_station_refused(self) -> None:
        closed = station(active=False)
        with pytest.raises(Conflict):
            Rental.check_out(unit=unit(TYPE, closed), device_type=TYPE, station=closed,
                             borrower=borrower(), due_on=TODAY + timedelta(days=3), now=NOW,
                             borrower_rentals=[])

    def test_borrower_without_consent_refused(self) -> None:
        u = unit(TYPE, HOME)
        with pytest.raises(Conflict) as exc:
            check_out(u, borrower(consent=False))
        assert exc.value.current_state == "no_consent"
        assert u.status == "available"

    def test_unit_cannot_be_rented_twice(self) -> None:
        u = unit(TYPE, HOME)
        check_out(u)
        with pytest.raises(Conflict) as exc:
            check_out(u)
        assert exc.value.current_state == "rented"

    def test_delivery_at_check_out_is_requested(self) -> None:
        r = check_out(delivery=True)
        assert r.logistics == "delivery_requested"
        assert isinstance(r.events[-1], DeliveryRequested)


class TestOverdueBlock:
    def setup_method(self) -> None:
        self.b = borrower()
        self.old = check_out(b=self.b, days=10, now=NOW - timedelta(days=20))  # due 10 days ago

    def test_borrower_with_overdue_rental_is_blocked(self) -> None:
        u = unit(TYPE, HOME, tag="LC-0002")
        with pytest.raises(Conflict) as exc:
            check_out(u, self.b, borrower_rentals=[self.old])
        assert exc.value.current_state == "overdue"
        assert u.status == "available"

    def test_rental_due_today_does_not_block(self) -> None:
        due_today = check_out(b=self.b, days=10, now=NOW - timedelta(days=10))
        check_out(b=self.b, borrower_rentals=[due_today])

    def test_other_borrowers_overdue_rentals_do_not_block(self) -> None:
        check_out(b=borrower(first17="37152119900202002"), borrower_rentals=[self.old])

    def test_supervisor_override_with_reason_is_recorded(self) -> None:
        r = check_out(b=self.b, borrower_rentals=[self.old],
                      override=SupervisorOverride("supervisor-1", "原设备已损坏待报损", True))
        assert (r.override_by, r.override_reason) == ("supervisor-1", "原设备已损坏待报损")
        assert r.events[0].overridden  # type: ignore[attr-defined]

    def test_override_unused_when_not_needed(self) -> None:
        r = check_out(override=SupervisorOverride("supervisor-1", "无", True))
        assert (r.override_by, r.override_reason) == (None, None)

    def test_an_override_the_policy_does_not_permit_is_refused(self) -> None:
        # a clerk, or a supervisor of another station (service_layer/policy.py decides)
        with pytest.raises(Forbidden):
            check_out(b=self.b, borrower_rentals=[self.old],
                      override=SupervisorOverride("clerk-1", "理由", False))

    def test_override_needs_a_reason(self) -> None:
        with pytest.raises(ValidationFailed) as exc:
            check_out(b=self.b, borrower_rentals=[self.old],
                      override=SupervisorOverride("supervisor-1", " ", True))
        assert list(exc.value.errors) == ["override_reason"]


class TestExtend:
    def test_extend_adds_the_extra_days_fee(self) -> None:
        r = check_out(days=30)
        r.extend(TODAY + timedelta(days=45), NOW + timedelta(days=5))
        assert (r.due_on, r.fee_fen) == (TODAY + timedelta(days=45), 45 * 200)

    def test_extend_exactly_to_the_maximum_but_not_a_day_over(self) -> None:
        r = check_out(days=30)
        with pytest.raises(ValidationFailed) as exc:
            r.extend(TODAY + timedelta(days=91), NOW)
        assert list(exc.value.errors) == ["due_on"]
        r.extend(TODAY + timedelta(days=90), NOW)
        assert r.fee_fen == 90 * 200

    @pytest.mark.parametrize("offset", [30, 29])
    def test_new_due_date_must_be_later(self, offset: int) -> None:
        r = check_out(days=30)
        with pytest.raises(ValidationFailed):
            r.extend(TODAY + timedelta(days=offset), NOW)

    def test_new_due_date_cannot_be_in_the_past(self) -> None:
        r = check_out(days=10)
        with pytest.raises(ValidationFailed):
            r.extend(TODAY + timedelta(days=11), NOW + timedelta(days=12))

    def test_waived_rental_extends_for_free(self) -> None:
        r = check_out(b=borrower(dibao=True), days=10)
        r.extend(TODAY + timedelta(days=60), NOW)
        assert r.fee_fen == 0

    def test_overdue_rental_extended_is_no_longer_overdue_and_can_be_noticed_again(self) -> None:
        r = check_out(days=10)
        later = NOW + timedelta(days=18)  # 8 days overdue: the call was asked for
        assert r.notice_overdue(later)
        r.extend(TODAY + timedelta(days=20), later)
        assert not r.is_overdue(later)
        assert r.overdue_noticed_at is None
        assert r.notice_overdue(NOW + timedelta(days=28))


class TestReturn:
    def test_refund_is_deposit_less_damage_and_unit_goes_to_cleaning(self) -> None:
        u, b = unit(TYPE, HOME), borrower()
        r = check_out(u, b, days=30)
        back = NOW + timedelta(days=31)  # one day late
        r.return_(unit=u, device_type=TYPE, now=back, condition=ConditionGrade.C,
                  notes="扶手松动", damage_charge_fen=8_000)
        assert (r.status, r.returned_at, r.return_condition, r.return_notes) == (
            "returned", back, "C", "扶手松动")
        assert (r.damage_charge_fen, r.deposit_refund_fen) == (8_000, 42_000)
        assert (u.status, u.condition, u.cleaning_until) == (
            "cleaning", "C", back + timedelta(hours=24))
        assert r.events[-1] == RentalReturned(
            rental_id=r.id, unit_id=u.id, station_id=HOME.id, borrower_id=b.id, condition="C",
            damage_charge_fen=8_000, deposit_refund_fen=42_000, days_overdue=1, occurred_at=back)
        assert not u.settle(back + timedelta(hours=23))
        assert u.settle(back + timedelta(hours=24))
        assert u.status == "available"

    def test_damage_exactly_the_deposit_refunds_nothing(self) -> None:
        u = unit(TYPE, HOME)
        r = check_out(u)
        r.return_(unit=u, device_type=TYPE, now=NOW, condition=ConditionGrade.C,
                  damage_charge_fen=50_000)
        assert r.deposit_refund_fen == 0

    @pytest.mark.parametrize("charge", [50_001, -1])
    def test_damage_never_more_than_deposit_nor_negative(self, charge: int) -> None:
        u = unit(TYPE, HOME)
        r = check_out(u)
        with pytest.raises(ValidationFailed) as exc:
            r.return_(unit=u, device_type=TYPE, now=NOW, condition=ConditionGrade.C,
                      damage_charge_fen=charge)
        assert list(exc.value.errors) == ["damage_charge_fen"]
        assert (r.status, u.status) == ("active", "rented")

    def test_no_damage_charge_without_a_deposit(self) -> None:
        u = unit(TYPE, HOME)
        r = check_out(u, borrower(grade=1))
        with pytest.raises(ValidationFailed):
            r.return_(unit=u, device_type=TYPE, now=NOW, condition=ConditionGrade.C,
                      damage_charge_fen=1)

    def test_grade_d_return_sends_unit_to_maintenance(self) -> None:
        u = unit(TYPE, HOME)
        r = check_out(u)
        r.return_(unit=u, device_type=TYPE, now=NOW, condition=ConditionGrade.D)
        assert (r.status, u.status) == ("returned", "maintenance")

    def test_wrong_unit_or_type_refused(self) -> None:
        u = unit(TYPE, HOME)
        r = check_out(u)
        with pytest.raises(ValidationFailed):
            r.return_(unit=unit(TYPE, HOME, tag="LC-0002"), device_type=TYPE, now=NOW,
                      condition=ConditionGrade.A)
        with pytest.raises(ValidationFailed):
            r.return_(unit=u, device_type=wheelchair(), now=NOW, condition=ConditionGrade.A)
        assert r.status == "active"


def test_lost_unit_is_written_off_and_deposit_kept() -> None:
    u = unit(TYPE, HOME)
    r = check_out(u)
    with pytest.raises(ValidationFailed):
        r.report_lost(unit=u, now=NOW, reason="")
    r.report_lost(unit=u, now=NOW, reason="借用人称已遗失")
    assert (r.status, r.damage_charge_fen, r.deposit_refund_fen) == ("lost", 50_000, 0)
    assert u.status == "written_off"
    assert u.events[1:] == [UnitWrittenOff(  # after register's UnitAvailable
        unit_id=u.id, type_id=TYPE.id, station_id=HOME.id, reason="借用人称已遗失",
        reference=r.id, occurred_at=NOW)]


class TestOverdueDetection:
    def test_overdue_from_the_first_day_after_due_in_china_time(self) -> None:
        r = check_out(days=10)  # due 2025-03-13
        last_minute = datetime(2025, 3, 13, 15, 59, tzinfo=UTC)  # 23:59 on the 13th in China
        first_minute = datetime(2025, 3, 13, 16, 0, tzinfo=UTC)  # 00:00 on the 14th in China
        assert not r.is_overdue(last_minute)
        assert r.is_overdue(first_minute)
        assert r.days_overdue(first_minute + timedelta(days=2)) == 3

    def test_closed_rental_is_never_overdue(self) -> None:
        u = unit(TYPE, HOME)
        r = check_out(u, days=1)
        r.return_(unit=u, device_type=TYPE, now=NOW + timedelta(days=5),
                  condition=ConditionGrade.A)
        assert not r.is_overdue(NOW + timedelta(days=10))

    def test_overdue_event_raised_once(self) -> None:
        r = check_out(days=5)
        assert not r.notice_overdue(NOW + timedelta(days=5))
        later = NOW + timedelta(days=13)
        assert r.notice_overdue(later)
        assert not r.notice_overdue(later + timedelta(days=1))
        overdue = [e for e in r.events if isinstance(e, RentalOverdue)]
        assert overdue == [RentalOverdue(rental_id=r.id, unit_id=r.unit_id, station_id=HOME.id,
                                         borrower_id=r.borrower_id, due_on=date(2025, 3, 8),
                                         days_overdue=8, occurred_at=later)]

    def test_the_call_is_asked_for_after_the_seven_day_reminder_not_before(self) -> None:
        """Reminded at +1 and +7 days (notify, 09:00 China time); the volunteer's call only
        once the 7-day reminder has gone out: it announces the call."""
        r = check_out(days=5)  # due 2025-03-08
        for moment in (datetime(2025, 3, 9, 1, 5, tzinfo=UTC),  # +1, 09:05 in China
                       datetime(2025, 3, 14, 15, 59, tzinfo=UTC),  # +6, 23:59 in China
                       datetime(2025, 3, 15, 0, 59, tzinfo=UTC)):  # +7, 08:59 in China
            assert r.is_overdue(moment) and not r.notice_overdue(moment), moment
        assert r.overdue_call_at() == datetime(2025, 3, 15, 1, 0, tzinfo=UTC)  # +7, 09:00
        assert r.notice_overdue(datetime(2025, 3, 15, 1, 0, tzinfo=UTC))
        [event] = [e for e in r.events if isinstance(e, RentalOverdue)]
        assert event.days_overdue == 7

    @pytest.mark.parametrize("minutes", [-1, 0, 1, 60 * 24 * 30])
    def test_the_jobs_query_agrees_with_the_rental(self, minutes: int) -> None:
        r = check_out(days=5)
        moment = r.overdue_call_at() + timedelta(minutes=minutes)
        assert (r.due_on <= overdue_call_due_by(moment)) == (moment >= r.overdue_call_at())


class TestDeliveryAndPickup:
    def test_pickup_only_while_active(self) -> None:
        u = unit(TYPE, HOME)
        r = check_out(u)
        r.return_(unit=u, device_type=TYPE, now=NOW, condition=ConditionGrade.A)
        with pytest.raises(Conflict) as exc:
            r.request_pickup(NOW)
        assert exc.value.current_state == "returned"
        with pytest.raises(Conflict):
            r.request_delivery(NOW)

    def test_pickup_confirmation_may_arrive_after_the_return(self) -> None:
        u = unit(TYPE, HOME)
        r = check_out(u, delivery=True)
        r.confirm_delivery()
        r.request_pickup(NOW + timedelta(days=20))
        assert isinstance(r.events[-1], PickupRequested)
        r.return_(unit=u, device_type=TYPE, now=NOW + timedelta(days=21),
                  condition=ConditionGrade.A)
        r.confirm_pickup()
        assert (r.status, r.logistics) == ("returned", "picked_up")


@pytest.mark.parametrize("window_end", [
    "0001-01-01T00:00+14:00", "9999-12-31T23:59:59-12:00", "2000-01-01T00:00+00:00",
])
def test_a_visit_window_at_the_ends_of_the_calendar_is_refused_not_overflowed(
        window_end: str) -> None:
    now = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as exc:
        check_visit_window("window_end", datetime.fromisoformat(window_end), now)
    assert "window_end" in exc.value.errors
    check_visit_window("window_end", now + timedelta(days=90), now)  # the horizon's edge
