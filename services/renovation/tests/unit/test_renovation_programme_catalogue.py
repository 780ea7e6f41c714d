"""Programme caps and deadlines; catalogue items, quantities and the line-money rule."""

from __future__ import annotations

import pytest
from renovation.domain.catalogue import (
    Area,
    CatalogueItem,
    Unit,
    format_quantity,
    line_total_fen,
    normalise_device_type,
    parse_quantity,
)
from renovation.domain.programme import BudgetExceeded, DeadlineSettings, Programme
from svckit.domain.errors import ValidationFailed


def programme(**overrides: object) -> Programme:
    fields: dict[str, object] = {
        "year": 2025,
        "name": "潍坊市2025年家庭无障碍改造",
        "division_scope": "370700",
        "household_cap_fen": 146_000,
        "target_homes": 1300,
        "total_budget_fen": 190_000_000,
    }
    fields.update(overrides)
    return Programme(**fields)  # type: ignore[arg-type]


# ---- programme -----------------------------------------------------------------------


def test_programme_collects_every_bad_field() -> None:
    with pytest.raises(ValidationFailed) as err:
        programme(
            year=1999,
            name="  ",
            division_scope="99",
            household_cap_fen=0,
            target_homes=0,
            total_budget_fen=1460.5,
        )
    assert set(err.value.errors) == {
        "year",
        "name",
        "division_scope",
        "household_cap_fen",
        "target_homes",
        "total_budget_fen",
    }
    assert "int of fen" in err.value.errors["total_budget_fen"][0]


@pytest.mark.parametrize("bad", [True, 1.0, -1])
def test_programme_cap_must_be_int_fen(bad: object) -> None:
    with pytest.raises(ValidationFailed) as err:
        programme(household_cap_fen=bad)
    assert "household_cap_fen" in err.value.errors


def test_cap_above_total_budget_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        programme(household_cap_fen=200_001, total_budget_fen=200_000)
    assert "household_cap_fen" in err.value.errors


def test_programme_scope() -> None:
    p = programme()
    assert p.covers("370702")
    assert p.covers("370700")
    assert not p.covers("371502")


def test_household_cap_exactly_at_cap_is_accepted() -> None:
    programme().check_household_cap(146_000)


def test_household_cap_one_fen_over_is_refused_with_figures() -> None:
    with pytest.raises(BudgetExceeded) as err:
        programme().check_household_cap(146_001)
    e = err.value
    assert isinstance(e, ValidationFailed)  # 422
    assert (e.limit, e.total_fen, e.limit_fen) == ("household_cap", 146_001, 146_000)
    assert e.extra["over_fen"] == 1
    message = e.errors["total_fen"][0]
    assert "1460.01" in message
    assert "1460.00" in message
    assert "0.01" in message


def test_remaining_budget_exactly_used_up_is_accepted() -> None:
    p = programme(household_cap_fen=146_000, total_budget_fen=1_000_000)
    assert p.remaining_budget_fen(900_000) == 100_000
    p.check_affordable(100_000, 900_000)


def test_remaining_budget_one_fen_over_is_refused_with_figures() -> None:
    p = programme(household_cap_fen=146_000, total_budget_fen=1_000_000)
    with pytest.raises(BudgetExceeded) as err:
        p.check_affordable(100_001, 900_000)
    assert (err.value.limit, err.value.limit_fen) == ("programme_budget", 100_000)
    assert "1000.00" in err.value.errors["total_fen"][0]


def test_affordability_checks_the_household_cap_first() -> None:
    with pytest.raises(BudgetExceeded) as err:
        programme().check_affordable(146_001, 0)
    assert err.value.limit == "household_cap"


def test_deadline_defaults_and_validation() -> None:
    d = DeadlineSettings()
    assert (d.accept_days, d.inspect_days, d.rework_days) == (3, 7, 30)
    assert d.rework_within.days == 30
    with pytest.raises(ValidationFailed) as err:
        DeadlineSettings(accept_days=0)
    assert "accept_days" in err.value.errors


# ---- catalogue -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "unit", "milli"),
    [
        ("2.5", Unit.METRE, 2_500),
        ("0.001", Unit.SQUARE_METRE, 1),
        (" 12.340 ", Unit.SQUARE_METRE, 12_340),
        ("2", Unit.EACH, 2_000),
        (3, Unit.EACH, 3_000),
        ("1.000", Unit.EACH, 1_000),
    ],
)
def test_parse_quantity(raw: str | int, unit: Unit, milli: int) -> None:
    assert parse_quantity(raw, unit) == milli


@pytest.mark.parametrize(
    ("raw", "unit"),
    [
        ("1.0001", Unit.METRE),
        ("0", Unit.METRE),
        ("-1", Unit.METRE),
        ("abc", Unit.METRE),
        ("NaN", Unit.METRE),
        ("Infinity", Unit.METRE),
        ("1.5", Unit.EACH),
    ],
)
def test_parse_quantity_refuses(raw: str, unit: Unit) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_quantity(raw, unit)
    assert "quantity" in err.value.errors


def test_format_quantity() -> None:
    assert [format_quantity(q) for q in (2_500, 3_000, 1, 12_340)] == ["2.5", "3", "0.001", "12.34"]


@pytest.mark.parametrize(
    ("price", "milli", "fen"),
    [
        (30_000, 2_500, 75_000),  # exact
        (333, 1_500, 500),  # 499.5 rounds half up
        (333, 1_499, 499),  # 499.167 rounds down
        (1, 499, 0),  # 0.499 fen
        (1, 500, 1),  # 0.5 fen rounds up
        (15_000, 2_000, 30_000),
    ],
)
def test_line_total_rounds_half_up_in_integers(price: int, milli: int, fen: int) -> None:
    total = line_total_fen(price, milli)
    assert total == fen
    assert type(total) is int


def test_device_item_normalises_iso9999_code() -> None:
    item = CatalogueItem("shower-chair", "洗澡椅", Area.BATHROOM, Unit.EACH, 20_000, True, "093303")
    assert item.code == "SHOWER-CHAIR"
    assert item.device_type_code == "09 33 03"
    assert normalise_device_type("09 33") == "09 33"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"is_device": True, "device_type_code": None}, "device_type_code"),
        ({"is_device": True, "device_type_code": "9-33"}, "device_type_code"),
        ({"is_device": True, "device_type_code": "093303", "unit": Unit.METRE}, "unit"),
        ({"device_type_code": "093303"}, "device_type_code"),
        ({"unit_price_fen": 12.5}, "unit_price_fen"),
        ({"unit_price_fen": -1}, "unit_price_fen"),
        ({"area": "garden"}, "area"),
        ({"unit": "litre"}, "unit"),
        ({"code": "扶手"}, "code"),
        ({"name": ""}, "name"),
    ],
)
def test_catalogue_item_refuses(kwargs: dict[str, object], field: str) -> None:
    fields: dict[str, object] = {
        "code": "GRAB-BAR",
        "name": "扶手",
        "area": Area.BATHROOM,
        "unit": Unit.EACH,
        "unit_price_fen": 15_000,
    }
    fields.update(kwargs)
    with pytest.raises(ValidationFailed) as err:
        CatalogueItem(**fields)  # type: ignore[arg-type]
    assert field in err.value.errors


def test_catalogue_messages_are_bilingual() -> None:
    with pytest.raises(ValidationFailed) as err:
        CatalogueItem("X", "x", "garden", Unit.EACH, 1)  # type: ignore[arg-type]
    assert err.value.errors["area"] == ["改造区域无效 (unknown area)"]
    assert Area.ENTRANCE.label_zh == "出入口"
    assert Unit.SQUARE_METRE.label_zh == "平方米"
