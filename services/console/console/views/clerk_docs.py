"""Pure helpers of the clerk's pages: money in yuan, due dates, QR labels (inline SVG), the
hand-over sheet and the rental agreement (PDF). No Flask here, so they are unit-tested
directly.

Both papers carry the rental's number (``ZL-371502-2026-000123``) and the borrower's full
name, which they sign under: the view reads it with the purpose :data:`AGREEMENT_PURPOSE`,
so the read is in the access log (svckit.pipl). The certificate number stays masked.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from console.formatting import amount as yuan

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
DEFAULT_LOAN_DAYS = 30
#: the purpose of reading the borrower's full name for the papers (svckit.pipl.PURPOSES)
AGREEMENT_PURPOSE = "rental_agreement"


def parse_yuan(text: str | None) -> int:
    """``"12.5"`` -> ``1250`` fen; empty -> 0. ValueError for anything else (negative,
    more than two decimals, not a number)."""
    raw = (text or "").strip().replace("¥", "").replace(",", "")
    if not raw:
        return 0
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(raw) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValueError(raw)
    return int(value * 100)


def default_due(today: date, max_days: int | None) -> date:
    """The due date a check-out form proposes: 30 days, or the type's maximum if shorter."""
    days = DEFAULT_LOAN_DAYS if not max_days else min(DEFAULT_LOAN_DAYS, max_days)
    return today + timedelta(days=days)


def qr_svg(text: str, title: str = "") -> str:
    """The QR code of ``text`` as an inline ``<svg>`` (no XML declaration), scaled by CSS.
    With ``title`` it is an image with that accessible name."""
    qr = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    qr.save(out, kind="svg", xmldecl=False, svgns=True, scale=4, border=2,
            title=title or None, svgclass="qr", lineclass=None, omitsize=False)
    svg = out.getvalue().decode("utf-8")
    size = qr.symbol_size(scale=4, border=2)  # a viewBox lets CSS size the label's code
    svg = svg.replace("<svg ", f'<svg viewBox="0 0 {size[0]} {size[1]}" ', 1)
    if title:
        svg = svg.replace("<svg ", '<svg role="img" ', 1)
    return svg


def draw_qr(c: canvas.Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR code of ``text`` drawn as dark squares, ``size`` wide with a 4-module quiet
    zone, its lower left corner at ``(x, y)`` (printed papers: a phone camera reads it)."""
    qr = segno.make(text, error="m", micro=False)
    rows = [list(r) for r in qr.matrix]
    cell = size / (len(rows) + 8)
    c.saveState()
    c.setFillColorRGB(0, 0, 0)
    for j, row in enumerate(rows):
        for i, dark in enumerate(row):
            if dark:
                c.rect(x + (i + 4) * cell, y + size - (j + 5) * cell, cell, cell,
                       stroke=0, fill=1)
    c.restoreState()


#: the caption of the check-in QR code on the printed sheets
CHECK_IN_CAPTION = ("志愿者到场后用手机扫码签到、签退", "（也可输入协调员告知的6位签到码）")


def draw_check_in_qr(c: canvas.Canvas, url: str, right: float, y: float) -> None:
    """The sheet's check-in QR code (a console address with the signed site code, see
    svckit.links), 30 mm wide at the right margin, its caption to its left."""
    size = 30 * mm
    draw_qr(c, url, right - size, y, size)
    c.setFont(CJK_FONT, 9)
    for i, line in enumerate(CHECK_IN_CAPTION):
        c.drawRightString(right - size - 2 * mm, y + size / 2 - i * 5 * mm, line)


@dataclass(frozen=True)
class HandOver:
    """What the hand-over sheet and the agreement show (the borrower's full name, the
    certificate masked)."""

    station: str
    station_phone: str
    rental_number: str
    asset_tag: str
    serial: str
    type_name: str
    iso_code: str
    borrower_name: str
    borrower_certificate_masked: str
    checked_out_on: str
    due_on: str
    daily_fee_fen: int
    fee_fen: int
    deposit_fen: int
    waiver: str | None
    home_delivery: bool
    condition: str
    #: the console address a volunteer's phone opens to check the rental's delivery or
    #: pickup in and out (empty: no QR code, e.g. the agreement)
    check_in_url: str = ""


def _ensure_font() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))



def _labelled_rows(c: canvas.Canvas, rows: list[tuple[str, str, bool]], left: float, y: float,
                   width: float) -> float:
    """A sheet's table of label / value lines (``latin``: the value in the Latin font),
    ruled under each; returns the height reached."""
    for label, value, latin in rows:
        c.setFont(CJK_FONT, 12)
        c.drawString(left, y, label)
        c.setFont(LATIN_FONT if latin else CJK_FONT, 12)
        c.drawString(left + 45 * mm, y, value)
        c.setLineWidth(0.3)
        c.line(left, y - 2.5 * mm, width - left, y - 2.5 * mm)
        y -= 10 * mm
    return y

def handover_pdf(h: HandOver) -> bytes:
    """One A4 page: who lends what until when, the money in yuan, two signature lines.

    Latin values (tag, dates, amounts) are drawn in Helvetica, so they stay readable as
    text in the uncompressed content stream (the tests look for the asset tag there)."""
    _ensure_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=0)
    c.setTitle(f"辅具租赁交接单 {h.asset_tag}")
    c.setAuthor(h.station)
    c.setSubject(h.asset_tag)
    width, height = A4
    left = 20 * mm
    y = height - 25 * mm
    c.setFont(CJK_FONT, 18)
    c.drawCentredString(width / 2, y, "辅助器具租赁交接单")
    y -= 9 * mm
    c.setFont(CJK_FONT, 11)
    c.drawCentredString(width / 2, y, f"{h.station}　电话 {h.station_phone}")
    y -= 14 * mm

    rows: list[tuple[str, str, bool]] = [
        ("租赁单号", h.rental_number, True),
        ("资产编号", h.asset_tag, True),
        ("设备名称", f"{h.type_name}（{h.iso_code}）", False),
        ("序列号", h.serial, True),
        ("交付时成色", h.condition, True),
        ("借用人", h.borrower_name, False),
        ("残疾人证号", h.borrower_certificate_masked, True),
        ("借出日期", h.checked_out_on, True),
        ("应还日期", h.due_on, True),
        ("日租金（元）", yuan(h.daily_fee_fen), True),
        ("租金合计（元）", yuan(h.fee_fen), True),
        ("押金（元）", yuan(h.deposit_fen), True),
        ("减免", _waiver_label(h.waiver), False),
        ("送货上门", "是" if h.home_delivery else "否", False),
    ]
    y = _labelled_rows(c, rows, left, y, width)

    y -= 4 * mm
    c.setFont(CJK_FONT, 10)
    for line in ("1. 借用人应妥善使用设备，按期归还；逾期将影响再次借用。",
                 "2. 归还时按成色（A/B/C/D）验收，损坏赔偿从押金中扣除，余额退还。",
                 "3. 本单一式两份，借用人与服务站各执一份。"):
        c.drawString(left, y, line)
        y -= 7 * mm

    _signatures(c, h, y - 16 * mm)
    if h.check_in_url:
        draw_check_in_qr(c, h.check_in_url, width - left, 14 * mm)
    c.showPage()
    c.save()
    return buf.getvalue()


def _signatures(c: canvas.Canvas, h: HandOver, y: float) -> None:
    """The borrower's and the clerk's signature lines; the borrower's full name printed
    under theirs."""
    width, _height = A4
    left = 20 * mm
    c.setFont(CJK_FONT, 12)
    c.drawString(left, y, "借用人（或代理人）签字：")
    c.line(left + 52 * mm, y - 1 * mm, left + 95 * mm, y - 1 * mm)
    c.drawString(left + 100 * mm, y, "日期：")
    c.line(left + 113 * mm, y - 1 * mm, width - left, y - 1 * mm)
    c.setFont(CJK_FONT, 10)
    c.drawString(left + 52 * mm, y - 6 * mm, f"借用人：{h.borrower_name}")
    y -= 18 * mm
    c.setFont(CJK_FONT, 12)
    c.drawString(left, y, "经办人签字：")
    c.line(left + 52 * mm, y - 1 * mm, left + 95 * mm, y - 1 * mm)
    c.drawString(left + 100 * mm, y, "日期：")
    c.line(left + 113 * mm, y - 1 * mm, width - left, y - 1 * mm)


#: the agreement's clauses (the station lends, the borrower keeps and returns)
CLAUSES = (
    "第一条　出借方将下列辅助器具借给借用方使用，借用方确认设备成色与交接单一致。",
    "第二条　借用期限自借出日期起至应还日期止；需延长的，应在到期前到站办理续借。",
    "第三条　借用方按日租金支付租金（符合减免条件的免收），并交纳押金；归还验收后退还押金，",
    "　　　　损坏按成色（A/B/C/D）评定赔偿，从押金中扣除。",
    "第四条　借用方应妥善保管、按说明使用，不得转借、出售或抵押；设备丢失的，按残值赔偿。",
    "第五条　逾期未还的，出借方将电话催还或上门取回；逾期期间不再办理新的借用。",
    "第六条　借用方的个人信息仅用于本次借用及回访，按《个人信息保护法》处理。",
    "第七条　本协议一式两份，双方签字后生效，各执一份。",
)


def agreement_pdf(h: HandOver) -> bytes:
    """The rental agreement (辅助器具借用协议): the parties, the unit, the term and the
    money, the clauses, the signatures with the borrower's full name."""
    _ensure_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=0)
    c.setTitle(f"辅助器具借用协议 {h.rental_number}")
    c.setAuthor(h.station)
    c.setSubject(h.rental_number)
    width, height = A4
    left = 20 * mm
    y = height - 25 * mm
    c.setFont(CJK_FONT, 18)
    c.drawCentredString(width / 2, y, "辅助器具借用协议")
    y -= 9 * mm
    c.setFont(CJK_FONT, 11)
    c.drawCentredString(width / 2, y, f"协议编号 {h.rental_number}")
    y -= 14 * mm
    rows: list[tuple[str, str]] = [
        ("出借方", f"{h.station}（电话 {h.station_phone}）"),
        ("借用方", h.borrower_name),
        ("残疾人证号", h.borrower_certificate_masked),
        ("设备", f"{h.type_name}（{h.iso_code}）"),
        ("资产编号", h.asset_tag),
        ("序列号", h.serial),
        ("借用期限", f"{h.checked_out_on} 至 {h.due_on}"),
        ("日租金（元）", yuan(h.daily_fee_fen)),
        ("押金（元）", yuan(h.deposit_fen)),
        ("减免", _waiver_label(h.waiver)),
    ]
    for label, value in rows:
        c.setFont(CJK_FONT, 12)
        c.drawString(left, y, label)
        c.drawString(left + 35 * mm, y, value)
        c.setLineWidth(0.3)
        c.line(left, y - 2.5 * mm, width - left, y - 2.5 * mm)
        y -= 9 * mm
    y -= 4 * mm
    c.setFont(CJK_FONT, 10.5)
    for line in CLAUSES:
        c.drawString(left, y, line)
        y -= 7 * mm
    _signatures(c, h, y - 14 * mm)
    c.showPage()
    c.save()
    return buf.getvalue()


WAIVERS = {"severe": "重度残疾免租金", "dibao": "低保免租金", "tekun": "特困免租金"}


def _waiver_label(waiver: str | None) -> str:
    if not waiver:
        return "无"
    return WAIVERS.get(waiver, waiver)


# -- the receipt (收据) of a ledger entry --------------------------------------------------

KINDS = {"fee": "租金", "deposit": "押金", "deposit_refund": "退押金",
         "damage_deduction": "损坏扣款（从押金扣除）"}
METHODS = {"cash": "现金", "wechat_pay": "微信支付", "alipay": "支付宝"}


@dataclass(frozen=True)
class Receipt:
    """What a receipt shows: its number, the station, the rental and its unit, the
    borrower's name masked (the payer holds the paper; no full read is needed), the entry
    and the rental's money so far, all amounts in yuan from fen."""

    number: str
    station: str
    station_phone: str
    rental_number: str
    asset_tag: str
    type_name: str
    iso_code: str
    borrower_name_masked: str
    kind: str
    amount_fen: int
    method: str | None
    reference: str
    recorded_at: str
    recorded_by: str
    note: str
    reverses_number: str | None
    fee_due_fen: int
    fees_paid_fen: int
    deposit_held_fen: int


def receipt_pdf(r: Receipt) -> bytes:
    """One A4 page: 辅具租赁收款收据 with the receipt number, who paid what for which
    rental, how, and the rental's fee and deposit so far. A reversing entry says so (冲正)
    and names the receipt it corrects."""
    _ensure_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=0)
    c.setTitle(f"收据 {r.number}")
    c.setAuthor(r.station)
    c.setSubject(r.number)
    width, height = A4
    left = 20 * mm
    y = height - 25 * mm
    refund = r.kind == "deposit_refund"
    title = "辅具租赁退款凭证" if refund else "辅具租赁收款收据"
    if r.reverses_number:
        title += "（冲正）"
    c.setFont(CJK_FONT, 18)
    c.drawCentredString(width / 2, y, title)
    y -= 9 * mm
    c.setFont(CJK_FONT, 11)
    c.drawCentredString(width / 2, y, f"{r.station}　电话 {r.station_phone}")
    y -= 14 * mm
    amount = yuan(r.amount_fen)
    rows: list[tuple[str, str, bool]] = [
        ("收据编号", r.number, True),
        ("租赁单号", r.rental_number, True),
        ("设备", f"{r.type_name}（{r.iso_code}）", False),
        ("资产编号", r.asset_tag, True),
        ("借用人", r.borrower_name_masked, False),
        ("款项", KINDS.get(r.kind, r.kind), False),
        ("金额（元）", f"-{amount}" if r.reverses_number else amount, True),
        ("付款方式", METHODS.get(r.method or "", "—"), False),
        ("交易单号", r.reference or "—", True),
        ("时间", r.recorded_at, True),
        ("经办人", r.recorded_by, True),
    ]
    if r.reverses_number:
        rows.append(("冲正原收据", r.reverses_number, True))
    if r.note:
        rows.append(("备注", r.note, False))
    rows += [
        ("应收租金（元）", yuan(r.fee_due_fen), True),
        ("已收租金（元）", yuan(r.fees_paid_fen), True),
        ("现存押金（元）", yuan(r.deposit_held_fen), True),
    ]
    y = _labelled_rows(c, rows, left, y, width)
    y -= 6 * mm
    c.setFont(CJK_FONT, 10)
    c.drawString(left, y, "本收据由服务站经办人据实登记，金额以人民币元计。押金于归还验收后退还，"
                          "损坏赔偿从押金中扣除。")
    y -= 16 * mm
    c.setFont(CJK_FONT, 12)
    c.drawString(left, y, "经办人签字：")
    c.line(left + 30 * mm, y - 1 * mm, left + 80 * mm, y - 1 * mm)
    c.drawString(left + 90 * mm, y, "服务站（盖章）")
    c.showPage()
    c.save()
    return buf.getvalue()
