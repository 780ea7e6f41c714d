"""The volunteer on a phone (390x844): an offer from the coordinator is accepted, the full
address shows (read with the visit's purpose, logged), check-in and check-out by the
task's code typed in (a wrong code refused at its input), the hours wait, then show as
approved once the coordinator approves them; other roles' pages are closed both ways."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from browser_kit import audit, flashes, login, pdf_text, screenshot, submit
from console.coordination import hours_label
from e2e_kit import Client, System
from playwright.sync_api import Page, expect
from volunteer.seed import volunteer_id

DIVISION = "371502"
COORDINATOR = "coordinator-371502"
VOLUNTEER = "volunteer-1201"  # 张建华, weekdays in the day
ZHANG = str(volunteer_id("13806351201"))
TZ = ZoneInfo("Asia/Shanghai")
ADDRESS = "东昌府区古楼街道光岳路17号3单元502室"


def _coordinator(system: System) -> Client:
    return system.client("volunteer", "coordinator", districts=[DIVISION], sub=COORDINATOR,
                         name="东昌府区协调员")


def _weekday_afternoon(days_ahead: int) -> tuple[str, str]:
    """A weekday afternoon, 14:00-17:00 Liaocheng time, ``days_ahead`` days on (clear of
    the other tests' mornings)."""
    day = datetime.now(TZ) + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = day.replace(hour=14, minute=0, second=0, microsecond=0)
    return (start.astimezone(UTC).isoformat(),
            (start + timedelta(hours=3)).astimezone(UTC).isoformat())


def _task(coordinator: Client, note: str, days_ahead: int) -> dict[str, Any]:
    start, end = _weekday_afternoon(days_ahead)
    return dict(coordinator.post("/tasks", {
        "type": "manual", "division": DIVISION, "note": note, "priority": 3,
        "address": ADDRESS, "window_start": start, "window_end": end}))


def test_offer_accept_address_check_in_and_out_by_code_then_approved_hours(
        phone: Page, console: str, system: System) -> None:
    coordinator = _coordinator(system)
    note = f"上门为视力残疾人讲解助视器 {uuid.uuid4().hex[:6]}"
    task = _task(coordinator, note, 9)
    offered = coordinator.post(f"/tasks/{task['id']}/offer", {"volunteer_id": ZHANG})
    assert offered["state"] == "offered", offered
    code = offered["check_in_code"]
    assert re.fullmatch(r"\d{6}", code)

    # sign-in as a volunteer lands on the volunteer's own home, the offer on it
    login(phone, console, VOLUNTEER)
    assert phone.url.endswith("/console/volunteer/"), phone.url
    card = phone.get_by_role("article").filter(has_text=note)
    expect(card).to_contain_text("协调员派发任务")
    expect(card).to_contain_text("请在")
    expect(card).to_contain_text("接受任务后可查看详细地址")
    expect(card).not_to_contain_text("光岳路")  # masked until accepted
    screenshot(phone, "volunteer")

    with phone.expect_navigation():
        card.get_by_role("button", name="接受邀约").click()
    audit(phone)
    assert "已接受邀约。详细地址见下方。" in flashes(phone)
    expect(phone.locator("#task-state")).to_have_text("已接单")
    expect(phone.locator("#full-address")).to_contain_text(ADDRESS)
    expect(phone.get_by_text("已按“预约上门”查看，查看记录已登记。")).to_be_visible()
    screenshot(phone, "volunteer-task")
    assert "volunteer_id" not in phone.content() and code not in phone.content()

    # a wrong code is refused at its input; the right one checks in
    wrong = "000000" if code != "000000" else "111111"
    code_input = phone.get_by_label("签到码")
    code_input.fill(wrong)
    submit(phone, "签到", exact=True)
    expect(phone.get_by_label("签到码")).to_have_attribute("aria-invalid", "true")
    expect(phone.locator("#f-code-d")).to_contain_text("签到码不正确")
    expect(phone.locator("#task-state")).to_have_text("已接单")
    phone.get_by_label("签到码").fill(code)
    submit(phone, "签到", exact=True)
    assert "已签到，服务开始计时。" in flashes(phone)
    expect(phone.locator("#task-state")).to_have_text("服务中")

    phone.get_by_label("签到码").fill(code)
    phone.get_by_label("服务情况").fill("已上门讲解助视器的使用")
    submit(phone, "签退", exact=True)
    assert "已签退，服务时长待协调员审核。" in flashes(phone)
    expect(phone.get_by_role("heading", level=1)).to_have_text("我的时长")
    entry = next(e for e in coordinator.get("/hours?status=pending&page_size=100")["items"]
                 if e["task_id"] == task["id"])
    row = phone.locator(f"#h-{entry['id']}")
    expect(row).to_contain_text("待审核")
    assert "pending" not in phone.locator("main").inner_text()
    assert coordinator.get(f"/tasks/{task['id']}")["result"]["note"] == "已上门讲解助视器的使用"

    # the coordinator approves (through the API): the volunteer sees it approved
    coordinator.post(f"/hours/{entry['id']}/approve", {})
    with phone.expect_navigation():
        phone.get_by_role("navigation", name="导航").get_by_role("link", name="我的时长").click()
    audit(phone)
    expect(phone.locator(f"#h-{entry['id']}")).to_contain_text("已认证")
    mine = system.client("volunteer", "volunteer", volunteer_id=ZHANG)
    approved = sum(e["minutes"] for e in
                   mine.get("/hours?status=approved&page_size=100")["items"])
    expect(phone.locator("#approved-total")).to_have_text(hours_label(approved))
    screenshot(phone, "volunteer-hours")

    # 我的证明: a certificate the coordinator issued, its PDF from the volunteer's page
    # (the check-in above lasted seconds: an hour recorded by hand gives the period hours)
    day = (datetime.now(TZ) - timedelta(days=1)).replace(hour=10, minute=0, second=0,
                                                         microsecond=0)
    coordinator.post("/hours", {
        "volunteer_id": ZHANG, "division": DIVISION, "note": "助残日活动现场服务",
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
    assert "志愿服务记录证明" in text and cert["number"] in text

    # the same page in English
    with phone.expect_navigation():
        phone.get_by_role("link", name="English").click()
    audit(phone)
    expect(phone.get_by_role("heading", level=1)).to_have_text("My certificates")
    # (its own row: other tests of the package issue certificates to 张建华 too)
    expect(phone.locator(f"#c-{cert['id']}").get_by_role(
        "link", name=re.compile("Download PDF"))).to_be_visible()
    with phone.expect_navigation():
        phone.get_by_role("link", name="My hours").click()
    audit(phone)
    expect(phone.locator(f"#h-{entry['id']}")).to_contain_text("Approved")
    with phone.expect_navigation():
        phone.get_by_role("link", name="中文").click()
    audit(phone)


def test_decline_and_the_pages_of_others(phone: Page, console: str, system: System) -> None:
    coordinator = _coordinator(system)
    note = f"陪同残疾人到医院复查 {uuid.uuid4().hex[:6]}"
    task = _task(coordinator, note, 16)
    coordinator.post(f"/tasks/{task['id']}/offer", {"volunteer_id": ZHANG})
    other = _task(coordinator, f"不邀约的任务 {uuid.uuid4().hex[:6]}", 17)

    login(phone, console, VOLUNTEER)
    card = phone.get_by_role("article").filter(has_text=note)
    phone.once("dialog", lambda d: d.accept())
    with phone.expect_navigation():
        card.get_by_role("button", name="谢绝邀约").click()
    audit(phone)
    assert "已谢绝邀约。" in flashes(phone)
    expect(phone.get_by_role("article").filter(has_text=note)).to_have_count(0)
    assert coordinator.get(f"/tasks/{task['id']}")["offers"][0]["outcome"] == "declined"

    # a task never offered to this volunteer is not theirs; nor are other roles' pages
    resp = phone.goto(f"{console}/volunteer/tasks/{other['id']}")
    audit(phone)
    assert resp is not None and resp.status == 404
    resp = phone.goto(f"{console}/coordinator/")
    audit(phone)
    assert resp is not None and resp.status == 403
    expect(phone.get_by_role("heading", level=1)).to_contain_text("无权访问")

    # ...and a coordinator cannot open the volunteer's pages
    phone.context.clear_cookies()
    login(phone, console, COORDINATOR)
    resp = phone.goto(f"{console}/volunteer/")
    audit(phone)
    assert resp is not None and resp.status == 403
