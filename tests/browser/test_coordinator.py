"""The coordinator's console in Chromium: the dispatch board with ranked candidates and
their reasons, an offer made by keyboard, an override assignment, hours approved and
rejected, the roster with weekly availability, late tasks."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from browser_kit import audit, flashes, login, screenshot, submit
from e2e_kit import Client, System
from playwright.sync_api import Locator, Page, expect

DIVISION = "371502"
COORDINATOR = "coordinator-371502"
TZ = ZoneInfo("Asia/Shanghai")


def _coordinator(system: System) -> Client:
    """The API as the same coordinator who signs in to the console (one person id)."""
    return system.client("volunteer", "coordinator", districts=[DIVISION], sub=COORDINATOR,
                         name="东昌府区协调员")


def _weekday_morning() -> tuple[str, str]:
    """The next weekday, 09:00-12:00 Liaocheng time: the weekday volunteers are free."""
    day = datetime.now(TZ) + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = day.replace(hour=9, minute=0, second=0, microsecond=0)
    return start.astimezone(UTC).isoformat(), (start + timedelta(hours=3)).astimezone(UTC).isoformat()


def _manual_task(coordinator: Client, note: str, start: str, end: str) -> dict[str, Any]:
    return dict(coordinator.post("/tasks", {
        "type": "manual", "division": DIVISION, "note": note, "priority": 3,
        "address": "东昌府区新区街道建设路88号2单元401室",
        "window_start": start, "window_end": end}))


def _card(page: Page, note: str) -> Locator:
    return page.get_by_role("article").filter(has_text=note)


def _done_by_volunteer(system: System, task_id: str, volunteer_id: str) -> None:
    volunteer = system.client("volunteer", "volunteer", volunteer_id=volunteer_id)
    task = volunteer.get(f"/tasks/{task_id}")
    if task["state"] == "offered":
        volunteer.post(f"/tasks/{task_id}/accept")
    volunteer.post(f"/tasks/{task_id}/check-in")
    volunteer.post(f"/tasks/{task_id}/check-out", {"result": {"note": "已送达并讲解使用"}})


def _pending_entry(coordinator: Client, task_id: str) -> dict[str, Any]:
    for entry in coordinator.get("/hours?status=pending&page_size=100")["items"]:
        if entry["task_id"] == task_id:
            return dict(entry)
    raise AssertionError(f"no pending hours for task {task_id}")


def _open_hours(page: Page) -> None:
    nav = page.get_by_role("navigation", name="导航")
    nav.get_by_role("link", name="时长审核").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    audit(page)
    expect(page.get_by_role("heading", level=1, name="时长审核")).to_be_visible()


def test_dispatch_from_the_board_by_keyboard_then_approve_the_hours(
        page: Page, console: str, system: System) -> None:
    coordinator = _coordinator(system)
    note = f"为肢体残疾人上门送轮椅坐垫 {uuid.uuid4().hex[:6]}"
    start, end = _weekday_morning()
    task = _manual_task(coordinator, note, start, end)

    login(page, console, COORDINATOR)
    assert page.url.endswith("/coordinator/")
    card = _card(page, note)
    expect(card).to_be_visible()
    expect(card.get_by_role("group", name="候选志愿者（按匹配度排序）")).to_be_visible()
    radios = card.get_by_role("radio")
    assert radios.count() >= 2, card.inner_text()
    expect(radios.first).to_be_checked()
    # each candidate carries the service's reasons (its free slot, in local time)
    expect(card.locator(".reasons").first).to_contain_text("上门")
    # the excluded, with why, behind a disclosure
    expect(card.get_by_text(re.compile(r"不符合条件的志愿者 \(\d+\)"))).to_be_visible()
    screenshot(page, "coordinator")

    # keyboard only: into the radio group, the second candidate, Tab to the offer button
    radios.first.focus()
    page.keyboard.press("ArrowDown")
    expect(radios.nth(1)).to_be_checked()
    chosen = radios.nth(1).get_attribute("value")
    chosen_name = card.locator(f"label[for='c-{task['id']}-{chosen}']").inner_text()
    chosen_name = chosen_name.split("·")[0].split(maxsplit=1)[1].strip()
    page.keyboard.press("Tab")
    offer = card.get_by_role("button", name="发出邀约")
    expect(offer).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    audit(page)
    assert any("已发出邀约" in f for f in flashes(page)), flashes(page)
    card = _card(page, note)
    expect(card.get_by_role("heading", level=2)).to_contain_text("已邀约")
    expect(card).to_contain_text(chosen_name)
    expect(card.get_by_role("button", name="撤回邀约")).to_be_visible()
    offered = coordinator.get(f"/tasks/{task['id']}")
    assert offered["state"] == "offered"
    assert offered["offers"][-1]["volunteer_id"] == chosen

    # the volunteer accepts, checks in and out (their app); the hours wait for approval
    _done_by_volunteer(system, task["id"], chosen)
    entry = _pending_entry(coordinator, task["id"])
    _open_hours(page)
    row = page.locator(f"#h-{entry['id']}")
    expect(row).to_contain_text(chosen_name)
    row.get_by_role("button", name=re.compile("^认证")).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    audit(page)
    assert any("已认证" in f for f in flashes(page)), flashes(page)
    expect(page.locator(f"#h-{entry['id']}")).to_have_count(0)
    approved = coordinator.get("/hours?status=approved&page_size=100")["items"]
    assert any(e["id"] == entry["id"] for e in approved)


def test_override_assignment_then_reject_the_hours(
        page: Page, console: str, system: System) -> None:
    coordinator = _coordinator(system)
    note = f"上门调试电动护理床（越过时段） {uuid.uuid4().hex[:6]}"
    start, end = _weekday_morning()
    task = _manual_task(coordinator, note, start, end)
    found = coordinator.get(f"/tasks/{task['id']}/candidates")
    overridable = [x for x in found["excluded"] if x["assignable_with_override"]]
    assert overridable, found
    target = overridable[0]

    login(page, console, COORDINATOR)
    card = _card(page, note)
    card.get_by_text(re.compile("不符合条件的志愿者")).click()
    expect(card).to_contain_text(target["reasons"][0]["message"])
    group = card.get_by_role("group", name="越过限制指派（选择志愿者）")
    group.get_by_role("radio", name=target["real_name"]).check()
    group.get_by_role("checkbox", name="已电话确认，越过时段或拒绝限制").check()
    with page.expect_navigation():
        card.get_by_role("button", name="越过时段限制指派").click()
    audit(page)
    assert any("已指派" in f for f in flashes(page)), flashes(page)
    assigned = coordinator.get(f"/tasks/{task['id']}")
    assert assigned["state"] == "accepted"
    assert assigned["assignee_id"] == target["volunteer_id"]

    # the task's detail page: offers, slot, assignee
    page.goto(f"{console}/coordinator/tasks/{task['id']}")
    audit(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("已接单")
    expect(page.locator("main")).to_contain_text(target["real_name"])
    expect(page.locator("main")).not_to_contain_text("建设路88号")  # masked until asked
    page.get_by_label("查看目的").select_option(label="预约上门")
    submit(page, "查看完整地址")
    expect(page.locator("main")).to_contain_text("东昌府区新区街道建设路88号2单元401室")

    _done_by_volunteer(system, task["id"], target["volunteer_id"])
    entry = _pending_entry(coordinator, task["id"])
    _open_hours(page)
    row = page.locator(f"#h-{entry['id']}")
    row.locator("summary").focus()  # the disclosure opens by keyboard
    page.keyboard.press("Enter")
    row.get_by_label("驳回原因").fill("未按约定时段服务，请补充说明")
    with page.expect_navigation():
        row.get_by_role("button", name="驳回", exact=True).click()
    audit(page)
    assert any("已驳回" in f for f in flashes(page)), flashes(page)
    rejected = coordinator.get("/hours?status=rejected&page_size=100")["items"]
    mine = [e for e in rejected if e["id"] == entry["id"]]
    assert mine and mine[0]["rejection_reason"] == "未按约定时段服务，请补充说明"


def test_late_tasks_and_the_roster_with_availability(
        page: Page, console: str, system: System) -> None:
    coordinator = _coordinator(system)
    note = f"时段已开始的逾期回访 {uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC)
    task = _manual_task(coordinator, note, (now - timedelta(hours=1)).isoformat(),
                        (now + timedelta(hours=5)).isoformat())
    assert task["late"] is None

    # a task whose window has begun is not late (it was flagged 超时 the moment an
    # overdue call appeared): late only once its window or its offer deadline passed
    login(page, console, COORDINATOR)
    page.get_by_label("显示").select_option("late")
    submit(page, "筛选")
    expect(_card(page, note)).to_have_count(0)
    page.goto(f"{console}/coordinator/tasks/{task['id']}")
    audit(page)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("超时")

    with page.expect_navigation():
        page.get_by_role("link", name="志愿者名册").click()
    audit(page)
    expect(page.get_by_role("heading", level=1, name="志愿者名册")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="张建华")
    expect(row.get_by_role("cell").nth(1)).to_have_text("08:00–17:00")  # Monday
    expect(page.get_by_role("columnheader", name="周日")).to_be_visible()
    screenshot(page, "coordinator-roster")

    page.get_by_label("技能").select_option("sign_language")
    submit(page, "筛选")
    expect(page.get_by_role("row").filter(has_text="刘静")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="张建华")).to_have_count(0)


def test_edit_a_volunteers_weekly_availability(
        page: Page, console: str, system: System) -> None:
    coordinator = _coordinator(system)
    name = f"手语志愿者{uuid.uuid4().hex[:4]}"
    volunteer = coordinator.post("/volunteers", {
        "real_name": name, "phone": f"139{uuid.uuid4().int % 10**8:08d}",
        "divisions": [DIVISION], "skills": ["sign_language"], "consent": True,
        "availability": [{"weekday": 6, "start": "19:00", "end": "21:00"}]})

    login(page, console, COORDINATOR)
    with page.expect_navigation():
        page.get_by_role("link", name="志愿者名册").click()
    audit(page)
    row = page.get_by_role("row").filter(has_text=name)
    expect(row.get_by_role("cell").nth(7)).to_have_text("19:00–21:00")  # Sunday
    with page.expect_navigation():
        row.get_by_role("link", name=re.compile("编辑可服务时段")).click()
    audit(page)
    saturday = page.get_by_role("group", name="周六")
    # a window that ends before it starts is refused, next to its input
    saturday.get_by_label("时段 1 开始").fill("12:00")
    saturday.get_by_label("时段 1 结束").fill("09:00")
    submit(page, "保存")
    saturday = page.get_by_role("group", name="周六")
    expect(saturday.get_by_label("时段 1 结束")).to_have_attribute("aria-invalid", "true")
    expect(saturday).to_contain_text("结束时间应晚于开始时间")
    saturday.get_by_label("时段 1 开始").fill("09:00")
    saturday.get_by_label("时段 1 结束").fill("12:00")
    submit(page, "保存")
    assert any("已保存" in f for f in flashes(page)), flashes(page)
    row = page.get_by_role("row").filter(has_text=name)
    expect(row.get_by_role("cell").nth(6)).to_have_text("09:00–12:00")  # Saturday
    saved = coordinator.get(f"/volunteers/{volunteer['id']}")
    assert {(w["weekday"], w["start"], w["end"]) for w in saved["availability"]} == {
        (5, "09:00", "12:00"), (6, "19:00", "21:00")}


def test_city_coordinator_sees_every_team(page: Page, console: str) -> None:
    login(page, console, "coordinator-371500")
    with page.expect_navigation():
        page.get_by_role("link", name="志愿者名册").click()
    audit(page)
    teams = page.get_by_role("region", name="服务队与在册人数").get_by_role("listitem")
    expect(teams).to_have_count(8)
    # the board in English
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    audit(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Dispatch board").click()
    audit(page)
    expect(page.get_by_role("heading", level=1, name="Dispatch board")).to_be_visible()
    expect(page.get_by_role("button", name="Send offer").first).to_be_visible()
