"""Parked messages in the staff area: a message the volunteer consumer refuses (an event
type it handles, in a version no catalogue knows) is listed, shown and replayed, and
counted on the staff home."""

from __future__ import annotations

import uuid

from browser_kit import audit, login, submit
from e2e_kit import System, poll
from kombu import Connection, Producer
from playwright.sync_api import Dialog, Page, expect
from svckit.events.envelope import Envelope


def _park_one(system: System) -> Envelope:
    cluster = system.cluster
    env = Envelope(type="rental.visit_cancelled", version=99, producer="inventory",
                   subject_id=f"rental-{uuid.uuid4().hex[:8]}", payload={"x": 1},
                   correlation_id=uuid.uuid4().hex)
    with Connection(cluster.bus_url) as conn:
        Producer(conn.channel()).publish(
            env.to_json(), exchange="", routing_key=f"{cluster.bus_prefix}volunteer",
            message_id=str(env.id), type=env.type, content_type="application/json",
            headers={"subject_id": env.subject_id})
    staff = system.client("volunteer", "staff")

    def parked() -> bool:
        items = staff.get("/parked")["items"]
        return any(i["event_id"] == str(env.id) for i in items)

    poll(parked, what="the message parked by the volunteer consumer")
    return env


def test_a_parked_message_is_listed_shown_and_replayed(page: Page, console: str,
                                                       system: System) -> None:
    env = _park_one(system)
    login(page, console, "staff-zhao")
    queue = page.locator(".queue", has_text="搁置的消息")
    expect(queue).to_be_visible()
    assert int(queue.locator(".kpi").inner_text()) >= 1
    with page.expect_navigation():
        queue.get_by_role("link").click()
    audit(page)
    expect(page.get_by_role("heading", name="搁置的消息", level=1)).to_be_visible()
    row = page.locator("tr", has_text=env.subject_id)
    expect(row).to_contain_text("rental.visit_cancelled")
    expect(row).to_contain_text("未知的事件类型或版本")
    # show it
    with page.expect_navigation():
        row.get_by_role("link", name="查看").click()
    audit(page)
    expect(page.locator("dl.facts")).to_contain_text(env.subject_id)
    expect(page.locator("pre.envelope")).to_contain_text(str(env.id))
    # replay it, after confirming
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    submit(page, "重新投递")
    assert dialogs and "重新交给服务处理" in dialogs[0]
    expect(page.get_by_role("status")).to_contain_text("已重新投递 1 条消息。")
    # the consumer got it again (and, still unreadable, parked it again)
    staff = system.client("volunteer", "staff")
    poll(lambda: any(i["event_id"] == str(env.id) for i in staff.get("/parked")["items"]),
         what="the replayed message back in the parking queue")
    # English one click away
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    audit(page)
    expect(page.get_by_role("heading", name="Parked messages", level=1)).to_be_visible()


def test_a_clerk_gets_no_parked_page(page: Page, console: str) -> None:
    login(page, console, "clerk-dcf")
    resp = page.goto(f"{console}/staff/parked/")
    audit(page)
    assert resp is not None and resp.status == 403
