"""Use cases of the payments ledger: record what was paid, reverse an entry, settle the
deposit at return, a rental's ledger, one receipt, the month-end settlement of a station
and the deposits held.

A new entry locks its rental row (``FOR UPDATE``), so two clerks recording at once see
each other's entries and the rules (never more than due, never below zero held) hold.
Each entry is numbered in its transaction (``SJ-<station district>-<year>-<seq>``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from svckit.auth.principal import Principal
from svckit.domain.clock import china_midnight
from svckit.domain.errors import NotFound, ValidationFailed
from svckit.domain.masking import mask_name

from inventory.adapters import orm
from inventory.domain.borrowers import Borrower
from inventory.domain.catalogue import DeviceType, Station
from inventory.domain.payments import (
    RECEIPT_PREFIX,
    Payment,
    RentalLedger,
    Settlement,
    month_of,
    settle,
)
from inventory.domain.rentals import Rental
from inventory.domain.units import Unit
from inventory.service_layer.policy import (
    POLICY,
    load_visible,
    require_at,
    require_visible,
    stations_in_scope,
)
from inventory.service_layer.uow import InventoryUoW


@dataclass(frozen=True)
class RecordPayment:
    kind: str
    amount_fen: int
    method: str | None = None
    reference: str = ""
    note: str = ""


def _ledger(uow: InventoryUoW, principal: Principal, action: str, rental_id: uuid.UUID,
            *, lock: bool) -> RentalLedger:
    rental = load_visible(uow, principal, action, Rental, "rental", rental_id, lock=lock)
    return RentalLedger(rental, uow.repo.payments_of(rental_id))


def _number(uow: InventoryUoW, rental: Rental, entries: list[Payment], now: datetime) -> None:
    station = uow.repo.get(Station, rental.station_id)
    assert station is not None
    for entry in entries:
        entry.number = uow.repo.next_number(RECEIPT_PREFIX, station.division_code, now)
        uow.repo.add(entry)


def settle_deposit_at_return(uow: InventoryUoW, principal: Principal, rental: Rental, *,
                             method: str | None, reference: str,
                             now: datetime) -> list[Payment]:
    """Within the return's transaction: the damage charge deducted from the deposit held,
    the rest refunded (the rental row is locked by the return)."""
    POLICY.require_role(principal, "payment.record")
    ledger = RentalLedger(rental, uow.repo.payments_of(rental.id))
    made = ledger.settle_deposit(deduction_fen=rental.damage_charge_fen, method=method,
                                 reference=reference, by=principal.sub, now=now)
    _number(uow, rental, made, now)
    return made


def record_payment(uow: InventoryUoW, principal: Principal, rental_id: uuid.UUID,
                   cmd: RecordPayment, *, now: datetime) -> Payment:
    with uow:
        ledger = _ledger(uow, principal, "payment.record", rental_id, lock=True)
        entry = ledger.record(kind=cmd.kind, amount_fen=cmd.amount_fen, method=cmd.method,
                              reference=cmd.reference, by=principal.sub, now=now,
                              note=cmd.note)
        _number(uow, ledger.rental, [entry], now)
        uow.session.flush()
        uow.commit()
    return entry


def reverse_payment(uow: InventoryUoW, principal: Principal, payment_id: uuid.UUID,
                    reason: str, *, now: datetime) -> Payment:
    with uow:
        POLICY.require_role(principal, "payment.reverse")
        entry = uow.repo.get(Payment, payment_id)
        if entry is None:
            raise NotFound("payment", payment_id)
        require_visible(uow, principal, "payment.reverse", "payment", payment_id,
                        entry.station_id)
        ledger = _ledger(uow, principal, "payment.reverse", entry.rental_id, lock=True)
        reversal = ledger.reverse(payment_id, reason=reason, by=principal.sub, now=now)
        _number(uow, ledger.rental, [reversal], now)
        uow.session.flush()
        uow.commit()
    return reversal


def _entry_out(e: Payment) -> dict[str, Any]:
    return {c.key: getattr(e, c.key) for c in orm.payments.columns}


def ledger_view(ledger: RentalLedger) -> dict[str, Any]:
    t = ledger.totals
    r = ledger.rental
    return {
        "rental_id": r.id, "rental_number": r.number, "status": r.status.value,
        "fee_due_fen": r.fee_fen, "deposit_due_fen": r.deposit_fen,
        "damage_charge_fen": r.damage_charge_fen,
        "fees_paid_fen": t.fees_fen, "deposits_paid_fen": t.deposits_fen,
        "refunds_fen": t.refunds_fen, "deductions_fen": t.deductions_fen,
        "receipts_fen": t.receipts_fen, "deposit_held_fen": ledger.deposit_held_fen,
        "fee_outstanding_fen": ledger.fee_outstanding_fen,
        "deposit_outstanding_fen": ledger.deposit_outstanding_fen,
        "entries": [{**_entry_out(e), "state": ledger.state_of(e)} for e in ledger.entries],
    }


def rental_ledger(uow: InventoryUoW, principal: Principal,
                  rental_id: uuid.UUID) -> dict[str, Any]:
    with uow:
        return ledger_view(_ledger(uow, principal, "payment.read", rental_id, lock=False))


def receipt(uow: InventoryUoW, principal: Principal, payment_id: uuid.UUID) -> dict[str, Any]:
    """One entry with what its receipt shows: the station, the rental, the unit and type,
    the borrower's name masked (the payer holds the receipt; no full read is needed)."""
    POLICY.require_role(principal, "payment.read")
    with uow:
        entry = uow.repo.get(Payment, payment_id)
        if entry is None:
            raise NotFound("payment", payment_id)
        require_visible(uow, principal, "payment.read", "payment", payment_id,
                        entry.station_id)
        rental = uow.repo.get(Rental, entry.rental_id)
        assert rental is not None
        ledger = RentalLedger(rental, uow.repo.payments_of(rental.id))
        station = uow.repo.get(Station, entry.station_id)
        unit = uow.repo.get(Unit, rental.unit_id)
        device_type = uow.repo.get(DeviceType, rental.type_id)
        borrower = uow.repo.get(Borrower, rental.borrower_id)
        reversed_number = None
        if entry.reverses_id is not None:
            original = uow.repo.get(Payment, entry.reverses_id)
            reversed_number = original.number if original else None
        return {
            **_entry_out(entry), "state": ledger.state_of(entry),
            "reverses_number": reversed_number,
            "station_name": station.name if station else "",
            "station_phone": station.phone if station else "",
            "rental_number": rental.number,
            "asset_tag": unit.asset_tag if unit else "",
            "type_name": device_type.name_zh if device_type else "",
            "iso_code": device_type.iso_code if device_type else "",
            "borrower_name_masked": mask_name(borrower.name) if borrower else "",
            "ledger": ledger_view(ledger),
        }


# -- reports ----------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``"2026-12"`` -> the UTC moments of 2026-12-01 00:00 and 2027-01-01 00:00 China
    time (422 for anything else)."""
    m = _MONTH.match(month or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2099:
        raise ValidationFailed.field("month", "月份格式应为YYYY-MM，如2026-12 "
                                     "(month must be YYYY-MM, e.g. 2026-12)")
    year, mon = int(m.group(1)), int(m.group(2))
    nxt = date(year + mon // 12, mon % 12 + 1, 1)
    return china_midnight(date(year, mon, 1)), china_midnight(nxt)


def _settlement(uow: InventoryUoW, station_id: uuid.UUID, month: str) -> Settlement:
    start, end = month_bounds(month)
    before = uow.repo.station_payments(station_id, before=start)
    during = uow.repo.station_payments(station_id, since=start, before=end)
    result = settle(month, before, during)
    assert all(month_of(e.recorded_at) == month for e in during)
    return result


def settlement(uow: InventoryUoW, principal: Principal, station_id: uuid.UUID,
               month: str) -> dict[str, Any]:
    """The station's month (China calendar): every entry, the totals by kind and by
    method, the deposit held at the start and the end, and whether it all balances."""
    with uow:
        station = uow.repo.get(Station, station_id)
        if station is None:
            raise NotFound("station", station_id)
        require_at(uow, principal, "payment.settlement", station)
        s = _settlement(uow, station_id, month)
        rows = uow.session.execute(sa.select(orm.rentals.c.id, orm.rentals.c.number).where(
            orm.rentals.c.id.in_({e.rental_id for e in s.entries}))).all()
        numbers = {row[0]: row[1] for row in rows}
        t = s.totals
        return {
            "station_id": station.id, "station_name": station.name, "month": month,
            "entries": [{**_entry_out(e), "rental_number": numbers.get(e.rental_id, ""),
                         "cash_fen": e.cash_fen} for e in s.entries],
            "entry_count": t.entries,
            "fees_fen": t.fees_fen, "deposits_fen": t.deposits_fen,
            "refunds_fen": t.refunds_fen, "deductions_fen": t.deductions_fen,
            "receipts_fen": t.receipts_fen,
            "expected_receipts_fen": t.expected_receipts_fen,
            "kept_fen": t.kept_fen,
            "by_method": dict(t.by_method),
            "deposit_held_opening_fen": s.held_opening_fen,
            "deposit_held_closing_fen": s.held_closing_fen,
            "balanced": s.balanced,
        }


def deposits_held(uow: InventoryUoW, principal: Principal,
                  station_id: uuid.UUID | None = None) -> dict[str, Any]:
    """Per station and per rental: the deposit held now (deposits - refunds -
    deductions), only where it is not zero."""
    POLICY.require_role(principal, "payment.settlement")
    p, r, s, b = orm.payments.c, orm.rentals.c, orm.stations.c, orm.borrowers.c
    held = sa.func.sum(sa.case(
        (p.kind == "deposit", p.amount_fen), else_=-p.amount_fen)
        * sa.case((p.reverses_id.is_(None), 1), else_=-1))
    with uow:
        scope = stations_in_scope(uow, principal)
        if station_id is not None:
            scope = [station_id] if scope is None or station_id in scope else []
        stmt = (sa.select(r.id, r.number, r.status, r.station_id, s.name, b.name.label("bn"),
                          held.label("held"))
                .select_from(orm.payments.join(orm.rentals, r.id == p.rental_id)
                             .join(orm.stations, s.id == r.station_id)
                             .join(orm.borrowers, b.id == r.borrower_id))
                .where(p.kind.in_(["deposit", "deposit_refund", "damage_deduction"]))
                .group_by(r.id, r.number, r.status, r.station_id, s.name, b.name)
                .having(held != 0).order_by(s.name, r.number))
        if scope is not None:
            stmt = stmt.where(r.station_id.in_(scope))
        rows = uow.session.execute(stmt).all()
    stations: dict[uuid.UUID, dict[str, Any]] = {}
    for rid, number, status, sid, sname, bname, amount in rows:
        st = stations.setdefault(sid, {"station_id": sid, "station_name": sname,
                                       "held_fen": 0, "rentals": []})
        st["held_fen"] += int(amount)
        st["rentals"].append({"rental_id": rid, "rental_number": number,
                              "status": str(getattr(status, "value", status)),
                              "borrower_name_masked": mask_name(bname or ""),
                              "held_fen": int(amount)})
    items = list(stations.values())
    return {"items": items, "total_fen": sum(i["held_fen"] for i in items)}
