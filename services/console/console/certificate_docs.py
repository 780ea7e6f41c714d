"""The volunteer service record certificate (志愿服务记录证明) as one A4 page (pure helper,
no Flask), drawn like the federation's other papers (``console.renovation_docs``: reportlab
and its built-in CJK font, text extractable, the tests read it back).

What the Ministry of Civil Affairs measures (《志愿服务记录与证明出具办法（试行）》, 2020, in
force 2021-02-01) require on a certificate, each printed: the volunteer's identity, the hours
and the content of the service, the issuing organisation and its contact details, the
certificate number, the date of issue and the seal. The seal is drawn as a red circle with
the organisation's name, marked 盖章 (a printed circle is not a seal: the paper is stamped
by hand, and the QR code leads to the public verification page, which is what proves it)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from reportlab.lib.colors import Color
from reportlab.lib.units import mm

from console.renovation_docs import FONT, _Page
from console.views.clerk_docs import draw_qr

RED = Color(0.8, 0.1, 0.1)
MEASURES = "《志愿服务记录与证明出具办法（试行）》"


@dataclass(frozen=True)
class ContentLine:
    label: str
    entries: int
    hours: str


@dataclass(frozen=True)
class CertificateDoc:
    number: str
    volunteer_name: str
    volunteer_id: str
    period_start: str
    period_end: str
    hours: str
    duration: str
    entries: int
    lines: list[ContentLine]
    issuer_name: str
    issuer_contact: str
    issued_on: str
    verify_url: str


def _cn_date(iso: str) -> str:
    """``2026-12-07`` -> ``2026年12月7日``."""
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


def _seal(p: _Page, name: str, cx: float, cy: float, r: float = 19 * mm) -> None:
    """A red circle, the organisation's name along its upper arc, a star, 盖章 below."""
    c = p.c
    c.saveState()
    c.setStrokeColor(RED)
    c.setFillColor(RED)
    c.setLineWidth(1.6)
    c.circle(cx, cy, r, stroke=1, fill=0)
    chars = list(name)[:20]
    size = 10 if len(chars) <= 12 else 8
    span = min(240.0, 18.0 * len(chars))
    for i, ch in enumerate(chars):
        angle = 90 + span / 2 - (span * (i + 0.5) / len(chars))  # left to right, over the top
        rad = math.radians(angle)
        c.saveState()
        c.translate(cx + (r - 5 * mm) * math.cos(rad), cy + (r - 5 * mm) * math.sin(rad))
        c.rotate(angle - 90)
        c.setFont(FONT, size)
        c.drawCentredString(0, -size / 3, ch)
        c.restoreState()
    star = [(cx + 5 * mm * math.cos(math.radians(90 + k * 144)),
             cy + 5 * mm * math.sin(math.radians(90 + k * 144))) for k in range(5)]
    path = c.beginPath()
    path.moveTo(*star[0])
    for pt in star[1:]:
        path.lineTo(*pt)
    path.close()
    c.drawPath(path, stroke=0, fill=1)
    c.setFont(FONT, 8)
    c.drawCentredString(cx, cy - r + 5 * mm, "盖章")
    c.restoreState()


def _qr(p: _Page, text: str, x: float, y: float, size: float) -> None:
    """The QR code of ``text``, ``size`` wide, its lower left corner at ``(x, y)``."""
    draw_qr(p.c, text, x, y, size)


def certificate_pdf(d: CertificateDoc) -> bytes:
    p = _Page(f"志愿服务记录证明 {d.number}", d.number)
    p.title("志愿服务记录证明", f"证明编号 {d.number}")
    p.facts([("志愿者姓名", d.volunteer_name), ("志愿者编号", d.volunteer_id[:8].upper()),
             ("服务期间", f"{d.period_start} 至 {d.period_end}"),
             ("累计时长", f"{d.hours} 小时（{d.duration}）")])
    p.text([f"兹证明 {d.volunteer_name} 于 {_cn_date(d.period_start)} 至 "
            f"{_cn_date(d.period_end)} 期间参加志愿服务，",
            f"经本组织记录并认证的志愿服务时长累计 {d.hours} 小时，共 {d.entries} 次，"
            "服务内容如下：" ])
    p.table(["服务内容", "次数", "时长（小时）"],
            [[ln.label, str(ln.entries), ln.hours] for ln in d.lines], [100, 35, 39],
            ["合计", str(d.entries), d.hours])
    p.facts([("出具单位", d.issuer_name), ("联系电话", d.issuer_contact),
             ("出具日期", _cn_date(d.issued_on)), ("证明编号", d.number)])
    p.text([f"本证明依据民政部{MEASURES}出具，仅统计经认证的志愿服务时长。",
            "扫描右侧二维码或访问以下网址，可核验本证明的真伪：",
            d.verify_url], size=9)
    seal_y = p.y - 22 * mm
    p.c.setFont(FONT, 11)
    p.c.drawString(p.left, seal_y, f"出具单位（盖章）：{d.issuer_name}")
    p.c.drawString(p.left, seal_y - 9 * mm, f"日期：{_cn_date(d.issued_on)}")
    _seal(p, d.issuer_name, p.left + 120 * mm, seal_y + 2 * mm)
    _qr(p, d.verify_url, p.right - 32 * mm, seal_y - 14 * mm, 32 * mm)
    return p.done()
