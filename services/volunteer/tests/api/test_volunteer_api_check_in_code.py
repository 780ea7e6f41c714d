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


def _payload(body: str) -> dict[str, Any]:
    import json

    payload: dict[str, Any] = json.loads(body)["payload"]
    return payload


def _accepted(ctx, client, auth, volunteer, body: str) -> str:
    coord = auth("coordinator", sub="coord-a", districts=[A])
    assert ctx.processor().process(body, {}).applied == 1
    tid = str(task_id_for(ctx, source_of(body)["id"]))
    assert client.post(f"/tasks/{tid}/offer", json={"volunteer_id": str(volunteer.id)},
                       headers=coord).status_code == 200
    me = auth("volunteer", volunteer_id=str(volunteer.id))
    assert client.post(f"/tasks/{tid}/accept", headers=me, json={}).status_code == 200
    return tid


def test_check_in_and_out_by_the_sheets_qr_code(ctx, client, add_volunteer, auth) -> None:
    """The rental's hand-over sheet checks its delivery in and out; the household's plan
    sheet a renovation visit of its application; the typed code still works beside it."""
    from uuid import UUID, uuid4

    from svckit.links import link_keys

    keys = link_keys()
    v = add_volunteer(name="张建华")
    me = auth("volunteer", volunteer_id=str(v.id))
    body = request_event("rental_delivery")
    rental = UUID(str(_payload(body)["rental_id"]))
    tid = _accepted(ctx, client, auth, v, body)
    assert client.get(f"/tasks/{tid}", headers=me).json["site"] == f"inventory:rental:{rental}"
    sheet = keys.site_code("inventory:rental", rental)

    # another rental's sheet, an application's sheet, a tampered or forged code: refused
    refused = [keys.site_code("inventory:rental", uuid4()),
               keys.site_code("renovation:application", rental),
               sheet[:-2] + ("AA" if sheet[-2:] != "AA" else "BB"),
               "a" + sheet[1:], "r" + "A" * 38]
    for scan in refused:
        r = client.post(f"/tasks/{tid}/check-in", headers=me, json={"scan": scan})
        assert r.status_code == 422 and "scan" in str(r.json), (scan, r.json)
    assert client.get(f"/tasks/{tid}", headers=me).json["state"] == "accepted"

    r = client.post(f"/tasks/{tid}/check-in", headers=me, json={"scan": sheet})
    assert (r.status_code, r.json["state"]) == (200, "in_progress"), r.json
    r = client.post(f"/tasks/{tid}/check-out", headers=me, json={"scan": refused[0]})
    assert r.status_code == 422
    r = client.post(f"/tasks/{tid}/check-out", headers=me, json={"scan": sheet})
    assert (r.status_code, r.json["state"]) == (200, "completed"), r.json

    # a renovation visit goes by its application's plan sheet
    body = request_event("acceptance_visit")
    application = UUID(str(_payload(body)["application_id"]))
    tid = _accepted(ctx, client, auth, v, body)
    r = client.post(f"/tasks/{tid}/check-in", headers=me,
                    json={"scan": keys.site_code("inventory:rental", application)})
    assert r.status_code == 422
    r = client.post(f"/tasks/{tid}/check-in", headers=me,
                    json={"scan": keys.site_code("renovation:application", application)})
    assert (r.status_code, r.json["state"]) == (200, "in_progress"), r.json


def test_a_sheet_does_not_check_in_another_volunteers_task(ctx, client, add_volunteer,
                                                          auth) -> None:
    from uuid import UUID

    from svckit.links import link_keys

    mine, theirs = add_volunteer(name="张建华"), add_volunteer(name="李明")
    body = request_event("rental_pickup")
    tid = _accepted(ctx, client, auth, theirs, body)
    sheet = link_keys().site_code("inventory:rental", UUID(str(_payload(body)["rental_id"])))
    me = auth("volunteer", volunteer_id=str(mine.id))
    r = client.post(f"/tasks/{tid}/check-in", headers=me, json={"scan": sheet})
    assert r.status_code == 404, r.json
    them = auth("volunteer", volunteer_id=str(theirs.id))
    assert client.get(f"/tasks/{tid}", headers=them).json["state"] == "accepted"


def test_a_phone_call_has_no_sheet(ctx, client, add_volunteer, auth) -> None:
    from uuid import UUID

    from svckit.links import link_keys

    v = add_volunteer(name="张建华")
    body = request_event("overdue_call")
    tid = _accepted(ctx, client, auth, v, body)
    me = auth("volunteer", volunteer_id=str(v.id))
    assert client.get(f"/tasks/{tid}", headers=me).json["site"] is None
    sheet = link_keys().site_code("inventory:rental", UUID(str(_payload(body)["rental_id"])))
    r = client.post(f"/tasks/{tid}/check-in", headers=me, json={"scan": sheet})
    assert r.status_code == 422
