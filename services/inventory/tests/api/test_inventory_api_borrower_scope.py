"""Personal data scoped as PIPL asks: a clerk finds anyone by the exact certificate number
(masked), but lists, reads and edits a borrower only at a station where the borrower has
or had a rental, reservation or allocation, or was registered; supervisors also in their
stations' counties; staff limited to districts only in those districts."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from inventory_testkit import BO, ST, TY, due
from svckit.domain.certificate import make_certificate

H = Callable[..., dict[str, str]]
PURPOSE = "purpose=资格核验"
DCF_ONLY = str(BO["B2"])  # 东昌府区 division, a running rental at DCF
YANGGU_BORROWER = str(BO["B4"])  # 阳谷县 division


def _ids(client: FlaskClient, h: dict[str, str]) -> set[str]:
    body = client.get("/borrowers?page_size=100", headers=h).get_json()
    return {b["id"] for b in body["items"]}


def _reads(client: FlaskClient, h: dict[str, str], borrower_id: str) -> tuple[int, int, int]:
    return (client.get(f"/borrowers/{borrower_id}", headers=h).status_code,
            client.get(f"/borrowers/{borrower_id}/personal?{PURPOSE}", headers=h).status_code,
            client.patch(f"/borrowers/{borrower_id}", json={"phone": "13900001111",
                         "address": "聊城市阳谷县某路1号"}, headers=h).status_code)


def test_a_clerk_of_another_station_neither_lists_reads_nor_edits(
        client: FlaskClient, headers: H) -> None:
    yg = headers("clerk", "YG")
    assert DCF_ONLY not in _ids(client, yg)
    assert _reads(client, yg, DCF_ONLY) == (404, 404, 404)
    # the walk-in: found by the exact number, masked
    number = make_certificate("37150219670925043", 4, 3)
    found = client.post("/borrowers/lookup", json={"certificate_number": number}, headers=yg)
    assert found.status_code == 200 and found.get_json()["id"] == DCF_ONLY
    assert number not in str(found.get_json()) and "*" in found.get_json()["certificate_masked"]


def test_the_station_of_the_rental_lists_reads_and_edits(
        client: FlaskClient, headers: H) -> None:
    dcf = headers("clerk", "DCF")
    assert DCF_ONLY in _ids(client, dcf)
    assert _reads(client, dcf, DCF_ONLY) == (200, 200, 200)


def test_a_loan_at_a_station_opens_the_borrower_to_it(client: FlaskClient, headers: H) -> None:
    yg = headers("clerk", "YG")
    lent = client.post("/rentals", json={
        "station_id": str(ST["YG"]), "borrower_id": DCF_ONLY, "due_on": due(10),
        "type_id": str(TY["WC"])}, headers=yg)
    assert lent.status_code == 201, lent.get_json()
    assert DCF_ONLY in _ids(client, yg)
    assert _reads(client, yg, DCF_ONLY) == (200, 200, 200)


def test_staff_limited_to_a_district_see_its_borrowers_only(
        client: FlaskClient, token_for: Callable[..., str]) -> None:
    h = {"Authorization": f"Bearer {token_for('staff', districts=['371521'])}"}
    ids = _ids(client, h)
    assert DCF_ONLY not in ids and YANGGU_BORROWER in ids
    assert _reads(client, h, DCF_ONLY) == (404, 404, 404)
    assert _reads(client, h, YANGGU_BORROWER) == (200, 200, 200)
    city = {"Authorization": f"Bearer {token_for('staff')}"}
    assert {DCF_ONLY, YANGGU_BORROWER} <= _ids(client, city)


def test_registered_at_a_station_and_supervisors_of_the_county(
        client: FlaskClient, headers: H) -> None:
    body = {"name": "周桂芳", "phone": "13963512345", "address": "聊城市阳谷县博济桥街道1号",
            "division_code": "371521", "consent": True,
            "certificate_number": make_certificate("37152119750316032", 4, 2)}
    made = client.post("/borrowers", json=body, headers=headers("clerk", "DCF"))
    assert made.status_code == 201, made.get_json()
    new = made.get_json()["id"]
    assert made.get_json()["registered_station_id"] == str(ST["DCF"])
    assert new in _ids(client, headers("clerk", "DCF"))
    # 阳谷县's clerk has no tie to the person; its supervisor covers the county
    assert new not in _ids(client, headers("clerk", "YG"))
    assert _reads(client, headers("clerk", "YG"), new) == (404, 404, 404)
    assert new in _ids(client, headers("supervisor", "YG"))
    assert _reads(client, headers("supervisor", "YG"), new) == (200, 200, 200)
    assert _reads(client, headers("supervisor", "CP"), new) == (404, 404, 404)


def test_a_clerk_of_several_stations_names_the_one_registering(
        client: FlaskClient, headers: H) -> None:
    body = {"name": "周桂芳", "phone": "13963512345", "address": "聊城市阳谷县博济桥街道1号",
            "division_code": "371521", "consent": True,
            "certificate_number": make_certificate("37152119750316032", 4, 2)}
    h = headers("clerk", "DCF", "YG")
    assert client.post("/borrowers", json=body, headers=h).status_code == 422
    assert client.post("/borrowers", json={**body, "station_id": str(ST["CP"])},
                       headers=h).status_code == 403
    made = client.post("/borrowers", json={**body, "station_id": str(ST["YG"])}, headers=h)
    assert made.status_code == 201 and made.get_json()["registered_station_id"] == str(ST["YG"])
