"""Volunteer on PostgreSQL: the access log of full reads (a volunteer's phone, a task's
address), the audit trail and the volunteer's consent to processing, through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from volunteer.adapters import orm
from volunteer_testkit import A, request_event, source_of, task_id_for

ACCESS_LOG = orm.metadata.tables["personal_data_access_log"]
AUDIT = orm.metadata.tables["audit_log"]


@pytest.fixture
def client(ctx):
    return ctx.create_app().test_client()


@pytest.fixture
def auth(token_for):
    def make(role: str, **scope: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(role, **scope)}"}

    return make


def _rows(ctx: Any, table: sa.Table) -> list[sa.RowMapping]:
    with ctx.engine.connect() as conn:
        return list(conn.execute(sa.select(table).order_by(table.c.id)).mappings())


def _task(ctx: Any) -> str:
    body = request_event("rental_delivery")
    assert ctx.processor().process(body, {}).applied == 1
    return str(task_id_for(ctx, source_of(body)["id"]))


def test_each_full_read_leaves_exactly_one_access_log_row(ctx, client, auth,
                                                           add_volunteer) -> None:
    v = add_volunteer()
    tid = _task(ctx)
    coord = auth("coordinator", sub="coord-a", districts=[A])
    r = client.get(f"/volunteers/{v.id}/contact?purpose=预约上门", headers=coord)
    assert r.status_code == 200 and r.json["phone"] == v.phone
    [row] = _rows(ctx, ACCESS_LOG)
    assert (row["actor"], row["actor_role"], row["record_type"], row["record_id"],
            row["fields"], row["purpose"], row["request_id"]) == (
        "coord-a", "coordinator", "volunteer", str(v.id), ["phone"], "预约上门",
        r.headers["X-Request-ID"])
    r = client.get(f"/tasks/{tid}/address?purpose=上门配送", headers=coord)
    assert r.status_code == 200 and "幸福小区" in r.json["address"]
    rows = _rows(ctx, ACCESS_LOG)
    assert len(rows) == 2
    assert (rows[1]["record_type"], rows[1]["record_id"], rows[1]["fields"]) == (
        "task", tid, ["address"])
    # no purpose, or one too short: 422 problem+json and nothing logged
    for url in (f"/volunteers/{v.id}/contact", f"/tasks/{tid}/address?purpose=%20"):
        refused = client.get(url, headers=coord)
        assert refused.status_code == 422
        assert refused.headers["Content-Type"] == "application/problem+json"
    # a volunteer reads their own phone (logged too); another volunteer's is not theirs
    me = auth("volunteer", volunteer_id=str(v.id))
    assert client.get(f"/volunteers/{v.id}/contact?purpose=信息更正",
                      headers=me).status_code == 200
    assert len(_rows(ctx, ACCESS_LOG)) == 3
    page = client.get(f"/access-log?record_id={v.id}", headers=auth("staff"))
    assert page.status_code == 200 and page.json["total"] == 2
    assert client.get(f"/access-log?record_id={v.id}", headers=coord).status_code == 403
    assert client.get(f"/access-log?record_id={v.id}", headers=me).status_code == 403


def test_dispatch_is_audited_with_who_before_and_after(ctx, client, auth,
                                                       add_volunteer) -> None:
    v = add_volunteer()
    tid = _task(ctx)
    coord = auth("coordinator", sub="coord-a", districts=[A])
    r = client.post(f"/tasks/{tid}/assign", json={"volunteer_id": str(v.id)}, headers=coord)
    assert r.status_code == 200, r.json
    page = client.get(f"/audit?object_type=task&object_id={tid}", headers=auth("inspector"))
    assert page.status_code == 200, page.json
    assigned, created = page.json["items"]
    assert (assigned["actor"], assigned["actor_role"], assigned["action"]) == (
        "coord-a", "coordinator", "update")
    assert assigned["changes"]["state"] == ["open", "accepted"]
    assert assigned["changes"]["assignee_id"] == [None, str(v.id)]
    # the task came from an event: its author is the consumer's handler
    assert created["actor"].startswith("system:") and created["action"] == "create"
    assert "幸福小区" not in str(created["changes"])  # the address is masked
    assert client.get(f"/audit?object_type=task&object_id={tid}",
                      headers=coord).status_code == 403


def test_a_volunteer_without_consent_is_never_dispatched(ctx, client, auth, add_team,
                                                         add_volunteer) -> None:
    team = add_team(A)
    coord = auth("coordinator", sub="coord-a", districts=[A])
    body = {"real_name": "赵丽娟", "phone": "13906352101", "divisions": [A],
            "skills": ["delivery", "driving"], "team_id": str(team.id)}
    for consent in ({}, {"consent": False}):
        r = client.post("/volunteers", json={**body, **consent}, headers=coord)
        assert r.status_code == 422 and "consent" in r.json["errors"], r.json
    v = add_volunteer()
    r = client.patch(f"/volunteers/{v.id}", json={"consent": False}, headers=coord)
    assert r.status_code == 200 and r.json["consent_at"] is None
    tid = _task(ctx)
    r = client.get(f"/tasks/{tid}/candidates", headers=coord)
    [excluded] = [x for x in r.json["excluded"] if x["volunteer_id"] == str(v.id)]
    assert "no_consent" in [e["code"] for e in excluded["reasons"]]
    assert excluded["assignable_with_override"] is False
    r = client.post(f"/tasks/{tid}/assign", json={"volunteer_id": str(v.id), "override": True},
                    headers=coord)
    assert (r.status_code, r.json["current_state"]) == (409, "open")
    r = client.patch(f"/volunteers/{v.id}", json={"consent": True}, headers=coord)
    assert r.json["consent_at"] is not None
    r = client.post(f"/tasks/{tid}/assign", json={"volunteer_id": str(v.id)}, headers=coord)
    assert r.status_code == 200, r.json
