"""The clerk's money (on the ``clerk`` blueprint): record what a borrower paid or was paid
back on the rental page, print its receipt (PDF), reverse a wrong entry with a reason, and
the station's month-end settlement with its export (CSV/XLSX).

No payment gateway: the clerk records what was paid (cash, WeChat Pay or Alipay with the
payer's transaction reference). Amounts are typed in yuan and sent in fen.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from svckit.domain.clock import utcnow
from werkzeug.wrappers.response import Response as BaseResponse

from console import api
from console.auth import roles_required
from console.formatting import TZ, local_time
from console.formatting import amount as yuan
from console.i18n import gettext as _
from console.i18n import register
from console.reporting import Report, to_csv, to_xlsx
from console.views.clerk import INV, ROLES, bp, station, station_id
from console.views.clerk_docs import METHODS, Receipt, parse_yuan, receipt_pdf

#: what a clerk records by hand (a deduction is made at return, from the deposit)
KIND_CHOICES = [("fee", "租金"), ("deposit", "押金"), ("deposit_refund", "退押金"),
                ("damage_deduction", "损坏扣款（从押金扣除）")]
KIND_TEXT = dict(KIND_CHOICES)
METHOD_CHOICES = list(METHODS.items())
ENTRY_STATE = {"recorded": "已入账", "reversed": "已冲正", "reversal": "冲正记录"}

register("clerk_money", {
    "收付款": "Payments",
    "登记收付款": "Record a payment",
    "款项": "Item",
    "金额（元）": "Amount (yuan)",
    "付款方式": "Method",
    "交易单号": "Transaction reference",
    "微信支付、支付宝须填写付款方的交易单号":
        "WeChat Pay and Alipay: the payer's transaction reference",
    "租金": "Fee",
    "押金": "Deposit",
    "退押金": "Deposit refund",
    "损坏扣款（从押金扣除）": "Damage deducted from the deposit",
    "现金": "Cash",
    "微信支付": "WeChat Pay",
    "支付宝": "Alipay",
    "已入账": "Recorded",
    "已冲正": "Reversed",
    "冲正记录": "Reversing entry",
    "收据编号": "Receipt number",
    "收据（PDF）": "Receipt (PDF)",
    "冲正": "Reverse",
    "冲正原因": "Reason for the correction",
    "应收租金（元）": "Fee due (yuan)",
    "已收租金（元）": "Fee paid (yuan)",
    "应收押金（元）": "Deposit due (yuan)",
    "现存押金（元）": "Deposit held (yuan)",
    "已退押金（元）": "Deposit refunded (yuan)",
    "已扣押金（元）": "Deposit deducted (yuan)",
    "暂无收付款记录。": "No payments recorded yet.",
    "已登记，收据编号 {number}。": "Recorded, receipt number {number}.",
    "已冲正，冲正收据编号 {number}。": "Reversed, reversing receipt number {number}.",
    "退押金方式": "Refund the deposit by",
    "稍后退还": "Refund later",
    "退款交易单号": "Refund transaction reference",
    "月结": "Month-end",
    "月结对账": "Month-end settlement",
    "月份": "Month",
    "查看": "View",
    "收款合计（元）": "Receipts (yuan)",
    "租金合计（元）": "Fees (yuan)",
    "押金收取（元）": "Deposits taken (yuan)",
    "押金退还（元）": "Deposits refunded (yuan)",
    "押金扣款（元）": "Deductions (yuan)",
    "实收合计 = 租金 + 押金 − 退押金": "Receipts = fees + deposits − refunds",
    "月初押金余额（元）": "Deposits held at the start (yuan)",
    "月末押金余额（元）": "Deposits held at the end (yuan)",
    "站内留存（租金+扣款，元）": "Kept by the station (fees + deductions, yuan)",
    "账目平衡": "Balanced",
    "账目不平衡，请核对。": "The accounts do not balance: check them.",
    "本月共 {n} 笔收付款。": "{n} entries this month.",
    "时间": "Time",
    "金额变动（元）": "Till (yuan)",
    "按付款方式": "By method",
})


def ledger(rental_id: Any) -> dict[str, Any]:
    found: dict[str, Any] = api.get(INV, f"/rentals/{rental_id}/payments")
    return found


@bp.post("/rentals/<uuid:rental_id>/payments")
@roles_required(*ROLES)
def record_payment(rental_id: Any) -> BaseResponse:
    f = request.form
    back = url_for("clerk.rental_page", rental_id=rental_id) + "#money"
    try:
        amount = parse_yuan(f.get("amount", ""))
    except ValueError:
        flash(_("金额格式不正确（元，最多两位小数）。"), "error")
        return redirect(back)
    kind = f.get("kind", "")
    body: dict[str, Any] = {"kind": kind, "amount_fen": amount,
                            "reference": f.get("reference", "").strip(),
                            "note": f.get("note", "").strip()}
    if kind != "damage_deduction":
        body["method"] = f.get("method", "")
    entry = api.post(INV, f"/rentals/{rental_id}/payments", body)
    flash(_("已登记，收据编号 {number}。", number=entry["number"]), "success")
    return redirect(back)


@bp.post("/payments/<uuid:payment_id>/reverse")
@roles_required(*ROLES)
def reverse_payment(payment_id: Any) -> BaseResponse:
    entry = api.post(INV, f"/payments/{payment_id}/reverse",
                     {"reason": request.form.get("reason", "").strip()})
    flash(_("已冲正，冲正收据编号 {number}。", number=entry["number"]), "success")
    return redirect(url_for("clerk.rental_page", rental_id=entry["rental_id"]) + "#money")


@bp.get("/payments/<uuid:payment_id>/receipt.pdf")
@roles_required(*ROLES)
def receipt(payment_id: Any) -> Response:
    p = api.get(INV, f"/payments/{payment_id}")
    led = p["ledger"]
    paper = Receipt(
        number=p["number"], station=p["station_name"], station_phone=p["station_phone"],
        rental_number=p["rental_number"], asset_tag=p["asset_tag"], type_name=p["type_name"],
        iso_code=p["iso_code"], borrower_name_masked=p["borrower_name_masked"],
        kind=p["kind"], amount_fen=int(p["amount_fen"]), method=p.get("method"),
        reference=p.get("reference") or "", recorded_at=local_time(p["recorded_at"]),
        recorded_by=p["recorded_by"], note=p.get("note") or "",
        reverses_number=p.get("reverses_number"), fee_due_fen=int(led["fee_due_fen"]),
        fees_paid_fen=int(led["fees_paid_fen"]),
        deposit_held_fen=int(led["deposit_held_fen"]))
    return Response(receipt_pdf(paper), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="receipt-{paper.number}.pdf"',
        "Cache-Control": "no-store"})


def _month() -> str:
    month = request.args.get("month", "")
    if len(month) == 7 and month[4] == "-" and month.replace("-", "").isdigit():
        return month
    return utcnow().astimezone(TZ).strftime("%Y-%m")


def _settlement(month: str) -> dict[str, Any]:
    found: dict[str, Any] = api.get(INV, "/reports/settlement", station_id=station_id(),
                                    month=month)
    return found


@bp.get("/settlement")
@roles_required(*ROLES)
def settlement() -> Any:
    """The station's month: totals, by method, deposits held, every entry."""
    month = _month()
    return render_template("clerk/settlement.html", s=_settlement(month), month=month,
                           kinds=KIND_TEXT, methods=METHODS, station=station())


def settlement_report(month: str) -> Report:
    s = _settlement(month)
    rows: list[list[Any]] = [
        [local_time(e["recorded_at"]), e["number"], e["rental_number"],
         _(KIND_TEXT.get(e["kind"], e["kind"])) + (f" ({_('冲正')})" if e["reverses_id"] else ""),
         _(METHODS.get(e["method"] or "", "—")), e["reference"],
         yuan(-e["amount_fen"] if e["reverses_id"] else e["amount_fen"]), yuan(e["cash_fen"]),
         e["recorded_by"]] for e in s["entries"]]
    rows.append([_("实收合计 = 租金 + 押金 − 退押金"), "", "", "", "", "", "",
                 yuan(s["receipts_fen"]), ""])
    return Report(key="settlement", title=_("月结对账") + f" {s['station_name']} {month}",
                  headers=[_("时间"), _("收据编号"), _("租赁单号"), _("款项"), _("付款方式"),
                           _("交易单号"), _("金额（元）"), _("金额变动（元）"), _("经办人")],
                  rows=rows)


@bp.get("/settlement/export.<any(csv, xlsx):ext>")
@roles_required(*ROLES)
def settlement_export(ext: str) -> Response:
    month = _month()
    report = settlement_report(month)
    if ext == "csv":
        return Response(to_csv(report), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="settlement-{month}.csv"'})
    return Response(
        to_xlsx(report),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="settlement-{month}.xlsx"'})
