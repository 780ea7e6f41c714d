"""Issue 16, borrowers: a deceased, moved-away or cancelled-certificate borrower's open
rentals and allocations are flagged for recovery and new loans refused in words; an
allocated device is reclaimed; personal data is anonymised a set period after the last
transaction by a scheduled job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask.testing import FlaskClient
from inventory.adapters import orm
from inventory.service_layer import jobs
from inventory_testkit import BO, ST, add_units, due, unit_status
from svckit.domain.clock import utcnow
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]


def _checkout(client: FlaskClient, h: dict[str, str], unit: object, borrower: str) -> dict:
    r = client.post("/rentals", json={"station_id": str(ST["GX"]),
                                      "borrower_id": str(BO[borrower]), "due_on": due(30),
                                      "unit_id": str(unit)}, headers=h)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_status_change_flags_open_rentals_and_blocks_new_ones(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    a, b = add_units(ctx, "GX", "CU", 2, prefix="BST")
    h = headers("clerk", "GX")
    rental = _checkout(client, h, a, "B6")
    r = client.post(f"/borrowers/{BO['B6']}/status",
                    json={"status": "deceased", "reason": "家属来电告知"}, headers=h)
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["status"], r.get_json()["status_label"]) == ("deceased", "已故")
    rows = client.get("/reports/recovery", headers=h).get_json()["items"]
    [row] = [x for x in rows if x.get("rental_id") == rental["id"]]
    assert row["rental_number"] == rental["number"] and "家属来电告知" in row["reason"]
    r = client.post("/rentals", json={"station_id": str(ST["GX"]),
                                      "borrower_id": str(BO["B6"]), "due_on": due(30),
                                      "unit_id": str(b)}, headers=h)
    assert r.status_code == 409
    assert "已故" in r.get_json()["detail"] and r.get_json()["current_state"] == "deceased"
    # the family returns the device: the rental closes and leaves the recovery list
    assert client.post(f"/rentals/{rental['id']}/return", json={"condition": "B"},
                       headers=h).status_code == 200
    rows = client.get("/reports/recovery", headers=h).get_json()["items"]
    assert not [x for x in rows if x.get("rental_id") == rental["id"]]
    bad = client.post(f"/borrowers/{BO['B6']}/status", json={"status": "gone", "reason": "x"},
                      headers=h)
    assert bad.status_code == 422


def test_an_allocated_device_is_reclaimed(client: FlaskClient, ctx: ServiceContext,
                                          headers: H) -> None:
    h = headers("clerk", "SZX")
    unit = client.get("/units/by-tag/LC-SZX-PR-01", headers=h).get_json()
    r = client.post("/allocations", headers=h, json={
        "unit_id": unit["id"], "borrower_id": str(BO["B6"]), "reason": "适配评估单 2025-031"})
    assert r.status_code == 201, r.get_json()
    allocation = r.get_json()["id"]
    r = client.post(f"/borrowers/{BO['B6']}/status",
                    json={"status": "moved_away", "reason": "迁往外省"}, headers=h)
    assert r.status_code == 200, r.get_json()
    rows = client.get("/reports/recovery", headers=h).get_json()["items"]
    assert [x for x in rows if x.get("allocation_id") == allocation]
    r = client.post(f"/allocations/{allocation}/reclaim",
                    json={"condition": "B", "reason": "家属交回"}, headers=h)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["reclaimed_at"] is not None
    assert unit_status(ctx, unit["id"]) == "cleaning"
    again = client.post(f"/allocations/{allocation}/reclaim",
                        json={"condition": "B", "reason": "x"}, headers=h)
    assert again.status_code == 409


def test_personal_data_is_anonymised_after_the_retention_period(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    [unit] = add_units(ctx, "GX", "CU", 1, prefix="PIP")
    h = headers("clerk", "GX")
    rental = _checkout(client, h, unit, "B6")
    assert client.post(f"/rentals/{rental['id']}/return", json={"condition": "B"},
                       headers=h).status_code == 200
    b = orm.borrowers.c
    # within the period nothing happens; an open loan (B2's, seeded) keeps its borrower
    assert jobs.anonymise_borrowers(ctx, now=utcnow() + timedelta(days=30)) == 0
    n = jobs.anonymise_borrowers(ctx, now=utcnow() + timedelta(days=3 * 365 + 2),
                                 retention=timedelta(days=3 * 365))
    assert n >= 1
    with ctx.engine.connect() as conn:
        row = conn.execute(sa.select(b.name, b.phone, b.address, b.certificate_number,
                                     b.anonymised_at).where(b.id == BO["B6"])).one()
        kept = conn.execute(sa.select(b.name, b.anonymised_at)
                            .where(b.id == BO["B2"])).one()
    assert row.name == "已匿名" and row.phone == "" and row.address == ""
    assert row.certificate_number.startswith("000000") and row.anonymised_at is not None
    assert kept.anonymised_at is None and kept.name == "李建国"
    # the record still reads (masked) and is blocked for new loans
    r = client.get(f"/borrowers/{BO['B6']}", headers=h)
    assert r.status_code == 200 and r.get_json()["status"] == "anonymised"
