"""The contractor on a phone: a work order arrives, is accepted, scheduled, reported with a
photo taken on site, and handed over for the acceptance inspection; another is declined."""

from __future__ import annotations

import re
import struct
import zlib
from typing import Any

import pytest
from browser_kit import audit, flashes, login, screenshot, submit
from e2e_kit import Renovation, System
from playwright.sync_api import Dialog, Page, expect

ANJU = "聊城安居无障碍工程有限公司"
CONSTRUCTION = [{"item_code": "GRAB-BAR", "quantity": "2"},
                {"item_code": "THRESHOLD", "quantity": "1"}]


def png(width: int = 64, height: int = 48) -> bytes:
    """A real PNG: a blue-to-orange gradient."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 4 % 256, 90, 255 - y * 5 % 256)) for x in range(width))
        for y in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def order_for_anju(system: System, seq: int) -> dict[str, Any]:
    """An approved plan's work order given to 安居 (the company of contractor-anju)."""
    r = Renovation(system)
    anju = next(c for c in r.approver.get("/contractors")["items"] if c["name"] == ANJU)
    app_id = r.apply(seq)
    r.schedule_assessment(app_id)
    r.assess_and_plan(app_id, CONSTRUCTION)
    return dict(r.approver.post(f"/applications/{app_id}/work-orders",
                                {"contractor_id": anju["id"]}))


@pytest.fixture(scope="module")
def orders(system: System) -> list[dict[str, Any]]:
    return [order_for_anju(system, 947), order_for_anju(system, 948)]


def state(page: Page) -> str:
    return page.locator("#order-state").inner_text().strip()


def open_order(page: Page, order: dict[str, Any]) -> None:
    link = page.get_by_role("link", name=re.compile(order["number"]))
    with page.expect_navigation():
        link.click()
    audit(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(order["number"])


def test_accept_schedule_report_with_photo_and_request_inspection(
        phone: Page, console: str, orders: list[dict[str, Any]]) -> None:
    order = orders[0]
    login(phone, console, "contractor-anju")
    assert phone.url.endswith("/contractor/")
    row = phone.get_by_role("row").filter(has_text=order["number"])
    expect(row).to_contain_text("待接单")
    expect(row).to_contain_text("接单期限")
    expect(row).to_contain_text("古楼街道")  # the site, masked after its township
    expect(row).not_to_contain_text("光岳路")
    screenshot(phone, "contractor")

    open_order(phone, order)
    assert state(phone) == "待接单"
    submit(phone, "接单")
    assert "已接单。请安排工期。" in flashes(phone)
    assert state(phone) == "已接单"

    # The works dates come prefilled (today, a week later): keep them.
    expect(phone.get_by_label("开工日期")).not_to_be_empty()
    submit(phone, "保存工期")
    assert state(phone) == "已排期"

    phone.get_by_label("进度说明").fill("拆除门槛，卫生间扶手安装完成")
    phone.get_by_label("完成百分比").fill("100")
    for name in ("安全扶手", "门槛"):
        box = phone.get_by_role("checkbox", name=re.compile(name))
        box.check()
    phone.get_by_role("radio", name="施工后").check()
    # Not a picture: the service checks the content, the form comes back with the error
    # on the file input and everything typed kept.
    phone.get_by_label("拍照或选择照片").set_input_files(
        [{"name": "site.png", "mimeType": "image/png", "buffer": b"just some text"}])
    submit(phone, "提交进度")
    expect(phone.get_by_label("拍照或选择照片")).to_have_attribute("aria-invalid", "true")
    expect(phone.locator("#f-photos-d .error")).to_contain_text("site.png")
    expect(phone.get_by_label("进度说明")).to_have_value("拆除门槛，卫生间扶手安装完成")
    expect(phone.get_by_role("checkbox", name=re.compile("门槛"))).to_be_checked()
    assert state(phone) == "已排期"
    phone.get_by_label("拍照或选择照片").set_input_files(
        [{"name": "after.png", "mimeType": "image/png", "buffer": png()}])
    expect(phone.locator(".preview img")).to_have_count(1)  # the script's preview
    submit(phone, "提交进度")
    assert "进度已提交。" in flashes(phone)
    assert state(phone) == "施工中"
    photo = phone.get_by_role("img", name=re.compile("施工后照片 1"))
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 64
    expect(phone.get_by_role("progressbar")).to_have_attribute("value", "100")
    screenshot(phone, "contractor-order")

    def confirm(dialog: Dialog) -> None:
        dialog.accept()

    phone.once("dialog", confirm)
    submit(phone, "申请验收")
    assert "已申请验收。" in flashes(phone)
    assert state(phone) == "待验收"
    expect(phone.get_by_text("验收期限")).to_be_visible()

    with phone.expect_navigation():
        phone.get_by_role("link", name="返回工单列表").click()
    audit(phone)
    expect(phone.get_by_role("row").filter(has_text=order["number"])).to_contain_text("待验收")


def test_decline_with_a_reason(phone: Page, console: str, orders: list[dict[str, Any]]) -> None:
    order = orders[1]
    login(phone, console, "contractor-anju")
    open_order(phone, order)
    phone.get_by_text("拒单", exact=True).click()  # the <details> summary
    phone.get_by_label("拒单原因").fill("本月施工队已满，无法按期开工")
    submit(phone, "确认拒单")
    assert "已拒单。" in flashes(phone)
    assert state(phone) == "已拒单"
    expect(phone.get_by_text("本月施工队已满，无法按期开工")).to_be_visible()


def test_another_company_does_not_see_the_order(page: Page, console: str,
                                                orders: list[dict[str, Any]]) -> None:
    login(page, console, "contractor-yiju")
    expect(page.get_by_role("link", name=re.compile(orders[0]["number"]))).to_have_count(0)
    resp = page.goto(f"{console}/contractor/orders/{orders[0]['id']}")
    audit(page)
    assert resp is not None and resp.status == 404


def test_the_list_filters_by_state(page: Page, console: str) -> None:
    login(page, console, "contractor-anju")
    page.get_by_label("状态").select_option("closed")  # the seed has a finished job of 安居
    submit(page, "筛选")
    assert "status=closed" in page.url
    texts = page.locator("tbody tr").all_inner_texts()
    assert texts and all("已完工" in text for text in texts)
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    audit(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("My work orders")
    expect(page.get_by_role("button", name="Filter")).to_be_visible()
