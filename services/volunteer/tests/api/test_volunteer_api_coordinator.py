"""The coordinator's console day over HTTP: a task raised by hand keeps its contact
masked like a visit request's, and the candidates' reasons come in the caller's language,
never both mixed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from volunteer_testkit import A, soon

_CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def client(ctx):
    return ctx.create_app().test_client()


@pytest.fixture
def coord(token_for) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('coordinator', sub='coord-a', districts=[A])}"}


def _manual(**extra: Any) -> dict[str, Any]:
    return {"type": "manual", "division": A,
            "address": "东昌府区新区街道建设路88号2单元401室", "note": "送米面油",
            "window_start": soon().isoformat(), "window_end": soon(26).isoformat(), **extra}


def test_a_manual_task_keeps_its_contact_masked(ctx, client, coord) -> None:
    r = client.post("/tasks", headers=coord, json=_manual(
        type="acceptance_visit", contact_name="王秀英", contact_phone="138 1234 5678"))
    assert r.status_code == 201, r.json
    assert (r.json["type"], r.json["contact_name"]) == ("acceptance_visit", "王某")
    assert "建设路" not in r.json["address"]  # the area only, as for a visit request
    r = client.get(f"/tasks/{r.json['id']}/address", headers=coord,
                   query_string={"purpose": "visit_arrangement"})
    assert r.status_code == 200, r.json
    assert r.json["address"] == "东昌府区新区街道建设路88号2单元401室"
    assert (r.json["contact_name"], r.json["contact_phone"]) == ("王某", "138****5678")

    # no contact: none kept
    r = client.post("/tasks", headers=coord, json=_manual())
    assert (r.status_code, r.json["contact_name"]) == (201, None)


def test_a_contact_phone_that_is_not_one_is_a_field_error(ctx, client, coord) -> None:
    r = client.post("/tasks", headers=coord, json=_manual(contact_phone="12345"))
    assert r.status_code == 422
    assert "电话号码格式不正确" in r.json["errors"]["contact_phone"][0]
    assert "(" not in r.json["errors"]["contact_phone"][0]
    r = client.post("/tasks", headers={**coord, "Accept-Language": "en"},
                    json=_manual(contact_phone="12345"))
    assert not _CJK.search(r.json["errors"]["contact_phone"][0])


def test_candidate_reasons_in_one_language(ctx, client, coord, add_volunteer) -> None:
    v = add_volunteer(name="张建华")
    # a busy month for another volunteer does not matter: this one has served nothing yet
    r = client.post("/tasks", headers=coord, json=_manual())
    tid = r.json["id"]

    zh = client.get(f"/tasks/{tid}/candidates", headers=coord).json
    (mine,) = [c for c in zh["candidates"] if c["volunteer_id"] == str(v.id)]
    assert mine["reasons"], zh
    for text in mine["reasons"]:
        assert _CJK.search(text) and not re.search(r"[A-Za-z]{3,}", text), text
    assert "本月尚无服务" in mine["reasons"]
    assert not any("0分" in t for t in mine["reasons"])
    assert any(t.startswith("可于 ") and t.endswith(" 上门") for t in mine["reasons"])

    en = client.get(f"/tasks/{tid}/candidates",
                    headers={**coord, "Accept-Language": "en"}).json
    (mine,) = [c for c in en["candidates"] if c["volunteer_id"] == str(v.id)]
    for text in mine["reasons"]:
        assert not _CJK.search(text), text
    assert "no service yet this month" in mine["reasons"]
    assert any(t.startswith("free for a 60 min visit on ") for t in mine["reasons"])
    for x in en["excluded"]:
        for reason in x["reasons"]:
            assert not _CJK.search(reason["message"]), reason


def test_manual_hours_for_this_month_show_in_the_reasons(ctx, client, coord,
                                                         add_volunteer) -> None:
    v = add_volunteer(name="李卫东")
    now = datetime.now(UTC)
    r = client.post("/hours", headers=coord, json={
        "volunteer_id": str(v.id), "division": A, "note": "助残日活动",
        "started_at": (now - timedelta(minutes=95)).isoformat(), "ended_at": now.isoformat()})
    assert (r.status_code, r.json["status"], r.json["duration"]) == (201, "approved",
                                                                    "1小时35分钟")
    tid = client.post("/tasks", headers=coord, json=_manual()).json["id"]
    found = client.get(f"/tasks/{tid}/candidates", headers=coord).json["candidates"]
    (mine,) = [c for c in found if c["volunteer_id"] == str(v.id)]
    if mine["minutes_this_month"] == 95:  # a month boundary between the two requests aside
        assert "本月已服务 1小时35分钟" in mine["reasons"]


def test_hours_say_who_may_decide_them(ctx, client, coord, token_for, add_volunteer) -> None:
    v = add_volunteer(name="赵敏")
    second = {"Authorization": "Bearer " + token_for("coordinator", sub="coord-a2",
                                                     districts=[A])}
    now = datetime.now(UTC)
    ordinary = client.post("/hours", headers=coord, json={
        "volunteer_id": str(v.id), "division": A, "note": "助残日活动",
        "started_at": (now - timedelta(hours=30)).isoformat(),
        "ended_at": (now - timedelta(hours=28)).isoformat()}).json
    assert (ordinary["status"], ordinary["may_approve"]) == ("approved", False)
    flagged = client.post("/hours", headers=coord, json={
        "volunteer_id": str(v.id), "division": A, "note": "康复营地陪护",
        "started_at": (now - timedelta(hours=10)).isoformat(),
        "ended_at": (now - timedelta(minutes=30)).isoformat()}).json
    assert (flagged["status"], flagged["flagged"]) == ("pending", True), flagged
    assert flagged["flag_text"] == "超过签到时限"  # in the caller's language only
    en = client.get("/hours", headers={**second, "Accept-Language": "en"},
                    query_string={"status": "pending"}).json
    assert [e["flag_text"] for e in en["items"] if e["id"] == flagged["id"]] == [
        "longer than the check-in limit"]
    # the recorder may reject it but not approve it; a second coordinator may do both
    assert (flagged["may_approve"], flagged["may_reject"]) == (False, True)
    listed = client.get("/hours", headers=second, query_string={"status": "pending"}).json
    (mine,) = [e for e in listed["items"] if e["id"] == flagged["id"]]
    assert (mine["may_approve"], mine["may_reject"]) == (True, True)
    r = client.post(f"/hours/{flagged['id']}/approve", headers=second, json={})
    assert (r.status_code, r.json["status"], r.json["may_approve"]) == (200, "approved", False)
