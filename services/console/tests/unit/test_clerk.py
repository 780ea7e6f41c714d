"""The clerk pages' pure helpers: yuan, due dates, QR labels, the hand-over sheet."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from console.views.clerk_docs import (
    HandOver,
    default_due,
    handover_pdf,
    parse_yuan,
    qr_svg,
    yuan,
)


@pytest.mark.parametrize(("fen", "text"), [(0, "0.00"), (5, "0.05"), (12345, "123.45"),
                                            (30_000, "300.00"), (-150, "-1.50")])
def test_yuan(fen: int, text: str) -> None:
    assert yuan(fen) == text


def test_yuan_of_nothing_is_empty() -> None:
    assert yuan(None) == ""


@pytest.mark.parametrize(("text", "fen"), [("", 0), ("  ", 0), ("0", 0), ("12.5", 1250),
                                            ("¥300", 30_000), ("1,000.05", 100_005)])
def test_parse_yuan(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["-1", "1.005", "abc", "NaN", "Infinity", "1e400x"])
def test_parse_yuan_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_yuan(text)


def test_default_due_is_thirty_days_or_the_types_maximum() -> None:
    today = date(2025, 3, 1)
    assert default_due(today, None) == date(2025, 3, 31)
    assert default_due(today, 180) == date(2025, 3, 31)
    assert default_due(today, 14) == date(2025, 3, 15)


def test_qr_svg_is_an_inline_image_with_a_name() -> None:
    svg = qr_svg("LC-DCF-WC-01", title="二维码：LC-DCF-WC-01")
    assert svg.startswith('<svg role="img" ')
    assert "<title>二维码：LC-DCF-WC-01</title>" in svg
    assert "<?xml" not in svg and "style=" not in svg  # CSP: no inline styles


def _text(pdf: bytes) -> list[str]:
    """The PDF's text, line by line (pypdf)."""
    from pypdf import PdfReader

    return [line.strip() for page in PdfReader(io.BytesIO(pdf)).pages
            for line in page.extract_text().splitlines() if line.strip()]


PAPER = HandOver(
    station="东昌府区辅具租赁服务站", station_phone="0635-8432102",
    rental_number="ZL-371502-2026-000123", asset_tag="LC-DCF-WC-02", serial="SN123",
    type_name="手动轮椅车", iso_code="12 22 03", borrower_name="王建华",
    borrower_certificate_masked="3715************0142", checked_out_on="2025-03-01",
    due_on="2025-03-31", daily_fee_fen=200, fee_fen=6000, deposit_fen=30_000, waiver="dibao",
    home_delivery=True, condition="A")


def _after(lines: list[str], label: str) -> str:
    """The value drawn after ``label`` (the next line of the extracted text)."""
    return lines[lines.index(label) + 1]


def test_handover_pdf_shows_every_field_with_the_number_and_full_name() -> None:
    pdf = handover_pdf(PAPER)
    assert pdf.startswith(b"%PDF")
    lines = _text(pdf)
    assert lines[0] == "辅助器具租赁交接单"
    assert lines[1] == "东昌府区辅具租赁服务站　电话 0635-8432102"
    expected = {"租赁单号": "ZL-371502-2026-000123", "资产编号": "LC-DCF-WC-02",
                "设备名称": "手动轮椅车（12 22 03）", "序列号": "SN123", "交付时成色": "A",
                "借用人": "王建华", "残疾人证号": "3715************0142",
                "借出日期": "2025-03-01", "应还日期": "2025-03-31", "日租金（元）": "2.00",
                "租金合计（元）": "60.00", "押金（元）": "300.00", "减免": "低保免租金",
                "送货上门": "是"}
    for label, value in expected.items():
        assert _after(lines, label) == value, label
    # the full name printed under the borrower's signature line
    assert "借用人：王建华" in lines
    assert "借用人（或代理人）签字：" in lines and "经办人签字：" in lines


def test_agreement_pdf_shows_the_parties_the_unit_the_term_and_the_signatures() -> None:
    from console.views.clerk_docs import CLAUSES, agreement_pdf

    lines = _text(agreement_pdf(PAPER))
    assert lines[:2] == ["辅助器具借用协议", "协议编号 ZL-371502-2026-000123"]
    expected = {"出借方": "东昌府区辅具租赁服务站（电话 0635-8432102）", "借用方": "王建华",
                "残疾人证号": "3715************0142", "设备": "手动轮椅车（12 22 03）",
                "资产编号": "LC-DCF-WC-02", "序列号": "SN123",
                "借用期限": "2025-03-01 至 2025-03-31", "日租金（元）": "2.00",
                "押金（元）": "300.00", "减免": "低保免租金"}
    for label, value in expected.items():
        assert _after(lines, label) == value, label
    for clause in CLAUSES:
        assert clause.strip() in lines
    assert "借用人：王建华" in lines and "经办人签字：" in lines


RECEIPT: dict[str, Any] = {
    "number": "SJ-371502-2026-000042", "station": "东昌府区辅具租赁服务站",
    "station_phone": "0635-8432102", "rental_number": "ZL-371502-2026-000123",
    "asset_tag": "LC-DCF-WC-02", "type_name": "手动轮椅车", "iso_code": "12 22 03",
    "borrower_name_masked": "王*华", "kind": "deposit", "amount_fen": 30_000,
    "method": "wechat_pay", "reference": "4200001234202612070012345678",
    "recorded_at": "2026-12-07 10:30", "recorded_by": "clerk-dcf", "note": "",
    "reverses_number": None, "fee_due_fen": 6000, "fees_paid_fen": 6000,
    "deposit_held_fen": 30_000}


def test_receipt_pdf_shows_the_number_station_borrower_masked_and_yuan() -> None:
    from console.views.clerk_docs import Receipt, receipt_pdf

    pdf = receipt_pdf(Receipt(**RECEIPT))
    assert pdf.startswith(b"%PDF")
    lines = _text(pdf)
    assert lines[0] == "辅具租赁收款收据"
    assert "东昌府区辅具租赁服务站" in lines[1]
    assert _after(lines, "收据编号") == "SJ-371502-2026-000042"
    assert _after(lines, "租赁单号") == "ZL-371502-2026-000123"
    assert _after(lines, "借用人") == "王*华"
    assert _after(lines, "款项") == "押金"
    assert _after(lines, "金额（元）") == "300.00"  # 30000 fen in yuan
    assert _after(lines, "付款方式") == "微信支付"
    assert _after(lines, "交易单号") == "4200001234202612070012345678"
    assert _after(lines, "应收租金（元）") == "60.00"
    assert _after(lines, "现存押金（元）") == "300.00"
    assert "王建华" not in " ".join(lines)


def test_a_reversing_receipt_is_marked_and_negative() -> None:
    from console.views.clerk_docs import Receipt, receipt_pdf

    paper = Receipt(**{**RECEIPT, "number": "SJ-371502-2026-000043", "kind": "fee",
                       "amount_fen": 1250, "method": "cash", "reference": "",
                       "note": "付款方式录错", "reverses_number": "SJ-371502-2026-000041"})
    lines = _text(receipt_pdf(paper))
    assert lines[0] == "辅具租赁收款收据（冲正）"
    assert _after(lines, "金额（元）") == "-12.50"
    assert _after(lines, "冲正原收据") == "SJ-371502-2026-000041"
    assert _after(lines, "交易单号") == "—" and _after(lines, "付款方式") == "现金"
