"""200 concurrent check-outs of 10 free units of a type (real threads, real HTTP requests
through the Flask app, PostgreSQL): exactly 10 succeed, the rest get 409, and no unit is
rented twice: row locks (SKIP LOCKED for "any unit of the type", FOR UPDATE for a named
unit) plus the partial unique index ``uq_rentals_active_unit``."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from inventory.adapters import orm
from inventory_testkit import BO, ST, TY, add_units, due
from sqlalchemy.exc import IntegrityError
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]
THREADS = 200


def _race(ctx: ServiceContext, bodies: list[dict], h: dict[str, str]) -> list[int]:
    app = ctx.create_app()
    barrier = threading.Barrier(len(bodies))
    codes: list[int] = [0] * len(bodies)

    def attempt(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        codes[i] = client.post("/rentals", json=bodies[i], headers=h).status_code

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return codes


def _active_units(ctx: ServiceContext, unit_ids: list) -> list:
    r = orm.rentals.c
    with ctx.engine.connect() as conn:
        return list(conn.execute(sa.select(r.unit_id).where(
            r.status == "active", r.unit_id.in_(unit_ids))).scalars())


def test_200_checkouts_by_type_for_10_units(ctx: ServiceContext, headers: H) -> None:
    units = add_units(ctx, "GX", "BD", 10)  # 冠县 has no beds in the seed: exactly these 10
    borrowers = [BO[b] for b in ("B1", "B2", "B3", "B4", "B5", "B6", "B8")]
    bodies = [{"station_id": str(ST["GX"]), "borrower_id": str(borrowers[i % len(borrowers)]),
               "type_id": str(TY["BD"]), "due_on": due(30)} for i in range(THREADS)]
    codes = _race(ctx, bodies, headers("clerk", "GX"))
    assert Counter(codes) == {201: 10, 409: THREADS - 10}
    rented = _active_units(ctx, units)
    assert sorted(map(str, rented)) == sorted(map(str, units))  # each unit once, all ten
    with ctx.engine.connect() as conn:
        statuses = conn.execute(sa.select(orm.units.c.status).where(
            orm.units.c.id.in_(units))).scalars().all()
        events = conn.execute(sa.select(sa.func.count()).select_from(ctx.tables.outbox).where(
            ctx.tables.outbox.c.event_type == "rental.checked_out")).scalar_one()
    assert set(statuses) == {"rented"} and events == 10


def test_racing_for_one_named_unit(ctx: ServiceContext, headers: H) -> None:
    [unit] = add_units(ctx, "GX", "BD", 1, prefix="ONE")
    bodies = [{"station_id": str(ST["GX"]), "borrower_id": str(BO["B6"]),
               "unit_id": str(unit), "due_on": due(30)} for _ in range(30)]
    codes = _race(ctx, bodies, headers("clerk", "GX"))
    assert Counter(codes) == {201: 1, 409: 29}
    assert len(_active_units(ctx, [unit])) == 1


def test_the_database_refuses_a_second_active_rental_of_a_unit(ctx: ServiceContext) -> None:
    """The last line of defence holds even without the locks."""
    r = orm.rentals
    with ctx.engine.connect() as conn:
        row = dict(conn.execute(sa.select(r).where(r.c.status == "active").limit(1))
                   .mappings().one())
    row["id"] = uuid.uuid4()
    with pytest.raises(IntegrityError), ctx.engine.begin() as conn:
        conn.execute(sa.insert(r).values(**row))
