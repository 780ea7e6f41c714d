"""The assigned contractor sees the site's full address and the household's phone from
accepting a work order until its closure; each read is in the access log with its purpose,
and after closure the address is masked again (real PostgreSQL, through HTTP)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from renovation.adapters import orm
from renovation.service_layer import workorders as wo
from renovation_testkit import staff

FULL = "东昌府区古楼街道楼北社区3号楼101"


def _log(ctx: Any, record_id: object) -> list[sa.RowMapping]:
    t = orm.access_log
    with ctx.engine.connect() as conn:
        return list(conn.execute(sa.select(t).where(t.c.record_id == str(record_id))
                                 .order_by(t.c.id)).mappings())


def test_contractor_sees_the_address_while_the_order_is_theirs(world: Any, client: Any,
                                                                auth: Any, ctx: Any) -> None:
    order = world.order("accepted")
    crew = auth(world.crew_a)
    page = client.get(f"/work-orders/{order.id}", headers=crew)
    assert page.status_code == 200 and "楼北社区" not in page.json["site_address"]

    r = client.get(f"/work-orders/{order.id}/contact?purpose=works_contact"
                   "&purpose_note=约定进场时间", headers=crew)
    assert r.status_code == 200, r.json
    assert (r.json["site_address"], r.json["phone"]) == (FULL, "13806351234")
    assert r.json["contact_name"] == "张某" and r.json["number"].startswith("SG-")
    [row] = _log(ctx, order.id)
    assert (row["actor"], row["actor_role"], row["record_type"]) == (
        "crew-a", "contractor", "work_order")
    assert row["fields"] == ["address", "phone"]
    assert (row["purpose"], row["request_id"]) == ("施工联系（约定进场时间）",
                                                   r.headers["X-Request-ID"])
    # staff and inspectors read that log, by the order's id
    logged = client.get(f"/access-log?record_id={order.id}", headers=auth(world.inspector))
    assert logged.status_code == 200 and logged.json["items"][0]["purpose"].startswith("施工联系")
    # the household file shows the read (no value in it)
    file = client.get(f"/applications/{order.application_id}/file",
                      headers=auth(world.approver))
    assert "SiteContactRead" in str(file.json["timeline"])
    assert "13806351234" not in str(file.json["timeline"])

    # no purpose, or one not on the list: 422, nothing logged
    for bad in ("", "?purpose=", "?purpose=看看"):
        refused = client.get(f"/work-orders/{order.id}/contact{bad}", headers=crew)
        assert refused.status_code == 422, bad
        assert refused.headers["Content-Type"] == "application/problem+json"
    # another company: not there; staff, inspectors: not this door (the application's)
    assert client.get(f"/work-orders/{order.id}/contact?purpose=works_contact",
                      headers=auth(world.crew_b)).status_code == 404
    for other in (world.approver, world.inspector):
        assert client.get(f"/work-orders/{order.id}/contact?purpose=works_contact",
                          headers=auth(other)).status_code == 403
    assert len(_log(ctx, order.id)) == 1

    # every state up to the request for inspection keeps it readable
    for step in ("scheduled", "in_progress", "completion_requested"):
        _advance(world, order.id, step)
        again = client.get(f"/work-orders/{order.id}/contact?purpose=visit_arrangement",
                           headers=crew)
        assert again.status_code == 200 and again.json["status"] == step
        assert again.json["site_address"] == FULL

    # closed: 409 naming the state in words, nothing logged, the page masked again
    wo.inspect(ctx.uow(), world.inspector, order.id, passed=True, defects=[], note=None,
               now=world.now())
    before = len(_log(ctx, order.id))
    closed = client.get(f"/work-orders/{order.id}/contact?purpose=works_contact",
                        headers=crew)
    assert closed.status_code == 409, closed.json
    assert closed.json["current_state"] == "closed"
    assert "已验收关闭" in closed.json["detail"] and "查看住户地址和电话" in closed.json["detail"]
    en = client.get(f"/work-orders/{order.id}/contact?purpose=works_contact",
                    headers={**crew, "Accept-Language": "en"})
    assert en.status_code == 409 and "closed after inspection" in en.json["detail"]
    assert len(_log(ctx, order.id)) == before
    page = client.get(f"/work-orders/{order.id}", headers=crew)
    assert page.json["status"] == "closed"
    assert page.json["site_address"].startswith("东昌府区古楼街道")
    assert "楼北社区" not in page.json["site_address"] and "*" in page.json["site_address"]


def _advance(world: Any, order_id: Any, state: str) -> None:
    from datetime import timedelta

    from svckit.domain.clock import china_date

    u, crew, now = world.ctx.uow, world.crew_a, world.now()
    if state == "scheduled":
        wo.schedule(u(), crew, order_id, china_date(now), china_date(now) + timedelta(days=5),
                    now=now)
    elif state == "in_progress":
        items = wo.get(u(), crew, order_id).items
        wo.report_progress(u(), crew, order_id, {"note": "完工", "percent": 100,
                                                 "items_done": items}, now=now)
    else:
        wo.request_completion(u(), crew, order_id, now=now)


def test_no_contact_before_acceptance_nor_after_termination(world: Any, client: Any,
                                                            auth: Any, ctx: Any) -> None:
    crew = auth(world.crew_a)
    assigned = world.order("assigned")
    r = client.get(f"/work-orders/{assigned.id}/contact?purpose=works_contact", headers=crew)
    assert r.status_code == 409 and r.json["current_state"] == "assigned"
    assert "已派单待接单" in r.json["detail"]

    order = world.order("scheduled")
    assert client.get(f"/work-orders/{order.id}/contact?purpose=works_contact",
                      headers=crew).status_code == 200
    wo.terminate(ctx.uow(), staff("staff-approver"), order.id, kind="breach",
                 reason="连续三周未进场", cost_incurred_fen=None, now=world.now())
    ended = client.get(f"/work-orders/{order.id}/contact?purpose=works_contact",
                       headers=crew)
    assert ended.status_code == 409 and "已终止" in ended.json["detail"]
    assert len(_log(ctx, assigned.id)) == 0 and len(_log(ctx, order.id)) == 1
