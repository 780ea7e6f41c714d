"""Sign-in, language, and each role's landing page, in Chromium."""

from __future__ import annotations

import pytest
from browser_kit import audit, login, screenshot
from playwright.sync_api import Browser, Page, expect

ROLE_HOMES = [
    ("clerk-dcf", "/clerk/"),
    ("contractor-anju", "/contractor/"),
    ("coordinator-371502", "/coordinator/"),
    ("staff-zhao", "/staff/"),
    ("inspector-sun", "/staff/"),
    ("volunteer-1201", "/volunteer/"),
]


def test_login_page_is_chinese_and_accessible(page: Page, console: str) -> None:
    page.goto(f"{console}/")
    audit(page)
    assert page.url.endswith("/login")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    screenshot(page, "login")


def test_wrong_password_is_refused_with_a_message(page: Page, console: str) -> None:
    page.goto(f"{console}/login")
    audit(page)
    page.get_by_label("用户名").fill("clerk-dcf")
    page.get_by_label("密码").fill("not-the-password")
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    audit(page)
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")


@pytest.mark.parametrize(("username", "home"), ROLE_HOMES)
def test_each_role_lands_on_its_home(page: Page, console: str, username: str,
                                     home: str) -> None:
    login(page, console, username)
    assert page.url.endswith(home), page.url


def test_english_is_one_click_away(page: Page, console: str) -> None:
    login(page, console, "clerk-dcf")
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    audit(page)
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="中文").click()
    audit(page)
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def test_sign_out_ends_the_session(page: Page, console: str) -> None:
    login(page, console, "staff-zhao")
    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()
    audit(page)
    page.goto(f"{console}/staff/")
    audit(page)
    assert "/login" in page.url


def test_a_page_of_another_role_is_refused(page: Page, console: str) -> None:
    login(page, console, "contractor-anju")
    resp = page.goto(f"{console}/staff/")
    audit(page)
    assert resp is not None and resp.status == 403


def test_the_session_cookie_is_an_id_and_a_copy_dies_at_sign_out(
        page: Page, browser: Browser, console: str) -> None:
    login(page, console, "staff-zhao")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "console_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/console"
    assert len(cookie["value"]) < 60 and "eyJ" not in cookie["value"]  # no token in it
    resp = page.reload()
    audit(page)
    assert resp is not None and resp.headers["cache-control"] == "no-store"
    # the cookie copied into another browser works there ...
    other = browser.new_context(locale="zh-CN")
    try:
        other.add_cookies([cookie])
        thief = other.new_page()
        thief.goto(f"{console}/staff/")
        audit(thief)
        assert thief.url.endswith("/staff/")
        # ... until its owner signs out
        with page.expect_navigation():
            page.get_by_role("button", name="退出").click()
        audit(page)
        thief.goto(f"{console}/staff/")
        audit(thief)
        assert "/login" in thief.url
    finally:
        other.close()

