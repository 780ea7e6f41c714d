"""Regressions of what `make fuzz` found in inventory: input the database cannot hold was a
500 (bigint out of range, NUL in a lookup); now 422 / 400 problem+json."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from inventory_testkit import ST, TY

H = Callable[..., dict[str, str]]
UNIT = {"asset_tag": "LC-DCF-FZ-01", "serial": "SN-FZ", "type_id": str(TY["WC"]),
        "station_id": str(ST["DCF"]), "condition": "A", "acquisition": "donation",
        "acquired_on": "2025-01-02", "cost_fen": 0}


@pytest.mark.parametrize("cost", [10**30, 2**63, -1])
def test_money_outside_the_range_is_422_not_500(client: FlaskClient, headers: H,
                                                cost: int) -> None:
    r = client.post("/units", json={**UNIT, "cost_fen": cost}, headers=headers("clerk", "DCF"))
    assert r.status_code == 422, r.get_data(as_text=True)
    assert r.mimetype == "application/problem+json"
    assert list(r.get_json()["errors"]) == ["cost_fen"]


@pytest.mark.parametrize("path", ["/units/by-tag/LC%00X", "/units?q=a%00b"])
def test_nul_in_path_or_query_is_400_not_500(client: FlaskClient, headers: H,
                                             path: str) -> None:
    r = client.get(path, headers=headers("staff"))
    assert r.status_code == 400, r.get_data(as_text=True)
    assert r.mimetype == "application/problem+json"


def test_nul_in_a_json_string_is_422_not_500(client: FlaskClient, headers: H) -> None:
    r = client.post("/units", json={**UNIT, "serial": "SN\x00X"}, headers=headers("clerk", "DCF"))
    assert r.status_code == 422, r.get_data(as_text=True)
    assert r.mimetype == "application/problem+json"
