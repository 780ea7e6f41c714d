"""The processing records of inventory on PostgreSQL: the personal-data access log
(``GET /access-log``) and the audit trail (``GET /audit``), through HTTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from inventory.adapters import orm
from inventory.domain.borrowers import Borrower
from inventory_testkit import BO
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]
AUDIT = orm.metadata.tables["audit_log"]


def _audit_rows(ctx: ServiceContext) -> list[sa.RowMapping]:
    with ctx.engine.connect() as conn:
        return list(conn.execute(sa.select(AUDIT).order_by(AUDIT.c.id)).mappings())


def test_access_log_is_queryable_by_staff_only(client: FlaskClient, headers: H) -> None:
    b1 = str(BO["B1"])
    read = client.get(f"/borrowers/{b1}/personal?purpose=上门配送&purpose_note=核对送货地址",
                      headers=headers("clerk", "DCF", sub="clerk-li"))
    assert read.status_code == 200
    page = client.get(f"/access-log?record_id={b1}", headers=headers("staff"))
    assert page.status_code == 200, page.json
    [entry] = page.json["items"]
    assert page.json["total"] == 1
    assert (entry["actor"], entry["actor_role"], entry["record_type"], entry["purpose"]) == (
        "clerk-li", "clerk", "borrower", "上门配送（核对送货地址）")
    assert entry["fields"] == ["certificate_number", "name", "phone", "address"]
    for role in ("clerk", "supervisor"):
        denied = client.get(f"/access-log?record_id={b1}", headers=headers(role, "DCF"))
        assert denied.status_code == 403 and denied.mimetype == "application/problem+json"


def test_state_change_is_audited_with_who_and_masked_before_after(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    b1 = str(BO["B1"])
    resp = client.patch(f"/borrowers/{b1}", json={"phone": "13906350000", "dibao": True},
                        headers=headers("clerk", "DCF", sub="clerk-wang"))
    assert resp.status_code == 200, resp.json
    page = client.get(f"/audit?object_type=borrower&object_id={b1}", headers=headers("staff"))
    assert page.status_code == 200, page.json
    entry = page.json["items"][0]  # newest first (the seed's create is older)
    assert (entry["actor"], entry["actor_role"], entry["action"]) == (
        "clerk-wang", "clerk", "update")
    assert entry["request_id"] == resp.headers["X-Request-ID"]
    assert set(entry["changes"]) == {"phone", "dibao"}  # changed fields only
    assert entry["changes"]["dibao"] == [False, True]
    before, after = entry["changes"]["phone"]
    assert after == "139****0000" and "*" in before  # never the full number
    assert "13906350000" not in str(_audit_rows(ctx))
    # the inspector may read it too; a clerk may not
    assert client.get(f"/audit?object_type=borrower&object_id={b1}",
                      headers=headers("clerk", "DCF")).status_code == 403


def test_create_is_audited_with_masked_personal_fields(client: FlaskClient, ctx: ServiceContext,
                                                       headers: H) -> None:
    from svckit.domain.certificate import make_certificate

    number = make_certificate("37152219750316032", 4, 2)
    resp = client.post("/borrowers", json={
        "certificate_number": number, "name": "周桂芳", "phone": "13963512345",
        "address": "聊城市莘县燕塔街道莘亭路1号", "division_code": "371522", "consent": True},
        headers=headers("clerk", "YG", sub="clerk-yg"))
    assert resp.status_code == 201
    [row] = [r for r in _audit_rows(ctx) if r["object_id"] == resp.json["id"]]
    assert (row["action"], row["actor"], row["object_type"]) == ("create", "clerk-yg", "borrower")
    changes = row["changes"]
    assert changes["certificate_number"][1] == number[:4] + "*" * 12 + number[-4:]
    assert changes["phone"] == [None, "139****2345"]
    assert changes["name"] == [None, "周**"]
    assert "莘亭路" not in changes["address"][1]
    dumped = str(row)
    assert number not in dumped and "13963512345" not in dumped and "莘亭路1号" not in dumped


def test_rolled_back_change_leaves_no_audit_row(ctx: ServiceContext) -> None:
    before = len(_audit_rows(ctx))
    uow = ctx.uow()
    with pytest.raises(RuntimeError), uow:
        borrower = uow.session.get(Borrower, BO["B1"])
        assert borrower is not None
        borrower.dibao = not borrower.dibao
        uow.session.flush()  # the change reached the database and the collector
        raise RuntimeError("the use case fails after its flush")
    assert len(_audit_rows(ctx)) == before
    # a later commit in a new unit of work does not carry the aborted change either
    with uow:
        uow.commit()
    assert len(_audit_rows(ctx)) == before


def test_one_audit_insert_per_transaction(ctx: ServiceContext) -> None:
    """However many objects change, the audit adds one INSERT statement to the commit."""
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "audit_log" in statement:
            statements.append(statement)

    sa.event.listen(ctx.engine, "before_cursor_execute", count)
    try:
        uow = ctx.uow()
        with uow:
            for key in ("B1", "B2", "B3"):
                borrower = uow.session.get(Borrower, BO[key])
                assert borrower is not None
                borrower.tekun = not borrower.tekun
            uow.session.flush()
            first = uow.session.get(Borrower, BO["B1"])
            assert first is not None
            first.dibao = not first.dibao
            uow.commit()
    finally:
        sa.event.remove(ctx.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    rows = [r for r in _audit_rows(ctx) if r["object_id"] == str(BO["B1"])]
    assert set(rows[-1]["changes"]) == {"tekun", "dibao"}  # two flushes, one row
    assert rows[-1]["actor"] == "system"


def test_consumer_and_job_changes_name_the_system_actor(ctx: ServiceContext) -> None:
    from svckit import context

    with context.acting("system:overdue-scan"):
        uow = ctx.uow()
        with uow:
            borrower = uow.session.get(Borrower, BO["B2"])
            assert borrower is not None
            borrower.dibao = not borrower.dibao
            uow.commit()
    row = _audit_rows(ctx)[-1]
    assert (row["actor"], row["actor_role"]) == ("system:overdue-scan", "system")
