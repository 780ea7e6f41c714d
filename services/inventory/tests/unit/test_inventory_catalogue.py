"""Stations, device types and station ranking."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from inventory.domain.catalogue import SupplyMode, rank_stations
from inventory_builders import (
    DONGCHANGFU,
    LIAOCHENG,
    WEIFANG_KUIWEN,
    YANGGU,
    prosthesis,
    station,
    wheelchair,
)
from svckit.domain.errors import Conflict, ValidationFailed


class TestStation:
    def test_valid_station_keeps_sorted_unique_opening_days(self) -> None:
        s = station(opening_days=[5, 1, 3, 1])
        assert s.opening_days == [1, 3, 5]
        assert s.active

    @pytest.mark.parametrize("code", ["37150", "3715021", "ABCDEF", "991502", "370012"])
    def test_invalid_division_code_names_the_field(self, code: str) -> None:
        with pytest.raises(ValidationFailed) as exc:
            station(division_code=code)
        assert list(exc.value.errors) == ["division_code"]

    @pytest.mark.parametrize("days", [[], [0], [8], [1, 8]])
    def test_opening_days_are_iso_weekdays(self, days: list[int]) -> None:
        with pytest.raises(ValidationFailed) as exc:
            station(opening_days=days)
        assert "opening_days" in exc.value.errors

    def test_every_bad_field_is_reported_at_once(self) -> None:
        with pytest.raises(ValidationFailed) as exc:
            station(name=" ", division_code="1", phone="12345", address="")
        assert set(exc.value.errors) == {"name", "division_code", "phone", "address"}

    def test_inactive_station_refuses_business(self) -> None:
        s = station(active=False)
        with pytest.raises(Conflict) as exc:
            s.ensure_active()
        assert exc.value.current_state == "inactive"
        station().ensure_active()


class TestDeviceType:
    @pytest.mark.parametrize(("raw", "code"), [
        ("12 22 03", "12 22 03"), ("122203", "12 22 03"), ("12-22-03", "12 22 03"),
        ("12 22", "12 22"),
    ])
    def test_iso_code_is_normalised(self, raw: str, code: str) -> None:
        assert wheelchair(iso_code=raw).iso_code == code

    @pytest.mark.parametrize("raw", ["12", "1 22 03", "12 22 03 01", "AB CD EF", ""])
    def test_bad_iso_code(self, raw: str) -> None:
        with pytest.raises(ValidationFailed) as exc:
            wheelchair(iso_code=raw)
        assert list(exc.value.errors) == ["iso_code"]

    @pytest.mark.parametrize("days", [1, 365])
    def test_max_rental_days_bounds_accepted(self, days: int) -> None:
        assert wheelchair(max_rental_days=days).max_rental_days == days

    @pytest.mark.parametrize("days", [None, 0, 366])
    def test_rentable_type_needs_max_rental_days_in_range(self, days: int | None) -> None:
        with pytest.raises(ValidationFailed) as exc:
            wheelchair(max_rental_days=days)
        assert list(exc.value.errors) == ["max_rental_days"]

    @pytest.mark.parametrize(("field", "value"), [
        ("daily_fee_fen", -1), ("deposit_fen", -1), ("daily_fee_fen", 2.5),
        ("deposit_fen", True), ("cleaning_buffer_hours", -1), ("cleaning_buffer_hours", 169),
    ])
    def test_money_and_buffer_rules(self, field: str, value: Any) -> None:
        with pytest.raises(ValidationFailed) as exc:
            wheelchair(**{field: value})
        assert list(exc.value.errors) == [field]

    def test_zero_fee_and_buffer_limits_are_fine(self) -> None:
        t = wheelchair(daily_fee_fen=0, deposit_fen=0, cleaning_buffer_hours=168)
        assert t.cleaning_buffer == timedelta(hours=168)

    def test_allocate_only_type_carries_no_fee_deposit_or_days(self) -> None:
        p = prosthesis()
        assert not p.rentable
        with pytest.raises(Conflict):
            p.ensure_rentable()
        for extra in ({"daily_fee_fen": 1}, {"deposit_fen": 1}, {"max_rental_days": 30}):
            fields: dict[str, Any] = {"mode": SupplyMode.ALLOCATE_ONLY, "daily_fee_fen": 0,
                                      "deposit_fen": 0, "max_rental_days": None}
            with pytest.raises(ValidationFailed) as exc:
                wheelchair(**{**fields, **extra})
            assert list(exc.value.errors) == ["mode"]

    def test_unknown_mode(self) -> None:
        with pytest.raises(ValidationFailed) as exc:
            wheelchair(mode="lease")
        assert list(exc.value.errors) == ["mode"]

    def test_mode_from_plain_string_becomes_enum(self) -> None:
        assert wheelchair(mode="rentable").mode is SupplyMode.RENTABLE


class TestRankStations:
    def test_same_county_first_then_same_city_other_cities_and_inactive_excluded(self) -> None:
        home = station("东昌府站", DONGCHANGFU)
        centre = station("聊城市辅具中心", LIAOCHENG)
        yanggu = station("阳谷站", YANGGU)
        weifang = station("奎文站", WEIFANG_KUIWEN)
        closed = station("东昌府二站", DONGCHANGFU, active=False)
        ranked = rank_stations(DONGCHANGFU, [weifang, yanggu, closed, centre, home])
        # same county first; the rest of the city by name ("聊" sorts before "阳")
        assert ranked == [home, centre, yanggu]

    def test_city_level_home_prefers_the_city_centre(self) -> None:
        centre = station("聊城市辅具中心", LIAOCHENG)
        home = station("东昌府站", DONGCHANGFU)
        assert rank_stations(LIAOCHENG, [home, centre]) == [centre, home]

    def test_bad_home_division(self) -> None:
        with pytest.raises(ValidationFailed) as exc:
            rank_stations("12", [])
        assert list(exc.value.errors) == ["division_code"]
