"""The clerk pages' pure helpers: yuan, due dates, QR labels, the hand-over sheet."""

from __future__ import annotations

from datetime import date

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


def test_handover_pdf_names_the_unit_and_masks_the_borrower() -> None:
    pdf = handover_pdf(HandOver(
        station="东昌府区辅具租赁服务站", station_phone="0635-8432102", rental_id="r-1",
        asset_tag="LC-DCF-WC-02", serial="SN123", type_name="手动轮椅车", iso_code="12 22 03",
        borrower_name_masked="王**", borrower_certificate_masked="3715************0142",
        checked_out_on="2025-03-01", due_on="2025-03-31", daily_fee_fen=200, fee_fen=6000,
        deposit_fen=30_000, waiver=None, home_delivery=True, condition="A"))
    assert pdf.startswith(b"%PDF")
    assert b"LC-DCF-WC-02" in pdf and b"300.00" in pdf and b"60.00" in pdf
    assert b"3715************0142" in pdf
