"""Issue 16, master data: several device types per ISO 9999 code, codes checked against
the shipped list (with its edition), and the seed's codes corrected."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

H = Callable[..., dict[str, str]]


def _type(code: str, name: str) -> dict[str, object]:
    return {"iso_code": code, "name_zh": name, "mode": "rentable", "daily_fee_fen": 200,
            "deposit_fen": 30_000, "max_rental_days": 180}


def test_a_second_wheelchair_model_of_one_code(client: FlaskClient, headers: H) -> None:
    staff = headers("staff")
    r = client.post("/device-types", json=_type("12 22 03", "轻便型手动轮椅车"), headers=staff)
    assert r.status_code == 201, r.get_json()
    again = client.post("/device-types", json=_type("12 22 03", "轻便型手动轮椅车"),
                        headers=staff)
    assert again.status_code == 409  # the same code and name twice is a mistake


def test_unknown_iso_codes_are_refused(client: FlaskClient, headers: H) -> None:
    r = client.post("/device-types", json=_type("99 99 99", "未知设备"), headers=headers("staff"))
    assert r.status_code == 422
    [message] = r.get_json()["errors"]["iso_code"]
    assert "GB/T 16432-2025" in message


def test_the_seed_codes_are_corrected_and_the_edition_shown(
        client: FlaskClient, headers: H) -> None:
    listed = client.get("/device-types", query_string={"page_size": 50},
                        headers=headers("clerk", "DCF")).get_json()["items"]
    codes = {t["name_zh"]: t["iso_code"] for t in listed}
    assert codes["助行架"] == "12 06 03"  # without wheels; 12 06 06 is the rollator
    assert codes["手动调节护理床"] == "18 12 07"  # hand-crank; 18 12 10 is powered
    assert all(t["iso_edition"].startswith("GB/T 16432-2025") for t in listed)
