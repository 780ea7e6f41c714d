"""The month-end settlement on PostgreSQL balances to the fen: many entries over three
China months (some at 23:xx China time on the last day, recorded in UTC on the day
before), corrections and refunds among them; each month's report equals what was
recorded in it, and the months chain through the deposit held."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from inventory.service_layer import payments as payment_uc
from inventory.service_layer import rentals as rental_uc
from inventory_testkit import BO, ST, TY, add_units, principal, uow_of
from svckit.domain.clock import china_date
from svckit.service import ServiceContext

MONTHS = ("2026-01", "2026-02", "2026-03")


def test_three_months_of_entries_balance_to_the_fen(
        ctx: ServiceContext, client: FlaskClient, headers: Callable[..., dict[str, str]],
) -> None:
    rng = random.Random(16)
    clerk = principal("clerk", "DCF", sub="clerk-dcf")
    add_units(ctx, "DCF", "CC", 6, prefix="ST")
    rentals = []
    for b in ("B6", "B8", "B2"):
        cmd = rental_uc.CheckOut(station_id=ST["DCF"], borrower_id=BO[b], type_id=TY["CC"],
                                 due_on=china_date(datetime.now(UTC)) + timedelta(days=60))
        rentals.append(rental_uc.check_out(uow_of(ctx), clerk, cmd,
                                           now=datetime.now(UTC)))
    # the China month of every entry as recorded: 2026-01-31 16:10 UTC is 2 February
    expected = {m: {"fee": 0, "deposit": 0, "deposit_refund": 0} for m in MONTHS}
    times = [datetime(2026, 1, 5, 1, 0, tzinfo=UTC), datetime(2026, 1, 31, 15, 50, tzinfo=UTC),
             datetime(2026, 1, 31, 16, 10, tzinfo=UTC), datetime(2026, 2, 20, 8, 0, tzinfo=UTC),
             datetime(2026, 3, 31, 15, 59, tzinfo=UTC)]
    month_of_time = ["2026-01", "2026-01", "2026-02", "2026-02", "2026-03"]
    recorded = []
    for r in rentals:
        for fen_left, kind in ((r.fee_fen, "fee"), (r.deposit_fen, "deposit")):
            while fen_left > 0:
                amount = min(fen_left, rng.randint(1, max(1, fen_left)))
                i = rng.randrange(len(times))
                method = rng.choice(["cash", "wechat_pay", "alipay"])
                entry = payment_uc.record_payment(
                    uow_of(ctx), clerk, r.id, payment_uc.RecordPayment(
                        kind=kind, amount_fen=amount, method=method,
                        reference="" if method == "cash" else f"T{rng.randrange(10**9)}"),
                    now=times[i])
                expected[month_of_time[i]][kind] += amount
                recorded.append(entry)
                fen_left -= amount
    # a correction in March of an earlier fee (counted in March, negative)
    fee = next(e for e in recorded if e.kind == "fee")
    payment_uc.reverse_payment(uow_of(ctx), clerk, fee.id, "金额录错",
                               now=datetime(2026, 3, 31, 15, 0, tzinfo=UTC))
    expected["2026-03"]["fee"] -= fee.amount_fen
    h = headers("clerk", "DCF")
    opening = 0
    for month in MONTHS:
        s = client.get("/reports/settlement", headers=h, query_string={
            "station_id": str(ST["DCF"]), "month": month}).get_json()
        ours = expected[month]
        assert (s["fees_fen"], s["deposits_fen"], s["refunds_fen"]) == (
            ours["fee"], ours["deposit"], ours["deposit_refund"]), month
        assert s["receipts_fen"] == ours["fee"] + ours["deposit"] - ours["deposit_refund"]
        assert s["receipts_fen"] == sum(s["by_method"].values())
        assert sum(e["cash_fen"] for e in s["entries"]) == s["receipts_fen"]
        assert s["deposit_held_opening_fen"] == opening and s["balanced"] is True
        opening = s["deposit_held_closing_fen"]
    assert opening == sum(r.deposit_fen for r in rentals)
    held = client.get("/reports/deposits-held", headers=h).get_json()
    assert sum(row["held_fen"] for i in held["items"] for row in i["rentals"]
               if row["rental_id"] in {str(r.id) for r in rentals}) == opening
