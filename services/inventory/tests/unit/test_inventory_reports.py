"""Report figures: utilisation per type."""

from __future__ import annotations

import uuid
from datetime import timedelta

from inventory.domain.reports import Utilisation, utilisation_by_type
from inventory.domain.units import ConditionGrade
from inventory_builders import NOW, station, unit, wheelchair

HOME = station()
OTHER = station("阳谷站", "371521")
TYPE = wheelchair()
BED = wheelchair(iso_code="18 12 10", name_zh="护理床")


def test_utilisation_is_rented_time_over_time_in_stock() -> None:
    start = NOW
    u = unit(TYPE, HOME, "A-1", now=start)
    rid = uuid.uuid4()
    u.check_out(start + timedelta(days=1), rid)
    u.check_in(start + timedelta(days=3), rid, ConditionGrade.A, timedelta(hours=24))
    idle = unit(TYPE, HOME, "A-2", now=start)
    result = utilisation_by_type([u, idle], start, start + timedelta(days=4))
    assert result[TYPE.id] == Utilisation(rented=timedelta(days=2), in_stock=timedelta(days=8))
    assert result[TYPE.id].rate == 0.25


def test_utilisation_clips_to_the_period_and_ignores_time_out_of_stock() -> None:
    u = unit(TYPE, HOME, "A-1", now=NOW - timedelta(days=10))
    u.check_out(NOW - timedelta(days=5), uuid.uuid4())  # rented since before the period
    gone = unit(TYPE, HOME, "A-2", now=NOW - timedelta(days=10))
    gone.allocate(NOW + timedelta(days=1), uuid.uuid4())  # leaves stock after one day
    result = utilisation_by_type([u, gone], NOW, NOW + timedelta(days=2))
    assert result[TYPE.id] == Utilisation(rented=timedelta(days=2), in_stock=timedelta(days=3))
    assert result[TYPE.id].rate == round(2 / 3, 4)


def test_no_stock_no_rate() -> None:
    assert Utilisation(rented=timedelta(0), in_stock=timedelta(0)).rate == 0.0
    later = unit(TYPE, HOME, now=NOW + timedelta(days=5))
    assert utilisation_by_type([later], NOW, NOW + timedelta(days=1)) == {}
