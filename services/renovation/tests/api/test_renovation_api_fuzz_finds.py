"""Regressions of what `make fuzz` found in renovation: numbers beyond the columns (bigint
money, int counts) were 500s; now 422 problem+json naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from renovation_testkit import staff


@pytest.mark.parametrize(("field", "value"), [
    ("household_cap_fen", 10**30), ("total_budget_fen", 2**63), ("target_homes", 2**40),
])
def test_programme_numbers_beyond_the_columns_are_422(client: Any, auth: Any, field: str,
                                                      value: int) -> None:
    body = {"year": 2026, "name": "模糊测试项目", "division_scope": "371500",
            "household_cap_fen": 1_000_000, "target_homes": 10, "total_budget_fen": 10_000_000,
            field: value}
    if field == "household_cap_fen":  # below the budget, so only the column refuses it
        body["total_budget_fen"] = value * 10
    r = client.post("/programmes", json=body, headers=auth(staff()))
    assert r.status_code == 422, r.get_data(as_text=True)
    assert r.mimetype == "application/problem+json"
    assert field in r.get_json()["errors"]
