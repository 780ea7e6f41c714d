"""Free allocation, transfers between stations, maintenance tickets."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from inventory.domain.allocations import Allocation
from inventory.domain.borrowers import WaiverReason
from inventory.domain.events import UnitAllocated, UnitWrittenOff
from inventory.domain.maintenance import MaintenanceTicket
from inventory.domain.rentals import Rental
from inventory.domain.reservations import Reservation
from inventory.domain.transfers import Transfer
from inventory.domain.units import ConditionGrade
from inventory_builders import NOW, TODAY, borrower, prosthesis, station, unit, wheelchair
from svckit.domain.errors import Conflict, IllegalTransition, ValidationFailed

HOME = station()
OTHER = station("阳谷站", "371521")
TYPE = wheelchair()
LEG = prosthesis()


class TestAllocation:
    def test_allocate_only_type_goes_to_any_consenting_holder(self) -> None:
        u, b = unit(LEG, HOME), borrower(grade=3)
        a = Allocation.allocate(unit=u, device_type=LEG, station=HOME, borrower=b, now=NOW,
                                reason="适配评估单 2025-031")
        assert (u.status, a.reason, a.eligibility) == ("allocated", "适配评估单 2025-031", None)
        assert u.movements[-1].reference == a.id
        assert a.events == [UnitAllocated(allocation_id=a.id, unit_id=u.id, type_id=LEG.id,
                                          station_id=HOME.id, borrower_id=b.id, occurred_at=NOW)]

    def test_rentable_type_only_to_waiver_eligible(self) -> None:
        u = unit(TYPE, HOME)
        with pytest.raises(Conflict) as exc:
            Allocation.allocate(unit=u, device_type=TYPE, station=HOME, borrower=borrower(),
                                now=NOW, reason="困难群众轮椅发放")
        assert exc.value.current_state == "not_eligible"
        assert u.status == "available"
        a = Allocation.allocate(unit=u, device_type=TYPE, station=HOME,
                                borrower=borrower(tekun=True), now=NOW, reason="困难群众轮椅发放")
        assert a.eligibility == WaiverReason.TEKUN

    def test_reason_consent_type_and_grade_rules(self) -> None:
        with pytest.raises(ValidationFailed) as exc:
            Allocation.allocate(unit=unit(LEG, HOME), device_type=LEG, station=HOME,
                                borrower=borrower(), now=NOW, reason="")
        assert list(exc.value.errors) == ["reason"]
        with pytest.raises(Conflict):
            Allocation.allocate(unit=unit(LEG, HOME), device_type=LEG, station=HOME,
                                borrower=borrower(consent=False), now=NOW, reason="适配")
        with pytest.raises(ValidationFailed):
            Allocation.allocate(unit=unit(TYPE, HOME), device_type=LEG, station=HOME,
                                borrower=borrower(), now=NOW, reason="适配")
        with pytest.raises(Conflict):
            Allocation.allocate(unit=unit(LEG, HOME, condition=ConditionGrade.D), device_type=LEG,
                                station=HOME, borrower=borrower(), now=NOW, reason="适配")

    def test_reserved_unit_needs_its_reservation(self) -> None:
        u, b = unit(LEG, HOME), borrower()
        res = Reservation.place(unit=u, station=HOME, now=NOW, expires_at=NOW + timedelta(days=1),
                                borrower=b)
        with pytest.raises(Conflict):
            Allocation.allocate(unit=u, device_type=LEG, station=HOME, borrower=b, now=NOW,
                                reason="适配")
        Allocation.allocate(unit=u, device_type=LEG, station=HOME, borrower=b, now=NOW,
                            reason="适配", reservation=res)
        assert (res.status, u.status) == ("fulfilled", "allocated")

    def test_allocated_unit_cannot_be_rented(self) -> None:
        u = unit(TYPE, HOME)
        Allocation.allocate(unit=u, device_type=TYPE, station=HOME, borrower=borrower(grade=2),
                            now=NOW, reason="发放")
        with pytest.raises(IllegalTransition):
            Rental.check_out(unit=u, device_type=TYPE, station=HOME, borrower=borrower(),
                             due_on=TODAY + timedelta(days=5), now=NOW, borrower_rentals=[])


class TestTransfer:
    def test_in_transit_until_received_at_the_destination(self) -> None:
        u = unit(TYPE, HOME)
        t = Transfer.dispatch(unit=u, from_station=HOME, to_station=OTHER, now=NOW, note="调剂")
        assert (u.status, u.current_station_id, t.status) == ("in_transit", HOME.id, "in_transit")
        assert (t.from_station_id, t.to_station_id, t.dispatched_at) == (HOME.id, OTHER.id, NOW)
        with pytest.raises(IllegalTransition):  # cannot be lent while on the road
            u.check_out(NOW, uuid.uuid4())

        with pytest.raises(Conflict):
            t.receive(unit=u, at_station_id=HOME.id, now=NOW)
        assert (u.status, t.status) == ("in_transit", "in_transit")

        later = NOW + timedelta(hours=3)
        t.receive(unit=u, at_station_id=OTHER.id, now=later)
        assert (u.status, u.current_station_id, u.home_station_id) == ("available", OTHER.id,
                                                                       HOME.id)
        assert (t.status, t.received_at) == ("received", later)
        m = u.movements[-1]
        assert (m.from_station_id, m.to_station_id, m.reference) == (HOME.id, OTHER.id, t.id)

    def test_dispatch_rules(self) -> None:
        with pytest.raises(ValidationFailed) as exc:
            Transfer.dispatch(unit=unit(TYPE, HOME), from_station=HOME, to_station=HOME, now=NOW)
        assert list(exc.value.errors) == ["to_station_id"]
        with pytest.raises(Conflict):
            Transfer.dispatch(unit=unit(TYPE, HOME), from_station=HOME,
                              to_station=station("停用站", active=False), now=NOW)
        with pytest.raises(Conflict):
            Transfer.dispatch(unit=unit(TYPE, OTHER), from_station=HOME, to_station=OTHER, now=NOW)

    def test_receive_wrong_unit(self) -> None:
        u = unit(TYPE, HOME)
        t = Transfer.dispatch(unit=u, from_station=HOME, to_station=OTHER, now=NOW)
        with pytest.raises(ValidationFailed):
            t.receive(unit=unit(TYPE, HOME, tag="LC-0002"), at_station_id=OTHER.id, now=NOW)


class TestMaintenance:
    def test_open_resolve_cycle(self) -> None:
        u = unit(TYPE, HOME)
        t = MaintenanceTicket.open(unit=u, now=NOW, fault="刹车失灵")
        assert (t.status, u.status, t.station_id) == ("open", "maintenance", HOME.id)
        assert (t.unit_id, t.opened_at) == (u.id, NOW)
        t.start_repair()
        t.resolve(unit=u, now=NOW, condition=ConditionGrade.B, repair_cost_fen=3_500,
                  resolution="更换刹车片")
        assert (t.status, t.repair_cost_fen, t.resolution, t.closed_at) == (
            "resolved", 3_500, "更换刹车片", NOW)
        assert (u.status, u.condition) == ("available", "B")

    def test_open_from_cleaning_and_from_a_damaged_return(self) -> None:
        u = unit(TYPE, HOME)
        u.check_out(NOW, uuid.uuid4())
        u.check_in(NOW, uuid.uuid4(), ConditionGrade.B, timedelta(hours=24))
        MaintenanceTicket.open(unit=u, now=NOW, fault="异响")
        assert (u.status, u.cleaning_until) == ("maintenance", None)

        damaged = unit(TYPE, HOME, tag="LC-0002")
        damaged.check_out(NOW, uuid.uuid4())
        damaged.check_in(NOW, uuid.uuid4(), ConditionGrade.D, timedelta(hours=24))
        moves = len(damaged.movements)
        MaintenanceTicket.open(unit=damaged, now=NOW, fault="轮轴断裂")
        assert len(damaged.movements) == moves  # already in maintenance: no second move

    def test_cannot_open_for_a_rented_unit_or_without_fault(self) -> None:
        u = unit(TYPE, HOME)
        with pytest.raises(ValidationFailed):
            MaintenanceTicket.open(unit=u, now=NOW, fault=" ")
        u.check_out(NOW, uuid.uuid4())
        with pytest.raises(IllegalTransition):
            MaintenanceTicket.open(unit=u, now=NOW, fault="异响")

    def test_resolve_rules(self) -> None:
        u = unit(TYPE, HOME)
        t = MaintenanceTicket.open(unit=u, now=NOW, fault="异响")
        t.start_repair()
        with pytest.raises(ValidationFailed):
            t.resolve(unit=u, now=NOW, condition=ConditionGrade.D)
        with pytest.raises(ValidationFailed) as exc:
            t.resolve(unit=u, now=NOW, condition=ConditionGrade.B, repair_cost_fen=-1)
        assert list(exc.value.errors) == ["repair_cost_fen"]
        with pytest.raises(ValidationFailed):
            t.resolve(unit=unit(TYPE, HOME, tag="LC-0002"), now=NOW, condition=ConditionGrade.B)
        assert (t.status, u.status) == ("in_repair", "maintenance")

    def test_write_off_with_reason(self) -> None:
        u = unit(TYPE, HOME)
        t = MaintenanceTicket.open(unit=u, now=NOW, fault="车架断裂")
        with pytest.raises(ValidationFailed):
            t.write_off(unit=u, now=NOW, reason="")
        assert t.status == "open"
        t.write_off(unit=u, now=NOW, reason="车架断裂无法修复", repair_cost_fen=0)
        assert (t.status, u.status) == ("written_off", "written_off")
        assert u.events[1:] == [UnitWrittenOff(  # after register's UnitAvailable
            unit_id=u.id, type_id=TYPE.id, station_id=HOME.id, reason="车架断裂无法修复",
            reference=t.id, occurred_at=NOW)]
