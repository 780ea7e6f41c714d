"""The clerk's day beyond lending: check-out by keyboard with the keystrokes counted, the
hand-over sheet and the rental agreement (their text extracted and checked field by field,
the full name read with a logged purpose), borrower registration and editing, the station
picker of a clerk with two stations, and the exports (XLSX and CSV, masked). Screenshots
of the clerk's pages at desktop and phone widths go to docs/screenshots/."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, timedelta
from typing import Any
from urllib.parse import urljoin

from browser_kit import audit, flashes, login, screenshot, submit
from e2e_kit import DONGCHANGFU, Client, System, new_certificate
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from test_clerk import desk, go, new_borrower, new_unit  # noqa: F401 - desk is a fixture

NUMBER = re.compile(r"^ZL-\d{6}-\d{4}-\d{6}$")

#: counts every key pressed in the page (across navigations: sessionStorage)
COUNT_KEYS = """
window.addEventListener("keydown", () => {
  const n = Number(sessionStorage.getItem("keys") || "0");
  sessionStorage.setItem("keys", String(n + 1));
}, true);
"""


def _keys(page: Page) -> int:
    return int(page.evaluate("Number(sessionStorage.getItem('keys') || '0')"))


def _pdf_lines(page: Page, link: str) -> list[str]:
    href = page.get_by_role("link", name=link).get_attribute("href")
    assert href
    answer = page.request.get(urljoin(page.url, href))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.body()))
    return [line.strip() for p in reader.pages for line in p.extract_text().splitlines()
            if line.strip()]


def _after(lines: list[str], label: str) -> str:
    return lines[lines.index(label) + 1]


def test_keyboard_only_check_out_then_the_papers(page: Page, console: str,
                                                 desk: dict[str, Any]) -> None:  # noqa: F811 - the fixture
    """Scan the tag, scan the certificate, confirm: the keys a person presses after the
    scan are counted (the scanner's characters apart), at most 5."""
    unit = new_unit(desk)
    tag = unit["asset_tag"]
    certificate, person = new_borrower(desk)
    page.context.add_init_script(COUNT_KEYS)
    login(page, console, "clerk-dcf")

    # the scan box has the focus; the scanner types the tag and Enter
    expect(page.get_by_label("资产编号")).to_be_focused()
    page.keyboard.type(tag)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    audit(page)
    expect(page.locator("#unit-status")).to_have_text("可借")
    screenshot(page, "clerk-unit")
    page.evaluate("sessionStorage.setItem('keys', '0')")

    # the certificate field has the focus and the due date is proposed: scan, confirm
    expect(page.get_by_label("残疾人证号")).to_be_focused()
    expect(page.get_by_label("应还日期")).not_to_have_value("")
    page.keyboard.type(certificate)  # the scanner
    scanned = _keys(page)
    assert scanned == len(certificate)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the person: confirm
    audit(page)
    pressed = _keys(page) - scanned
    print(f"\n[figures] keyboard check-out: {pressed} key(s) pressed by the clerk after the "
          f"tag scan, besides the {scanned} characters of the scanned certificate")
    assert pressed <= 5
    assert "已借出。" in flashes(page)
    expect(page.locator("#rental-status")).to_have_text("在借")
    number = page.locator("#rental-number").inner_text()
    assert NUMBER.match(number), number
    screenshot(page, "clerk-rental-new")

    def fact(label: str) -> str:
        return page.locator("dl.facts div", has=page.get_by_text(label, exact=True)) \
            .locator("dd").inner_text().strip()

    # the hand-over sheet and the agreement: every field, the full name under the signature
    sheet = _pdf_lines(page, "交接单（PDF）")
    assert sheet[0] == "辅助器具租赁交接单"
    checks = {"租赁单号": number, "资产编号": tag, "序列号": f"SN-{tag}", "借用人": "周建华",
              "残疾人证号": person["certificate_masked"], "交付时成色": "A",
              "设备名称": f"{desk['type']['name_zh']}（{desk['type']['iso_code']}）",
              "押金（元）": fact("押金（元）"), "租金合计（元）": fact("租金（元）"),
              "应还日期": fact("应还日期"), "减免": fact("减免"), "送货上门": "否"}
    for label, value in checks.items():
        assert _after(sheet, label) == value, (label, sheet)
    assert _after(sheet, "借出日期") == fact("借出日期")[:10]
    assert "借用人：周建华" in sheet
    assert certificate not in " ".join(sheet)

    agreement = _pdf_lines(page, "借用协议（PDF）")
    assert agreement[:2] == ["辅助器具借用协议", f"协议编号 {number}"]
    assert _after(agreement, "借用方") == "周建华"
    assert _after(agreement, "残疾人证号") == person["certificate_masked"]
    assert _after(agreement, "资产编号") == tag
    assert _after(agreement, "出借方").startswith(desk["station"]["name"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} 至 \d{4}-\d{2}-\d{2}", _after(agreement, "借用期限"))
    assert "借用人：周建华" in agreement

    # both reads of the full name are in the access log with their purpose
    staff: Client = desk["staff"]
    log = staff.get(f"/access-log?record_id={person['id']}&record_type=borrower")["items"]
    purposes = [e["purpose"] for e in log]
    assert purposes.count("签订借用协议") >= 2, purposes


def test_borrower_registered_and_edited(page: Page, console: str, desk: dict[str, Any]) -> None:  # noqa: F811 - the fixture
    certificate = new_certificate(uuid.uuid4().int % 10_000)
    login(page, console, "clerk-dcf")
    go(page, f"{console}/clerk/borrowers")
    page.get_by_role("link", name="登记借用人").click()
    page.wait_for_url("**/clerk/borrowers/new")
    audit(page)
    expect(page.get_by_label("残疾人证号")).to_be_focused()
    expect(page.get_by_label("所属区县")).to_have_value(DONGCHANGFU)

    # refused: a certificate that is not one, no name; each message at its field, kept
    page.keyboard.type("3715021980")
    page.get_by_label("电话").fill("13963511111")
    page.get_by_label("住址").fill("聊城市东昌府区古楼街道光岳路2号")
    submit(page, "登记", exact=True)
    assert "/clerk/borrowers/new" in page.url
    for label in ("残疾人证号", "姓名"):
        expect(page.get_by_label(label)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("住址")).to_have_value("聊城市东昌府区古楼街道光岳路2号")
    expect(page.get_by_label("残疾人证号")).to_have_value("3715021980")
    main = page.locator("main").inner_text()
    assert "certificate_number" not in main and "Missing data" not in main
    screenshot(page, "clerk-borrower-new")

    page.get_by_label("残疾人证号").fill(certificate)
    page.get_by_label("姓名").fill("孙立新")
    page.get_by_label("低保").check()
    page.get_by_label("已签署个人信息授权书").check()
    submit(page, "登记", exact=True)
    assert "已登记借用人。" in flashes(page)
    expect(page.locator("main h1")).to_contain_text("孙*")
    expect(page.locator("main")).to_contain_text("低保免租金")
    borrower_url = page.url

    # edit: the current values shown (a logged read), the phone changed
    page.get_by_role("link", name="修改信息").click()
    page.wait_for_url("**/edit")
    audit(page)
    expect(page.get_by_label("姓名")).to_be_focused()
    expect(page.get_by_label("姓名")).to_have_value("孙立新")
    expect(page.get_by_label("低保")).to_be_checked()
    page.get_by_label("电话").fill("13963522222")
    submit(page, "保存")
    assert "已保存借用人信息。" in flashes(page)
    assert page.url == borrower_url
    expect(page.locator("main")).to_contain_text("2222")


def test_a_clerk_with_two_stations_picks_one(page: Page, console: str,
                                             desk: dict[str, Any]) -> None:  # noqa: F811 - the fixture
    system: System = desk["system"]
    admin = system.client("identity", "staff")
    username = f"clerk-two-{uuid.uuid4().hex[:6]}"
    password = f"Two-stations-{uuid.uuid4().hex[:8]}"
    admin.post("/users", {"username": username, "display_name": "刘两站", "role": "clerk",
                          "password": password,
                          "stations": [desk["station"]["id"], desk["other"]["id"]]})
    login(page, console, username, password)
    picker = page.get_by_label("当前服务站")
    expect(picker).to_have_value(desk["station"]["id"])
    expect(page.locator(".station-name")).to_have_text(desk["station"]["name"])
    picker.select_option(desk["other"]["id"])
    submit(page, "切换")
    assert f"当前服务站：{desk['other']['name']}。" in flashes(page)
    expect(page.get_by_label("当前服务站")).to_have_value(desk["other"]["id"])
    expect(page.locator(".station-name")).to_have_text(desk["other"]["name"])
    screenshot(page, "clerk-station-picker")
    # held for the session: the stock page is the other station's
    go(page, f"{console}/clerk/stock")
    expect(page.locator("main h1")).to_contain_text(desk["other"]["name"])
    # a unit at the first station is not the current station's: no check-out form
    first = new_unit(desk)
    go(page, f"{console}/clerk/units/{first['asset_tag']}")
    expect(page.get_by_role("button", name="确认借出")).to_have_count(0)


def test_exports_as_xlsx_and_csv_are_masked(page: Page, console: str,
                                            desk: dict[str, Any]) -> None:  # noqa: F811 - the fixture
    unit = new_unit(desk)
    certificate, person = new_borrower(desk)
    rental = desk["clerk"].post("/rentals", {
        "station_id": desk["station"]["id"], "borrower_id": person["id"],
        "asset_tag": unit["asset_tag"], "due_on": (date.today() + timedelta(days=30)).isoformat()})
    login(page, console, "clerk-dcf")

    def download(path: str, link: str) -> bytes:
        go(page, f"{console}/clerk/{path}")
        href = page.get_by_role("link", name=link).get_attribute("href")
        assert href
        answer = page.request.get(urljoin(page.url, href))
        assert answer.status == 200, answer.status
        assert "attachment" in answer.headers["content-disposition"]
        return answer.body()

    stock = load_workbook(io.BytesIO(download("stock", "导出 XLSX"))).active
    assert stock is not None
    rows = [[c.value for c in r] for r in stock.iter_rows()]
    assert rows[0][:3] == ["设备类型", "国标编码", "可借"]
    cane = next(r for r in rows if r[1] == desk["type"]["iso_code"])
    assert isinstance(cane[-1], int) and cane[-1] >= 1
    screenshot(page, "clerk-stock")

    overdue = download("overdue", "导出 CSV").decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(overdue)))
    assert table[0][:3] == ["租赁单号", "资产编号", "借用人"]
    seed = next(r for r in table if r[1] == "LC-DCF-WF-01")  # the seed's overdue loan
    assert NUMBER.match(seed[0]) and "*" in seed[2] and "****" in seed[3] and "****" in seed[4]

    rentals = load_workbook(io.BytesIO(download("rentals", "导出 XLSX"))).active
    assert rentals is not None
    listed = [[c.value for c in r] for r in rentals.iter_rows()]
    assert listed[0][:5] == ["租赁单号", "资产编号", "设备类型", "借用人", "残疾人证号"]
    mine = next(r for r in listed if r[1] == unit["asset_tag"])
    assert mine[0] == rental["number"]
    assert mine[3] == person["name_masked"] and mine[4] == person["certificate_masked"]
    every = " ".join(str(v) for r in listed for v in r)
    assert certificate not in every and "周建华" not in every
    rentals_csv = download("rentals", "导出 CSV").decode("utf-8-sig")
    assert unit["asset_tag"] in rentals_csv and certificate not in rentals_csv


def test_clerk_pages_at_phone_width(phone: Page, console: str, desk: dict[str, Any]) -> None:  # noqa: F811 - the fixture
    """The clerk's main pages on a phone (390x844): no page wider than the screen."""
    login(phone, console, "clerk-dcf")
    screenshot(phone, "clerk-phone")
    for path, name in (("borrowers/new", "clerk-phone-borrower-new"),
                       ("rentals", "clerk-phone-rentals"), ("stock", "clerk-phone-stock"),
                       ("overdue", "clerk-phone-overdue")):
        go(phone, f"{console}/clerk/{path}")
        expect(phone.locator("main h1")).to_be_visible()
        wide = phone.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390 + 1, (path, wide)
        screenshot(phone, name)
