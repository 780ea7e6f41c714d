"""The check-out's database work, as trimmed after profiling (docs/performance.md): the
statements it sends, not how long they take (no timed assertions)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from inventory.adapters import orm
from inventory.domain.units import Unit
from inventory_testkit import BO, ST, TY, add_units, due, uow_of
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]


@contextmanager
def statements(ctx: ServiceContext) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    sa.event.listen(ctx.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(ctx.engine, "before_cursor_execute", record)


def test_check_out_by_unit_reads_once_and_never_loads_the_history(
        ctx: ServiceContext, client: FlaskClient, headers: H) -> None:
    [unit] = add_units(ctx, "GX", "BD", 1, prefix="HOT")
    body = {"station_id": str(ST["GX"]), "borrower_id": str(BO["B6"]),
            "unit_id": str(unit), "due_on": due(30)}
    with statements(ctx) as seen:
        r = client.post("/rentals", json=body, headers=headers("clerk", "GX"))
    assert r.status_code == 201, r.get_json()
    selects = [s for s in seen if s.startswith("SELECT")]
    # unit (locked) + type + station + borrower + held reservation in one statement, which
    # also says that no date booking of the type at the station overlaps the loan's days
    # (ADR 0023) and that the borrower has no loan open: neither is read again; the
    # movement history is never read
    assert len(selects) == 1, selects
    assert "FOR UPDATE OF units" in selects[0]
    assert "FROM bookings" in selects[0] and "FROM rentals" in selects[0]
    assert not any("pg_advisory" in s for s in seen)
    assert not any("FROM unit_movements" in s for s in seen)
    # the audit rows, the outbox rows and the relay's wake-up travel together; nothing
    # else is written after the rental row
    [last] = [s for s in seen if "INSERT INTO outbox" in s]
    assert last.startswith("WITH audit_rows AS (INSERT INTO audit_log") and "pg_notify" in last
    assert not any(s.startswith("INSERT INTO audit_log") for s in seen)
    writes = [s.split(" (")[0] for s in seen if not s.startswith("SELECT")]
    assert writes == ["UPDATE units SET status=%(status)s WHERE units.id = %(units_id)s::UUID",
                      "INSERT INTO unit_movements", "INSERT INTO document_counters",
                      "INSERT INTO rentals", "WITH audit_rows AS"], writes
    with ctx.engine.connect() as conn:
        moves = conn.execute(sa.select(orm.unit_movements.c.action).where(
            orm.unit_movements.c.unit_id == unit).order_by(orm.unit_movements.c.at)).all()
    assert [m[0] for m in moves] == ["register", "check_out"]  # appended, history kept


def test_a_borrower_with_a_loan_open_and_a_booking_are_read(
        ctx: ServiceContext, client: FlaskClient, headers: H) -> None:
    """The one-query read only says whether to look: with a loan open and a booking in
    the loan's days, the open loans and the bookings are read (and weighed) as before."""
    first, second = add_units(ctx, "GX", "BD", 2, prefix="HOB")
    body = {"station_id": str(ST["GX"]), "borrower_id": str(BO["B6"]),
            "unit_id": str(first), "due_on": due(30)}
    assert client.post("/rentals", json=body, headers=headers("clerk", "GX")).status_code == 201
    booking = client.post("/bookings", json={
        "station_id": str(ST["GX"]), "type_id": str(TY["BD"]), "borrower_id": str(BO["B5"]),
        "starts_on": due(3), "ends_on": due(10)}, headers=headers("clerk", "GX"))
    assert booking.status_code == 201, booking.get_json()
    with statements(ctx) as seen:
        r = client.post("/rentals", json={**body, "unit_id": str(second)},
                        headers=headers("clerk", "GX"))
    assert r.status_code in (201, 409), r.get_json()
    selects = [s for s in seen if s.startswith("SELECT")]
    assert any(s.startswith("SELECT") and "FROM bookings" in s and "FOR UPDATE" not in s
               and "EXISTS" not in s for s in selects[1:]), selects
    assert any("FROM rentals" in s and "EXISTS" not in s for s in selects[1:]), selects


def test_a_missing_borrower_is_still_named(ctx: ServiceContext, client: FlaskClient,
                                           headers: H) -> None:
    [unit] = add_units(ctx, "GX", "BD", 1, prefix="NOB")
    body = {"station_id": str(ST["GX"]), "borrower_id": str(uuid.uuid4()),
            "unit_id": str(unit), "due_on": due(30)}
    r = client.post("/rentals", json=body, headers=headers("clerk", "GX"))
    assert r.status_code == 404
    assert "borrower" in r.get_data(as_text=True)


def test_loaded_units_start_with_an_empty_history_and_reports_load_it(
        ctx: ServiceContext) -> None:
    [unit] = add_units(ctx, "GX", "BD", 1, prefix="HIS")
    uow = uow_of(ctx)
    with uow:
        loaded = uow.repo.get(Unit, unit)
        assert loaded is not None and loaded.movements == []  # not loaded, not lazy either
    with uow:
        [with_history] = [u for u in uow.repo.units_with_history([ST["GX"]]) if u.id == unit]
        assert [m.action for m in with_history.movements] == ["register"]


def test_availability_by_city_counts_only_the_city(ctx: ServiceContext, client: FlaskClient,
                                                   headers: H) -> None:
    add_units(ctx, "GX", "BD", 3, prefix="AV")
    with ctx.engine.connect() as conn:
        division = conn.execute(sa.select(orm.stations.c.division_code).where(
            orm.stations.c.id == ST["GX"])).scalar_one()
    r = client.get("/units/availability", query_string={
        "type_id": str(TY["BD"]), "division_code": division}, headers=headers("clerk", "GX"))
    assert r.status_code == 200, r.get_json()
    by_station = {row["station_id"]: row["available"] for row in r.get_json()["items"]}
    assert by_station.get(str(ST["GX"])) == 3
