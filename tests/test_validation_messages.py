"""The services' own validation messages in the caller's language (svckit.http.messages):
marshmallow's English validator texts in Chinese by default and in English with
``Accept-Language: en``, the platform's bilingual messages as their one half, each with a
stable code in ``error_codes``. Over HTTP, on endpoints of two services."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from svckit.auth.principal import Principal, Role
from svckit.auth.tokens import generate_keypair, mint
from svckit.http.messages import localize
from svckit.testing import service_context

PRIVATE, PUBLIC = generate_keypair()
DIVISION = "371502"


def _client(name: str, tmp_path: Path) -> Any:
    definition = importlib.import_module(f"{name}.service").definition
    ctx = service_context(definition, f"sqlite:///{tmp_path}/{name}.db", public_key=PUBLIC)
    return ctx, ctx.create_app().test_client()


def _headers(principal: Principal, lang: str | None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {mint(principal, PRIVATE)}"}
    if lang:
        headers["Accept-Language"] = lang
    return headers


def _refused(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 422, answer.get_json()
    assert answer.mimetype == "application/problem+json"
    body: dict[str, Any] = answer.get_json()
    assert set(body["errors"]) == set(body["error_codes"])
    return body


def test_inventory_borrower_registration_refusals_in_chinese_and_english(tmp_path: Path) -> None:
    ctx, client = _client("inventory", tmp_path)
    staff = Principal(sub="staff-zhao", role=Role.STAFF, districts=(DIVISION,))
    bad = {"certificate_number": "x" * 41, "name": "王" * 51, "address": "",
           "division_code": DIVISION}
    zh = _refused(client.post("/borrowers", json=bad, headers=_headers(staff, None)))
    assert zh["title"] == "输入校验失败"
    assert zh["errors"] == {"name": ["最多50个字符"], "certificate_number": ["最多40个字符"],
                            "phone": ["必填"]}
    assert zh["error_codes"] == {"name": ["too-long"], "certificate_number": ["too-long"],
                                 "phone": ["required"]}
    en = _refused(client.post("/borrowers", json=bad, headers=_headers(staff, "en")))
    assert en["title"] == "Validation failed"
    assert en["errors"]["name"] == ["Longer than maximum length 50."]
    assert en["errors"]["phone"] == ["Missing data for required field."]
    assert en["error_codes"] == zh["error_codes"]  # the codes do not depend on the language

    # svckit's strict JSON types (a bilingual message): the caller's half
    typed = {**bad, "name": "王芳", "certificate_number": "1", "dibao": "yes"}
    zh = _refused(client.post("/borrowers", json=typed, headers=_headers(staff, None)))
    assert zh["errors"] == {"dibao": ["必须是 true 或 false"]}
    assert zh["error_codes"] == {"dibao": ["not-boolean"]}
    en = _refused(client.post("/borrowers", json=typed, headers=_headers(staff, "en")))
    assert en["errors"] == {"dibao": ["must be a JSON boolean"]}
    ctx.engine.dispose()


def test_volunteer_task_refusals_in_chinese_and_english(tmp_path: Path) -> None:
    ctx, client = _client("volunteer", tmp_path)
    coordinator = Principal(sub="coord", role=Role.COORDINATOR, districts=(DIVISION,))
    bad = {"type": "teleport", "division": DIVISION, "address": "", "note": "",
           "window_start": "2030-01-01T09:00:00+08:00", "window_end": "2030-01-01T10:00:00+08:00",
           "duration_minutes": 1}
    zh = _refused(client.post("/tasks", json=bad, headers=_headers(coordinator, "zh-CN,zh;q=0.9")))
    assert zh["errors"]["type"][0].startswith("应为以下之一：")
    assert zh["errors"]["address"] == ["长度应为1至200个字符"]
    assert zh["errors"]["duration_minutes"] == ["应在5至720之间"]
    assert zh["error_codes"] == {"type": ["one-of"], "address": ["length"],
                                 "duration_minutes": ["range"]}
    # no English validator text on a Chinese answer
    flat = " ".join(m for ms in zh["errors"].values() for m in ms)
    assert not any(w in flat for w in ("Must be", "Length", "Missing", "must be"))

    en = _refused(client.post("/tasks", json=bad, headers=_headers(coordinator, "en-GB,en")))
    assert en["errors"]["address"] == ["Length must be between 1 and 200."]
    assert en["errors"]["duration_minutes"] == [
        "Must be greater than or equal to 5 and less than or equal to 720."]
    ctx.engine.dispose()


@pytest.mark.parametrize(("message", "zh", "code"), [
    ("Not a valid UUID.", "不是有效的标识", "not-uuid"),
    ("Must be greater than or equal to 1.", "不能小于1", "min"),
    ("Unknown field.", "不支持的字段", "unknown-field"),
    ("改造区域无效 (unknown area)", "改造区域无效", "invalid"),
    ("a message of a kind nobody translated", "a message of a kind nobody translated", "invalid"),
])
def test_one_message_at_a_time(message: str, zh: str, code: str) -> None:
    assert localize(message, english=False) == (zh, code)
    english, _ = localize(message, english=True)
    assert english == ("unknown area" if "(" in message else message)
