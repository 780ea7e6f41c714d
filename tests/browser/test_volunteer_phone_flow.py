"""The volunteer's phone flow (390x844), from the offer SMS to the certificate: a rental with
home delivery raises a task, the coordinator offers it to 张建华, whose phone receives the
offer SMS (read from the local SMS gateway) with the offer's own signed link; the link,
opened without a session, signs in on the way and lands on the offer (once: opened again
it says so); the volunteer accepts and sees the address; checks in and out by the QR
code printed on the rental's hand-over sheet (the PDF downloaded by the clerk, the code
decoded from the rendered page as a camera would); the coordinator approves the hours;
the volunteer sees them approved and downloads a certificate."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from browser_kit import PASSWORD, audit, flashes, login, pdf_qr_codes, pdf_text, screenshot, submit
from e2e_kit import Client, System, poll, rent_with_delivery
from notify.adapters.dev_sms_gateway import DevSmsGateway
from playwright.sync_api import Page, expect
from volunteer.seed import volunteer_id

DIVISION = "371502"
COORDINATOR = "coordinator-371502"
CLERK = "clerk-dcf"
VOLUNTEER = "volunteer-1201"  # 张建华
ZHANG_PHONE = "13806351201"
ZHANG = str(volunteer_id(ZHANG_PHONE))
TZ = ZoneInfo("Asia/Shanghai")
LINK = re.compile(r"(https?://\S+?/o/([A-Za-z0-9_-]{38}))")


def _coordinator(system: System) -> Client:
    return system.client("volunteer", "coordinator", districts=[DIVISION], sub=COORDINATOR,
                         name="东昌府区协调员")


def _delivery_task(coordinator: Client, rental_id: str) -> dict[str, Any] | None:
    for t in coordinator.get("/tasks?state=open&type=deliver_device&page_size=100")["items"]:
        if t["source"]["id"] == rental_id:
            return dict(t)
    return None


def _offer_link(gateway: DevSmsGateway, task_id: str) -> str | None:
    """The link of the offer SMS of ``task_id`` on 张建华's phone (the token names the
    task in its first 16 bytes)."""
    for sms in gateway.messages:
        found = LINK.search(sms["text"]) if sms["phones"] == [ZHANG_PHONE] else None
        if found and str(uuid.UUID(bytes=base64.urlsafe_b64decode(
                found.group(2) + "==")[:16])) == task_id:
            return found.group(1)
    return None


def test_offer_sms_link_accept_qr_check_in_and_out_hours_and_certificate(
        phone: Page, page: Page, console: str, system: System,
        sms_gateway: DevSmsGateway) -> None:
    coordinator = _coordinator(system)
    rental_id, _clerk = rent_with_delivery(system)
    task = poll(lambda: _delivery_task(coordinator, rental_id), what="the delivery task")
    offered = coordinator.post(f"/tasks/{task['id']}/offer", {"volunteer_id": ZHANG})
    assert offered["state"] == "offered", offered

    # the offer SMS on 张建华's phone: short, nothing personal, the offer's own link
    link = poll(lambda: _offer_link(sms_gateway, task["id"]), what="the offer SMS")
    sms = next(m for m in sms_gateway.messages if link in m["text"])
    assert sms["text"].startswith("【残联服务】志愿服务邀请：送辅具上门")
    assert link.startswith(f"{console}/o/") and len(sms["text"]) <= 134, sms["text"]
    assert ZHANG not in sms["text"] and rental_id not in sms["text"]

    # opened with no session: sign in on the way, land on the offer
    phone.goto(link)
    audit(phone)
    assert "/login" in phone.url
    assert "请先登录，登录后将打开这个邀约。" in flashes(phone)
    phone.get_by_label("用户名").fill(VOLUNTEER)
    phone.get_by_label("密码").fill(PASSWORD)
    with phone.expect_navigation():
        phone.get_by_label("密码").press("Enter")
    audit(phone)
    assert phone.url.endswith(f"/console/volunteer/tasks/{task['id']}"), phone.url
    expect(phone.locator("#task-state")).to_have_text("已邀约")
    screenshot(phone, "volunteer-offer-link")

    # the link is used up: opened again, it says so and leads to the offers
    phone.goto(link)
    audit(phone)
    expect(phone.locator("#link-detail")).to_have_text("这个邀约链接已经打开过一次，不能再次使用。")
    with phone.expect_navigation():
        phone.get_by_role("link", name="查看我的邀约").click()
    audit(phone)
    card = phone.get_by_role("article").filter(has=phone.locator(f"#t-{task['id']}-h"))
    with phone.expect_navigation():
        card.get_by_role("button", name="接受邀约").click()
    audit(phone)
    assert "已接受邀约。详细地址见下方。" in flashes(phone)
    expect(phone.locator("#task-state")).to_have_text("已接单")
    mine = system.client("volunteer", "volunteer", volunteer_id=ZHANG)
    full = mine.get(f"/tasks/{task['id']}/address?purpose=home_delivery")
    expect(phone.locator("#full-address")).to_contain_text(full["address"])

    # the clerk prints the hand-over sheet; its QR code is the console's scan address
    login(page, console, CLERK)
    codes = pdf_qr_codes(page, f"{console}/clerk/rentals/{rental_id}/handover.pdf")
    assert len(codes) == 1 and codes[0].startswith(f"{console}/volunteer/scan/"), codes
    scan_url = codes[0]

    # the phone's camera opens it: check in by the scan
    phone.goto(scan_url)
    audit(phone)
    assert phone.url.endswith(f"/volunteer/tasks/{task['id']}?scan={scan_url.rsplit('/', 1)[1]}")
    expect(phone.locator("#scanned")).to_be_visible()
    expect(phone.get_by_label("签到码")).to_have_count(0)
    screenshot(phone, "volunteer-scan")
    submit(phone, "扫码签到", exact=True)
    assert "已签到，服务开始计时。" in flashes(phone)
    expect(phone.locator("#task-state")).to_have_text("服务中")

    # ...and out by scanning it again
    phone.goto(scan_url)
    audit(phone)
    phone.get_by_label("服务情况").fill("轮椅已送达并调试好")
    submit(phone, "扫码签退", exact=True)
    assert "已签退，服务时长待协调员审核。" in flashes(phone)
    expect(phone.get_by_role("heading", level=1)).to_have_text("我的时长")
    done = coordinator.get(f"/tasks/{task['id']}")
    assert done["state"] == "completed" and done["result"]["note"] == "轮椅已送达并调试好"

    # the coordinator approves the hours: the volunteer sees them approved
    entry = poll(lambda: next((e for e in coordinator.get(
        "/hours?status=pending&page_size=100")["items"] if e["task_id"] == task["id"]), None),
        what="the pending hours")
    coordinator.post(f"/hours/{entry['id']}/approve", {})
    with phone.expect_navigation():
        phone.get_by_role("navigation", name="导航").get_by_role("link", name="我的时长").click()
    audit(phone)
    expect(phone.locator(f"#h-{entry['id']}")).to_contain_text("已认证")

    # a certificate of the period (an hour recorded by hand beside the seconds above)
    day = (datetime.now(TZ) - timedelta(days=2)).replace(hour=15, minute=0, second=0,
                                                         microsecond=0)
    coordinator.post("/hours", {
        "volunteer_id": ZHANG, "division": DIVISION, "note": "辅具送达回访",
        "started_at": day.astimezone(UTC).isoformat(),
        "ended_at": (day + timedelta(hours=1)).astimezone(UTC).isoformat()})
    cert = coordinator.post(f"/volunteers/{ZHANG}/certificates", {
        "period_start": day.date().isoformat(),
        "period_end": datetime.now(TZ).date().isoformat()})
    with phone.expect_navigation():
        phone.get_by_role("navigation", name="导航").get_by_role("link", name="我的证明").click()
    audit(phone)
    row = phone.locator(f"#c-{cert['id']}")
    expect(row).to_contain_text(cert["number"])
    text = pdf_text(phone, row.get_by_role("link").get_attribute("href") or "")
    assert "志愿服务记录证明" in text and cert["number"] in text and "张建华" in text
