"""Rental numbers (svckit.domain.docnumbers): a rental gets ``ZL-<station district>-<year>-
<sequence>`` at check-out, shown in the API and in the events a person reads, and found
again by the number as a clerk types it."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient
from inventory_testkit import BO, ST, TY, due, outbox
from svckit.domain.clock import china_date, utcnow
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]


def _checkout(client: FlaskClient, h: dict[str, str], borrower: str, kind: str) -> dict:
    r = client.post("/rentals", json={"station_id": str(ST["DCF"]),
                                      "borrower_id": str(BO[borrower]), "due_on": due(14),
                                      "type_id": str(TY[kind])}, headers=h)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_rentals_are_numbered_by_district_and_year(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    h = headers("clerk", "DCF")
    first, second = _checkout(client, h, "B6", "CC"), _checkout(client, h, "B1", "SC")
    year = china_date(utcnow()).year
    pattern = re.compile(rf"^ZL-371502-{year}-(\d{{6}})$")
    m1, m2 = pattern.match(first["number"]), pattern.match(second["number"])
    assert m1 and m2, (first["number"], second["number"])
    assert int(m2[1]) == int(m1[1]) + 1  # the seed's two loans came first
    # shown where a person sees it: the detail, the event, the search as typed
    detail = client.get(f"/rentals/{first['id']}", headers=h).get_json()
    assert detail["number"] == first["number"]
    events = {e["payload"]["rental_id"]: e["payload"]
              for e in outbox(ctx, "rental.checked_out")}
    assert events[first["id"]]["rental_number"] == first["number"]
    typed = first["number"].lower().replace("-", "－")
    found = client.get("/rentals", query_string={"number": typed}, headers=h).get_json()
    assert [r["id"] for r in found["items"]] == [first["id"]]
    none = client.get("/rentals", query_string={"number": "d8423755"}, headers=h).get_json()
    assert none["items"] == []


def test_the_overdue_list_and_the_seed_loans_carry_numbers(
        client: FlaskClient, headers: H) -> None:
    h = headers("clerk", "DCF")
    rows = client.get("/reports/overdue", headers=h).get_json()["items"]
    assert rows and all(re.match(r"^ZL-371502-\d{4}-\d{6}$", r["rental_number"]) for r in rows)
