"""Reports as tables, server-rendered SVG bar charts and CSV/XLSX files (pure helpers).

A :class:`Report` is a header row and data rows; its chart names the column of the
category labels and the columns drawn as (stacked) bar segments. The chart is an
accessible image (``role="img"``, ``<title>``/``<desc>`` referenced by ``aria-labelledby``)
and the same figures are always in the table next to it and in the exports.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup, escape
from openpyxl import Workbook
from openpyxl.styles import Font
from svckit.domain.clock import china_date, utcnow

Cell = str | int | float | None


@dataclass(frozen=True)
class Series:
    """One bar segment per category: the values of column ``column``."""

    column: int
    css: str  # class of the segment (its colour), e.g. "s1"


@dataclass
class Report:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    #: column of the category labels and the series drawn; no series: no chart
    label_column: int = 0
    series: list[Series] = field(default_factory=list)
    unit: str = ""
    note: str = ""
    #: columns holding numbers (right-aligned in the table)
    numeric: frozenset[int] = frozenset()
    error: str | None = None

    def column(self, index: int) -> list[Cell]:
        return [row[index] for row in self.rows]


def _num(value: Cell) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    return 0.0


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def describe(report: Report) -> str:
    """A text alternative of the chart: every category with its figures."""
    if not report.rows or not report.series:
        return ""
    parts = []
    for row in report.rows:
        figures = "，".join(f"{report.headers[s.column]} {_fmt(_num(row[s.column]))}{report.unit}"
                           for s in report.series)
        parts.append(f"{row[report.label_column]}：{figures}")
    return "；".join(parts) + "。"


def bar_chart(report: Report, *, width: int = 720, label_width: int = 220,
              bar_height: int = 22, gap: int = 10) -> Markup:
    """A horizontal (stacked) bar chart of ``report`` as inline SVG."""
    if not report.rows or not report.series:
        return Markup("")
    title_id, desc_id = f"chart-{report.key}-title", f"chart-{report.key}-desc"
    totals = [sum(_num(row[s.column]) for s in report.series) for row in report.rows]
    top = max(totals) or 1.0
    plot = width - label_width - 70
    legend_h = 28 if len(report.series) > 1 else 0
    height = legend_h + len(report.rows) * (bar_height + gap) + gap
    out = [f'<svg class="chart" role="img" aria-labelledby="{title_id} {desc_id}" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'xmlns="http://www.w3.org/2000/svg">',
           f'<title id="{title_id}">{escape(report.title)}</title>',
           f'<desc id="{desc_id}">{escape(describe(report))}</desc>']
    if legend_h:
        lx = label_width
        for s in report.series:
            name = report.headers[s.column]
            out.append(f'<rect class="bar {s.css}" x="{lx}" y="6" width="14" height="14"/>'
                       f'<text class="legend" x="{lx + 18}" y="18">{escape(name)}</text>')
            lx += 28 + 14 * len(name)
    for i, row in enumerate(report.rows):
        y = legend_h + gap + i * (bar_height + gap)
        label = str(row[report.label_column] or "")
        out.append(f'<text class="label" x="{label_width - 8}" y="{y + bar_height * 0.72:.1f}" '
                   f'text-anchor="end">{escape(label[:18])}</text>')
        x = float(label_width)
        for s in report.series:
            w = _num(row[s.column]) / top * plot
            if w > 0:
                out.append(f'<rect class="bar {s.css}" x="{x:.1f}" y="{y}" width="{w:.1f}" '
                           f'height="{bar_height}"><title>{escape(label)} · '
                           f'{escape(report.headers[s.column])}：'
                           f'{_fmt(_num(row[s.column]))}{escape(report.unit)}</title></rect>')
            x += w
        out.append(f'<text class="value" x="{x + 6:.1f}" y="{y + bar_height * 0.72:.1f}">'
                   f'{_fmt(totals[i])}{escape(report.unit)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


# -- files -------------------------------------------------------------------------------
def to_csv(report: Report) -> bytes:
    """UTF-8 with a BOM so that Excel opens the Chinese correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(report.headers)
    for row in report.rows:
        writer.writerow(["" if v is None else _csv_safe(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def _csv_safe(value: Cell) -> Cell:
    """No formula injection: a text starting with = + - @ is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str) -> str:
    return _SHEET_BAD.sub(" ", title)[:31] or "Sheet1"


def to_xlsx(report: Report) -> bytes:
    """One sheet: the header row (bold, frozen) and the rows, numbers as numbers."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_title(report.title)
    ws.append(report.headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in report.rows:
        ws.append([_csv_safe(v) for v in row])
    ws.freeze_panes = "A2"
    for i, header in enumerate(report.headers, start=1):
        longest = max([len(str(header))] + [len(str(r[i - 1] or "")) for r in report.rows])
        ws.column_dimensions[ws.cell(1, i).column_letter].width = min(40, 4 + 2 * longest)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def filename(report: Report, ext: str, today: date | None = None) -> str:
    return f"{report.key}-{(today or china_date(utcnow())).isoformat()}.{ext}"


def display(value: Cell) -> str:
    """A table cell: numbers with thousands separators and no trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{int(value):,}"


def yuan(fen: Any) -> float:
    """Fen to yuan (2 decimals) for tables and exports."""
    return round(int(fen or 0) / 100, 2)
