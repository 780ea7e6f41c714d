"""The clerk reveals an overdue borrower's name and phone from the overdue list: only those
two fields, logged with the purpose against the borrower; a returned rental is refused in
words (real PostgreSQL, through HTTP)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask.testing import FlaskClient
from inventory.adapters import orm
from inventory_testkit import BO, OVERDUE_RENTAL
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]
LOG = orm.metadata.tables["personal_data_access_log"]


def _log(ctx: ServiceContext) -> list[sa.RowMapping]:
    with ctx.engine.connect() as conn:
        return list(conn.execute(sa.select(LOG).order_by(LOG.c.id)).mappings())


def test_clerk_reveals_the_overdue_borrowers_name_and_phone(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    clerk = headers("clerk", "DCF", sub="clerk-li")
    [row] = client.get("/reports/overdue", headers=clerk).get_json()["items"]
    assert row["borrower_contact_name"] == "赵某" and row["borrower_phone"] == "138****1207"

    r = client.get(f"/rentals/{OVERDUE_RENTAL}/contact?purpose=overdue_follow_up", headers=clerk)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["name"], body["phone"], body["days_overdue"]) == ("赵淑珍", "13863501207", 10)
    assert "address" not in body and "certificate_number" not in body
    [entry] = _log(ctx)
    assert (entry["actor"], entry["actor_role"], entry["record_type"], entry["record_id"]) == (
        "clerk-li", "clerk", "borrower", str(BO["B7"]))
    assert (entry["fields"], entry["purpose"]) == (["name", "phone"], "逾期回访")
    assert entry["request_id"] == r.headers["X-Request-ID"]

    # a purpose off the list, or none: 422; another station's clerk: not there; nothing logged
    for bad in ("", "?purpose=", "?purpose=随便看看"):
        refused = client.get(f"/rentals/{OVERDUE_RENTAL}/contact{bad}", headers=clerk)
        assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert client.get(f"/rentals/{OVERDUE_RENTAL}/contact?purpose=overdue_follow_up",
                      headers=headers("clerk", "YG")).status_code == 404
    for role in ("volunteer", "coordinator", "contractor"):
        assert client.get(f"/rentals/{OVERDUE_RENTAL}/contact?purpose=overdue_follow_up",
                          headers=headers(role)).status_code == 403
    assert len(_log(ctx)) == 1

    # returned: refused in words, nothing more logged
    back = client.post(f"/rentals/{OVERDUE_RENTAL}/return", json={"condition": "A"},
                       headers=clerk)
    assert back.status_code == 200, back.get_json()
    done = client.get(f"/rentals/{OVERDUE_RENTAL}/contact?purpose=overdue_follow_up",
                      headers=clerk)
    assert done.status_code == 409 and done.get_json()["current_state"] == "returned"
    assert "已归还" in done.get_json()["detail"]
    assert "不能查看借用人姓名和电话" in done.get_json()["detail"]
    assert len(_log(ctx)) == 1
