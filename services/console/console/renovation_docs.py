"""The paper a district federation files for a renovated home (pure helpers, no Flask):

- the 一户一策 plan confirmation sheet (改造方案确认单), which the household signs;
- the acceptance form (验收单), which the household, the contractor and the inspector sign.

One A4 page each, drawn with reportlab and its built-in CJK font (as the clerk's hand-over
sheet), so no font file is shipped; the text stays extractable (the tests read it back)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from console.formatting import amount
from console.views.clerk_docs import draw_check_in_qr

FONT = "STSong-Light"
UNITS = {"each": "个", "metre": "米", "square_metre": "平方米"}


@dataclass(frozen=True)
class Line:
    name: str
    unit: str
    quantity: str
    unit_price_fen: int
    total_fen: int
    done: bool | None = None  # acceptance form: finished per the contractor's report


@dataclass(frozen=True)
class Household:
    federation: str
    programme: str
    case_no: str
    holder_name: str
    certificate: str
    address: str
    division: str
    phone: str


@dataclass(frozen=True)
class PlanSheet:
    household: Household
    lines: list[Line]
    total_fen: int
    cap_fen: int
    drafted_by: str
    drafted_on: str
    assessed_by: str = ""
    assessed_on: str = ""
    #: the console address a volunteer's phone opens to check the application's visits
    #: in and out (empty: no QR code)
    check_in_url: str = ""


@dataclass(frozen=True)
class AcceptanceForm:
    household: Household
    order_no: str
    contractor: str
    lines: list[Line]
    total_fen: int
    start_on: str
    end_on: str
    requested_on: str
    inspected_on: str = ""
    inspector: str = ""
    verdict: str = ""
    defects: list[str] = field(default_factory=list)


def _font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


class _Page:
    """A top-down writer on one A4 page."""

    def __init__(self, title: str, subject: str) -> None:
        _font()
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=A4, pageCompression=0)
        self.c.setTitle(title)
        self.c.setSubject(subject)
        self.width, height = A4
        self.left = 18 * mm
        self.right = self.width - 18 * mm
        self.y = height - 22 * mm

    def title(self, text: str, sub: str) -> None:
        self.c.setFont(FONT, 18)
        self.c.drawCentredString(self.width / 2, self.y, text)
        self.y -= 8 * mm
        self.c.setFont(FONT, 10)
        self.c.drawCentredString(self.width / 2, self.y, sub)
        self.y -= 10 * mm

    def facts(self, rows: list[tuple[str, str]]) -> None:
        """Two label/value pairs a row."""
        half = (self.right - self.left) / 2
        for i in range(0, len(rows), 2):
            for j, (label, value) in enumerate(rows[i:i + 2]):
                x = self.left + j * half
                self.c.setFont(FONT, 10)
                self.c.drawString(x, self.y, f"{label}：")
                self.c.setFont(FONT, 11)
                self.c.drawString(x + 24 * mm, self.y, value)
            self.c.setLineWidth(0.3)
            self.c.line(self.left, self.y - 2.5 * mm, self.right, self.y - 2.5 * mm)
            self.y -= 8.5 * mm

    def wide(self, label: str, value: str) -> None:
        self.c.setFont(FONT, 10)
        self.c.drawString(self.left, self.y, f"{label}：")
        self.c.setFont(FONT, 11)
        self.c.drawString(self.left + 24 * mm, self.y, value)
        self.c.line(self.left, self.y - 2.5 * mm, self.right, self.y - 2.5 * mm)
        self.y -= 8.5 * mm

    def table(self, head: list[str], rows: list[list[str]], widths: list[float],
              foot: list[str]) -> None:
        self.y -= 3 * mm
        xs = [self.left]
        for w in widths[:-1]:
            xs.append(xs[-1] + w * mm)
        self.c.setFont(FONT, 10)
        for x, text in zip(xs, head, strict=True):
            self.c.drawString(x + 1 * mm, self.y, text)
        self.c.setLineWidth(0.8)
        self.c.line(self.left, self.y - 2.5 * mm, self.right, self.y - 2.5 * mm)
        self.y -= 8 * mm
        self.c.setLineWidth(0.3)
        for row in [*rows, foot]:
            if row is foot:
                self.c.setFont(FONT, 11)
            for x, text in zip(xs, row, strict=True):
                self.c.drawString(x + 1 * mm, self.y, text)
            self.c.line(self.left, self.y - 2.5 * mm, self.right, self.y - 2.5 * mm)
            self.y -= 7.5 * mm
        self.y -= 3 * mm

    def text(self, lines: list[str], size: int = 10) -> None:
        self.c.setFont(FONT, size)
        for line in lines:
            self.c.drawString(self.left, self.y, line)
            self.y -= 6.5 * mm

    def signatures(self, who: list[str]) -> None:
        self.y -= 8 * mm
        self.c.setFont(FONT, 11)
        for label in who:
            self.c.drawString(self.left, self.y, f"{label}：")
            self.c.line(self.left + 48 * mm, self.y - 1 * mm, self.left + 100 * mm,
                        self.y - 1 * mm)
            self.c.drawString(self.left + 106 * mm, self.y, "日期：")
            self.c.line(self.left + 118 * mm, self.y - 1 * mm, self.right, self.y - 1 * mm)
            self.y -= 14 * mm

    def done(self) -> bytes:
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


def _household(p: _Page, h: Household) -> None:
    p.facts([("户主姓名", h.holder_name), ("残疾人证号", h.certificate),
             ("所在区县", h.division), ("联系电话", h.phone)])
    p.wide("住址", h.address)


def _qty(line: Line) -> str:
    return f"{line.quantity} {UNITS.get(line.unit, line.unit)}"


def plan_sheet_pdf(s: PlanSheet) -> bytes:
    """一户一策 改造方案确认单: the household, the items with quantities and prices in
    yuan, the total against the per-household cap, who drafted it, and the signatures."""
    h = s.household
    p = _Page(f"一户一策改造方案确认单 {h.case_no}", h.case_no)
    p.title("困难重度残疾人家庭无障碍改造 一户一策 改造方案确认单",
            f"{h.federation}　{h.programme}　编号 {h.case_no}")
    _household(p, h)
    if s.assessed_by:
        p.facts([("入户评估人", s.assessed_by), ("评估日期", s.assessed_on)])
    p.table(["改造项目", "数量", "单价（元）", "金额（元）"],
            [[ln.name, _qty(ln), amount(ln.unit_price_fen), amount(ln.total_fen)]
             for ln in s.lines],
            [80, 35, 30, 29],
            ["合计", "", "", amount(s.total_fen)])
    p.facts([("每户补助上限（元）", amount(s.cap_fen)), ("方案编制人", s.drafted_by),
             ("编制日期", s.drafted_on), ("", "")])
    p.text(["户主（或监护人）声明：上述改造项目、数量和金额已向本人说明，本人同意按此方案实施改造。",
            "改造费用由年度项目资金支付，户主无需向施工单位支付任何费用。",
            "本单一式三份，户主、区县残联、施工单位各执一份。"])
    p.signatures(["户主（或监护人）签字", "经办人签字", "区县残联（盖章）"])
    if s.check_in_url:
        draw_check_in_qr(p.c, s.check_in_url, p.right, 14 * mm)
    return p.done()


def acceptance_pdf(a: AcceptanceForm) -> bytes:
    """验收单: the household, the contractor and works dates, the items with quantities
    done and amounts in yuan, the verdict, and the three signatures."""
    h = a.household
    p = _Page(f"无障碍改造验收单 {a.order_no}", a.order_no)
    p.title("困难重度残疾人家庭无障碍改造 验收单",
            f"{h.federation}　{h.programme}　工单编号 {a.order_no}")
    _household(p, h)
    p.facts([("施工单位", a.contractor), ("申请验收日期", a.requested_on),
             ("开工日期", a.start_on), ("完工日期", a.end_on)])
    p.table(["改造项目", "完成数量", "单价（元）", "金额（元）", "完成情况"],
            [[ln.name, _qty(ln), amount(ln.unit_price_fen), amount(ln.total_fen),
              "已完成" if ln.done else "未完成"] for ln in a.lines],
            [70, 30, 27, 27, 20],
            ["合计", "", "", amount(a.total_fen), ""])
    p.facts([("验收日期", a.inspected_on or "　"), ("验收人", a.inspector or "　"),
             ("验收结论", a.verdict or "□ 合格　□ 不合格"), ("", "")])
    if a.defects:
        p.wide("整改问题", "；".join(a.defects))
    p.text(["户主（或监护人）意见：□ 满意　□ 基本满意　□ 不满意"])
    p.signatures(["户主（或监护人）签字", "施工单位负责人签字", "验收人签字"])
    return p.done()
