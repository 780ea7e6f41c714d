"""Check-in and check-out by the task's six-digit code: given to those who dispatch, never
to the volunteer; a wrong code is a 422 at the field ``code`` and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from volunteer_testkit import A, request_event, source_of, task_id_for


@pytest.fixture
def client(ctx):
    return ctx.create_app().test_client()


@pytest.fixture
def auth(token_for):
    def make(role: str, **scope: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(role, **scope)}"}

    return make


def test_check_in_and_out_by_the_tasks_code(ctx, client, add_volunteer, auth) -> None:
    coord = auth("coordinator", sub="coord-a", districts=[A])
    v = add_volunteer(name="张建华")
    body = request_event("rental_delivery")
    assert ctx.processor().process(body, {}).applied == 1
    tid = str(task_id_for(ctx, source_of(body)["id"]))
    r = client.post(f"/tasks/{tid}/offer", json={}, headers=coord)
    code = r.json["check_in_code"]
    assert r.status_code == 200 and len(code) == 6 and code.isdigit()
    me = auth("volunteer", volunteer_id=str(v.id))
    r = client.post(f"/tasks/{tid}/accept", headers=me, json={})
    assert r.status_code == 200 and r.json["check_in_code"] is None  # never the volunteer's
    assert client.get(f"/tasks/{tid}", headers=me).json["check_in_code"] is None

    wrong = "000000" if code != "000000" else "111111"
    for sent in (wrong, "12ab56"):
        r = client.post(f"/tasks/{tid}/check-in", headers=me, json={"code": sent},
                        environ_base={"HTTP_ACCEPT_LANGUAGE": "zh"})
        assert r.status_code == 422 and "code" in str(r.json), r.json
    assert client.get(f"/tasks/{tid}", headers=me).json["state"] == "accepted"
    r = client.post(f"/tasks/{tid}/check-in", headers=me, json={"code": f" {code} "})
    assert (r.status_code, r.json["state"]) == (200, "in_progress"), r.json
    r = client.post(f"/tasks/{tid}/check-out", headers=me, json={"code": wrong})
    assert r.status_code == 422
    assert client.get(f"/tasks/{tid}", headers=me).json["state"] == "in_progress"
    r = client.post(f"/tasks/{tid}/check-out", headers=me, json={"code": code})
    assert (r.status_code, r.json["state"]) == (200, "completed"), r.json
