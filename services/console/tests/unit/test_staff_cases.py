"""Staff case pages: money and quantity helpers, and the plan builder against a fake API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from console import api, formatting
from console.app import create_app
from console.config import ConsoleSettings
from console.views import staff
from flask import Flask
from flask.testing import FlaskClient

APP_ID = "6f1d7c0e-2b1a-5e0c-9a57-3715a0c20001"
PROG_ID = "6f1d7c0e-2b1a-5e0c-9a57-3715a0c20002"
CATALOGUE = [
    {"code": "RAMP", "name": "入户坡道", "area": "entrance", "area_zh": "出入口", "unit": "metre",
     "unit_zh": "米", "unit_price_fen": 35_000, "is_device": False, "active": True},
    {"code": "TOILET", "name": "蹲便改坐便", "area": "bathroom", "area_zh": "卫生间",
     "unit": "each", "unit_zh": "个", "unit_price_fen": 80_000, "is_device": False,
     "active": True},
    {"code": "OLD", "name": "停用项目", "area": "other", "area_zh": "其他", "unit": "each",
     "unit_zh": "个", "unit_price_fen": 1, "is_device": False, "active": False},
]


@pytest.mark.parametrize(("fen", "text"), [
    (0, "¥0.00"), (5, "¥0.05"), (123_456, "¥1,234.56"), (300_000, "¥3,000.00"),
    (-1_050, "-¥10.50"), (None, ""),
])
def test_yuan(fen: int | None, text: str) -> None:
    assert staff.yuan(fen) == text


@pytest.mark.parametrize(("raw", "milli"), [
    ("", 0), ("0", 0), ("2", 2000), ("2.5", 2500), (" 3.125 ", 3125), ("0.001", 1),
    ("2.5.1", None), ("-1", None), ("1e3", None), ("1.2345", None), ("abc", None),
])
def test_quantity_milli(raw: str, milli: int | None) -> None:
    assert staff.quantity_milli(raw) == milli


def test_line_total_rounds_half_up_like_the_service() -> None:
    assert staff.line_total_fen(35_000, 2_500) == 87_500
    assert staff.line_total_fen(333, 1_500) == 500  # 499.5 -> 500
    assert staff.line_total_fen(333, 1_499) == 499  # 499.167 -> 499


def test_plan_from_form_keeps_catalogue_order_and_skips_blank_lines() -> None:
    form = {"qty-TOILET": "1", "qty-RAMP": "2.5", "qty-OLD": ""}
    lines, typed, total = staff.plan_from_form(form, CATALOGUE)
    assert lines == [{"item_code": "RAMP", "quantity": "2.5"},
                     {"item_code": "TOILET", "quantity": "1"}]
    assert typed == {"RAMP": "2.5", "TOILET": "1", "OLD": ""}
    assert total == 87_500 + 80_000


def test_plan_from_form_sends_unparsable_quantities_for_the_service_to_name() -> None:
    lines, _typed, total = staff.plan_from_form({"qty-RAMP": "two"}, CATALOGUE)
    assert lines == [{"item_code": "RAMP", "quantity": "two"}]
    assert total == 0


def test_line_errors_point_at_the_form_field() -> None:
    lines = [{"item_code": "RAMP", "quantity": "x"}, {"item_code": "TOILET", "quantity": "1.5"}]
    out = staff.line_errors({"lines.1.quantity": ["须为整数"], "lines": ["项目重复"]}, lines)
    assert out == {"qty-TOILET": ["须为整数"], "lines": ["项目重复"]}


def test_local_time_round_trip() -> None:
    iso = staff.local_to_utc_iso("2025-06-03T09:00")
    assert iso == "2025-06-03T09:00:00+08:00"
    assert formatting.local_time(iso) == "2025-06-03 09:00"
    assert staff.local_to_utc_iso("tomorrow") is None


def test_lines_of() -> None:
    assert staff.lines_of("坡道\n\n  扶手 \n") == ["坡道", "扶手"]


# ---- the plan builder against a fake renovation API -----------------------------------------
@pytest.fixture
def app(tmp_path: Path) -> Flask:
    app = create_app(ConsoleSettings(var_dir=tmp_path))
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    c = app.test_client()
    with c.session_transaction() as s:
        s["access_token"] = "t"
        s["user"] = {"sub": "staff-li", "name": "李评估员", "role": "staff"}
    return c


class FakeRenovation:
    def __init__(self) -> None:
        self.puts: list[Any] = []
        self.refuse_over_cap = False

    def get(self, service: str, path: str, **params: Any) -> Any:
        if path == f"/applications/{APP_ID}":
            return {"id": APP_ID, "programme_id": PROG_ID, "holder": "张某",
                    "status": "assessed", "plan": None}
        if path == f"/programmes/{PROG_ID}":
            return {"programme": {"id": PROG_ID, "name": "2025年项目",
                                  "household_cap_fen": 300_000},
                    "remaining_fen": 1_000_000}
        if path == "/catalogue":
            return {"items": CATALOGUE}
        raise AssertionError(path)

    def put(self, service: str, path: str, json: Any = None) -> Any:
        self.puts.append(json)
        if self.refuse_over_cap:
            raise api.ApiError(422, {"title": "超出预算", "limit": "household_cap",
                                     "total_fen": 350_000, "limit_fen": 300_000,
                                     "over_fen": 50_000})
        return {}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeRenovation:
    f = FakeRenovation()
    monkeypatch.setattr(api, "get", f.get)
    monkeypatch.setattr(api, "put", f.put)
    return f


def test_plan_builder_lists_active_items_with_the_cap(client: FlaskClient,
                                                      fake: FakeRenovation) -> None:
    html = client.get(f"/staff/applications/{APP_ID}/plan").get_data(as_text=True)
    assert 'id="qty-RAMP"' in html and 'id="qty-TOILET"' in html
    assert "qty-OLD" not in html
    assert 'data-cap="300000"' in html and 'aria-live="polite"' in html
    assert "¥3,000.00" in html


def test_plan_builder_saves_lines_and_returns_to_the_case(client: FlaskClient,
                                                          fake: FakeRenovation) -> None:
    resp = client.post(f"/staff/applications/{APP_ID}/plan",
                       data={"qty-RAMP": "2.5", "qty-TOILET": "1"})
    assert resp.status_code == 302
    assert fake.puts == [{"lines": [{"item_code": "RAMP", "quantity": "2.5"},
                                    {"item_code": "TOILET", "quantity": "1"}]}]


def test_plan_over_the_cap_is_shown_with_the_figures_and_the_typed_quantities(
        client: FlaskClient, fake: FakeRenovation) -> None:
    fake.refuse_over_cap = True
    resp = client.post(f"/staff/applications/{APP_ID}/plan",
                       data={"qty-RAMP": "10", "qty-TOILET": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "超过每户补助上限 ¥3,000.00，超出 ¥500.00" in html
    assert 'value="10"' in html and 'role="alert"' in html


def test_an_empty_plan_is_refused_before_the_service(client: FlaskClient,
                                                     fake: FakeRenovation) -> None:
    resp = client.post(f"/staff/applications/{APP_ID}/plan", data={})
    assert resp.status_code == 422
    assert fake.puts == []
    assert "请至少为一个项目填写数量" in resp.get_data(as_text=True)


def test_inspectors_cannot_open_the_plan_builder(client: FlaskClient,
                                                 fake: FakeRenovation) -> None:
    with client.session_transaction() as s:
        s["user"] = {"sub": "inspector-sun", "role": "inspector"}
    assert client.get(f"/staff/applications/{APP_ID}/plan").status_code == 403


def test_plan_builder_in_english(client: FlaskClient, fake: FakeRenovation) -> None:
    html = client.get(f"/staff/applications/{APP_ID}/plan?lang=en").get_data(as_text=True)
    assert "Save plan" in html and "Per-household cap" in html


# ---- the assessment checklist ------------------------------------------------------------------
AREAS = [{"code": "entrance", "label": "入户", "findings": [
             {"code": "threshold", "label": "门槛高差"}, {"code": "steps", "label": "入户台阶"}]},
         {"code": "kitchen", "label": "厨房", "findings": [
             {"code": "counter_too_high", "label": "灶台过高"}]}]


def test_checklist_from_form_sends_every_finding_blank_when_unanswered() -> None:
    form = {"checklist.entrance.threshold": "needs_work", "checklist.entrance.steps": "no",
            "checklist.kitchen.bogus": "yes"}
    assert staff.checklist_from_form(form, AREAS) == {
        "entrance": {"threshold": "needs_work", "steps": "no"},
        "kitchen": {"counter_too_high": ""}}


def test_checklist_rows_list_what_was_found_with_the_notes(app: Flask) -> None:
    with app.test_request_context():
        rows = staff.checklist_rows(AREAS, {"yes": "有", "needs_work": "需改造"}, {
            "checklist": {"entrance": {"threshold": "needs_work", "steps": "yes"},
                          "kitchen": {"counter_too_high": "no"}},
            "findings": {"entrance": "门口15厘米台阶", "other": "院内有杂物"}})
    assert rows[0] == {"label": "入户", "note": "门口15厘米台阶",
                       "found": ["门槛高差：需改造", "入户台阶：有"]}
    assert rows[1] == {"label": "厨房", "note": "", "found": []}
    assert rows[2] == {"label": "其他", "note": "院内有杂物", "found": []}


def test_prefilled_takes_the_suggested_items_of_the_catalogue_only() -> None:
    assert staff.prefilled(CATALOGUE, [{"item_code": "TOILET"}, {"item_code": "GONE"}]) == {
        "RAMP": "", "TOILET": "1", "OLD": ""}


def test_a_new_plan_is_prefilled_from_the_assessment(client: FlaskClient,
                                                     fake: FakeRenovation,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    real = fake.get

    def get(service: str, path: str, **params: Any) -> Any:
        out = real(service, path, **params)
        if path == f"/applications/{APP_ID}":
            out["assessment"] = {"suggested_items": [
                {"item_code": "TOILET", "findings": ["bathroom.squat_toilet"]}]}
        return out

    monkeypatch.setattr(api, "get", get)
    html = client.get(f"/staff/applications/{APP_ID}/plan").get_data(as_text=True)
    assert 'id="plan-prefilled"' in html and "评估建议" in html
    assert 'name="qty-TOILET" type="text" inputmode="decimal" class="qty" size="6"\n' \
           '                 value="1"' in html
    assert "¥800.00" in html  # the total of what was pre-filled
