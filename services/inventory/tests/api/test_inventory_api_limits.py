"""Issue 16, limits: one borrower took two wheelchairs at once. A limit of open loans per
borrower and ISO 9999 class (configurable by staff; a supervisor may override with a
reason, which is recorded)."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from inventory_testkit import BO, ST, add_units, due
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]


def _checkout(client: FlaskClient, h: dict[str, str], unit: object,
              **extra: object) -> tuple[int, dict]:
    r = client.post("/rentals", json={"station_id": str(ST["GX"]),
                                      "borrower_id": str(BO["B6"]), "due_on": due(30),
                                      "unit_id": str(unit), **extra}, headers=h)
    return r.status_code, r.get_json()


def test_a_second_wheelchair_needs_a_supervisor(client: FlaskClient, ctx: ServiceContext,
                                                headers: H) -> None:
    assert client.put("/loan-limits", json={"iso_class": "12 22", "max_open": 1},
                      headers=headers("staff")).status_code == 200
    a, b = add_units(ctx, "GX", "WC", 2, prefix="LIM")
    clerk = headers("clerk", "GX")
    assert _checkout(client, clerk, a)[0] == 201
    status, body = _checkout(client, clerk, b)
    assert status == 409, body
    assert body["current_state"] == "limit_reached"
    assert "12 22" in body["detail"] and "1" in body["detail"]
    assert _checkout(client, clerk, b, override_reason="双下肢截肢，需室内外各一辆")[0] == 403
    status, body = _checkout(client, headers("supervisor", "GX", sub="sup-zhao"), b,
                             override_reason="双下肢截肢，需室内外各一辆")
    assert status == 201, body
    assert (body["override_by"], body["override_reason"]) == (
        "sup-zhao", "双下肢截肢，需室内外各一辆")


def test_staff_configure_the_limit_per_class(client: FlaskClient, ctx: ServiceContext,
                                             headers: H) -> None:
    staff = headers("staff")
    r = client.put("/loan-limits", json={"iso_class": "1222", "max_open": 2}, headers=staff)
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"iso_class": "12 22", "max_open": 2}
    assert client.put("/loan-limits", json={"iso_class": "99 99", "max_open": 2},
                      headers=staff).status_code == 422
    assert client.put("/loan-limits", json={"iso_class": "12 22", "max_open": 2},
                      headers=headers("clerk", "GX")).status_code == 403
    a, b, c = add_units(ctx, "GX", "WC", 3, prefix="LIC")
    clerk = headers("clerk", "GX")
    assert _checkout(client, clerk, a)[0] == 201
    assert _checkout(client, clerk, b)[0] == 201
    assert _checkout(client, clerk, c)[0] == 409
    limits = client.get("/loan-limits", query_string={"iso_class": "12 22"},
                        headers=clerk).get_json()
    assert {"iso_class": "12 22", "max_open": 2} in limits["items"]
