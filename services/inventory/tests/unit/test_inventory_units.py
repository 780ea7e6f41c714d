"""Units: registration, acquisition, condition rules, cleaning buffer and write-off."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from inventory.domain.events import UnitWrittenOff
from inventory.domain.units import AcquisitionKind, ConditionGrade, Unit, UnitStatus
from inventory_builders import NOW, TODAY, station, unit, wheelchair
from svckit.domain.errors import Conflict, ValidationFailed

HOME = station()
TYPE = wheelchair()


def register(**kw: Any) -> Unit:
    fields: dict[str, Any] = {
        "asset_tag": "lc-0001", "serial": "SN1", "type_id": TYPE.id, "station_id": HOME.id,
        "condition": ConditionGrade.A, "acquisition": AcquisitionKind.PURCHASE,
        "acquired_on": TODAY, "cost_fen": 1, "now": NOW,
    }
    fields.update(kw)
    return Unit.register(**fields)


def test_register_puts_the_unit_in_stock_with_a_first_movement() -> None:
    u = register()
    assert u.asset_tag == "LC-0001"
    assert (u.status, u.home_station_id, u.current_station_id) == ("available", HOME.id, HOME.id)
    [m] = u.movements
    assert (m.action, m.from_status, m.to_status, m.to_station_id) == (
        "register", None, "available", HOME.id)


@pytest.mark.parametrize(("typed", "tag"), [
    ("ＬＣ－０００１", "LC-0001"), (" lc-0001 ", "LC-0001"), ("lc\u20130001", "LC-0001"),
    ("LC\u3000－0001", "LC-0001"),
])
def test_asset_tags_typed_with_a_chinese_input_method_are_normalised(typed: str,
                                                                     tag: str) -> None:
    # full-width letters, digits and dashes; stray and ideographic blanks; an en dash
    assert register(asset_tag=typed).asset_tag == tag


@pytest.mark.parametrize(("field", "value"), [
    ("asset_tag", "ab"), ("asset_tag", "LC_0001"), ("asset_tag", "-LC1"), ("asset_tag", "A" * 33),
    ("serial", " "), ("cost_fen", 0), ("cost_fen", -5), ("cost_fen", 9.99),
    ("acquired_on", TODAY + timedelta(days=1)),
])
def test_register_rules(field: str, value: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        register(**{field: value})
    assert list(exc.value.errors) == [field]


def test_purchase_costs_at_least_one_fen_donation_may_be_zero() -> None:
    assert register(cost_fen=1).cost_fen == 1
    assert register(acquisition=AcquisitionKind.DONATION, cost_fen=0).cost_fen == 0
    with pytest.raises(ValidationFailed):
        register(acquisition=AcquisitionKind.DONATION, cost_fen=-1)


def test_acquired_today_in_china_is_not_the_future() -> None:
    late_utc = NOW.replace(hour=17)  # 01:00 next day in China
    assert register(acquired_on=date(2025, 3, 4), now=late_utc).acquired_on == date(2025, 3, 4)


def test_return_goes_to_cleaning_until_the_buffer_is_over() -> None:
    u = unit(TYPE, HOME)
    rid = uuid.uuid4()
    u.check_out(NOW, rid)
    u.check_in(NOW, rid, ConditionGrade.B, timedelta(hours=24), note="轻微划痕")
    assert (u.status, u.condition, u.cleaning_until) == ("cleaning", "B", NOW + timedelta(hours=24))
    almost = NOW + timedelta(hours=24) - timedelta(seconds=1)
    assert not u.settle(almost)
    with pytest.raises(Conflict) as exc:
        u.finish_cleaning(almost)
    assert exc.value.current_state == "cleaning"
    assert u.settle(NOW + timedelta(hours=24))
    assert (u.status, u.cleaning_until) == ("available", None)
    assert not u.settle(NOW + timedelta(hours=25))  # nothing more to do


def test_zero_buffer_is_available_at_the_next_settle() -> None:
    u = unit(TYPE, HOME)
    u.check_out(NOW, uuid.uuid4())
    u.check_in(NOW, uuid.uuid4(), ConditionGrade.A, timedelta(0))
    assert u.settle(NOW)
    assert u.status == UnitStatus.AVAILABLE


def test_grade_d_return_goes_to_maintenance_not_cleaning() -> None:
    u = unit(TYPE, HOME)
    u.check_out(NOW, uuid.uuid4())
    u.check_in(NOW, uuid.uuid4(), ConditionGrade.D, timedelta(hours=24))
    assert (u.status, u.condition, u.cleaning_until) == ("maintenance", "D", None)


@pytest.mark.parametrize("act", ["reserve", "check_out", "allocate"])
def test_grade_d_unit_is_never_issued(act: str) -> None:
    u = unit(TYPE, HOME, condition=ConditionGrade.D)
    with pytest.raises(Conflict):
        getattr(u, act)(NOW, uuid.uuid4())
    assert u.status == "available"
    assert len(u.movements) == 1


def test_repair_must_leave_a_usable_grade() -> None:
    u = unit(TYPE, HOME, condition=ConditionGrade.D)
    u.send_to_maintenance(NOW, uuid.uuid4(), "坐垫破损")
    with pytest.raises(ValidationFailed):
        u.finish_repair(NOW, uuid.uuid4(), ConditionGrade.D)
    u.finish_repair(NOW, uuid.uuid4(), ConditionGrade.C)
    assert (u.status, u.condition) == ("available", "C")


def test_write_off_needs_a_reason_and_raises_an_event() -> None:
    u = unit(TYPE, HOME)
    with pytest.raises(ValidationFailed) as exc:
        u.write_off(NOW, "  ")
    assert list(exc.value.errors) == ["reason"]
    assert u.status == "available"
    u.write_off(NOW, "车架锈蚀")
    assert u.status == "written_off"
    assert u.events[1:] == [UnitWrittenOff(  # after register's UnitAvailable
        unit_id=u.id, type_id=TYPE.id, station_id=HOME.id, reason="车架锈蚀",
        reference=None, occurred_at=NOW)]
    assert u.movements[-1].note == "车架锈蚀"


def test_unit_must_be_at_the_station() -> None:
    u = unit(TYPE, HOME)
    u.ensure_at(HOME.id)
    with pytest.raises(Conflict):
        u.ensure_at(uuid.uuid4())


def test_a_unit_becoming_lendable_at_a_station_says_so() -> None:
    from inventory.domain.events import UnitAvailable

    u = unit(TYPE, HOME)
    assert u.events == [UnitAvailable(unit_id=u.id, type_id=TYPE.id, station_id=HOME.id,
                                      how="register", occurred_at=NOW)]
    u.events.clear()
    u.reserve(NOW, uuid.uuid4())
    u.release(NOW, uuid.uuid4(), "预约取消")  # it was free before the hold: nothing new
    u.send_to_maintenance(NOW, uuid.uuid4(), "刹车失灵")
    assert u.events == []
    u.finish_repair(NOW, uuid.uuid4(), ConditionGrade.B)
    assert [(e.how, e.station_id) for e in u.events] == [("finish_repair", HOME.id)]
