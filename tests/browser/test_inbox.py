"""The inbox bell (issue 15: nobody is told anything). A work order assigned to a
contractor reaches its company's inbox: on a phone the contractor sees the bell's count,
opens the inbox, finds the order's message, opens the order from it, marks it read and
the count drops; another contractor never sees it. Staff find a deadline breach (the
seeded orders left unanswered for weeks) behind their bell and open its work order."""

from __future__ import annotations

import re
from typing import Any

from browser_kit import audit, flashes, login, screenshot, screenshots
from e2e_kit import Renovation, System, poll
from playwright.sync_api import Locator, Page, expect

YIJU = "茌平宜居建筑装饰有限公司"
CONSTRUCTION = [{"item_code": "GRAB-BAR", "quantity": "1"}]


def bell(page: Page) -> Locator:
    return page.locator("header a.bell")


def bell_count(page: Page) -> int:
    """The count the bell says (its accessible name, in Chinese), 0 when none unread."""
    label = bell(page).get_attribute("aria-label") or ""
    if label == "消息，没有未读":
        return 0
    found = re.fullmatch(r"未读消息 (\d+) 条", label)
    assert found, f"the bell says {label!r}"
    shown = bell(page).locator(".bell-count").inner_text().strip()
    assert shown == found.group(1), (shown, label)  # the number shown is the number said
    return int(found.group(1))


def open_inbox(page: Page) -> None:
    with page.expect_navigation():
        bell(page).click()
    audit(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("消息")


def message(page: Page, text: str) -> Locator:
    return page.locator("li.message").filter(has_text=text)


def test_a_contractor_is_told_of_a_new_work_order_on_a_phone(
        phone: Page, console: str, system: System) -> None:
    r = Renovation(system)
    yiju = next(c for c in r.approver.get("/contractors")["items"] if c["name"] == YIJU)
    notify = system.client("notify", "contractor", company=yiju["id"])
    app_id = r.apply(961)
    r.schedule_assessment(app_id)
    r.assess_and_plan(app_id, CONSTRUCTION)
    order = r.approver.post(f"/applications/{app_id}/work-orders", {"contractor_id": yiju["id"]})
    cause = f"workorder:{order['id']}"
    poll(lambda: any(m["cause"] == cause for m in notify.get("/inbox?page_size=100")["items"]),
         what="the work order's message in the contractor's inbox")
    unread = notify.get("/inbox/unread-count")["unread"]
    assert unread >= 1

    login(phone, console, "contractor-yiju")
    assert bell_count(phone) == unread
    box = bell(phone).bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44  # a touch target
    assert box["x"] + box["width"] <= 390  # in the header at 390 px, not off the screen

    open_inbox(phone)
    msg = message(phone, order["number"])
    expect(msg).to_have_count(1)
    expect(msg).to_contain_text("新工单")
    expect(msg).to_contain_text("已派给贵单位（东昌府区）")
    expect(msg.get_by_role("heading")).to_contain_text("未读")
    expect(msg.locator("time")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    screenshot(phone, "inbox-phone")

    # The message opens its order
    with phone.expect_navigation():
        msg.get_by_role("link", name=re.compile("查看工单")).click()
    audit(phone)
    expect(phone.get_by_role("heading", level=1)).to_contain_text(order["number"])
    expect(phone.locator("#order-state")).to_have_text("待接单")
    assert bell_count(phone) == unread  # opening the order does not read the message

    open_inbox(phone)
    with phone.expect_navigation():
        message(phone, order["number"]).get_by_role("button", name=re.compile("标为已读")).click()
    audit(phone)
    assert "已标为已读。" in flashes(phone)
    assert bell_count(phone) == unread - 1
    read = message(phone, order["number"])
    expect(read.get_by_role("heading")).to_contain_text("已读")
    expect(read.get_by_role("button", name=re.compile("标为已读"))).to_have_count(0)
    assert notify.get("/inbox/unread-count")["unread"] == unread - 1

    # Another contractor's inbox never shows it
    phone.context.clear_cookies()
    login(phone, console, "contractor-anju")
    open_inbox(phone)
    expect(message(phone, order["number"])).to_have_count(0)


def test_staff_see_a_deadline_breach_behind_the_bell(page: Page, console: str,
                                                     system: System) -> None:
    notify = system.client("notify", "staff", sub="staff-zhao")
    breach: dict[str, Any] = poll(
        lambda: next((m for m in notify.get("/inbox?unread=true&page_size=100")["items"]
                      if m["template"] == "deadline_breached"), None),
        what="a deadline breach in the staff inbox (the seeded orders never answered)")
    login(page, console, "staff-zhao")
    before = bell_count(page)
    assert before >= 1
    open_inbox(page)
    msg = page.locator("li.message").filter(has_text=breach["text"])
    expect(msg).to_have_count(1)
    expect(msg.get_by_role("heading")).to_contain_text("工单超期")
    screenshots(page, "inbox-staff")
    with page.expect_navigation():
        msg.get_by_role("link", name=re.compile("查看工单")).click()
    audit(page)
    order = breach["cause"].split(":", 1)[1]
    assert page.url.endswith(f"/console/staff/work-orders/{order}")
    open_inbox(page)
    with page.expect_navigation():
        page.locator("li.message").filter(has_text=breach["text"]).get_by_role(
            "button", name=re.compile("标为已读")).click()
    audit(page)
    assert bell_count(page) == before - 1
