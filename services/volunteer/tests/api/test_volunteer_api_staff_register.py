"""Federation staff register volunteers (the console's XLSX import of the roster), within
their scope; a phone number registered twice is a 409 (so a re-run creates nothing twice)."""

from __future__ import annotations

import pytest
from volunteer_testkit import A, B


@pytest.fixture
def client(ctx):
    return ctx.create_app().test_client()


def _auth(token_for, role: str, **scope) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(role, **scope)}"}


def test_staff_register_volunteers_in_scope_and_duplicates_are_409(client, token_for,
                                                                   add_team) -> None:
    staff = _auth(token_for, "staff", sub="staff-city")
    team = add_team(A)
    body = {"real_name": "钱晓梅", "phone": "13906352301", "divisions": [A],
            "skills": ["delivery"], "team_id": str(team.id), "consent": True}
    r = client.post("/volunteers", headers=staff, json=body)
    assert r.status_code == 201, r.json
    assert "*" in r.json["phone"] and r.json["team_id"] == str(team.id)
    again = client.post("/volunteers", headers=staff, json=body)
    assert again.status_code == 409
    assert again.headers["Content-Type"] == "application/problem+json"
    # typed with a Chinese input method: full-width digits and blanks, the same number
    full_width = {**body, "phone": "１３９ ０６３５ ２３０１", "divisions": ["３７１５０２"]}
    r = client.post("/volunteers", headers=staff, json=full_width)
    assert r.status_code == 409, r.json
    # staff scoped to district A may not register a volunteer of district B
    scoped = _auth(token_for, "staff", sub="staff-a", districts=[A])
    r = client.post("/volunteers", headers=scoped, json={
        "real_name": "孙德明", "phone": "15806352302", "divisions": [B], "consent": True})
    assert r.status_code == 403
    # other roles still may not
    clerk = _auth(token_for, "clerk", stations=["s1"])
    r = client.post("/volunteers", headers=clerk, json={
        "real_name": "孙德明", "phone": "15806352303", "divisions": [A], "consent": True})
    assert r.status_code == 403
