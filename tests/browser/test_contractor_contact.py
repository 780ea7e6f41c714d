"""The contractor on a phone reveals the site's full address and the household's phone of
an order it accepted (one click, the purpose chosen from the list); the access log has the
read with its purpose; once the order is closed the address is masked again and the reveal
is refused in words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from browser_kit import audit, flashes, login, screenshot, submit
from e2e_kit import Renovation, System
from playwright.sync_api import Page, expect
from svckit.domain.clock import china_date, utcnow

ANJU = "聊城安居无障碍工程有限公司"
SEQ = 953
FULL = f"聊城市东昌府区古楼街道光岳路{SEQ}号"
REVEAL = "查看完整地址和电话"


def test_reveal_while_accepted_and_masked_again_after_closure(
        phone: Page, console: str, system: System) -> None:
    r = Renovation(system)
    anju = next(c for c in r.approver.get("/contractors")["items"] if c["name"] == ANJU)
    app_id = r.apply(SEQ)
    r.schedule_assessment(app_id)
    r.assess_and_plan(app_id, [{"item_code": "GRAB-BAR", "quantity": "2"}])
    order = r.approver.post(f"/applications/{app_id}/work-orders",
                            {"contractor_id": anju["id"]})
    url = f"{console}/contractor/orders/{order['id']}"

    login(phone, console, "contractor-anju")
    phone.goto(url)
    audit(phone)
    # not yet accepted: masked, no reveal offered
    expect(phone.locator("#site-address")).to_contain_text("古楼街道")
    expect(phone.locator("#site-address")).not_to_contain_text("光岳路")
    expect(phone.get_by_role("button", name=REVEAL)).to_have_count(0)
    submit(phone, "接单")
    assert "已接单。请安排工期。" in flashes(phone)

    # one click: the purpose comes chosen (施工联系)
    expect(phone.get_by_label("查看目的")).to_have_value("works_contact")
    submit(phone, REVEAL)
    assert any("查看目的“施工联系”已记录" in f for f in flashes(phone))
    expect(phone.locator("#full-address")).to_have_text(FULL)
    call = phone.get_by_role("link", name="13806350000")
    expect(call).to_have_attribute("href", "tel:13806350000")
    box = call.bounding_box()
    assert box is not None and box["height"] >= 40  # a thumb-sized call button
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "contractor-contact")

    # the access log has the read, with its purpose (staff and inspectors read it)
    log = r.inspector.get(f"/access-log?record_id={order['id']}")
    [entry] = log["items"]
    assert (entry["actor_role"], entry["record_type"], entry["purpose"]) == (
        "contractor", "work_order", "施工联系")
    assert entry["fields"] == ["address", "phone"]

    # the works are done and pass their inspection: the order closes
    crew = system.client("renovation", "contractor", company=anju["id"])
    today = china_date(utcnow())
    crew.post(f"/work-orders/{order['id']}/schedule",
              {"start_on": today.isoformat(), "end_on": (today + timedelta(days=3)).isoformat()})
    crew.post(f"/work-orders/{order['id']}/progress",
              {"note": "扶手安装完成", "percent": 100, "items_done": order["items"]})
    crew.post(f"/work-orders/{order['id']}/complete")
    passed: Any = r.inspector.post(f"/work-orders/{order['id']}/inspection", {"passed": True})
    assert passed["status"] == "closed"

    phone.goto(url)
    audit(phone)
    expect(phone.locator("#order-state")).to_have_text("已完工")
    expect(phone.locator("#site-address")).to_contain_text("古楼街道")
    expect(phone.locator("#site-address")).not_to_contain_text("光岳路")
    expect(phone.get_by_role("button", name=REVEAL)).to_have_count(0)
    expect(phone.locator("#full-address")).to_have_count(0)
    # the old link (?purpose=) is refused in words, and nothing is logged
    phone.goto(f"{url}?purpose=works_contact")
    audit(phone)
    assert any("已验收关闭" in f and "不能查看住户地址和电话" in f for f in flashes(phone))
    expect(phone.locator("#full-address")).to_have_count(0)
    expect(phone.locator("body")).not_to_contain_text("光岳路")
    assert len(r.inspector.get(f"/access-log?record_id={order['id']}")["items"]) == 1
