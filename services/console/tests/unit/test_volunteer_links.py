"""The offer SMS's signed link (``/o/<token>``) and the printed sheets' check-in QR code
(``/volunteer/scan/<code>``), with the services answered in-process.

The link opens the offer for the volunteer it was sent to, signed in (after signing in
when the session is gone), once, until the offer expires; anyone else learns nothing,
and a tampered link is nobody's. The hand-over sheet and the plan sheet carry a QR code a
real decoder reads back as the console's scan address; the scan page leads to the
volunteer's task at that site and checks in by the scan."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from console import api
from console.app import create_app
from console.config import ConsoleSettings
from console.renovation_docs import Household, Line, PlanSheet, plan_sheet_pdf
from console.views.clerk_docs import HandOver, handover_pdf
from flask import Flask
from pydantic import SecretStr
from svckit.links import LinkKeys

MOUNTED = "http://localhost/console"
SPEC = "t1=" + "k" * 32
KEYS = LinkKeys.parse(SPEC)
ZHANG, LI = str(uuid.uuid4()), str(uuid.uuid4())
TASK = str(uuid.uuid4())
RENTAL = uuid.uuid4()


def qr_texts(pdf: bytes) -> list[str]:
    """What a phone camera reads on the printed page: rendered at 200 dpi, decoded."""
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=200 / 72).to_pil()
    return [r.text for r in zxingcpp.read_barcodes(image)]


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    app = create_app(ConsoleSettings(var_dir=tmp_path, api_base="http://127.0.0.1:9",
                                     link_keys=SecretStr(SPEC)))
    app.config["TESTING"] = True
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def task(state: str = "offered", site: str | None = f"inventory:rental:{RENTAL}") -> dict[str, Any]:
    return {"id": TASK, "type": "deliver_device", "type_label": "送辅具上门",
            "division_name": "东昌府区", "state": state, "address": "东昌府区古楼街道",
            "window_start": "2026-12-08T01:00:00+00:00",
            "window_end": "2026-12-08T09:00:00+00:00", "duration_minutes": 60,
            "site": site, "note": "", "offers": [
                {"volunteer_id": ZHANG, "outcome": "pending",
                 "expires_at": "2026-12-08T01:00:00+00:00"}]}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str, Any]]:
    seen: list[tuple[str, str, str, Any]] = []
    state = {"task": task()}

    def call(service: str, method: str, path: str, json: Any = None, **_: Any) -> Any:
        seen.append((service, method, path, json))
        if path == f"/tasks/{TASK}" and method == "GET":
            return state["task"]
        if path == f"/tasks/{TASK}/address":
            return {"address": "东昌府区古楼街道光岳路17号", "contact_name": "王某"}
        if path.startswith("/tasks") and method == "GET":
            return {"items": [state["task"]], "total": 1}
        if path == f"/tasks/{TASK}/check-in":
            if json.get("scan") and json["scan"] != KEYS.site_code("inventory:rental", RENTAL):
                raise api.ApiError(422, {"title": "输入校验失败", "errors": {
                    "scan": ["二维码不是本任务的交接单或方案确认单"]}})
            state["task"] = task("in_progress")
            return state["task"]
        raise AssertionError(path)

    monkeypatch.setattr(api, "call", call)
    seen.append(("", "", "", state))
    return seen


def sign_in(client: Any, volunteer_id: str | None = ZHANG, role: str = "volunteer") -> None:
    with client.session_transaction(base_url=MOUNTED) as s:
        s["access_token"] = "t"
        s["user"] = {"sub": "volunteer-1201", "role": role, "name": "张建华",
                     **({"volunteer_id": volunteer_id} if volunteer_id else {})}


def offer_token(volunteer_id: str = ZHANG, expires_in: timedelta = timedelta(hours=2),
                keys: LinkKeys = KEYS) -> str:
    expires = datetime.now(UTC).replace(microsecond=0) + expires_in
    return keys.make("offer-link", uuid.UUID(TASK), expires, bound_to=volunteer_id)


def test_the_link_signs_in_on_the_way_then_opens_the_offer_once(app: Flask, calls) -> None:
    client = app.test_client()
    token = offer_token()
    r = client.get(f"/o/{token}", base_url=MOUNTED)
    assert r.status_code == 302
    assert r.headers["Location"] == f"/console/login?next=/console/o/{token}"
    sign_in(client)  # what the login does; then the browser comes back to the link
    r = client.get(f"/o/{token}", base_url=MOUNTED)
    assert r.status_code == 302, r.get_data(as_text=True)
    assert r.headers["Location"] == f"/console/volunteer/tasks/{TASK}"
    page = client.get(f"/volunteer/tasks/{TASK}", base_url=MOUNTED).get_data(as_text=True)
    assert "接受邀约" in page  # the usual accept form (CSRF, session) does the answering

    again = client.get(f"/o/{token}", base_url=MOUNTED)
    assert again.status_code == 410
    html = again.get_data(as_text=True)
    assert "这个邀约链接已经打开过一次，不能再次使用。" in html
    assert 'href="/console/volunteer/#offers-h"' in html and "查看我的邀约" in html


def test_an_expired_link_says_so_to_its_volunteer(app: Flask, calls) -> None:
    client = app.test_client()
    sign_in(client)
    r = client.get(f"/o/{offer_token(expires_in=timedelta(seconds=-1))}", base_url=MOUNTED)
    assert r.status_code == 410
    html = r.get_data(as_text=True)
    assert "邀约链接已过期" in html and "查看我的邀约" in html
    assert not [c for c in calls if c[2].startswith("/tasks")]  # nothing asked of the service


def test_another_user_tampering_or_another_key_learns_nothing(app: Flask, calls) -> None:
    token = offer_token()
    other = app.test_client()
    sign_in(other, LI)  # another volunteer, signed in
    refused = other.get(f"/o/{token}", base_url=MOUNTED)
    assert refused.status_code == 403
    html = refused.get_data(as_text=True)
    assert "此链接无效，或不属于当前登录的账号。" in html
    assert TASK not in html and "过期" not in html and "查看我的邀约" not in html
    # the same answer for an expired link of someone else's (its expiry is not told)
    expired = other.get(f"/o/{offer_token(expires_in=timedelta(seconds=-1))}", base_url=MOUNTED)
    assert expired.status_code == 403

    coordinator = app.test_client()
    sign_in(coordinator, None, role="coordinator")
    assert coordinator.get(f"/o/{token}", base_url=MOUNTED).status_code == 403

    mine = app.test_client()
    sign_in(mine)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    forged = offer_token(keys=LinkKeys.parse("x=" + "z" * 32))
    for bad in (tampered, forged, token[:20], "not-a-token"):
        assert mine.get(f"/o/{bad}", base_url=MOUNTED).status_code == 403, bad
    assert not [c for c in calls if c[2].startswith("/tasks")]
    # none of that used the link up: its volunteer still opens it
    assert mine.get(f"/o/{token}", base_url=MOUNTED).status_code == 302


def test_the_handover_sheet_and_the_plan_sheet_carry_the_check_in_qr_code() -> None:
    url = f"{MOUNTED}/volunteer/scan/{KEYS.site_code('inventory:rental', RENTAL)}"
    paper = HandOver(
        station="东昌府区辅具租赁服务站", station_phone="0635-8432102",
        rental_number="ZL-371502-2026-000123", asset_tag="LC-DCF-WC-02", serial="SN123",
        type_name="手动轮椅车", iso_code="12 22 03", borrower_name="王建华",
        borrower_certificate_masked="3715************0142", checked_out_on="2025-03-01",
        due_on="2025-03-31", daily_fee_fen=200, fee_fen=6000, deposit_fen=30_000,
        waiver=None, home_delivery=True, condition="A")
    assert qr_texts(handover_pdf(paper)) == []
    assert qr_texts(handover_pdf(dataclasses.replace(paper, check_in_url=url))) == [url]

    application = uuid.uuid4()
    url = f"{MOUNTED}/volunteer/scan/{KEYS.site_code('renovation:application', application)}"
    sheet = PlanSheet(
        household=Household(federation="聊城市东昌府区残疾人联合会", programme="2026年改造",
                            case_no="6F1D7C0E", holder_name="王秀兰",
                            certificate="371502195001010026", address="东昌府区古楼街道",
                            division="东昌府区", phone="13806350001"),
        lines=[Line("入户坡道", "metre", "2.5", 35_000, 87_500)], total_fen=87_500,
        cap_fen=1_000_000, drafted_by="赵主任", drafted_on="2026-12-01", check_in_url=url)
    assert qr_texts(plan_sheet_pdf(sheet)) == [url]


def test_a_scan_leads_to_the_task_at_that_site_and_checks_in(app: Flask, calls) -> None:
    state = calls[0][3]
    state["task"] = task("accepted")
    client = app.test_client()
    sign_in(client)
    code = KEYS.site_code("inventory:rental", RENTAL)
    r = client.get(f"/volunteer/scan/{code}", base_url=MOUNTED)
    assert r.status_code == 302
    assert r.headers["Location"] == f"/console/volunteer/tasks/{TASK}?scan={code}"
    page = client.get(f"/volunteer/tasks/{TASK}?scan={code}", base_url=MOUNTED)
    html = page.get_data(as_text=True)
    assert "扫码签到" in html and f'name="scan" value="{code}"' in html
    # a code of another sheet shows no scan form (only the typed code's)
    other = KEYS.site_code("inventory:rental", uuid.uuid4())
    html = client.get(f"/volunteer/tasks/{TASK}?scan={other}",
                      base_url=MOUNTED).get_data(as_text=True)
    assert "扫码签到" not in html and 'name="code"' in html
    # ...and a scan page of it lists none of my tasks
    html = client.get(f"/volunteer/scan/{other}", base_url=MOUNTED).get_data(as_text=True)
    assert "这张单据上没有您进行中的任务。" in html
    # a forged code is no check-in code at all
    forged = client.get(f"/volunteer/scan/r{'A' * 38}", base_url=MOUNTED)
    assert forged.status_code == 404 and "这不是有效的签到二维码。" in forged.get_data(as_text=True)

    # the service refuses a scan of another sheet: shown at the top of the form again
    r = client.post(f"/volunteer/tasks/{TASK}/check-in", base_url=MOUNTED,
                    data={"scan": other})
    assert r.status_code == 422
    assert "二维码不是本任务的交接单或方案确认单" in r.get_data(as_text=True)
    r = client.post(f"/volunteer/tasks/{TASK}/check-in", base_url=MOUNTED, data={"scan": code})
    assert r.status_code == 302
    assert ("volunteer", "POST", f"/tasks/{TASK}/check-in", {"scan": code}) in calls
    assert state["task"]["state"] == "in_progress"
