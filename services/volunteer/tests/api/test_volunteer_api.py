"""The HTTP API through the Flask test client on PostgreSQL: scope, masking, the whole
dispatch flow, errors as problem+json, OpenAPI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from volunteer.seed import COORDINATOR_SUB, DONE_TASK_ID, OPEN_TASK_ID, token_hints, volunteer_id
from volunteer_testkit import A, B, outbox, request_event, soon, source_of, task_id_for


@pytest.fixture
def client(ctx):
    return ctx.create_app().test_client()


@pytest.fixture
def auth(token_for):
    def make(role: str, **scope: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(role, **scope)}"}

    return make


@pytest.fixture
def coord_a(auth):
    return auth("coordinator", sub="coord-a", districts=[A])


@pytest.fixture
def coord_b(auth):
    return auth("coordinator", sub="coord-b", districts=[B])


def _iso(dt: datetime) -> str:
    return dt.isoformat()


def _task(ctx, kind: str = "rental_delivery", **kw) -> str:
    body = request_event(kind, **kw)
    assert ctx.processor().process(body, {}).applied == 1
    return str(task_id_for(ctx, source_of(body)["id"]))


def test_the_whole_dispatch_flow_over_http(ctx, client, add_volunteer, auth, coord_a) -> None:
    v = add_volunteer(name="张建华")
    tid = _task(ctx)
    r = client.get(f"/tasks/{tid}/candidates", headers=coord_a)
    assert r.status_code == 200, r.json
    assert r.json["candidates"][0]["volunteer_id"] == str(v.id)
    assert r.json["candidates"][0]["phone"].count("*") == 4
    assert any("服务东昌府区" in x for x in r.json["candidates"][0]["reasons"])

    r = client.post(f"/tasks/{tid}/offer", json={}, headers=coord_a)
    assert (r.status_code, r.json["state"]) == (200, "offered"), r.json
    me = auth("volunteer", volunteer_id=str(v.id))
    r = client.get("/tasks", headers=me)
    assert [t["id"] for t in r.json["items"]] == [tid]
    assert r.json["items"][0]["address_full"] is False  # offered, not yet accepted
    r = client.post(f"/tasks/{tid}/accept", headers=me, json={})
    assert (r.status_code, r.json["state"], r.json["address_full"]) == (200, "accepted", False)
    assert "柳园街道" not in r.json["address"]  # every view shows the area only
    r = client.get(f"/tasks/{tid}/address?purpose=上门配送", headers=me)  # logged
    assert r.status_code == 200 and r.json["address"].startswith("东昌府区柳园街道")
    r = client.post(f"/tasks/{tid}/check-in", headers=me, json={})
    assert r.json["state"] == "in_progress"
    r = client.post(f"/tasks/{tid}/check-out", headers=me,
                    json={"result": {"note": "已送达并调试"}})
    assert (r.status_code, r.json["state"]) == (200, "completed"), r.json
    assert r.json["result"]["note"] == "已送达并调试"

    r = client.get("/hours?status=pending", headers=coord_a)
    assert r.json["total"] == 1
    entry = r.json["items"][0]
    r = client.post(f"/hours/{entry['id']}/approve", headers=me, json={})
    assert r.status_code == 403  # a volunteer does not certify their own hours
    r = client.post(f"/hours/{entry['id']}/approve", headers=coord_a, json={})
    assert (r.status_code, r.json["status"]) == (200, "approved"), r.json
    r = client.get("/hours/totals?group=team", headers=coord_a)
    assert r.status_code == 200
    assert r.json["items"][0]["entries"] == 1
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    r = client.get(f"/hours/totals?month={month}&status=all", headers=coord_a)
    assert (r.status_code, r.json["total_minutes"], r.json["month"]) == (
        200, r.json["items"][0]["minutes"], month)
    assert client.get("/hours/totals?month=2025-13", headers=coord_a).status_code == 422
    r = client.get("/hours/totals", headers=me)
    assert [i["id"] for i in r.json["items"]] == [str(v.id)]
    assert [e["type"] for e in outbox(ctx)] == [
        "volunteer.task_offered", "volunteer.task_assigned", "volunteer.task_completed"]


def test_a_volunteer_cannot_read_another_volunteers_task_address(
    ctx, client, add_volunteer, auth, coord_a
) -> None:
    first, second = add_volunteer(), add_volunteer()
    stranger = add_volunteer(skills=("sign_language",))  # never a candidate
    tid = _task(ctx)
    client.post(f"/tasks/{tid}/offer", json={"volunteer_id": str(first.id)}, headers=coord_a)
    client.post(f"/tasks/{tid}/decline", json={}, headers=auth(
        "volunteer", volunteer_id=str(first.id)))  # re-offered to the next: second or stranger
    r = client.post(f"/tasks/{tid}/assign", headers=coord_a,
                    json={"volunteer_id": str(second.id)})
    assert (r.status_code, r.json["assignee_id"]) == (200, str(second.id)), r.json
    # the assignee sees the door, by asking for it with a purpose
    assignee = auth("volunteer", volunteer_id=str(second.id))
    r = client.get(f"/tasks/{tid}", headers=assignee)
    assert r.json["address_full"] is False and "幸福小区" not in r.json["address"]
    assert r.json["contact_phone"] == "138****5678"
    r = client.get(f"/tasks/{tid}/address?purpose=上门配送", headers=assignee)
    assert r.status_code == 200 and "幸福小区" in r.json["address"]
    assert client.get(f"/tasks/{tid}/address?purpose=上门配送", headers=auth(
        "volunteer", volunteer_id=str(first.id))).status_code == 403
    # the one who declined still sees the task it was offered, never the address
    r = client.get(f"/tasks/{tid}", headers=auth("volunteer", volunteer_id=str(first.id)))
    assert r.status_code == 200
    assert r.json["address_full"] is False and "幸福小区" not in r.json["address"]
    assert r.json["contact_phone"] is None
    assert {o["volunteer_id"] for o in r.json["offers"]} == {str(first.id)}
    # a volunteer it was never offered to cannot even know it exists
    them = auth("volunteer", volunteer_id=str(stranger.id))
    r = client.get(f"/tasks/{tid}", headers=them)
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/problem+json"
    assert client.get("/tasks", headers=them).json["total"] == 0
    assert client.post(f"/tasks/{tid}/check-in", headers=them, json={}).status_code == 404


def test_a_coordinator_of_district_a_cannot_dispatch_in_district_b(
    ctx, client, add_volunteer, coord_a, coord_b
) -> None:
    va, vb = add_volunteer(division=A), add_volunteer(division=B)
    task_b = _task(ctx, division=B)
    task_a = _task(ctx, division=A)
    for path, body in [("candidates", None), ("offer", {}),
                       ("assign", {"volunteer_id": str(vb.id)})]:
        r = (client.get(f"/tasks/{task_b}/{path}", headers=coord_a) if body is None
             else client.post(f"/tasks/{task_b}/{path}", json=body, headers=coord_a))
        assert r.status_code == 404, (path, r.json)
    assert client.get(f"/tasks/{task_b}", headers=coord_a).status_code == 404
    assert [t["id"] for t in client.get("/tasks", headers=coord_a).json["items"]] == [task_a]
    r = client.post("/tasks", headers=coord_a, json={
        "type": "manual", "division": B, "address": "莘县燕塔街道", "note": "送米面油",
        "window_start": _iso(soon()), "window_end": _iso(soon(26))})
    assert r.status_code == 403
    # nor put B's volunteer on A's task, even with override
    r = client.post(f"/tasks/{task_a}/assign", headers=coord_a,
                    json={"volunteer_id": str(vb.id), "override": True})
    assert (r.status_code, r.json["current_state"]) == (409, "open")
    # the district's own coordinator can
    r = client.post(f"/tasks/{task_b}/assign", headers=coord_b,
                    json={"volunteer_id": str(vb.id)})
    assert r.status_code == 200
    assert va.id != vb.id


def test_staff_read_everything_masked_and_act_on_nothing(ctx, client, add_volunteer, auth,
                                                         coord_a) -> None:
    v = add_volunteer()
    tid = _task(ctx)
    staff = auth("staff")
    r = client.get(f"/tasks/{tid}", headers=staff)
    assert r.status_code == 200 and r.json["address_full"] is False
    assert r.json["allowed_actions"] == []
    assert client.post(f"/tasks/{tid}/offer", json={}, headers=staff).status_code == 403
    r = client.get(f"/volunteers/{v.id}", headers=staff)
    assert "*" in r.json["phone"]
    r = client.get(f"/volunteers/{v.id}", headers=coord_a)
    assert "*" in r.json["phone"]  # the detail view is masked too
    r = client.get(f"/volunteers/{v.id}/contact?purpose=预约上门", headers=coord_a)
    assert r.json["phone"] == v.phone  # the coordinator's full read, logged
    assert client.get(f"/volunteers/{v.id}/contact?purpose=预约上门",
                      headers=staff).status_code == 403
    assert client.get(f"/tasks/{tid}/address?purpose=预约上门", headers=staff).status_code == 403
    r = client.get("/volunteers", headers=coord_a)
    assert all("*" in i["phone"] for i in r.json["items"])  # lists are masked
    assert client.get("/tasks", headers=auth("clerk", stations=["s1"])).status_code == 403


def test_illegal_transitions_are_409_with_the_current_state(ctx, client, add_volunteer, auth,
                                                            coord_a) -> None:
    v = add_volunteer()
    tid = _task(ctx)
    me = auth("volunteer", volunteer_id=str(v.id))
    client.post(f"/tasks/{tid}/assign", json={"volunteer_id": str(v.id)}, headers=coord_a)
    r = client.post(f"/tasks/{tid}/offer", json={}, headers=coord_a)
    assert r.status_code == 409
    assert r.json["current_state"] == "accepted"
    assert r.headers["Content-Type"] == "application/problem+json"
    r = client.post(f"/tasks/{tid}/check-out", json={}, headers=me)
    assert (r.status_code, r.json["current_state"]) == (409, "accepted")
    # a task raised by the rental side is not cancelled by the coordinator
    r = client.post(f"/tasks/{tid}/cancel", json={"reason": "不需要了"}, headers=coord_a)
    assert r.status_code == 403


@pytest.mark.parametrize("body", [
    {"type": "manual", "division": A, "address": "x", "note": "n",
     "window_start": "2025-06-02T10:00:00", "window_end": "2025-06-02T12:00:00"},  # naive
    {"type": "manual", "division": A, "address": "x", "note": "n", "surprise": 1,
     "window_start": "2025-06-02T10:00:00+08:00", "window_end": "2025-06-02T12:00:00+08:00"},
    {"type": "teleport", "division": A, "address": "x", "note": "n",
     "window_start": "2025-06-02T10:00:00+08:00", "window_end": "2025-06-02T12:00:00+08:00"},
    {"type": "manual", "division": A, "address": "x", "note": "",
     "window_start": "2099-06-02T10:00:00+08:00", "window_end": "2099-06-02T12:00:00+08:00"},
    {"type": "manual", "division": "37150", "address": "x", "note": "n",
     "window_start": "2099-06-02T12:00:00+08:00", "window_end": "2099-06-02T10:00:00+08:00"},
])
def test_bad_input_is_422_and_writes_nothing(ctx, client, coord_a, body) -> None:
    r = client.post("/tasks", json=body, headers=coord_a)
    assert r.status_code == 422, r.json
    assert r.json["type"] == "/problems/validation-failed"
    assert client.get("/tasks", headers=coord_a).json["total"] == 0


def test_bad_ids_pages_and_bodies_never_give_500(ctx, client, coord_a, auth) -> None:
    assert client.get("/tasks/not-a-uuid", headers=coord_a).status_code == 404
    assert client.get(f"/tasks/{uuid4()}", headers=coord_a).status_code == 404
    assert client.get("/tasks?page_size=101", headers=coord_a).status_code == 422
    assert client.get("/tasks?page=0", headers=coord_a).status_code == 422
    assert client.get("/tasks?state=flying", headers=coord_a).status_code == 422
    r = client.post(f"/hours/{uuid4()}/reject", json={}, headers=coord_a)
    assert r.status_code == 422  # reason missing
    r = client.post("/volunteers", headers=coord_a, json={
        "real_name": "王", "phone": "12345", "divisions": [A], "consent": True})
    assert r.status_code == 422 and "phone" in r.json["errors"]
    r = client.post("/volunteers", headers=coord_a, json={
        "real_name": "王", "phone": "13912345678", "divisions": ["37150"], "consent": True})
    assert r.status_code == 422 and "divisions" in r.json["errors"]
    r = client.post("/volunteers", headers=coord_a, json={
        "real_name": "王", "phone": "13912345678", "divisions": [A],
        "availability": [{"weekday": 0, "start": "12:00", "end": "08:00"}]})
    assert r.status_code == 422
    r = client.get("/tasks", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401
    r = client.get("/tasks", headers=auth("volunteer"))  # no volunteer_id in the token
    assert r.status_code == 403


def test_coordinators_keep_the_roster_of_their_districts(ctx, client, add_team, coord_a,
                                                         coord_b) -> None:
    team = add_team(A)
    r = client.post("/volunteers", headers=coord_a, json={
        "real_name": "赵丽娟", "phone": "13906352101", "divisions": [A],
        "skills": ["home_visit", "phone_followup"], "team_id": str(team.id), "consent": True,
        "availability": [{"weekday": d, "start": "08:00", "end": "12:00"} for d in range(5)]})
    assert r.status_code == 201, r.json
    assert r.json["consent_at"] is not None and "*" in r.json["phone"]
    vid = r.json["id"]
    assert r.json["skill_labels"] == "入户走访、电话回访"
    assert client.get(f"/volunteers/{vid}", headers=coord_b).status_code == 404
    r = client.patch(f"/volunteers/{vid}", headers=coord_a, json={"skills": ["delivery"]})
    assert (r.status_code, r.json["skills"]) == (200, ["delivery"])
    r = client.post(f"/volunteers/{vid}/deactivate", headers=coord_a, json={})
    assert r.json["active"] is False
    r = client.post("/volunteers", headers=coord_b, json={
        "real_name": "孙德明", "phone": "15806352102", "divisions": [A], "consent": True})
    assert r.status_code == 403
    r = client.get("/teams", headers=coord_a)
    assert [t["division"] for t in r.json["items"]] == [A]


def test_manual_hours_and_who_records_certifies(ctx, client, add_volunteer, auth,
                                                coord_a) -> None:
    v = add_volunteer()
    now = datetime.now(UTC)
    r = client.post("/hours", headers=coord_a, json={
        "volunteer_id": str(v.id), "division": A, "note": "全国助残日宣传活动",
        "started_at": _iso(now - timedelta(hours=12)), "ended_at": _iso(now - timedelta(hours=1))})
    assert r.status_code == 201, r.json
    assert (r.json["status"], r.json["flagged"]) == ("pending", True)  # longer than 8 h
    assert r.json["flags"] == ["over_checkin_limit"] and "签到时限" in r.json["flag_text"]
    # flagged: four eyes, the recorder may not approve it (but may reject it)
    assert client.post(f"/hours/{r.json['id']}/approve", headers=coord_a,
                       json={}).status_code == 409
    r = client.post(f"/hours/{r.json['id']}/reject", headers=coord_a,
                    json={"reason": "时长有误，请重新登记"})
    assert r.json["status"] == "rejected"
    r = client.post(f"/hours/{r.json['id']}/approve", headers=coord_a, json={})
    assert (r.status_code, r.json["current_state"]) == (409, "rejected")


def test_openapi_lists_every_operation_with_its_schemas(ctx, client) -> None:
    spec = client.get("/openapi.json").json
    ops = {(m.upper(), p): op for p, item in spec["paths"].items()
           for m, op in item.items() if m in ("get", "post", "patch")}
    expected = {
        ("GET", "/teams"), ("GET", "/volunteers"), ("POST", "/volunteers"),
        ("GET", "/volunteers/{volunteer_id}"), ("PATCH", "/volunteers/{volunteer_id}"),
        ("POST", "/volunteers/{volunteer_id}/activate"),
        ("POST", "/volunteers/{volunteer_id}/deactivate"),
        ("GET", "/tasks"), ("POST", "/tasks"), ("GET", "/tasks/{task_id}"),
        ("GET", "/tasks/{task_id}/candidates"),
        ("GET", "/hours"), ("POST", "/hours"), ("GET", "/hours/totals"),
        ("POST", "/hours/{entry_id}/approve"), ("POST", "/hours/{entry_id}/reject"),
    } | {("POST", f"/tasks/{{task_id}}/{a}") for a in (
        "offer", "withdraw", "assign", "accept", "decline", "release", "no-show",
        "reschedule", "cancel", "check-in", "check-out", "fail")}
    assert expected <= set(ops), expected - set(ops)
    for (method, path), op in ops.items():
        ok = op["responses"].get("200") or op["responses"].get("201")
        assert ok and "schema" in ok["content"]["application/json"], (method, path)
        if method in ("POST", "PATCH") and not path.endswith("/replay"):
            assert "requestBody" in op, (method, path)
        assert op.get("summary"), (method, path)


def test_seed_is_idempotent_and_the_hints_use_its_ids(ctx, client, auth) -> None:
    ctx.definition.seed(ctx)
    ctx.definition.seed(ctx)
    coord = auth("coordinator", sub=COORDINATOR_SUB.format(division=A), districts=[A])
    teams = client.get("/teams", headers=auth("staff")).json["items"]
    assert len(teams) == 8 and all(t["active_members"] >= 4 for t in teams)
    r = client.get(f"/tasks/{OPEN_TASK_ID}/candidates", headers=coord)
    assert r.status_code == 200
    pending = client.get("/hours?status=pending", headers=coord).json["items"]
    assert [e["task_id"] for e in pending] == [str(DONE_TASK_ID)]
    r = client.post(f"/hours/{pending[0]['id']}/approve", headers=coord, json={})
    assert r.status_code == 200  # the seeded dispatcher is the hint's coordinator
    hints = "\n".join(token_hints(ctx))
    assert str(volunteer_id("13806351201")) in hints
    assert "--sub coordinator-371502" in hints
