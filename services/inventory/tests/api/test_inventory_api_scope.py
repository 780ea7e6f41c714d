"""Federation staff limited to districts (a token with ``districts``) act only at the
stations of those districts, like a clerk at their stations: foreign objects are 404,
actions at a foreign station 403, lists and reports hold only their stations."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from inventory_testkit import BO, OVERDUE_RENTAL, ST, TY, due

YANGGU = "371521"


def _yanggu_staff(token_for: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('staff', districts=[YANGGU])}"}


def test_staff_limited_to_a_district_see_and_act_only_there(
        client: FlaskClient, token_for: Callable[..., str]) -> None:
    h = _yanggu_staff(token_for)
    # 东昌府区's overdue rental is not theirs to see
    assert client.get(f"/rentals/{OVERDUE_RENTAL}", headers=h).status_code == 404
    rentals = client.get("/rentals", headers=h).get_json()["items"]
    assert str(OVERDUE_RENTAL) not in {r["id"] for r in rentals}
    units = client.get("/units?page_size=100", headers=h).get_json()["items"]
    assert units and {u["current_station_id"] for u in units} == {str(ST["YG"])}
    stock = client.get("/reports/stock", headers=h).get_json()["items"]
    assert {row["station_id"] for row in stock} == {str(ST["YG"])}
    body = {"borrower_id": str(BO["B6"]), "due_on": due(10), "type_id": str(TY["WC"])}
    refused = client.post("/rentals", json={**body, "station_id": str(ST["DCF"])}, headers=h)
    assert refused.status_code == 403
    lent = client.post("/rentals", json={**body, "station_id": str(ST["YG"])}, headers=h)
    assert lent.status_code == 201, lent.get_json()
    assert client.get(f"/rentals/{lent.get_json()['id']}", headers=h).status_code == 200


def test_city_wide_staff_see_every_station(client: FlaskClient,
                                           token_for: Callable[..., str]) -> None:
    h = {"Authorization": f"Bearer {token_for('staff', districts=['371500'])}"}
    assert client.get(f"/rentals/{OVERDUE_RENTAL}", headers=h).status_code == 200
