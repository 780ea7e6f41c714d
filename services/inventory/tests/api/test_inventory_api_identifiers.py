"""Identifiers are normalised (svckit.domain.identifiers: NFKC, dashes, blanks, upper
case) before validation and before every uniqueness check and lookup: the full-width
form a Chinese input method types and the half-width form are one record."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from flask.testing import FlaskClient
from inventory.adapters import orm
from inventory_testkit import BO, ST, TY, count, due
from svckit.domain.certificate import make_certificate
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]
NUMBER = make_certificate("37152219750316032", 4, 2)


def full_width(text: str) -> str:
    """``37AB-1`` -> ``３７ＡＢ－１`` (what a Chinese input method types)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_full_width_is_what_it_looks_like() -> None:
    assert full_width(NUMBER) != NUMBER
    assert unicodedata.normalize("NFKC", full_width(NUMBER)) == NUMBER


def test_a_certificate_number_in_full_width_is_the_same_borrower(
        ctx: ServiceContext, client: FlaskClient, headers: H) -> None:
    h = headers("clerk", "DCF")
    body = {"name": "周桂芳", "phone": "13963512345", "address": "聊城市莘县燕塔街道莘亭路1号",
            "division_code": "371522", "consent": True}
    first = client.post("/borrowers", json={**body, "certificate_number": NUMBER}, headers=h)
    assert first.status_code == 201, first.get_json()
    before = count(ctx, orm.borrowers)
    again = client.post("/borrowers", json={**body, "certificate_number": full_width(NUMBER),
                                            "phone": full_width("13963512345")}, headers=h)
    assert again.status_code == 409, again.get_json()
    assert again.get_json()["current_state"] == "exists"
    assert count(ctx, orm.borrowers) == before
    found = client.post("/borrowers/lookup", json={"certificate_number": full_width(NUMBER)},
                        headers=h)
    assert found.status_code == 200 and found.get_json()["id"] == first.get_json()["id"]


def test_an_asset_tag_in_full_width_is_the_same_unit(
        ctx: ServiceContext, client: FlaskClient, headers: H) -> None:
    h = headers("clerk", "DCF")
    unit = {"serial": "SN-FW", "type_id": str(TY["WC"]), "station_id": str(ST["DCF"]),
            "condition": "A", "acquisition": "donation", "acquired_on": "2025-01-02",
            "cost_fen": 0}
    first = client.post("/units", json={**unit, "asset_tag": "LC-DCF-FW-01"}, headers=h)
    assert first.status_code == 201, first.get_json()
    before = count(ctx, orm.units)
    again = client.post("/units", json={**unit, "asset_tag": full_width("lc-dcf-fw-01")},
                        headers=h)
    assert again.status_code == 409, again.get_json()
    assert count(ctx, orm.units) == before
    by_tag = client.get(f"/units/by-tag/{full_width('LC-DCF-FW-01')}", headers=h)
    assert by_tag.status_code == 200 and by_tag.get_json()["id"] == first.get_json()["id"]
    lent = client.post("/rentals", headers=h, json={
        "station_id": str(ST["DCF"]), "borrower_id": str(BO["B6"]), "due_on": due(5),
        "asset_tag": full_width("LC-DCF-FW-01")})
    assert lent.status_code == 201 and lent.get_json()["unit_id"] == first.get_json()["id"]
