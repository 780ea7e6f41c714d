"""The fair limit of this stack for a check-out: a Flask route under deploy/gunicorn.conf.py
(like the APIs) that verifies the same bearer token with the same verifier, then runs the
endpoint's statements (bench/checkout.pgbench: the one-query read, the open rentals and the
bookings when it saw some, rental, unit, movement, audit + outbox + NOTIFY) with plain
psycopg in one transaction. No ORM, no schema library, no domain model: the split the public
benchmarks make between a framework and "framework-raw". The outbox row goes to
``bench_outbox`` so the relay does not publish it. Environment: RAW_DATABASE_URL (libpq),
AUTH_PUBLIC_KEY (PEM).
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from flask import Flask, request
from svckit.auth.tokens import TokenError, TokenVerifier

app = Flask(__name__)
_verifier = TokenVerifier(public_key=os.environ["AUTH_PUBLIC_KEY"])
_local = threading.local()

READ = (
    "SELECT units.id, units.status, units.condition, units.type_id, device_types.daily_fee_fen, "
    "device_types.deposit_fen, device_types.max_rental_days, stations.id, borrowers.id, "
    "reservations.id, stations.division_code, "
    # whether a booking overlaps the loan's days and whether the borrower has a loan open
    # (the endpoint reads the bookings and the open loans only then)
    "EXISTS (SELECT 1 FROM bookings WHERE bookings.type_id = units.type_id "
    "AND bookings.station_id = %(station)s AND bookings.status = 'booked' "
    "AND bookings.ends_on >= %(today)s AND bookings.starts_on <= %(until)s), "
    "EXISTS (SELECT 1 FROM rentals WHERE rentals.borrower_id = %(borrower)s "
    "AND rentals.status = 'active') FROM units "
    "JOIN device_types ON device_types.id = units.type_id "
    "JOIN stations ON stations.id = %(station)s JOIN borrowers ON borrowers.id = %(borrower)s "
    "LEFT OUTER JOIN reservations ON reservations.unit_id = units.id "
    "AND reservations.status = 'held' WHERE units.id = %(unit)s LIMIT 1 FOR UPDATE OF units")
OPEN = ("SELECT rentals.id, rentals.due_on FROM rentals WHERE rentals.borrower_id = %(borrower)s "
        "AND rentals.status = 'active'")
BOOKED = (  # the date bookings the loan's days overlap (ADR 0023), read when READ saw one
    "SELECT bookings.id FROM bookings WHERE bookings.type_id = %(type)s "
    "AND bookings.station_id = %(station)s AND bookings.status = 'booked' "
    "AND bookings.ends_on >= %(today)s AND bookings.starts_on <= %(until)s")
NUMBER = (  # svckit.numbering: a counter row per (prefix, division, year)
    "INSERT INTO document_counters (prefix, division, year, last_value) VALUES "
    "('ZL', %(division)s, %(year)s, 1) ON CONFLICT (prefix, division, year) DO UPDATE SET "
    "last_value = document_counters.last_value + 1 RETURNING last_value")
RENTAL = (
    "INSERT INTO rentals (number, id, unit_id, type_id, station_id, borrower_id, "
    "checked_out_at, due_on, "
    "max_rental_days, daily_fee_fen, fee_fen, deposit_fen, waiver, status, logistics, "
    "override_by, override_reason, overdue_noticed_at, returned_at, return_condition, "
    "return_notes, damage_charge_fen, deposit_refund_fen) VALUES (%(number)s, %(rental)s, "
    "%(unit)s, "
    "%(type)s, %(station)s, %(borrower)s, %(now)s, %(due)s, %(max_days)s, %(fee)s, %(total)s, "
    "%(deposit)s, NULL, 'active', 'none', NULL, NULL, NULL, NULL, NULL, '', 0, 0)")
UNIT = "UPDATE units SET status = 'rented' WHERE units.id = %(unit)s"
MOVEMENT = (
    "INSERT INTO unit_movements (id, unit_id, at, action, from_status, to_status, "
    "from_station_id, to_station_id, reference, note) VALUES (%(movement)s, %(unit)s, %(now)s, "
    "'check_out', 'available', 'rented', %(station)s, %(station)s, %(rental)s, '')")
AUDIT_OUTBOX = (  # audit rows, outbox row and the relay's wake-up in one statement (svckit.uow)
    "WITH audit_rows AS (INSERT INTO audit_log (at, actor, actor_role, object_type, object_id, "
    "action, changes, request_id) VALUES (%(now)s, %(actor)s, %(role)s, 'movement', "
    "%(movement)s, 'create', %(a1)s, %(rid)s), (%(now)s, %(actor)s, %(role)s, 'rental', "
    "%(rental)s, 'create', %(a2)s, %(rid)s), (%(now)s, %(actor)s, %(role)s, 'unit', %(unit)s, "
    "'update', %(a3)s, %(rid)s)), "
    "outbox_rows AS (INSERT INTO bench_outbox (event_id, event_type, subject_id, body, "
    "created_at, attempts) VALUES (%(event)s, 'rental.checked_out', %(rental)s, %(body)s, "
    "%(now)s, 0)) SELECT pg_notify('bench_raw', '')")


def _conn() -> psycopg.Connection[Any]:
    conn: psycopg.Connection[Any] | None = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(os.environ["RAW_DATABASE_URL"])
        _local.conn = conn
    return conn


def _problem(status: int, title: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    return ({"type": "about:blank", "title": title, "status": status}, status,
            {"Content-Type": "application/problem+json"})


@app.post("/rentals")
def check_out() -> Any:
    header = request.headers.get("Authorization", "")
    try:
        principal = _verifier.verify(header.removeprefix("Bearer ").strip())
    except TokenError:
        return _problem(401, "unauthorized")
    body = request.get_json(force=True)
    station = body["station_id"]
    if principal.role.value != "clerk" or station not in principal.stations:
        return _problem(403, "forbidden")
    now = datetime.now(UTC)
    p: dict[str, Any] = {
        "station": station, "borrower": body["borrower_id"], "unit": body["unit_id"],
        "due": date.fromisoformat(body["due_on"]), "now": now, "rental": uuid.uuid4(),
        "movement": uuid.uuid4(), "event": str(uuid.uuid4()), "actor": principal.sub,
        "role": principal.role.value, "rid": uuid.uuid4().hex,
    }
    today = now.date()
    p.update(today=today, until=max(p["due"], today))
    conn = _conn()
    with conn.transaction():
        row = conn.execute(READ, p).fetchone()
        if row is None:
            return _problem(404, "not found")
        if row[1] != "available" or row[9] is not None:
            return _problem(409, "unit not available")
        if row[12] and any(due_on < today
                           for _id, due_on in conn.execute(OPEN, p).fetchall()):
            return _problem(409, "borrower has an overdue rental")
        days = (p["due"] - now.date()).days
        p.update(type=row[3], fee=row[4], deposit=row[5], max_days=row[6],
                 total=row[4] * max(days, 1))
        if row[11] and conn.execute(BOOKED, p).fetchone() is not None:
            return _problem(409, "a booking needs the unit")
        p.update(division=row[10], year=(now + timedelta(hours=8)).year)  # China year
        seq = conn.execute(NUMBER, p).fetchone()[0]  # type: ignore[index]
        p["number"] = f"ZL-{row[10]}-{p['year']}-{seq:06d}"
        conn.execute(RENTAL, p)
        conn.execute(UNIT, p)
        conn.execute(MOVEMENT, p)
        p.update(a1=json.dumps({"id": str(p["movement"]), "action": "check_out"}),
                 a2=json.dumps({"id": str(p["rental"]), "due_on": body["due_on"]}),
                 a3=json.dumps({"status": ["available", "rented"]}))
        p["body"] = json.dumps({"id": p["event"], "type": "rental.checked_out",
                                "subject_id": str(p["rental"]), "unit_id": p["unit"],
                                "borrower_id": p["borrower"], "due_on": body["due_on"]})
        conn.execute(AUDIT_OUTBOX, p)
    return {"id": str(p["rental"]), "number": p["number"], "unit_id": p["unit"],
            "borrower_id": p["borrower"],
            "station_id": station, "due_on": body["due_on"], "status": "active",
            "fee_fen": p["total"], "deposit_fen": p["deposit"]}, 201
