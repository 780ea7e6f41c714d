"""Issue 16 in Chromium, under /console: a clerk counts the station by scanning (the scan
field has the focus, a scanner types the tag and Enter), closes the count, reads the
discrepancy report and moves a wrong-station unit onto the station with a reason; staff
place a recall, see the unit out with its rental number, and lift the hold."""

from __future__ import annotations

import re
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from browser_kit import audit, flashes, login, screenshot, submit
from playwright.sync_api import Dialog, Page, expect
from test_clerk import desk, new_borrower, new_unit  # noqa: F401 - the fixture

sys.path.insert(0, str(Path(__file__).parents[1]))

from e2e_kit import System


def _scan(page: Page, tag: str) -> None:
    field = page.get_by_label("资产编号")
    expect(field).to_be_focused()  # autofocus: a scanner's keystrokes land here
    field.fill(tag)
    with page.expect_navigation():
        field.press("Enter")
    audit(page)


def test_a_stocktake_by_scanning(page: Page, console: str, desk: dict[str, Any]) -> None:  # noqa: F811
    system: System = desk["system"]
    here = new_unit(desk)
    yg_clerk = system.client("inventory", "clerk", stations=[desk["other"]["id"]])
    stray = new_unit(desk, desk["other"], yg_clerk)  # on the records at 阳谷县

    login(page, console, "clerk-dcf")
    page.get_by_role("link", name="盘点", exact=True).click()
    page.wait_for_url("**/clerk/stocktake")
    audit(page)
    submit(page, "开始盘点")
    assert "盘点已开始，请逐件扫描设备标签。" in flashes(page)

    _scan(page, here["asset_tag"].lower())  # typed in lower case: the same tag
    assert f"已扫描 {here['asset_tag']}。" in flashes(page)
    _scan(page, stray["asset_tag"])
    assert f"已扫描 {stray['asset_tag']}。" in flashes(page)
    _scan(page, "NO-SUCH-TAG-1")
    assert "已记录 NO-SUCH-TAG-1，但系统中没有这个资产编号。" in flashes(page)
    _scan(page, here["asset_tag"])
    assert f"{here['asset_tag']} 已扫描过。" in flashes(page)
    expect(page.get_by_role("heading", name=re.compile("已扫描"))).to_contain_text("3")

    def accept(dialog: Dialog) -> None:
        dialog.accept()

    page.once("dialog", accept)
    submit(page, "结束盘点")
    assert "盘点已结束，请查看差异报告。" in flashes(page)
    report = page.locator("section", has=page.get_by_role("heading", name="差异报告"))
    row = report.get_by_role("row", name=re.compile(stray["asset_tag"]))
    expect(row).to_contain_text("属于其他站点")
    expect(report).to_contain_text("NO-SUCH-TAG-1")
    expect(report.get_by_role("row", name=re.compile(here["asset_tag"]))).to_have_count(0)
    screenshot(page, "clerk-stocktake-report")

    row.get_by_label("处理原因").fill("阳谷县站调来未登记")
    with page.expect_navigation():
        row.get_by_role("button", name="移入本站").click()
    audit(page)
    assert "差异已处理。" in flashes(page)
    expect(page.get_by_role("row", name=re.compile(stray["asset_tag"]))).to_contain_text(
        "已处理")
    moved = desk["clerk"].get(f"/units/{stray['id']}")
    assert moved["current_station_id"] == desk["station"]["id"]

    # the unit's page shows its model and batch, and the move in its history
    desk["clerk"].call("PATCH", f"/units/{stray['id']}", json={"model": "YG-7",
                                                               "batch": "2025-01"})
    page.goto(f"{console}/clerk/units/{stray['asset_tag']}")
    audit(page)
    expect(page.locator("dl.facts")).to_contain_text("YG-7 / 2025-01")
    expect(page.get_by_role("table")).to_contain_text("盘点移库")


def test_staff_place_and_lift_a_recall(page: Page, console: str,
                                       desk: dict[str, Any]) -> None:  # noqa: F811
    unit = new_unit(desk)
    desk["clerk"].call("PATCH", f"/units/{unit['id']}", json={"model": "BRW-1",
                                                             "batch": "2026-11"})
    _, person = new_borrower(desk)
    rental = desk["clerk"].post("/rentals", {
        "station_id": desk["station"]["id"], "borrower_id": person["id"],
        "unit_id": unit["id"], "due_on": (date.today() + timedelta(days=14)).isoformat()})

    login(page, console, "staff-zhao")
    page.get_by_role("link", name="召回", exact=True).click()
    page.wait_for_url("**/staff/recalls/")
    audit(page)
    page.get_by_label("设备类型").select_option(value=desk["type"]["id"])
    page.get_by_label("型号", exact=True).fill("BRW-1")
    page.get_by_label("批次", exact=True).fill("2026-11")
    page.get_by_label("召回原因").fill("厂家通知：手柄断裂风险")
    submit(page, "发起召回")
    assert "已召回，相关设备暂停出借。" in flashes(page)
    card = page.locator("section.recall", has_text="BRW-1")
    expect(card).to_contain_text(rental["number"])
    expect(card).to_contain_text("周*")  # the borrower masked
    screenshot(page, "staff-recalls")
    card.get_by_label("解除原因").fill("厂家已更换手柄")
    with page.expect_navigation():
        card.get_by_role("button", name="解除召回").click()
    audit(page)
    assert "已解除召回，相关设备恢复出借。" in flashes(page)
    expect(page.locator("section.recall", has_text="BRW-1")).to_contain_text("已解除")
