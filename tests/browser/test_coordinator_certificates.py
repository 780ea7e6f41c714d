"""Volunteer service record certificates (志愿服务记录证明) in Chromium: the coordinator
opens a volunteer's certificate page from the roster, sees the annual hours, has a wrong
period refused at its input, issues a certificate, downloads its PDF (every required
content read back); anyone, signed out, checks the number on the public verification
page (masked name) and an unknown number is told apart."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from browser_kit import audit, flashes, login, pdf_text, submit
from e2e_kit import Client, System
from playwright.sync_api import Browser, Page, expect

DIVISION = "371502"
COORDINATOR = "coordinator-371502"
TZ = ZoneInfo("Asia/Shanghai")


def _approved_hour(coordinator: Client, volunteer_id: str) -> dict[str, Any]:
    """An hour of service a few weeks ago, recorded by the coordinator: certified at once
    (tried again at another time if it happens to overlap one of another test)."""
    for _ in range(10):
        start = (datetime.now(UTC) - timedelta(days=random.randint(15, 40),
                                               minutes=random.randint(0, 600)))
        entry = coordinator.post("/hours", {
            "volunteer_id": volunteer_id, "division": DIVISION, "note": "助残日活动",
            "started_at": start.isoformat(), "ended_at": (start + timedelta(hours=1)).isoformat()})
        if entry["status"] == "approved":
            return dict(entry)
    raise AssertionError("no approved hour could be recorded")


def test_issue_download_and_verify_a_certificate(page: Page, browser: Browser, console: str,
                                                  system: System) -> None:
    coordinator = system.client("volunteer", "coordinator", districts=[DIVISION],
                                sub=COORDINATOR, name="东昌府区协调员")
    v = next(x for x in coordinator.get("/volunteers?page_size=100")["items"]
             if DIVISION in x["divisions"] and x["consent_at"])
    _approved_hour(coordinator, v["id"])

    login(page, console, COORDINATOR)
    page.goto(f"{console}/coordinator/roster?active=all")
    audit(page)
    row = page.locator(f"#v-{v['id']}")
    with page.expect_navigation():
        row.get_by_role("link", name=re.compile("服务证明")).click()
    audit(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(v["real_name"])
    annual = page.get_by_role("region", name="各年度已认证服务时长")
    expect(annual.get_by_role("table")).to_be_visible()

    # a period that ends before it starts: refused at its input, what was typed kept
    today = datetime.now(TZ).date()
    page.get_by_label("开始日期").fill(today.isoformat())
    page.get_by_label("结束日期").fill((today - timedelta(days=1)).isoformat())
    submit(page, "出具证明")
    end = page.get_by_label("结束日期")
    expect(end).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-period_end-d")).to_contain_text("结束日期不能早于开始日期")

    page.get_by_label("开始日期").fill((today - timedelta(days=60)).isoformat())
    page.get_by_label("结束日期").fill(today.isoformat())
    submit(page, "出具证明")
    [done] = flashes(page)
    number = re.search(r"ZS-371502-\d{4}-\d{6}", done)
    assert number is not None and done.startswith("已出具志愿服务记录证明"), done
    issued = page.locator("tr", has_text=number.group(0))
    expect(issued).to_be_visible()

    # the paper: every content the measures require
    link = issued.get_by_role("link", name=re.compile("下载 PDF"))
    text = pdf_text(page, link.get_attribute("href") or "")
    verify_url = urljoin(console + "/", f"verify/{number.group(0)}")
    for expected in ("志愿服务记录证明", f"证明编号{number.group(0)}",
                     f"志愿者姓名：{v['real_name']}", "服务期间：", "累计时长：", "服务内容",
                     "其他志愿服务（协调员登记）", "出具单位：", "联系电话：", "出具日期：",
                     "出具单位（盖章）：", "盖章", verify_url):
        assert expected in text, expected

    # anyone, signed out, checks it: genuine, the name masked
    visitor = browser.new_context(locale="zh-CN")
    try:
        public = visitor.new_page()
        public.goto(verify_url)
        audit(public)
        expect(public.locator(".flash.success")).to_contain_text("证明真实有效")
        body = public.locator("main").inner_text()
        assert v["real_name"][0] in body and v["real_name"] not in body
        public.get_by_label("证明编号").fill(number.group(0)[:-6] + "999999")
        with public.expect_navigation():
            public.get_by_label("证明编号").press("Enter")
        audit(public)
        expect(public.locator(".flash.error")).to_contain_text("未查到该编号的证明")
    finally:
        visitor.close()
