"""Contact details for those who must act, one click each with the purpose chosen from the
list (the services log the read): the clerk calls an overdue borrower, the coordinator a
volunteer, staff a household. Everything else stays masked."""

from __future__ import annotations

import re

from browser_kit import audit, flashes, login, screenshot, submit
from e2e_kit import Renovation, System
from playwright.sync_api import Page, expect


def test_clerk_reveals_the_overdue_borrowers_name_and_phone(phone: Page, console: str) -> None:
    login(phone, console, "clerk-dcf")
    phone.goto(f"{console}/clerk/overdue")
    audit(phone)
    row = phone.get_by_role("row").filter(has_text="LC-DCF-WF-01")  # the seed's 赵淑珍 (B7)
    expect(row).to_contain_text("赵某")
    expect(row).to_contain_text("138****1207")
    expect(row).not_to_contain_text("赵淑珍")
    expect(phone.get_by_label("查看目的")).to_have_value("overdue_follow_up")
    with phone.expect_navigation():
        row.get_by_role("button", name=re.compile("查看姓名和电话")).click()
    audit(phone)
    assert any("查看目的“逾期回访”已记录" in f for f in flashes(phone))
    row = phone.get_by_role("row").filter(has_text="LC-DCF-WF-01")
    expect(row).to_contain_text("赵淑珍")
    expect(row.get_by_role("link", name="13863501207")).to_have_attribute(
        "href", "tel:13863501207")
    screenshot(phone, "clerk-overdue-reveal")
    # the other rows, and the page after, stay masked
    phone.goto(f"{console}/clerk/overdue")
    audit(phone)
    expect(phone.locator("main")).not_to_contain_text("13863501207")


def test_coordinator_reveals_a_volunteers_phone(page: Page, console: str) -> None:
    login(page, console, "coordinator-371502")
    page.goto(f"{console}/coordinator/roster")
    audit(page)
    row = page.get_by_role("row").filter(has_text="张建华")
    expect(row).not_to_contain_text("13806351201")
    with page.expect_navigation():
        row.get_by_role("button", name=re.compile("查看电话.*张建华")).click()
    audit(page)
    assert any("张建华的完整电话" in f and "志愿者联络" in f for f in flashes(page))
    row = page.get_by_role("row").filter(has_text="张建华")
    expect(row.get_by_role("link", name="13806351201")).to_have_attribute(
        "href", "tel:13806351201")


def test_staff_reveal_a_cases_address_and_phone(page: Page, console: str,
                                               system: System) -> None:
    r = Renovation(system)
    app_id = r.apply(954)
    login(page, console, "staff-zhao")
    page.goto(f"{console}/staff/applications/{app_id}")
    audit(page)
    expect(page.locator("main")).not_to_contain_text("光岳路954号")
    expect(page.locator("main")).not_to_contain_text("13806350000")
    page.get_by_label("查看目的").select_option("visit_arrangement")
    submit(page, "查看完整地址和电话")
    assert any("查看目的“预约上门”已记录" in f for f in flashes(page))
    expect(page.locator("#full-address")).to_have_text("聊城市东昌府区古楼街道光岳路954号")
    expect(page.get_by_role("link", name="13806350000")).to_be_visible()
    log = r.inspector.get(f"/access-log?record_id={app_id}")
    [entry] = log["items"]
    assert (entry["actor_role"], entry["purpose"]) == ("staff", "预约上门")
