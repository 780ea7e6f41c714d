"""The waiting list of a type at a station and date bookings (issue 16, ADR 0023),
through the HTTP API on PostgreSQL: the line's order (priority, then first come), a
freed unit held for the first in line with the borrower told (phone sealed), a lapsed or
cancelled hold passing to the next, a booked day that a check-out may not take, and the
races for the last unit of a period."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from inventory.adapters import orm
from inventory.service_layer import jobs
from inventory_testkit import BO, ST, TY, add_units, count, due, outbox, today, unit_status
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]
GX, BD = str(ST["GX"]), str(TY["BD"])  # 冠县 has no beds in the seed


def _join(client: FlaskClient, h: dict[str, str], borrower: str) -> Any:
    return client.post("/waitlist", headers=h, json={
        "station_id": GX, "type_id": BD, "borrower_id": str(BO[borrower])})


def _line(client: FlaskClient, h: dict[str, str]) -> list[dict[str, Any]]:
    r = client.get(f"/waitlist?station_id={GX}&type_id={BD}", headers=h)
    assert r.status_code == 200, r.get_json()
    return list(r.get_json())


def test_the_line_serves_priority_first_then_first_come(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    h = headers("clerk", "GX")
    b6, b8 = _join(client, h, "B6").get_json(), _join(client, h, "B8").get_json()
    assert (b6["status"], b6["position"], b8["position"]) == ("waiting", 1, 2)
    b1 = _join(client, h, "B1")  # grade 2: severe disability, goes first
    assert b1.status_code == 201 and b1.get_json()["priority"] == "severe"
    line = _line(client, h)
    assert [(e["borrower_id"], e["position"]) for e in line] == [
        (str(BO["B1"]), 1), (str(BO["B6"]), 2), (str(BO["B8"]), 3)]
    again = _join(client, h, "B6")
    assert again.status_code == 409 and "候补名单" in again.get_json()["detail"]

    # a unit taken into stock at 冠县 is held for B1 at once, and B1 is told
    unit = client.post("/units", headers=h, json={
        "asset_tag": "WL-GX-BD-01", "serial": "SN-WL1", "type_id": BD, "station_id": GX,
        "condition": "A", "acquisition": "donation", "acquired_on": "2025-01-02",
        "cost_fen": 0}).get_json()
    assert unit_status(ctx, unit["id"]) == "reserved"
    line = _line(client, h)
    assert (line[0]["borrower_id"], line[0]["status"], line[0]["position"]) == (
        str(BO["B1"]), "held", None)
    assert [e["position"] for e in line[1:]] == [1, 2]
    [held] = outbox(ctx, "waitlist.unit_held")
    payload = held["payload"]
    assert payload["entry_id"] == b1.get_json()["id"]
    assert (payload["unit_id"], payload["borrower_id"]) == (unit["id"], str(BO["B1"]))
    assert payload["device_name"] and payload["station_name"]
    assert "13863501201" not in json.dumps(held)  # the phone travels sealed
    assert payload["borrower_phone"] and payload["borrower_phone"] != "13863501201"

    # B1 does not come: the hold lapses and B6, next in line, gets the unit
    later = datetime.now(UTC) + timedelta(days=4)
    assert jobs.expire_reservations(ctx, now=later) >= 1
    entry_b1 = client.get(f"/waitlist/{b1.get_json()['id']}", headers=h).get_json()
    assert entry_b1["status"] == "lapsed" and entry_b1["closed_at"]
    line = _line(client, h)
    assert (line[0]["borrower_id"], line[0]["status"]) == (str(BO["B6"]), "held")
    assert len(outbox(ctx, "waitlist.unit_held")) == 2

    # B6 is taken off the line: the unit goes on to B8
    r = client.post(f"/waitlist/{b6['id']}/cancel", headers=h, json={})
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    line = _line(client, h)
    assert [(e["borrower_id"], e["status"]) for e in line] == [(str(BO["B8"]), "held")]

    # B8 comes and borrows it against the hold: the entry is served, the line empty
    r = client.post("/rentals", headers=h, json={
        "station_id": GX, "borrower_id": str(BO["B8"]), "due_on": due(20),
        "reservation_id": line[0]["reservation_id"]})
    assert r.status_code == 201, r.get_json()
    assert client.get(f"/waitlist/{b8['id']}", headers=h).get_json()["status"] == "served"
    assert _line(client, h) == []
    # cancelling a closed entry: 409 in words
    r = client.post(f"/waitlist/{b8['id']}/cancel", headers=h, json={})
    assert r.status_code == 409 and "已出借" in r.get_json()["detail"]


def test_a_returned_unit_goes_to_the_line_once_cleaned(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    h = headers("clerk", "GX")
    [unit] = add_units(ctx, "GX", "BD", 1, prefix="RET")
    rental = client.post("/rentals", headers=h, json={
        "station_id": GX, "borrower_id": str(BO["B2"]), "due_on": due(10),
        "type_id": BD}).get_json()
    entry = _join(client, h, "B6").get_json()
    assert entry["status"] == "waiting"
    r = client.post(f"/rentals/{rental['id']}/return", headers=h, json={"condition": "B"})
    assert r.status_code == 200, r.get_json()
    assert unit_status(ctx, unit) == "cleaning"
    jobs.release_cleaned(ctx, now=datetime.now(UTC) + timedelta(days=3))
    assert unit_status(ctx, unit) == "reserved"
    assert client.get(f"/waitlist/{entry['id']}", headers=h).get_json()["status"] == "held"


def test_waitlist_input_and_access_errors(client: FlaskClient, headers: H) -> None:
    h = headers("clerk", "GX")
    r = client.post("/waitlist", headers=h, json={"station_id": "x", "type_id": BD})
    assert r.status_code == 422
    fields = r.get_json()["errors"]
    assert set(fields) >= {"station_id", "borrower_id"}
    r = client.post("/waitlist", headers=h, json={
        "station_id": GX, "type_id": BD, "borrower_id": str(BO["B7"])})
    assert r.status_code == 409 and "逾期" in r.get_json()["detail"]  # overdue: as check-out
    r = client.post("/waitlist", headers=headers("clerk", "DCF"), json={
        "station_id": GX, "type_id": BD, "borrower_id": str(BO["B6"])})
    assert r.status_code == 403
    assert client.get(f"/waitlist?station_id={GX}", headers=h).status_code == 422


# -- date bookings ----------------------------------------------------------------------

def _book(client: FlaskClient, h: dict[str, str], borrower: str, start: int,
          end: int) -> Any:
    return client.post("/bookings", headers=h, json={
        "station_id": GX, "type_id": BD, "borrower_id": str(BO[borrower]),
        "starts_on": due(start), "ends_on": due(end)})


def test_bookings_count_against_the_units_of_each_day(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    h = headers("clerk", "GX")
    [unit] = add_units(ctx, "GX", "BD", 1, prefix="BK")
    r = _book(client, h, "B6", 5, 8)
    assert r.status_code == 201, r.get_json()
    booking = r.get_json()
    assert booking["status"] == "booked"
    avail = client.get(f"/bookings/availability?station_id={GX}&type_id={BD}"
                       f"&starts_on={due(6)}&ends_on={due(7)}", headers=h).get_json()
    assert (avail["free_now"], avail["available"]) == (1, 0)
    r = _book(client, h, "B8", 7, 10)  # overlaps on days 7 and 8: the one unit is taken
    assert r.status_code == 409 and "预约满" in r.get_json()["detail"]
    assert _book(client, h, "B8", 9, 12).status_code == 201  # after it: fine
    r = _book(client, h, "B8", 0, 2)
    assert r.status_code == 422 and "starts_on" in r.get_json()["errors"]

    # a loan past the booked days would leave the booking without a unit: 409 naming it
    r = client.post("/rentals", headers=h, json={
        "station_id": GX, "borrower_id": str(BO["B2"]), "due_on": due(20), "type_id": BD})
    assert r.status_code == 409
    body = r.get_json()
    assert booking["id"][:8] in body["detail"] and "日期预约" in body["detail"]
    assert unit_status(ctx, unit) == "available"
    # a short loan back (and cleaned) before the booking starts is allowed
    r = client.post("/rentals", headers=h, json={
        "station_id": GX, "borrower_id": str(BO["B2"]), "due_on": due(2), "type_id": BD})
    assert r.status_code == 201, r.get_json()
    client.post(f"/rentals/{r.get_json()['id']}/return", headers=h, json={"condition": "A"})
    jobs.release_cleaned(ctx, now=datetime.now(UTC) + timedelta(days=2))

    # on its first day the booking becomes a hold of the unit (the borrower is told)
    start = datetime.now(UTC) + timedelta(days=5)
    assert jobs.start_bookings(ctx, now=start) == 1
    held = client.get(f"/bookings/{booking['id']}", headers=h).get_json()
    assert held["status"] == "held" and held["reservation_id"]
    assert unit_status(ctx, unit) == "reserved"
    [event] = outbox(ctx, "waitlist.unit_held")
    assert event["payload"]["booking_id"] == booking["id"]
    r = client.post(f"/bookings/{booking['id']}/cancel", headers=h, json={})
    assert r.status_code == 409 and "已转为设备预留" in r.get_json()["detail"]


def _race(ctx: ServiceContext, path: str, bodies: list[dict[str, Any]],
          h: dict[str, str]) -> list[int]:
    app = ctx.create_app()
    barrier = threading.Barrier(len(bodies))
    codes = [0] * len(bodies)

    def attempt(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        codes[i] = client.post(path, json=bodies[i], headers=h).status_code

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return codes


def test_racing_check_outs_never_take_a_booked_unit(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    """Two units, one booked for days 3-6: of 12 parallel check-outs by type running past
    the booking, exactly one gets a unit; the other stays for the booking."""
    h = headers("clerk", "GX")
    units = add_units(ctx, "GX", "BD", 2, prefix="RC")
    assert _book(client, h, "B6", 3, 6).status_code == 201
    borrowers = ["B1", "B2", "B3", "B4", "B5", "B8"]
    bodies = [{"station_id": GX, "borrower_id": str(BO[borrowers[i % 6]]), "type_id": BD,
               "due_on": due(15)} for i in range(12)]
    codes = _race(ctx, "/rentals", bodies, h)
    assert Counter(codes) == {201: 1, 409: 11}
    assert sorted(unit_status(ctx, u) for u in units) == ["available", "rented"]


def test_racing_bookings_for_the_last_unit_of_a_period(
        ctx: ServiceContext, headers: H) -> None:
    h = headers("clerk", "GX")
    add_units(ctx, "GX", "BD", 1, prefix="RB")
    borrowers = ["B1", "B2", "B3", "B4", "B5", "B6", "B8"]
    bodies = [{"station_id": GX, "type_id": BD, "borrower_id": str(BO[b]),
               "starts_on": due(4 + i % 3), "ends_on": due(9)} for i, b in enumerate(borrowers)]
    codes = _race(ctx, "/bookings", bodies, h)
    assert Counter(codes) == {201: 1, 409: 6}
    b = orm.bookings.c
    assert count(ctx, orm.bookings, b.station_id == ST["GX"], b.status == "booked") == 1


def test_a_booking_with_no_free_unit_on_its_day_waits_then_lapses(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    h = headers("clerk", "GX")
    [unit] = add_units(ctx, "GX", "BD", 1, prefix="LP")
    booking = _book(client, h, "B6", 3, 4).get_json()
    # the unit goes to repair (not a loan: the guard does not cover repairs)
    ticket = client.post("/maintenance-tickets", headers=h, json={
        "unit_id": str(unit), "fault": "护栏松动"}).get_json()
    assert ticket["id"]
    day3 = datetime.now(UTC) + timedelta(days=3)
    assert jobs.start_bookings(ctx, now=day3) == 0
    assert client.get(f"/bookings/{booking['id']}", headers=h).get_json()["status"] == "booked"
    assert jobs.start_bookings(ctx, now=day3 + timedelta(days=2)) == 1
    assert client.get(f"/bookings/{booking['id']}", headers=h).get_json()["status"] == "lapsed"
    with ctx.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orm.waitlist_entries)
                            ).scalar_one() == 0
    assert today()


def test_an_extension_into_booked_days_is_refused_naming_the_booking(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    """A booking counts on a lent unit coming back after its due date; extending the
    loan past the booked days would leave it without one."""
    h = headers("clerk", "GX")
    add_units(ctx, "GX", "BD", 1, prefix="EX")
    r = client.post("/rentals", headers=h, json={
        "station_id": GX, "borrower_id": str(BO["B2"]), "due_on": due(2), "type_id": BD})
    assert r.status_code == 201, r.get_json()
    rental = r.get_json()
    booked = _book(client, h, "B6", 6, 9)  # the unit is expected back from day 4
    assert booked.status_code == 201, booked.get_json()
    booking = booked.get_json()

    r = client.post(f"/rentals/{rental['id']}/extend", headers=h, json={"due_on": due(8)})
    assert r.status_code == 409
    body = r.get_json()
    assert booking["id"][:8] in body["detail"] and "日期预约" in body["detail"]
    r = client.get(f"/rentals/{rental['id']}", headers=h)
    assert r.get_json()["due_on"] == due(2)  # nothing changed
    # back (and lendable) by the booking's first day: allowed
    r = client.post(f"/rentals/{rental['id']}/extend", headers=h, json={"due_on": due(4)})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["due_on"] == due(4)


def test_a_free_unit_a_booking_needs_cannot_be_given_away(
        client: FlaskClient, ctx: ServiceContext, headers: H) -> None:
    h = headers("clerk", "GX")
    [first] = add_units(ctx, "GX", "BD", 1, prefix="GA")
    assert _book(client, h, "B6", 30, 40).status_code == 201
    r = client.post("/allocations", headers=h, json={
        "unit_id": str(first), "borrower_id": str(BO["B4"]), "reason": "特困供养 2026-07"})
    assert r.status_code == 409 and "日期预约" in r.get_json()["detail"]
    assert unit_status(ctx, first) == "available"
    [second] = add_units(ctx, "GX", "BD", 1, prefix="GB")  # one to spare: allowed
    r = client.post("/allocations", headers=h, json={
        "unit_id": str(second), "borrower_id": str(BO["B4"]), "reason": "特困供养 2026-07"})
    assert r.status_code == 201, r.get_json()
