"""Money received and paid back for a rental: the payments ledger (收款台账).

The rental fixes what is due (``fee_fen``, ``deposit_fen``; ``rentals.py``); the ledger
records what was paid, entry by entry. There is no payment gateway: the clerk records
what the borrower paid (cash, WeChat Pay or Alipay with the payer's transaction
reference) and what the station paid back. Every entry is a receipt with its own number
(``SJ-<station district>-<year>-<sequence>``, svckit.numbering).

Kinds, with their effect on the station's cash and on the deposit it holds:

=================  ===========  ==============
kind               cash         deposit held
=================  ===========  ==============
fee                + amount     -
deposit            + amount     + amount
deposit_refund     - amount     - amount
damage_deduction   (none)       - amount (the station keeps it as a fee)
=================  ===========  ==============

so, over any set of entries, ``receipts = fees + deposits - refunds`` and
``kept = fees + deductions``. Amounts are positive ints of fen. An entry is never edited:
a correction is a *reversing entry* (``reverses_id``) that counts with the opposite sign,
recorded (and settled) when it is made. The rules, per rental:

* fees paid never exceed the fee due, deposits paid never the deposit due;
* the deposit held never goes below zero: a deduction or a refund cannot exceed it, and a
  deposit cannot be reversed once it has been refunded or deducted;
* a deposit is taken while the rental is active, refunds and deductions once it has
  ended (returned or lost); a refused one says the rental's state in words (409);
* an entry is reversed at most once, and a reversal is not reversed.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from svckit.domain.clock import china_date
from svckit.domain.errors import Conflict, ValidationFailed
from svckit.domain.fields import FieldErrors, require_text
from svckit.domain.money import yuan
from svckit.domain.statemachine import StateMachine

from .rentals import RENTAL_MACHINE, Rental, RentalStatus

#: the document-number prefix of a receipt (收据)
RECEIPT_PREFIX = "SJ"
#: the longest payer's reference kept (a WeChat Pay transaction id has 28 digits)
REFERENCE_MAX = 64


class PaymentKind(enum.StrEnum):
    FEE = "fee"
    DEPOSIT = "deposit"
    DEPOSIT_REFUND = "deposit_refund"
    DAMAGE_DEDUCTION = "damage_deduction"


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    WECHAT_PAY = "wechat_pay"
    ALIPAY = "alipay"


KIND_LABELS: dict[str, tuple[str, str]] = {
    PaymentKind.FEE: ("租金", "fee"),
    PaymentKind.DEPOSIT: ("押金", "deposit"),
    PaymentKind.DEPOSIT_REFUND: ("退押金", "deposit refund"),
    PaymentKind.DAMAGE_DEDUCTION: ("损坏扣款", "damage deduction"),
}
METHOD_LABELS: dict[str, tuple[str, str]] = {
    PaymentMethod.CASH: ("现金", "cash"),
    PaymentMethod.WECHAT_PAY: ("微信支付", "WeChat Pay"),
    PaymentMethod.ALIPAY: ("支付宝", "Alipay"),
}

R = RentalStatus
#: which kinds of entry a rental's state allows (the states are the rental's, in words)
PAYMENT_MACHINE = StateMachine("rental", {
    **{(state, "take_fee"): state for state in R},
    (R.ACTIVE, "take_deposit"): R.ACTIVE,
    (R.RETURNED, "refund_deposit"): R.RETURNED,
    (R.LOST, "refund_deposit"): R.LOST,
    (R.RETURNED, "deduct_damage"): R.RETURNED,
    (R.LOST, "deduct_damage"): R.LOST,
}, label=RENTAL_MACHINE.label, state_labels=RENTAL_MACHINE.state_labels, action_labels={
    "take_fee": ("收租金", "take a fee"),
    "take_deposit": ("收押金", "take a deposit"),
    "refund_deposit": ("退押金", "refund the deposit"),
    "deduct_damage": ("扣除损坏赔偿", "deduct damage from the deposit"),
})
_ACTION = {
    PaymentKind.FEE: "take_fee",
    PaymentKind.DEPOSIT: "take_deposit",
    PaymentKind.DEPOSIT_REFUND: "refund_deposit",
    PaymentKind.DAMAGE_DEDUCTION: "deduct_damage",
}

#: an entry's own state, for the refusal of a second reversal
ENTRY_MACHINE = StateMachine("payment", {
    ("recorded", "reverse"): "reversed",
}, label=("收付款记录", "the payment"), state_labels={
    "recorded": ("已入账", "recorded"),
    "reversed": ("已冲正", "reversed"),
    "reversal": ("冲正记录", "a reversing entry"),
}, action_labels={"reverse": ("冲正", "reverse it")})


@dataclass(eq=False)
class Payment:
    """One ledger entry (append-only). ``method`` is None for a damage deduction (no money
    changes hands); ``reverses_id`` makes it a correction of that entry."""

    rental_id: uuid.UUID
    station_id: uuid.UUID
    kind: PaymentKind
    amount_fen: int
    method: PaymentMethod | None
    reference: str
    recorded_by: str
    recorded_at: datetime
    note: str = ""
    reverses_id: uuid.UUID | None = None
    #: the receipt number (``SJ-371502-2026-000042``), given by the service layer in the
    #: recording transaction
    number: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def sign(self) -> int:
        return -1 if self.reverses_id is not None else 1

    @property
    def signed_fen(self) -> int:
        return self.sign * self.amount_fen

    @property
    def cash_fen(self) -> int:
        """What the entry moved in the station's till (+ in, - out)."""
        flow = {PaymentKind.FEE: 1, PaymentKind.DEPOSIT: 1, PaymentKind.DEPOSIT_REFUND: -1,
                PaymentKind.DAMAGE_DEDUCTION: 0}[self.kind]
        return flow * self.signed_fen

    @property
    def held_fen(self) -> int:
        """What the entry did to the deposit held."""
        flow = {PaymentKind.FEE: 0, PaymentKind.DEPOSIT: 1, PaymentKind.DEPOSIT_REFUND: -1,
                PaymentKind.DAMAGE_DEDUCTION: -1}[self.kind]
        return flow * self.signed_fen


@dataclass(frozen=True)
class Totals:
    """Signed sums of a set of entries (reversals count negative)."""

    fees_fen: int = 0
    deposits_fen: int = 0
    refunds_fen: int = 0
    deductions_fen: int = 0
    #: the till, summed entry by entry (independently of the kinds' totals)
    receipts_fen: int = 0
    by_method: tuple[tuple[str, int], ...] = ()
    entries: int = 0

    @property
    def expected_receipts_fen(self) -> int:
        """receipts = fees + deposits - refunds (deductions are fees kept, no cash)."""
        return self.fees_fen + self.deposits_fen - self.refunds_fen

    @property
    def kept_fen(self) -> int:
        return self.fees_fen + self.deductions_fen

    @property
    def held_change_fen(self) -> int:
        return self.deposits_fen - self.refunds_fen - self.deductions_fen

    @property
    def balanced(self) -> bool:
        """The till, the kinds and the methods agree to the fen."""
        return (self.receipts_fen == self.expected_receipts_fen
                == sum(v for _, v in self.by_method))


def totals(entries: Iterable[Payment]) -> Totals:
    by_kind = dict.fromkeys(PaymentKind, 0)
    by_method = dict.fromkeys(PaymentMethod, 0)
    receipts = count = 0
    for e in entries:
        count += 1
        by_kind[e.kind] += e.signed_fen
        receipts += e.cash_fen
        if e.method is not None:
            by_method[e.method] += e.cash_fen
    return Totals(
        fees_fen=by_kind[PaymentKind.FEE], deposits_fen=by_kind[PaymentKind.DEPOSIT],
        refunds_fen=by_kind[PaymentKind.DEPOSIT_REFUND],
        deductions_fen=by_kind[PaymentKind.DAMAGE_DEDUCTION], receipts_fen=receipts,
        by_method=tuple((m.value, v) for m, v in by_method.items()), entries=count)


def _yuan(fen: int) -> str:
    return f"{yuan(fen)}元"


@dataclass
class RentalLedger:
    """A rental's entries and the rules of a new one."""

    rental: Rental
    entries: list[Payment] = field(default_factory=list)

    @property
    def totals(self) -> Totals:
        return totals(self.entries)

    @property
    def deposit_held_fen(self) -> int:
        return sum(e.held_fen for e in self.entries)

    @property
    def fee_outstanding_fen(self) -> int:
        return self.rental.fee_fen - self.totals.fees_fen

    @property
    def deposit_outstanding_fen(self) -> int:
        """The deposit still to take (0 once the rental has ended)."""
        if self.rental.status != RentalStatus.ACTIVE:
            return 0
        return max(0, self.rental.deposit_fen - self.totals.deposits_fen)

    def record(self, *, kind: str, amount_fen: object, method: str | None, reference: str,
               by: str, now: datetime, note: str = "") -> Payment:
        """A new entry (unnumbered: the service layer numbers it)."""
        errors = FieldErrors()
        try:
            k = PaymentKind(kind)
        except ValueError:
            errors.add("kind", "款项类型应为租金、押金、退押金或损坏扣款 "
                       "(kind must be fee, deposit, deposit_refund or damage_deduction)")
            k = None
        amount = errors.fen("amount_fen", amount_fen, minimum=1)
        m: PaymentMethod | None = None
        if k is not None and k != PaymentKind.DAMAGE_DEDUCTION:
            try:
                m = PaymentMethod(method or "")
            except ValueError:
                errors.add("method", "付款方式应为现金、微信支付或支付宝 "
                           "(method must be cash, wechat_pay or alipay)")
        reference = (reference or "").strip()
        if len(reference) > REFERENCE_MAX:
            errors.add("reference", f"付款凭证号不能超过{REFERENCE_MAX}个字符 "
                       f"(at most {REFERENCE_MAX} characters)")
        elif m in (PaymentMethod.WECHAT_PAY, PaymentMethod.ALIPAY) and not reference:
            errors.add("reference", "微信支付和支付宝须填写付款方的交易单号 "
                       "(WeChat Pay and Alipay need the payer's transaction reference)")
        note = (note or "").strip()
        if len(note) > 500:
            errors.add("note", "备注不能超过500个字符 (at most 500 characters)")
        errors.raise_if_any()
        assert k is not None
        PAYMENT_MACHINE.next(self.rental.status, _ACTION[k])
        self._check_amount(k, amount)
        entry = Payment(rental_id=self.rental.id, station_id=self.rental.station_id, kind=k,
                        amount_fen=amount, method=m, reference=reference, recorded_by=by,
                        recorded_at=now, note=note)
        self.entries.append(entry)
        return entry

    def _check_amount(self, kind: PaymentKind, amount: int) -> None:
        t = self.totals
        if kind == PaymentKind.FEE and t.fees_fen + amount > self.rental.fee_fen:
            left = self.rental.fee_fen - t.fees_fen
            raise ValidationFailed.field("amount_fen", f"超过应收租金：尚欠{_yuan(left)} "
                                         f"(more than the fee due: {yuan(left)} yuan left)")
        if kind == PaymentKind.DEPOSIT and t.deposits_fen + amount > self.rental.deposit_fen:
            left = self.rental.deposit_fen - t.deposits_fen
            raise ValidationFailed.field("amount_fen", f"超过应收押金：尚欠{_yuan(left)} "
                                         f"(more than the deposit due: {yuan(left)} yuan "
                                         "left)")
        if kind in (PaymentKind.DEPOSIT_REFUND, PaymentKind.DAMAGE_DEDUCTION):
            held = self.deposit_held_fen
            if amount > held:
                what = "退款" if kind == PaymentKind.DEPOSIT_REFUND else "扣款"
                raise ValidationFailed.field(
                    "amount_fen", f"{what}不能超过所持押金{_yuan(held)} "
                    f"(cannot exceed the deposit held, {yuan(held)} yuan)")

    def settle_deposit(self, *, deduction_fen: int, method: str | None, reference: str,
                       by: str, now: datetime) -> list[Payment]:
        """At return: deduct the damage charge from the deposit held and refund the rest
        (refund = deposit held - deduction); no entry for a zero amount."""
        held = self.deposit_held_fen
        errors = FieldErrors()
        errors.fen("damage_charge_fen", deduction_fen)
        if not errors.by_field and deduction_fen > held:
            errors.add("damage_charge_fen", f"损坏赔偿不能超过所持押金{_yuan(held)} "
                       f"(cannot exceed the deposit held, {yuan(held)} yuan)")
        errors.raise_if_any()
        made = []
        if deduction_fen > 0:
            made.append(self.record(kind=PaymentKind.DAMAGE_DEDUCTION, amount_fen=deduction_fen,
                                    method=None, reference="", by=by, now=now,
                                    note="归还验收损坏赔偿 (damage at return)"))
        if held - deduction_fen > 0:
            made.append(self.record(kind=PaymentKind.DEPOSIT_REFUND,
                                    amount_fen=held - deduction_fen, method=method,
                                    reference=reference, by=by, now=now,
                                    note="归还退押金 (deposit refund at return)"))
        return made

    def state_of(self, entry: Payment) -> str:
        if entry.reverses_id is not None:
            return "reversal"
        if any(e.reverses_id == entry.id for e in self.entries):
            return "reversed"
        return "recorded"

    def reverse(self, entry_id: uuid.UUID, *, reason: str, by: str, now: datetime) -> Payment:
        """A correction: an entry of the same kind, amount and method that counts with the
        opposite sign. The original stays as it was."""
        reason = require_text("reason", reason)
        entry = next((e for e in self.entries if e.id == entry_id), None)
        if entry is None:
            raise ValidationFailed.field("payment_id", "该租赁没有这笔收付款 "
                                         "(no such payment of this rental)")
        ENTRY_MACHINE.next(self.state_of(entry), "reverse")
        if entry.held_fen > self.deposit_held_fen:
            raise Conflict(f"押金已退还或扣除，所持押金{_yuan(self.deposit_held_fen)}，"
                           f"不能冲正这笔押金 (the deposit has been refunded or deducted: "
                           f"{yuan(self.deposit_held_fen)} yuan held; cannot reverse it)",
                           current_state="deposit_settled")
        reversal = Payment(rental_id=entry.rental_id, station_id=entry.station_id,
                           kind=entry.kind, amount_fen=entry.amount_fen, method=entry.method,
                           reference=entry.reference, recorded_by=by, recorded_at=now,
                           note=reason, reverses_id=entry.id)
        self.entries.append(reversal)
        return reversal


# -- the month-end settlement -----------------------------------------------------------

def month_of(moment: datetime) -> str:
    """The China calendar month of a moment, ``"2026-12"``."""
    return china_date(moment).strftime("%Y-%m")


@dataclass(frozen=True)
class Settlement:
    """A station's month: every entry recorded in it (China calendar), the totals, and the
    deposit held at the start and the end of the month."""

    month: str
    entries: Sequence[Payment]
    totals: Totals
    held_opening_fen: int
    held_closing_fen: int

    @property
    def balanced(self) -> bool:
        """The till agrees with the kinds and the methods, and the deposit held moved by
        exactly the month's deposits - refunds - deductions."""
        return (self.totals.balanced and self.held_opening_fen + self.totals.held_change_fen
                == self.held_closing_fen)


def settle(month: str, before: Iterable[Payment], during: Sequence[Payment]) -> Settlement:
    """``before``: the station's entries before the month; ``during``: the month's."""
    opening = sum(e.held_fen for e in before)
    t = totals(during)
    # the closing balance is summed over the entries again, not derived from the totals
    closing = opening + sum(e.held_fen for e in during)
    return Settlement(month=month, entries=list(during), totals=t, held_opening_fen=opening,
                      held_closing_fen=closing)
