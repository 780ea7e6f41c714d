"""The payments ledger's rules and the balance invariant (domain only, no database).

The property tests throw many random entries (fees, deposits, refunds, deductions,
reversals, returns in between; most of them refused) at a few rentals over several months
and check after each that nothing is lost: receipts = fees + deposits - refunds entry by
entry and method by method, the deposit held is never below zero nor above what was
taken, and the months' settlements chain (each month's closing deposit held is the next
one's opening) and add up to the whole ledger to the fen.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inventory.domain.payments import (
    Payment,
    PaymentKind,
    PaymentMethod,
    RentalLedger,
    month_of,
    settle,
    totals,
)
from inventory.domain.rentals import Rental, RentalStatus
from inventory_builders import NOW
from svckit.domain.errors import Conflict, IllegalTransition, ValidationFailed

STATION = uuid.uuid4()


def rental(fee: int = 2800, deposit: int = 30_000) -> Rental:
    return Rental(unit_id=uuid.uuid4(), type_id=uuid.uuid4(), station_id=STATION,
                  borrower_id=uuid.uuid4(), checked_out_at=NOW, due_on=date(2025, 3, 17),
                  max_rental_days=90, daily_fee_fen=200, fee_fen=fee, deposit_fen=deposit)


def test_a_deduction_and_a_refund_settle_the_deposit_at_return() -> None:
    ledger = RentalLedger(rental())
    ledger.record(kind="fee", amount_fen=2800, method="cash", reference="", by="c", now=NOW)
    ledger.record(kind="deposit", amount_fen=30_000, method="alipay",
                  reference="2025030322001", by="c", now=NOW)
    ledger.rental.status = RentalStatus.RETURNED
    made = ledger.settle_deposit(deduction_fen=4_500, method="cash", reference="", by="c",
                                 now=NOW)
    assert [(e.kind, e.amount_fen, e.method) for e in made] == [
        (PaymentKind.DAMAGE_DEDUCTION, 4_500, None),
        (PaymentKind.DEPOSIT_REFUND, 25_500, PaymentMethod.CASH)]
    t = ledger.totals
    assert ledger.deposit_held_fen == 0
    assert t.receipts_fen == 2800 + 30_000 - 25_500 == t.expected_receipts_fen
    assert t.kept_fen == 2800 + 4_500 and t.balanced


def test_a_deduction_cannot_exceed_the_deposit_held() -> None:
    ledger = RentalLedger(rental())
    ledger.record(kind="deposit", amount_fen=10_000, method="cash", reference="", by="c",
                  now=NOW)  # part of the deposit only
    ledger.rental.status = RentalStatus.RETURNED
    with pytest.raises(ValidationFailed) as err:
        ledger.settle_deposit(deduction_fen=10_001, method="cash", reference="", by="c",
                              now=NOW)
    assert "damage_charge_fen" in err.value.errors
    with pytest.raises(ValidationFailed):
        ledger.record(kind="deposit_refund", amount_fen=10_001, method="cash", reference="",
                      by="c", now=NOW)
    assert ledger.entries[1:] == []


def test_refused_by_the_rental_state_in_words() -> None:
    ledger = RentalLedger(rental())
    with pytest.raises(IllegalTransition) as err:
        ledger.record(kind="damage_deduction", amount_fen=1, method=None, reference="",
                      by="c", now=NOW)
    assert "出借中" in err.value.detail and "RentalStatus" not in err.value.detail
    ledger.rental.status = RentalStatus.LOST
    with pytest.raises(IllegalTransition) as lost:
        ledger.record(kind="deposit", amount_fen=1, method="cash", reference="", by="c",
                      now=NOW)
    assert "已报失" in lost.value.detail


def test_field_errors_together() -> None:
    with pytest.raises(ValidationFailed) as err:
        RentalLedger(rental()).record(kind="tip", amount_fen=0, method="cheque",
                                      reference="x" * 65, by="c", now=NOW)
    assert set(err.value.errors) == {"kind", "amount_fen", "reference"}
    with pytest.raises(ValidationFailed) as ref:
        RentalLedger(rental()).record(kind="fee", amount_fen=100, method="wechat_pay",
                                      reference=" ", by="c", now=NOW)
    assert set(ref.value.errors) == {"reference"}


def test_a_reversal_counts_negative_once() -> None:
    ledger = RentalLedger(rental())
    fee = ledger.record(kind="fee", amount_fen=2800, method="cash", reference="", by="c",
                        now=NOW)
    rev = ledger.reverse(fee.id, reason="录错", by="c", now=NOW + timedelta(hours=1))
    assert (rev.kind, rev.amount_fen, rev.reverses_id, rev.signed_fen) == (
        PaymentKind.FEE, 2800, fee.id, -2800)
    assert fee.amount_fen == 2800 and ledger.totals.fees_fen == 0  # the original unchanged
    with pytest.raises(IllegalTransition) as again:
        ledger.reverse(fee.id, reason="x", by="c", now=NOW)
    assert "已冲正" in again.value.detail
    with pytest.raises(IllegalTransition):
        ledger.reverse(rev.id, reason="x", by="c", now=NOW)


# -- properties -------------------------------------------------------------------------

OPS = st.one_of(
    st.tuples(st.just("pay"), st.sampled_from(list(PaymentKind)),
              st.integers(min_value=-10, max_value=40_000),
              st.sampled_from([*PaymentMethod, None])),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=60)),
    st.tuples(st.just("return"), st.integers(min_value=0, max_value=40_000)),
)


def _check(ledger: RentalLedger) -> None:
    t = ledger.totals
    assert t.balanced
    assert 0 <= ledger.deposit_held_fen <= t.deposits_fen <= ledger.rental.deposit_fen
    assert 0 <= t.fees_fen <= ledger.rental.fee_fen
    assert t.refunds_fen >= 0 and t.deductions_fen >= 0
    assert ledger.deposit_held_fen == t.deposits_fen - t.refunds_fen - t.deductions_fen
    assert sum(e.cash_fen for e in ledger.entries) == t.receipts_fen
    reversed_ids = [e.reverses_id for e in ledger.entries if e.reverses_id]
    assert len(reversed_ids) == len(set(reversed_ids))  # each entry reversed at most once


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(min_value=0, max_value=2), OPS,
                                st.integers(min_value=0, max_value=24 * 100)),
                      min_size=1, max_size=80),
       dues=st.lists(st.tuples(st.integers(min_value=0, max_value=20_000),
                               st.integers(min_value=0, max_value=50_000)),
                     min_size=3, max_size=3))
def test_any_sequence_of_entries_balances_to_the_fen(
        steps: list[tuple[int, tuple, int]], dues: list[tuple[int, int]]) -> None:
    ledgers = [RentalLedger(rental(fee, deposit)) for fee, deposit in dues]
    now = datetime(2025, 1, 20, 2, 0, tzinfo=NOW.tzinfo)
    for which, op, hours in steps:
        now += timedelta(hours=hours)  # entries spread over several months
        ledger = ledgers[which]
        try:
            if op[0] == "pay":
                _, kind, amount, method = op
                ledger.record(kind=kind, amount_fen=amount, method=method,
                              reference="ref-1" if method else "", by="c", now=now)
            elif op[0] == "reverse" and ledger.entries:
                target = ledger.entries[op[1] % len(ledger.entries)]
                ledger.reverse(target.id, reason="更正", by="c", now=now)
            elif op[0] == "return" and ledger.rental.status == RentalStatus.ACTIVE:
                ledger.rental.status = RentalStatus.RETURNED
                ledger.settle_deposit(deduction_fen=min(op[1], ledger.deposit_held_fen),
                                      method="wechat_pay", reference="wx-1", by="c", now=now)
        except (ValidationFailed, Conflict):
            pass  # refused: nothing recorded
        _check(ledger)

    # the month-end settlements: every entry in exactly one month, the months chain
    entries: list[Payment] = sorted((e for led in ledgers for e in led.entries),
                                    key=lambda e: e.recorded_at)
    months = sorted({month_of(e.recorded_at) for e in entries})
    opening = 0
    listed = 0
    for month in months:
        before = [e for e in entries if month_of(e.recorded_at) < month]
        during = [e for e in entries if month_of(e.recorded_at) == month]
        s = settle(month, before, during)
        assert s.balanced and s.held_opening_fen == opening
        opening = s.held_closing_fen
        listed += len(s.entries)
    whole = totals(entries)
    assert listed == len(entries) == whole.entries
    assert opening == sum(led.deposit_held_fen for led in ledgers)
    assert whole.receipts_fen == whole.fees_fen + whole.deposits_fen - whole.refunds_fen


def test_the_china_month_decides_the_settlement() -> None:
    # 2025-03-31 16:30 UTC is 2025-04-01 00:30 in China: April's settlement
    assert month_of(datetime(2025, 3, 31, 16, 30, tzinfo=NOW.tzinfo)) == "2025-04"
    assert month_of(datetime(2025, 3, 31, 15, 59, tzinfo=NOW.tzinfo)) == "2025-03"
