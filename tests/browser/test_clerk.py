"""The clerk's console in Chromium: a check-out and return by keyboard from the scan box,
the hand-over sheet (PDF), QR labels, borrowers by certificate, reservations, transfers,
stock and the overdue list. The data each test needs is arranged through the API (own
device type, unit and borrower), so the test does not depend on the seed's stock."""

from __future__ import annotations

import re
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from browser_kit import audit, flashes, login, screenshot, submit
from playwright.sync_api import Page, expect
from svckit.domain.certificate import make_certificate

sys.path.insert(0, str(Path(__file__).parents[1]))

from e2e_kit import DONGCHANGFU, Client, System, find, new_certificate

CANE = "12 03 06"  # walking stick: a type of our own, with no cleaning buffer


@pytest.fixture(scope="module")
def desk(system: System) -> dict[str, Any]:
    """The 东昌府区 station, a rentable type without cleaning buffer, and a clerk client."""
    staff = system.client("inventory", "staff")
    stations = staff.get("/stations?page_size=100")["items"]
    station = find(stations, division_code=DONGCHANGFU)
    other = find(stations, division_code="371521")  # 阳谷县
    types = staff.get("/device-types?page_size=100")["items"]
    cane = next((t for t in types if t["iso_code"] == CANE and t["name_zh"] == "手杖"), None) or staff.post(
        "/device-types", {"iso_code": CANE, "name_zh": "手杖", "mode": "rentable",
                          "daily_fee_fen": 50, "deposit_fen": 5_000, "max_rental_days": 90,
                          "cleaning_buffer_hours": 0})
    clerk = system.client("inventory", "clerk", stations=[station["id"]], name="王芳")
    return {"staff": staff, "station": station, "other": other, "type": cane, "clerk": clerk,
            "system": system}


def new_unit(desk: dict[str, Any], station: dict[str, Any] | None = None,
             client: Client | None = None) -> dict[str, Any]:
    tag = f"CLK-{uuid.uuid4().hex[:6].upper()}"
    unit: dict[str, Any] = (client or desk["clerk"]).post("/units", {
        "asset_tag": tag, "serial": f"SN-{tag}", "type_id": desk["type"]["id"],
        "station_id": (station or desk["station"])["id"], "condition": "A",
        "acquisition": "purchase", "acquired_on": date.today().isoformat(), "cost_fen": 9_900})
    return unit


def new_borrower(desk: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A borrower registered at the desk's station (so its clerks find them in lists)."""
    number = new_certificate(uuid.uuid4().int % 10_000)
    r = desk["staff"].session.post(desk["staff"].base + "/borrowers", timeout=30, json={
        "certificate_number": number, "name": "周建华", "phone": "13963500000",
        "address": "聊城市东昌府区古楼街道光岳路1号", "division_code": DONGCHANGFU,
        "consent": True, "station_id": desk["station"]["id"]})
    if r.status_code == 409:  # the same number drawn by another test: find it
        found = desk["staff"].post("/borrowers/lookup", {"certificate_number": number})
        return number, found
    assert r.status_code == 201, r.text
    return number, r.json()


def go(page: Page, url: str) -> None:
    page.goto(url)
    audit(page)


def test_check_out_and_return_by_keyboard(page: Page, console: str,
                                          desk: dict[str, Any]) -> None:
    unit = new_unit(desk)
    tag = unit["asset_tag"]
    certificate, person = new_borrower(desk)

    login(page, console, "clerk-dcf")
    assert page.url.endswith("/clerk/")
    expect(page.get_by_role("heading", name=re.compile("租赁站工作台"))).to_be_visible()
    on_loan_before = int(page.locator(".kpis li").first.locator(".kpi").inner_text())
    screenshot(page, "clerk")

    # the scan box has the focus: a scanner types the tag and Enter
    scan = page.get_by_label("资产编号")
    expect(scan).to_be_focused()
    page.keyboard.type(tag)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    audit(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(tag)
    expect(page.locator("#unit-status")).to_have_text("可借")

    # the borrower by certificate number (focused), the due date proposed; Enter lends
    expect(page.get_by_label("残疾人证号")).to_be_focused()
    page.keyboard.type(certificate)
    expect(page.get_by_label("应还日期")).not_to_have_value("")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    audit(page)
    assert "已借出。" in flashes(page)
    expect(page.locator("#rental-status")).to_have_text("在借")
    main = page.locator("main")
    expect(main).to_contain_text(person["certificate_masked"])
    assert certificate not in page.content()
    rental_url = page.url

    # the hand-over sheet: a PDF naming the unit
    href = page.get_by_role("link", name="交接单（PDF）").get_attribute("href")
    assert href
    pdf = page.request.get(urljoin(page.url, href))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    body = pdf.body()
    assert body.startswith(b"%PDF") and tag.encode() in body
    assert certificate.encode() not in body

    # on loan: the home page counts it, the unit page says so
    go(page, f"{console}/clerk/")
    on_loan = int(page.locator(".kpis li").first.locator(".kpi").inner_text())
    assert on_loan >= on_loan_before + 1
    page.get_by_label("资产编号").fill(tag)
    with page.expect_navigation():
        page.get_by_label("资产编号").press("Enter")
    audit(page)
    expect(page.locator("#unit-status")).to_have_text("借出中")

    # return with grade B from the unit page, by keyboard
    page.get_by_label("归还成色").select_option("B")
    page.get_by_label("备注").fill("手柄有轻微划痕")
    submit(page, "确认归还")
    assert any(f.startswith("已归还。") for f in flashes(page))
    expect(page.locator("#unit-status")).to_have_text("清洁中")
    submit(page, "清洁完成")
    expect(page.locator("#unit-status")).to_have_text("可借")
    expect(page.locator("main")).to_contain_text("B")

    go(page, rental_url)
    expect(page.locator("#rental-status")).to_have_text("已归还")


def test_qr_labels_for_ticked_units(page: Page, console: str, desk: dict[str, Any]) -> None:
    unit = new_unit(desk)
    tag = unit["asset_tag"]
    login(page, console, "clerk-dcf")
    page.get_by_role("link", name="库存").first.click()
    page.wait_for_url("**/clerk/stock")
    audit(page)
    expect(page.get_by_role("table")).to_contain_text("手杖")
    page.get_by_role("link", name="手杖").click()
    page.wait_for_url("**/clerk/units?*")
    audit(page)
    page.get_by_label(f"选择 {tag}").check()
    submit(page, "打印标签")
    label = page.locator("li.label")
    expect(label).to_have_count(1)
    expect(label).to_contain_text(tag)
    expect(page.get_by_role("img", name=f"二维码：{tag}")).to_be_visible()
    screenshot(page, "clerk-labels")


def test_borrower_by_certificate_then_check_out_to_them(page: Page, console: str,
                                                        desk: dict[str, Any]) -> None:
    unit = new_unit(desk)
    certificate, person = new_borrower(desk)
    login(page, console, "clerk-dcf")
    go(page, f"{console}/clerk/borrowers")
    page.get_by_label("证号后四位").fill(certificate[-4:])
    with page.expect_navigation():
        page.get_by_label("证号后四位").press("Enter")
    audit(page)
    expect(page.get_by_role("table")).to_contain_text(person["certificate_masked"])

    # the full number goes in a POST body: the URL never carries it
    page.get_by_label("残疾人证号").fill(certificate)
    with page.expect_navigation():
        page.get_by_label("残疾人证号").press("Enter")
    audit(page)
    assert certificate not in page.url
    page.get_by_role("link", name=person["name_masked"]).click()
    page.wait_for_url(f"**/clerk/borrowers/{person['id']}")
    audit(page)
    page.get_by_label("资产编号").fill(unit["asset_tag"])
    with page.expect_navigation():
        page.get_by_label("资产编号").press("Enter")
    audit(page)
    expect(page.locator("main")).to_contain_text(person["name_masked"])
    page.get_by_label("送货上门（志愿者配送）").check()
    submit(page, "确认借出")
    expect(page.locator("#rental-status")).to_have_text("在借")
    expect(page.locator("main")).to_contain_text("待送货上门")


def test_reservation_made_then_fulfilled(page: Page, console: str,
                                         desk: dict[str, Any]) -> None:
    unit = new_unit(desk)
    certificate, _person = new_borrower(desk)
    login(page, console, "clerk-dcf")
    page.get_by_role("link", name="预约", exact=True).click()
    page.wait_for_url("**/clerk/reservations")
    audit(page)
    form = page.locator("form", has=page.get_by_role("button", name="预约", exact=True))
    form.get_by_label("残疾人证号").fill(certificate)
    form.get_by_label("指定资产编号（可选）").fill(unit["asset_tag"])
    submit(page, "预约", exact=True)
    assert "已预约。" in flashes(page)
    row = page.get_by_role("row", name=re.compile(unit["asset_tag"]))
    expect(row).to_be_visible()
    with page.expect_navigation():
        row.get_by_role("button", name="按预约借出").click()
    audit(page)
    expect(page.locator("#rental-status")).to_have_text("在借")


def test_transfers_out_and_in(page: Page, console: str, desk: dict[str, Any]) -> None:
    system: System = desk["system"]
    outgoing = new_unit(desk)
    yg_clerk = system.client("inventory", "clerk", stations=[desk["other"]["id"]])
    incoming = new_unit(desk, desk["other"], yg_clerk)
    yg_clerk.post("/transfers", {"unit_id": incoming["id"],
                                 "to_station_id": desk["station"]["id"], "note": "补充库存"})
    login(page, console, "clerk-dcf")
    page.get_by_role("link", name="调拨", exact=True).click()
    page.wait_for_url("**/clerk/transfers")
    audit(page)
    page.get_by_role("button", name=f"接收 {incoming['asset_tag']}").click()
    page.wait_for_load_state("load")
    audit(page)
    assert "已接收。" in flashes(page)

    page.get_by_label("资产编号").fill(outgoing["asset_tag"])
    page.get_by_label("调往服务站").select_option(label=desk["other"]["name"])
    page.get_by_label("备注").fill("阳谷县站缺货")
    submit(page, "调出")
    assert "已调出。" in flashes(page)
    out = page.locator("section", has=page.get_by_role("heading", name="转出"))
    expect(out.get_by_role("row", name=re.compile(outgoing["asset_tag"]))).to_contain_text("在途")


def test_overdue_list_is_masked(page: Page, console: str) -> None:
    login(page, console, "clerk-dcf")
    page.get_by_role("link", name="逾期名单").click()
    page.wait_for_url("**/clerk/overdue")
    audit(page)
    table = page.get_by_role("table")
    expect(table).to_contain_text("LC-DCF-WF-01")  # the seed's loan, ten days overdue
    expect(table).to_contain_text("****")  # masked certificate and phone
    screenshot(page, "clerk-overdue")


#: the seed's 赵淑珍 (B7), whose walking frame is ten days overdue
OVERDUE_BORROWER = make_certificate("37150219490707064", 2, 3)


def _lend_to_overdue_borrower(page: Page, console: str, tag: str) -> None:
    go(page, f"{console}/clerk/units/{tag}")
    page.get_by_label("残疾人证号").fill(OVERDUE_BORROWER)


def test_overdue_borrower_is_refused_until_a_supervisor_overrides(
        page: Page, console: str, desk: dict[str, Any]) -> None:
    tag = new_unit(desk)["asset_tag"]
    login(page, console, "clerk-dcf")
    _lend_to_overdue_borrower(page, console, tag)
    expect(page.get_by_label("超期借用理由（站长）")).to_have_count(0)
    submit(page, "确认借出")
    assert any("逾期" in f for f in flashes(page)), flashes(page)
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(page.locator("#unit-status")).to_have_text("可借")
    assert OVERDUE_BORROWER not in page.url

    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()
    audit(page)
    login(page, console, "supervisor-dcf")
    assert page.url.endswith("/clerk/")
    expect(page.get_by_role("link", name="首页")).to_have_attribute("aria-current", "page")
    _lend_to_overdue_borrower(page, console, tag)
    page.get_by_label("超期借用理由（站长）").fill("康复期急需，已电话催还原借用设备")
    submit(page, "确认借出")
    expect(page.locator("#rental-status")).to_have_text("在借")
    screenshot(page, "clerk-rental")


def test_waiting_list_add_then_a_unit_is_held_then_cancel(
        page: Page, console: str, desk: dict[str, Any]) -> None:
    """Issue 16: a borrower on the waiting list of a type with no free unit; a unit taken
    into stock is held for them at once; taking them off the list frees it."""
    staff = desk["staff"]
    kind = staff.post("/device-types", {
        "iso_code": CANE, "name_zh": f"候补测试手杖{uuid.uuid4().hex[:4]}", "mode": "rentable",
        "daily_fee_fen": 50, "deposit_fen": 0, "max_rental_days": 30,
        "cleaning_buffer_hours": 0})
    certificate, person = new_borrower(desk)
    login(page, console, "clerk-dcf")
    page.get_by_role("link", name="候补", exact=True).click()
    page.wait_for_url("**/clerk/waitlist")
    audit(page)
    form = page.locator("form", has=page.get_by_role("button", name="加入候补"))
    form.get_by_label("残疾人证号").fill(certificate)
    form.get_by_label("设备类型").select_option(kind["id"])
    submit(page, "加入候补")
    assert "已加入候补，排第1位。" in flashes(page)
    row = page.get_by_role("row", name=re.compile("候补中"))
    expect(row).to_contain_text(person["certificate_masked"])
    expect(row.locator("td").first).to_have_text("1")

    # a unit of the type taken into stock at the station: held for the borrower
    tag = f"WL-{uuid.uuid4().hex[:6].upper()}"
    unit = desk["clerk"].post("/units", {
        "asset_tag": tag, "serial": f"SN-{tag}", "type_id": kind["id"],
        "station_id": desk["station"]["id"], "condition": "A", "acquisition": "donation",
        "acquired_on": date.today().isoformat(), "cost_fen": 0})
    page.reload()
    audit(page)
    row = page.get_by_role("row", name=re.compile("已为其预留设备"))
    expect(row).to_contain_text(person["certificate_masked"])
    assert desk["clerk"].get(f"/units/{unit['id']}")["status"] == "reserved"

    submit(page, f"取消候补 {person['certificate_masked']}")
    assert "已取消候补。" in flashes(page)
    expect(page.locator("main")).to_contain_text("无人候补。")
    assert desk["clerk"].get(f"/units/{unit['id']}")["status"] == "available"
