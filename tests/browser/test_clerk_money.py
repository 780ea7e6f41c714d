"""The clerk's money in Chromium: a fee and a deposit recorded on the rental page (a
refusal shown in Chinese at its field), the receipt as a PDF, the deposit refunded at
return with a damage deduction, a wrong entry reversed, and the station's month-end
settlement balanced, listing the entries, with its export."""

from __future__ import annotations

import re
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from browser_kit import audit, flashes, login, pdf_text, submit
from playwright.sync_api import Page, expect
from svckit.domain.certificate import make_certificate

sys.path.insert(0, str(Path(__file__).parents[1]))

from e2e_kit import DONGCHANGFU, System, find

CANE = "12 03 06"  # walking stick: fee 0.50 yuan a day, deposit 50 yuan


@pytest.fixture(scope="module")
def loan(system: System) -> dict[str, Any]:
    """A rental of our own at the 东昌府区 station: a cane for 10 days to a new borrower."""
    staff = system.client("inventory", "staff")
    station = find(staff.get("/stations?page_size=100")["items"], division_code=DONGCHANGFU)
    # a type of our own: another test's cane type may have other fees (no deposit)
    cane = staff.post("/device-types", {
        "iso_code": CANE, "name_zh": f"收费测试手杖{uuid.uuid4().hex[:4]}", "mode": "rentable",
        "daily_fee_fen": 50, "deposit_fen": 5_000, "max_rental_days": 90,
        "cleaning_buffer_hours": 0})
    clerk = system.client("inventory", "clerk", stations=[station["id"]], name="王芳")
    tag = f"PAY-{uuid.uuid4().hex[:6].upper()}"
    unit = clerk.post("/units", {
        "asset_tag": tag, "serial": f"SN-{tag}", "type_id": cane["id"],
        "station_id": station["id"], "condition": "A", "acquisition": "purchase",
        "acquired_on": date.today().isoformat(), "cost_fen": 9_900})
    seq = uuid.uuid4().int
    r = staff.session.post(staff.base + "/borrowers", timeout=30, json={
        "certificate_number": make_certificate(
            f"3715021971{1 + seq % 9:02d}{1 + seq % 28:02d}{seq % 1000:03d}", 4, 3),  # grade 3: no waiver
        "name": "钱建国", "phone": "13963500001", "address": "聊城市东昌府区古楼街道光岳路2号",
        "division_code": DONGCHANGFU, "consent": True, "station_id": station["id"]})
    person = r.json() if r.status_code == 201 else None
    assert person, r.text
    rental: dict[str, Any] = clerk.post("/rentals", {
        "station_id": station["id"], "borrower_id": person["id"], "unit_id": unit["id"],
        "due_on": (date.today() + timedelta(days=10)).isoformat()})
    return {"rental": rental, "unit": unit}


def test_fee_deposit_receipt_refund_reversal_and_settlement(
        page: Page, console: str, loan: dict[str, Any]) -> None:
    rental = loan["rental"]
    fee_yuan = f"{rental['fee_fen'] // 100}.{rental['fee_fen'] % 100:02d}"
    login(page, console, "clerk-dcf")
    page.goto(f"{console}/clerk/rentals/{rental['id']}")
    audit(page)
    money = page.locator("#money")
    expect(money).to_contain_text("暂无收付款记录。")

    # the fee: the form proposes what is outstanding, cash
    expect(page.get_by_label("金额（元）")).to_have_value(fee_yuan)
    submit(page, "登记收付款")
    [done] = [f for f in flashes(page) if f.startswith("已登记")]
    fee_number = re.search(r"SJ-371502-\d{4}-\d{6}", done)
    assert fee_number, done
    expect(page.locator("#fees-paid")).to_have_text(fee_yuan)

    # the deposit by WeChat Pay without the payer's reference: refused, in Chinese
    page.get_by_label("款项").select_option("deposit")
    page.get_by_label("金额（元）").fill("50")
    page.get_by_label("付款方式").select_option("wechat_pay")
    submit(page, "登记收付款")
    expect(page.locator("main")).to_contain_text("交易单号")
    assert not any(f.startswith("已登记") for f in flashes(page))
    page.get_by_label("款项").select_option("deposit")
    page.get_by_label("金额（元）").fill("50")
    page.get_by_label("付款方式").select_option("wechat_pay")
    page.get_by_label("交易单号", exact=True).fill("4200001234202612070099")
    submit(page, "登记收付款")
    assert any(f.startswith("已登记") for f in flashes(page))
    expect(page.locator("#deposit-held")).to_have_text("50.00")

    # the deposit's receipt: a PDF with its number, the rental's and the amount in yuan
    table = page.locator("#payments")
    link = table.get_by_role("link", name=re.compile("收据（PDF）")).nth(1)
    href = link.get_attribute("href")
    assert href
    text = pdf_text(page, href)
    assert rental["number"] in text and "押金" in text and "50.00" in text
    assert "微信支付" in text and "钱建国" not in text

    # return graded C with 12.50 yuan damage, the rest of the deposit refunded in cash
    page.get_by_label("归还成色").select_option("C")
    page.get_by_label("损坏赔偿（元）").fill("12.5")
    page.get_by_label("退押金方式").select_option("cash")
    submit(page, "确认归还")
    assert any(f.startswith("已归还。") for f in flashes(page))
    page.goto(f"{console}/clerk/rentals/{rental['id']}")
    audit(page)
    expect(page.locator("#deposit-held")).to_have_text("0.00")
    expect(page.locator("#payments")).to_contain_text("37.50")  # 50 - 12.50 refunded

    # the fee was recorded as cash but paid by Alipay: reverse it with a reason
    row = page.locator("#payments tr", has_text=fee_number.group(0))
    row.get_by_label("冲正原因").fill("付款方式录错")
    with page.expect_navigation():
        row.get_by_role("button", name=re.compile("冲正")).click()
    audit(page)
    assert any(f.startswith("已冲正") for f in flashes(page))
    expect(page.locator("#fees-paid")).to_have_text("0.00")

    # the month-end settlement: balanced, listing this rental's entries
    page.get_by_role("link", name="月结").first.click()
    page.wait_for_url("**/clerk/settlement")
    audit(page)
    expect(page.locator("#balanced")).to_contain_text("账目平衡")
    expect(page.get_by_role("table")).to_contain_text(rental["number"])
    href = page.get_by_role("link", name="导出 CSV").get_attribute("href")
    assert href
    csv = page.request.get(urljoin(page.url, href), fail_on_status_code=True)
    assert rental["number"] in csv.text() and fee_number.group(0) in csv.text()
