"""The console as ``make run`` serves it, mounted at ``/console``: every action, sign-in
and language switch stays under the mount (bugs B1-B4 of "The console, correct as
deployed"), refusals are shown once, in Chinese, at their input, and no page reachable
from each role's pages is a bare error page."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from browser_kit import audit, flashes, login, submit
from e2e_kit import System
from playwright.sync_api import Page, Response, expect
from svckit.domain.certificate import make_certificate
from test_clerk import OVERDUE_BORROWER, desk, new_borrower, new_unit  # noqa: F401
from test_console_basics import ROLE_HOMES
from test_coordinator import TZ, _card, _coordinator, _manual_task, _weekday_morning


def _mounted(page: Page, console: str) -> None:
    """The page is a page of the console under its mount, not an error."""
    assert page.url.startswith(f"{console}/"), page.url
    expect(page.locator("main h1")).to_be_visible()


def _go(page: Page, url: str) -> Response | None:
    resp = page.goto(url)
    audit(page)
    return resp


# -- B1: coordinator actions come back to the board ---------------------------------------
def test_coordinator_actions_come_back_to_the_board_at_the_task(
        page: Page, console: str, system: System) -> None:
    coordinator = _coordinator(system)
    start, end = _weekday_morning()
    notes = {k: f"挂载测试{k} {uuid.uuid4().hex[:6]}" for k in ("offer", "reschedule", "close")}
    tasks = {k: _manual_task(coordinator, note, start, end) for k, note in notes.items()}
    login(page, console, "coordinator-371502")

    # offer to the best candidate
    card = _card(page, notes["offer"])
    with page.expect_navigation():
        card.get_by_role("button", name="发出邀约").click()
    audit(page)
    _mounted(page, console)
    assert urlsplit(page.url).fragment == f"t-{tasks['offer']['id']}"
    assert any("已发出邀约" in f for f in flashes(page)), flashes(page)
    expect(_card(page, notes["offer"]).get_by_role("heading", level=2)).to_contain_text("已邀约")

    # reschedule: the end before the start is refused, shown on the board; then done
    card = _card(page, notes["reschedule"])
    card.get_by_text("改期", exact=True).first.click()
    new_start = (datetime.now(TZ) + timedelta(days=3)).replace(
        hour=14, minute=0, second=0, microsecond=0)
    card.get_by_label("新时段开始").fill(new_start.strftime("%Y-%m-%dT%H:%M"))
    card.get_by_label("新时段结束").fill((new_start - timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        card.get_by_role("button", name="改期").click()
    audit(page)
    _mounted(page, console)
    refusals = flashes(page)
    assert refusals and not any("已改期" in f for f in refusals), refusals
    card = _card(page, notes["reschedule"])
    card.get_by_text("改期", exact=True).first.click()
    card.get_by_label("新时段开始").fill(new_start.strftime("%Y-%m-%dT%H:%M"))
    card.get_by_label("新时段结束").fill((new_start + timedelta(hours=2)).strftime(
        "%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        card.get_by_role("button", name="改期").click()
    audit(page)
    _mounted(page, console)
    assert "已改期。" in flashes(page), flashes(page)
    moved = coordinator.get(f"/tasks/{tasks['reschedule']['id']}")
    assert datetime.fromisoformat(moved["window_start"]) == new_start.astimezone(UTC)

    # close: nobody can take it
    card = _card(page, notes["close"])
    card.get_by_text("无人可派，关闭任务", exact=True).first.click()
    card.get_by_label("原因").fill("服务对象已住院，暂不需要")
    with page.expect_navigation():
        card.get_by_role("button", name="无人可派，关闭任务").click()
    audit(page)
    _mounted(page, console)
    assert "任务已关闭（无人可派）。" in flashes(page), flashes(page)
    assert coordinator.get(f"/tasks/{tasks['close']['id']}")["state"] == "failed"


# -- B2: sign-in from a bookmark or after the session expired -----------------------------
def test_sign_in_from_a_bookmark_opens_the_bookmarked_page(page: Page, console: str) -> None:
    _go(page, f"{console}/clerk/rentals?status=returned")
    assert urlsplit(page.url).path == urlsplit(f"{console}/login").path
    login_form_then(page, "clerk-dcf")
    assert page.url == f"{console}/clerk/rentals?status=returned", page.url
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    # the session expires (cookie gone): the next click asks to sign in, then goes on
    page.context.clear_cookies()
    _go(page, f"{console}/clerk/stock")
    assert "/login" in page.url
    assert "请先登录。" in flashes(page) or page.get_by_role("heading", name="登录").count()
    login_form_then(page, "clerk-dcf")
    assert page.url == f"{console}/clerk/stock", page.url


def login_form_then(page: Page, username: str) -> None:
    from browser_kit import PASSWORD

    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_label("密码").press("Enter")
    audit(page)


# -- B3: the language switch stays on the page ---------------------------------------------
def test_language_switch_stays_on_the_page(page: Page, console: str) -> None:
    login(page, console, "staff-zhao")
    _go(page, f"{console}/staff/applications?status=submitted")
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    audit(page)
    assert page.url == f"{console}/staff/applications?status=submitted", page.url
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.get_by_role("link", name="中文").click()
    audit(page)
    assert page.url == f"{console}/staff/applications?status=submitted", page.url
    assert page.locator("html").get_attribute("lang") == "zh-CN"


# -- B4: a wrong certificate number, then an overdue borrower's ------------------------------
def test_wrong_certificate_then_overdue_borrower_is_refused_on_the_unit(
        page: Page, console: str, desk: dict[str, Any]) -> None:  # noqa: F811
    tag = new_unit(desk)["asset_tag"]
    login(page, console, "clerk-dcf")
    _go(page, f"{console}/clerk/units/{tag}")
    for wrong, says in (("37150219000101000X11", "校验位错误"),  # not a number at all
                        (make_certificate("37150219800101001", 1, 2), "未找到该证号的借用人。")):
        page.get_by_label("残疾人证号").fill(wrong)
        submit(page, "确认借出")
        number = page.get_by_label("残疾人证号")
        expect(number).to_have_attribute("aria-invalid", "true")
        expect(number).to_have_value(wrong)  # kept, to correct it
        expect(page.locator("main")).to_contain_text(says)

    page.get_by_label("残疾人证号").fill(OVERDUE_BORROWER)
    submit(page, "确认借出")
    expect(page.get_by_role("heading", level=1)).to_contain_text(tag)
    shown = flashes(page)
    assert any("逾期" in f for f in shown), shown
    assert len(shown) == len(set(shown)), shown  # each message once
    expect(page.locator("#unit-status")).to_have_text("可借")
    expect(page.get_by_label("残疾人证号")).to_have_value(OVERDUE_BORROWER)  # kept
    assert OVERDUE_BORROWER not in page.url


# -- refusals shown once, at the input, in Chinese, the typed value kept ---------------------
def test_a_refused_field_is_shown_once_at_its_input(
        page: Page, console: str, desk: dict[str, Any]) -> None:  # noqa: F811
    unit = new_unit(desk)
    certificate, _person = new_borrower(desk)
    login(page, console, "clerk-dcf")
    _go(page, f"{console}/clerk/units/{unit['asset_tag']}")
    page.get_by_label("残疾人证号").fill(certificate)
    submit(page, "确认借出")
    rental_url = page.url
    due = page.get_by_label("新应还日期")
    yesterday = (datetime.now(TZ).date() - timedelta(days=1)).isoformat()
    due.fill(yesterday)
    submit(page, "续借")
    assert page.url == rental_url, page.url
    due = page.get_by_label("新应还日期")
    expect(due).to_have_attribute("aria-invalid", "true")
    expect(due).to_have_value(yesterday)
    described = due.get_attribute("aria-describedby")
    assert described
    message = page.locator(f"#{described}").inner_text().strip()
    assert message and re.search(r"[\u4e00-\u9fff]", message), message
    assert not re.search(r"[A-Za-z]{3,}", message), message  # no English half, no field name
    body = page.locator("main").inner_text()
    assert body.count(message) == 1, body  # once: not repeated at the top
    assert "due_on" not in body


def test_a_refused_reservation_keeps_what_was_typed(
        page: Page, console: str, desk: dict[str, Any]) -> None:  # noqa: F811
    certificate, _person = new_borrower(desk)
    login(page, console, "clerk-dcf")
    _go(page, f"{console}/clerk/reservations")
    form = page.locator("form", has=page.get_by_role("button", name="预约", exact=True))
    form.get_by_label("残疾人证号").fill(certificate)
    form.get_by_label("指定资产编号（可选）").fill("NO-SUCH-TAG")
    submit(page, "预约", exact=True)
    _mounted(page, console)
    tag = page.get_by_label("指定资产编号（可选）")
    expect(tag).to_have_attribute("aria-invalid", "true")
    expect(tag).to_have_value("NO-SUCH-TAG")
    expect(page.get_by_label("残疾人证号")).to_have_value(certificate)
    expect(page.locator("main")).to_contain_text("未找到该资产编号。")


def test_a_refused_transfer_keeps_what_was_typed(page: Page, console: str) -> None:
    login(page, console, "clerk-dcf")
    _go(page, f"{console}/clerk/transfers")
    page.get_by_label("资产编号").fill("NO-SUCH-TAG")
    page.get_by_label("备注").fill("阳谷县站缺货")
    submit(page, "调出")
    _mounted(page, console)
    tag = page.get_by_label("资产编号")
    expect(tag).to_have_attribute("aria-invalid", "true")
    expect(tag).to_have_value("NO-SUCH-TAG")
    expect(page.get_by_label("备注")).to_have_value("阳谷县站缺货")
    expect(page.locator("main")).to_contain_text("未找到该资产编号。")


# -- no page reachable from each role's pages is an error ------------------------------------
@pytest.mark.parametrize(("username", "home"), ROLE_HOMES)
def test_no_page_reachable_from_a_role_is_an_error(page: Page, console: str, username: str,
                                                   home: str) -> None:
    """Every link of the role's landing page and of the pages its navigation opens
    (same console, GET) answers a page that is not an error, under the mount; each is
    checked by axe-core and for raw service text (browser_kit.audit)."""
    login(page, console, username)
    seen = {page.url}
    level = _links(page, console)
    for _depth in range(2):
        following: list[str] = []
        for url in level:
            if url in seen or len(seen) >= 30:
                continue
            seen.add(url)
            resp = _go(page, url)
            assert resp is not None and resp.status < 400, f"{url} -> {resp and resp.status}"
            _mounted(page, console)
            following += _links(page, console)
        level = following


def _links(page: Page, console: str) -> list[str]:
    """The page's links to other pages of the console (no downloads, no fragments)."""
    out = []
    for href in page.locator("a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        url = urljoin(page.url, str(href)).split("#")[0]
        path = urlsplit(url).path
        if not url.startswith(f"{console}/") or path.endswith((".pdf", ".csv", ".xlsx")):
            continue
        if "/lang/" in path or "/photos/" in path or "/template." in path:
            continue
        out.append(url)
    return list(dict.fromkeys(out))
