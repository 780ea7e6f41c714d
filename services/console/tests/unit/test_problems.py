"""A service's refusal as the user reads it: once, in the page's language, at its input."""

from __future__ import annotations

from pathlib import Path

import pytest
from console import api, problems
from console.app import create_app
from console.config import ConsoleSettings
from flask import Flask, g, get_flashed_messages, render_template_string


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    app = create_app(ConsoleSettings(var_dir=tmp_path, api_base="http://127.0.0.1:9"))
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


def _in(app: Flask, path: str = "/clerk/", lang: str = "zh", **kw: object):  # type: ignore[no-untyped-def]
    ctx = app.test_request_context(path, **kw)  # type: ignore[arg-type]
    ctx.push()
    app.preprocess_request()
    g.lang = lang
    return ctx


@pytest.mark.parametrize(("message", "zh", "en"), [
    ("借用人有逾期未还的设备，需主管批准 (borrower has an overdue rental)",
     "借用人有逾期未还的设备，需主管批准", "borrower has an overdue rental"),
    ("Missing data for required field.", "必填。", "Missing data for required field."),
    ("Longer than maximum length 500.", "最多500个字符。", "Longer than maximum length 500."),
    ("certificate_number: 证号格式不正确", "证号格式不正确", "证号格式不正确"),
    ("Unit 1234 not found", "", "Unit 1234 not found"),
    ("清洁间隔未满，2025-05-01T06:30:00+00:00 后可借 (cleaning until 2025-05-01T06:30:00Z)",
     "清洁间隔未满，2025-05-01 14:30 后可借", "cleaning until 2025-05-01 14:30"),
    ("Rental in state 'returned' cannot extend", "", "Rental in state 已归还 cannot extend"),
])
def test_messages_in_the_page_language(app: Flask, message: str, zh: str, en: str) -> None:
    with _in(app, lang="zh"):
        assert problems.localize(message) == zh
    with _in(app, lang="en"):
        # English pages keep English text; state values become their labels (Chinese
        # labels translated where the console has the English)
        assert problems.localize(message) == en.replace("已归还", "Returned")


def test_a_validation_problem_is_shown_once_at_its_fields(app: Flask) -> None:
    exc = api.ApiError(422, {
        "type": "/problems/validation-failed", "title": "输入校验失败",
        "detail": "due_on: 归还日期应在出借后1-30天内 (due 1-30 days after checkout)",
        "errors": {"due_on": ["归还日期应在出借后1-30天内 (due 1-30 days after checkout)"],
                   "damage_charge_fen": ["Must be greater than or equal to 0."],
                   "station_id": ["Not a valid UUID."]}})
    with _in(app, "/clerk/checkout", method="POST", data={"due_on": "2099-01-01"}):
        fields = problems.refused(exc)
        assert fields == {"due_on": ["归还日期应在出借后1-30天内"],
                          "damage_charge": ["不能小于0。"], "station_id": ["请从列表中选择。"]}
        assert get_flashed_messages() == []  # the detail only repeats the fields
        assert problems.field_errors("due_on") == ["归还日期应在出借后1-30天内"]
        assert problems.kept("due_on") == "2099-01-01"
        # no input for these on the page: at the top, after their label
        assert problems.unplaced_errors() == ["损坏赔偿（元）：不能小于0。", "服务站：请从列表中选择。"]


def test_a_conflict_names_the_state_not_the_enum(app: Flask) -> None:
    exc = api.ApiError(409, {"type": "/problems/illegal-transition", "title": "x",
                             "detail": "Rental in state 'returned' cannot extend",
                             "current_state": "returned"})
    with _in(app):
        assert problems.explain(exc).top == ["当前状态不允许此操作。", "当前状态：已归还"]
    with _in(app, lang="en"):
        assert problems.explain(exc).top == ["Rental in state Returned cannot extend",
                                             "Current state: Returned"]


def test_a_redirect_carries_fields_and_values_but_no_secret(app: Flask) -> None:
    exc = api.ApiError(422, {"type": "/problems/validation-failed",
                             "errors": {"note": ["Field may not be blank."]}})
    client = app.test_client()
    with client:
        client.get("/login")
        with app.test_request_context("/clerk/transfers", method="POST",
                                      data={"note": "坏了", "certificate_number": "secret",
                                            "csrf_token": "t"}):
            app.preprocess_request()
            from flask import session
            problems.flash_problem(exc)
            carried = dict(session["refused"])
    assert carried == {"fields": {"note": ["必填。"]}, "values": {"note": "坏了"}}


def test_the_form_macros_place_and_keep(app: Flask) -> None:
    exc = api.ApiError(422, {"type": "/problems/validation-failed",
                             "errors": {"note": ["Field may not be blank."]}})
    with _in(app, "/clerk/transfers", method="POST", data={"note": " "}):
        problems.refused(exc)
        html = render_template_string(
            '{% from "macros.html" import field %}{{ field("note", "备注", "x") }}')
        assert 'aria-invalid="true"' in html and "必填。" in html and 'value=" "' in html
        assert problems.unplaced_errors() == []
