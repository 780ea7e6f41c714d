"""The coordinator's full day in Chromium under ``/console``: raise an ad-hoc task from the
console (a refused contact phone shown at its input, typed values kept), reschedule it,
offer it, withdraw the offer, assign it, approve the hours of the visit, record hours by
hand (a refused end time first), have the unusual entry approved by a second coordinator
(never its recorder), then close a task nobody can take and cancel one raised by hand.
The candidates' reasons are in one language: Chinese, or English on the toggle. The
success message is asserted after every action; axe-core and the "no raw text" check run
on every page (browser_kit.audit)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from browser_kit import audit, flashes, login, screenshots, submit
from e2e_kit import Client, System
from playwright.sync_api import Page, expect

DIVISION = "371502"
COORDINATOR = "coordinator-371502"
SECOND = "coordinator-371500"  # the city's coordinator: covers the district too
TZ = ZoneInfo("Asia/Shanghai")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _coordinator(system: System) -> Client:
    return system.client("volunteer", "coordinator", districts=[DIVISION], sub=COORDINATOR,
                         name="东昌府区协调员")


def _weekday(days: int = 1) -> datetime:
    """Midnight (Liaocheng) of the first weekday at least ``days`` days from now."""
    day = (datetime.now(TZ) + timedelta(days=days)).replace(hour=0, minute=0, second=0,
                                                            microsecond=0)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _local(dt: datetime) -> str:
    """A ``datetime-local`` input's value."""
    return dt.astimezone(TZ).strftime("%Y-%m-%dT%H:%M")


def _ok(page: Page, text: str) -> None:
    shown = flashes(page)
    assert any(text in f for f in shown), shown
    assert not any("error" in (c or "") for c in
                   page.locator(".flash").evaluate_all("els => els.map(e => e.className)")), shown


def _nav(page: Page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("navigation", name="导航").get_by_role("link", name=name).click()
    audit(page)
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def _reasons(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(".candidates .reasons li").all_inner_texts()]


def _task_id(page: Page) -> str:
    found = re.search(r"/coordinator/tasks/([0-9a-f-]{36})", page.url)
    assert found, page.url
    return found.group(1)


def _raise(page: Page, note: str, *, start: datetime, end: datetime,
           phone: str = "13812345678") -> str:
    _nav(page, "发起任务")
    expect(page.get_by_role("heading", level=1, name="发起任务")).to_be_visible()
    page.get_by_label("任务类型").select_option("manual")
    page.get_by_label("服务区域（区县）").select_option(DIVISION)
    page.get_by_label("时段开始").fill(_local(start))
    page.get_by_label("时段结束").fill(_local(end))
    page.get_by_label("优先级").select_option(label="高")
    page.get_by_label("上门地址").fill("东昌府区新区街道建设路88号2单元401室")
    page.get_by_label("联系人姓名").fill("王秀英")
    page.get_by_label("联系电话").fill(phone)
    page.get_by_label("任务说明").fill(note)
    submit(page, "发起任务")
    return page.url


def _done_by_volunteer(system: System, task_id: str, volunteer_id: str) -> None:
    volunteer = system.client("volunteer", "volunteer", volunteer_id=volunteer_id)
    volunteer.post(f"/tasks/{task_id}/check-in")
    volunteer.post(f"/tasks/{task_id}/check-out", {"result": {"note": "已上门讲解辅具使用"}})


def _entry(coordinator: Client, task_id: str) -> dict[str, Any]:
    for entry in coordinator.get("/hours?status=pending&page_size=100")["items"]:
        if entry["task_id"] == task_id:
            return dict(entry)
    raise AssertionError(f"no pending hours for task {task_id}")


def test_the_coordinators_day(page: Page, console: str, system: System) -> None:
    coordinator = _coordinator(system)
    note = f"为视力残疾人上门讲解助视器使用 {uuid.uuid4().hex[:6]}"
    day = _weekday()
    login(page, console, COORDINATOR)

    # -- raise an ad-hoc task: a phone that is not one is refused at its input, in Chinese,
    #    with everything typed kept
    _raise(page, note, start=day.replace(hour=9), end=day.replace(hour=12), phone="12345")
    phone = page.get_by_label("联系电话")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field").filter(has=phone)).to_contain_text("电话号码格式不正确")
    expect(page.get_by_label("任务说明")).to_have_value(note)
    expect(page.get_by_label("上门地址")).to_have_value("东昌府区新区街道建设路88号2单元401室")
    screenshots(page, "coordinator-task-new")
    phone.fill("138 1234 5678")
    submit(page, "发起任务")
    _ok(page, "已发起任务")
    task_id = _task_id(page)
    main = page.locator("main")
    expect(main).to_contain_text("王某")  # the contact kept masked, like a visit request's
    expect(main).not_to_contain_text("王秀英")
    expect(main).not_to_contain_text("建设路88号")  # the area only until read with a purpose
    made = coordinator.get(f"/tasks/{task_id}")
    assert (made["type"], made["state"], made["priority"]) == ("manual", "open", 3)
    assert made["note"] == note
    # the check-in code the coordinator gives the household (the volunteer types it there)
    expect(page.locator("#check-in-code")).to_have_text(made["check_in_code"])
    assert len(made["check_in_code"]) == 6

    # -- reschedule: an hour later
    page.get_by_text("改期", exact=True).first.click()
    page.get_by_label("新时段开始").fill(_local(day.replace(hour=10)))
    page.get_by_label("新时段结束").fill(_local(day.replace(hour=12)))
    submit(page, "改期", exact=True)
    _ok(page, "已改期")
    moved = coordinator.get(f"/tasks/{task_id}")
    assert datetime.fromisoformat(moved["window_start"]) == day.replace(hour=10)

    # -- the candidates' reasons: Chinese only, the month's service said properly
    reasons = _reasons(page)
    assert reasons, page.locator("main").inner_text()
    for text in reasons:
        assert _CJK.search(text) and not _LATIN_WORD.search(text), text
        assert not re.search(r"已服务\s*0分", text), text
    assert any(t == "本月尚无服务" or t.startswith("本月已服务 ") for t in reasons), reasons
    screenshots(page, "coordinator-task")

    # -- offer it to the first candidate, then withdraw the offer
    submit(page, "发出邀约")
    _ok(page, "已发出邀约")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已邀约")
    submit(page, "撤回邀约")
    _ok(page, "已撤回邀约")
    expect(page.get_by_role("heading", level=1)).to_contain_text("待派单")

    # -- assign it (agreed by phone) to the first candidate
    chosen = page.get_by_role("radio").first.get_attribute("value")
    assert chosen
    submit(page, "直接指派（已电话确认）")
    _ok(page, "已指派")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已接单")
    assigned = coordinator.get(f"/tasks/{task_id}")
    assert (assigned["state"], assigned["assignee_id"]) == ("accepted", chosen)
    volunteer_name = coordinator.get(f"/volunteers/{chosen}")["real_name"]
    expect(main).to_contain_text(volunteer_name)

    # -- the volunteer goes (their app); the dispatcher approves the visit's hours
    _done_by_volunteer(system, task_id, chosen)
    visit = _entry(coordinator, task_id)
    _nav(page, "时长审核")
    row = page.locator(f"#h-{visit['id']}")
    expect(row).to_contain_text(volunteer_name)
    with page.expect_navigation():
        row.get_by_role("button", name=re.compile("^认证")).click()
    audit(page)
    _ok(page, "已认证该服务时长")
    assert coordinator.get(f"/hours?status=approved&volunteer_id={chosen}&page_size=100")[
        "total"] >= 1

    # -- record hours by hand: an end before the start is refused at its input first
    _nav(page, "登记服务时长")
    expect(page.get_by_role("heading", level=1, name="手工登记服务时长")).to_be_visible()
    served = (datetime.now(TZ) - timedelta(days=3)).replace(hour=8, minute=0, second=0,
                                                            microsecond=0)
    page.get_by_label("志愿者").select_option(chosen)
    page.get_by_label("服务区域（区县）").select_option(DIVISION)
    page.get_by_label("服务开始时间").fill(_local(served))
    page.get_by_label("服务结束时间").fill(_local(served - timedelta(hours=1)))
    work = f"助残日康复营地陪护 {uuid.uuid4().hex[:6]}"
    page.get_by_label("服务内容").fill(work)
    submit(page, "登记服务时长")
    ended = page.get_by_label("服务结束时间")
    expect(ended).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("服务内容")).to_have_value(work)
    expect(page.get_by_label("志愿者")).to_have_value(chosen)
    screenshots(page, "coordinator-hours-new")
    # nine and a half hours: longer than the check-in limit, so unusual (flagged)
    ended.fill(_local(served + timedelta(hours=9, minutes=30)))
    submit(page, "登记服务时长")
    _ok(page, "已登记 9小时30分钟 服务时长")
    assert any("另一位协调员或工作人员" in f for f in flashes(page)), flashes(page)
    manual = next(e for e in coordinator.get(
        f"/hours?status=pending&volunteer_id={chosen}&page_size=100")["items"]
        if e["note"] == work)
    assert manual["flagged"] and manual["task_id"] is None
    row = page.locator(f"#h-{manual['id']}")
    expect(row).to_contain_text("需复核")
    expect(row).to_contain_text("须由另一位协调员或工作人员认证")
    expect(row).to_contain_text("超过签到时限")
    expect(row).not_to_contain_text("check-in limit")  # one language, never both
    expect(row.get_by_role("button", name=re.compile("^认证"))).to_have_count(0)  # not mine
    screenshots(page, "coordinator-hours")

    # -- a second task nobody can take today: closed; a third, raised by mistake: cancelled
    second_note = f"上门回访（无人可派） {uuid.uuid4().hex[:6]}"
    _raise(page, second_note, start=day.replace(hour=14), end=day.replace(hour=16))
    _ok(page, "已发起任务")
    second_id = _task_id(page)

    # the same reasons in English on the toggle, with no Chinese mixed in
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    audit(page)
    english = _reasons(page)
    assert english, page.locator("main").inner_text()
    for text in english:
        assert not _CJK.search(text), text
    assert any(t == "no service yet this month" or t.endswith("served this month")
               for t in english), english
    with page.expect_navigation():
        page.get_by_role("link", name="中文").click()
    audit(page)

    page.get_by_text("无人可派，关闭任务", exact=True).first.click()
    page.locator(f"#fr-{second_id}").fill("本周志愿者均已排满，已电话告知家属")
    submit(page, "无人可派，关闭任务", exact=True)
    _ok(page, "任务已关闭")
    assert coordinator.get(f"/tasks/{second_id}")["state"] == "failed"

    third_note = f"重复登记的任务 {uuid.uuid4().hex[:6]}"
    _raise(page, third_note, start=day.replace(hour=15), end=day.replace(hour=17))
    _ok(page, "已发起任务")
    third_id = _task_id(page)
    page.get_by_text("取消任务", exact=True).first.click()
    page.get_by_label("取消理由").fill("与已有任务重复")
    submit(page, "取消任务", exact=True)
    _ok(page, "任务已取消")
    assert coordinator.get(f"/tasks/{third_id}")["state"] == "cancelled"

    # -- the unusual entry: a second coordinator approves it (its recorder could not)
    submit(page, "退出")
    login(page, console, SECOND)
    _nav(page, "时长审核")
    row = page.locator(f"#h-{manual['id']}")
    expect(row).to_contain_text(volunteer_name)
    with page.expect_navigation():
        row.get_by_role("button", name=re.compile("^认证")).click()
    audit(page)
    _ok(page, "已认证该服务时长")
    approved = coordinator.get(f"/hours?status=approved&volunteer_id={chosen}&page_size=100")
    decided = next(e for e in approved["items"] if e["id"] == manual["id"])
    assert decided["decided_by"] != decided["recorded_by"]
