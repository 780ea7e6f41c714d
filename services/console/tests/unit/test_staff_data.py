"""The staff data helpers: charts, CSV/XLSX export, XLSX parsing and per-row validation,
the chunked import and its job store."""

from __future__ import annotations

import io
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from console import importing, reporting
from console.importing import KINDS, ImportRefused, Job, Store
from console.reporting import Report, Series
from openpyxl import Workbook, load_workbook

TYPES = [{"id": "t-wc", "iso_code": "12 22 03", "name_zh": "手动轮椅车"},
         {"id": "t-wf", "iso_code": "12 06 06", "name_zh": "助行架"}]
STATIONS = [{"id": "s-dcf", "name": "东昌府区辅具租赁服务站"}]
LOOKUPS = importing.unit_lookups(TYPES, STATIONS)
UNITS = KINDS["units"]
VOLUNTEERS = KINDS["volunteers"]


def _report() -> Report:
    return Report("stock", "库存", ["租赁站", "在库", "在租", "合计"],
                  [["东昌府站", 3, 1, 4], ["=cmd", 0, 2, 2]],
                  series=[Series(1, "s1"), Series(2, "s2")], numeric=frozenset({1, 2, 3}))


def _xlsx(*rows: list[Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


UNIT_HEADER = [c.header for c in UNITS.columns]


# -- reports ----------------------------------------------------------------------------------
def test_the_chart_is_an_accessible_image_naming_every_figure() -> None:
    svg = str(reporting.bar_chart(_report()))
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-stock-title chart-stock-desc"' in svg
    assert '<title id="chart-stock-title">库存</title>' in svg
    assert "东昌府站：在库 3，在租 1" in svg  # the description
    assert "style=" not in svg  # the CSP forbids inline styles
    assert svg.count('class="bar s1"') == 2  # one legend swatch + one bar (the 0 is not drawn)


def test_a_report_without_rows_has_no_chart() -> None:
    assert str(reporting.bar_chart(Report("x", "空", ["a", "b"], [], series=[Series(1, "s1")]))) == ""


def test_the_chart_escapes_labels() -> None:
    r = Report("x", "<t>", ["名", "数"], [["<script>", 1]], series=[Series(1, "s1")])
    svg = str(reporting.bar_chart(r))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_csv_has_a_bom_and_no_formula_injection() -> None:
    raw = reporting.to_csv(_report())
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "租赁站,在库,在租,合计"
    assert lines[1] == "东昌府站,3,1,4"
    assert lines[2].startswith("'=cmd,")


def test_xlsx_has_the_header_and_numbers_as_numbers() -> None:
    ws = load_workbook(io.BytesIO(reporting.to_xlsx(_report()))).worksheets[0]
    assert ws.title == "库存"
    assert [c.value for c in ws[1]] == ["租赁站", "在库", "在租", "合计"]
    assert [c.value for c in ws[2]] == ["东昌府站", 3, 1, 4]
    assert reporting.sheet_title("a/b:c" * 10) == ("a b c" * 10)[:31]


def test_file_names_and_yuan() -> None:
    assert reporting.filename(_report(), "csv", date(2025, 5, 1)) == "stock-2025-05-01.csv"
    assert reporting.yuan(35050) == 350.5


# -- cells ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "fen"), [(1280, 128000), ("350.50", 35050), ("¥1,000", 100000),
                                            (12.3, 1230), ("0", 0)])
def test_yuan_to_fen(value: Any, fen: int) -> None:
    assert importing.to_fen(value) == fen


@pytest.mark.parametrize("value", ["abc", "-1", "1.234", ""])
def test_bad_amounts_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        importing.to_fen(value)


@pytest.mark.parametrize("value", [date(2025, 3, 1), datetime(2025, 3, 1, 8, 0), "2025-03-01",
                                   "2025/3/1".replace("3/1", "03/01"), "2025年3月1日"])
def test_dates(value: Any) -> None:
    assert importing.to_date(value) == date(2025, 3, 1)


def test_text_of_numbers_typed_in_excel() -> None:
    assert importing.text(13906352101.0) == "13906352101"
    assert importing.text(None) == ""
    assert importing.text("  x ") == "x"


# -- rows -------------------------------------------------------------------------------------
def _unit(**over: Any) -> dict[str, Any]:
    cells = {"asset_tag": "LC-1", "serial": "SN1", "type_id": "12 22 03",
             "station_id": "东昌府区辅具租赁服务站", "condition": "a", "acquisition": "采购",
             "acquired_on": "2025-03-01", "cost_fen": "1280", "model": "H005",
             "batch": None}
    cells.update(over)
    return cells


def test_a_good_unit_row_becomes_the_service_payload() -> None:
    payload, errors = importing.build_unit(_unit(type_id="助 行 架"), LOOKUPS)
    assert errors == {}
    assert payload == {"asset_tag": "LC-1", "serial": "SN1", "type_id": "t-wf",
                       "station_id": "s-dcf", "condition": "A", "acquisition": "purchase",
                       "acquired_on": "2025-03-01", "cost_fen": 128000, "model": "H005"}
    # model and batch are optional: an empty cell sends nothing (the unit has none)
    payload, errors = importing.build_unit(_unit(model=None), LOOKUPS)
    assert errors == {} and "model" not in payload and "batch" not in payload


def test_bad_unit_cells_are_named_by_their_column() -> None:
    _, errors = importing.build_unit(_unit(type_id="飞行器", condition="E", acquisition="租来",
                                           acquired_on="昨天", cost_fen="很多"), LOOKUPS)
    assert errors["辅具类型"] == ["未知的辅具类型“飞行器”"]
    assert set(errors) == {"辅具类型", "成色", "来源", "入库日期", "价值（元）"}
    _, errors = importing.build_unit(_unit(serial=None), LOOKUPS)
    assert errors == {"序列号": ["必填"]}


def test_volunteer_rows() -> None:
    lookups = importing.volunteer_lookups([{"id": "team-1", "name": "东昌府区志愿服务队"}])
    payload, errors = importing.build_volunteer(
        {"real_name": "钱晓梅", "phone": 13906352101, "divisions": "371502，371503",
         "skills": "配送、delivery 入户走访", "team_id": "东昌府区志愿服务队", "consent": "是"},
        lookups)
    assert errors == {}
    assert payload == {"real_name": "钱晓梅", "phone": "13906352101",
                       "divisions": ["371502", "371503"], "skills": ["delivery", "home_visit"],
                       "consent": True, "team_id": "team-1"}
    _, errors = importing.build_volunteer(
        {"real_name": "孙", "phone": "1234", "divisions": "3715", "skills": "修飞机",
         "team_id": "无此队", "consent": "否"}, lookups)
    assert set(errors) == {"手机号", "服务区划", "技能", "队伍", "本人同意"}


# -- files ------------------------------------------------------------------------------------
def test_the_template_has_the_header_row_and_explains_the_columns() -> None:
    wb = load_workbook(io.BytesIO(importing.template(UNITS)))
    assert [c.value for c in wb.worksheets[0][1]] == UNIT_HEADER
    notes = [r[0] for r in wb["说明"].iter_rows(min_row=2, values_only=True)]
    assert "辅具类型" in notes


def test_read_rows_numbers_rows_like_the_spreadsheet_and_skips_blank_ones() -> None:
    data = _xlsx(["备注", *reversed(UNIT_HEADER)],  # any order, extra columns ignored
                 ["x", *reversed(list(_unit().values()))],
                 [None] * 11,
                 ["y", *reversed(list(_unit(asset_tag="LC-2").values()))])
    rows = importing.read_rows(UNITS, data)
    assert [n for n, _ in rows] == [2, 4]
    assert rows[1][1]["asset_tag"] == "LC-2"


def test_files_that_cannot_be_imported_are_refused_whole() -> None:
    with pytest.raises(ImportRefused, match="xlsx"):
        importing.read_rows(UNITS, b"not a workbook")
    with pytest.raises(ImportRefused, match="资产编号"):
        importing.read_rows(UNITS, _xlsx(UNIT_HEADER[1:], ["x"] * 7))
    with pytest.raises(ImportRefused, match="表头"):
        importing.read_rows(UNITS, _xlsx())


def _job(*rows: dict[str, Any]) -> Job:
    data = _xlsx(UNIT_HEADER, *[list(r.values()) for r in rows])
    return importing.prepare(UNITS, data, LOOKUPS, owner="u1", filename="units.xlsx")


def test_prepare_checks_each_row_and_duplicates_within_the_file() -> None:
    job = _job(_unit(), _unit(type_id="飞行器", asset_tag="LC-2"), _unit())
    assert [r["row"] for r in job.rows] == [2, 3, 4]
    assert job.rows[0]["payload"] is not None
    assert job.rows[1]["payload"] is None and "辅具类型" in job.rows[1]["errors"]
    assert job.rows[2]["errors"] == {"资产编号": ["与第 2 行重复"]}


def test_run_chunk_sends_the_good_rows_and_reports_every_row() -> None:
    job = _job(_unit(), _unit(type_id="飞行器", asset_tag="LC-2"), _unit(asset_tag="LC-3"))
    sent: list[str] = []

    def create(payload: dict[str, Any]) -> importing.Outcome:
        sent.append(payload["asset_tag"])
        return ("duplicate", ["资产标签已存在"]) if payload["asset_tag"] == "LC-3" else ("created", [])

    importing.run_chunk(job, create, size=2)
    assert (job.position, job.percent, job.done) == (2, 66, False)
    importing.run_chunk(job, create, size=2)
    assert job.done and job.percent == 100 and sent == ["LC-1", "LC-3"]
    assert [(r["row"], r["status"]) for r in job.results] == [
        (2, "created"), (3, "invalid"), (4, "duplicate")]
    assert job.results[1]["messages"] == ["辅具类型：未知的辅具类型“飞行器”"]
    assert job.summary()["created"] == 1
    importing.run_chunk(job, create)  # nothing left: no-op
    assert len(job.results) == 3


def test_service_field_errors_use_the_column_names() -> None:
    assert importing.field_messages(UNITS, {"cost_fen": ["太大"], "x.0": ["?"],
                                            "json.serial": ["空"], "_schema": ["整体有误"]}) == [
        "价值（元）：太大", "x：?", "序列号：空", "整体有误"]


def test_the_store_keeps_jobs_per_owner(tmp_path: Path) -> None:
    store = Store(tmp_path / "imports")
    job = _job(_unit())
    store.save(job)
    assert store.load(job.id, "u1").rows == job.rows
    with pytest.raises(KeyError):
        store.load(job.id, "someone-else")
    with pytest.raises(KeyError):
        store.load("../../etc/passwd", "u1")
    with store.locked(job.id, "u1") as locked:
        importing.run_chunk(locked, lambda p: ("created", []))
    assert store.load(job.id, "u1").done


def test_table_cells_are_shown_with_separators() -> None:
    assert [reporting.display(v) for v in (1500000.0, 2835.5, 14.3, 0.0, 6, None, "2025")] == [
        "1,500,000", "2,835.5", "14.3", "0", "6", "", "2025"]


def test_old_jobs_are_purged(tmp_path: Path) -> None:
    store = Store(tmp_path)
    job = _job(_unit())
    store.save(job)
    assert store.purge(now=time.time()) == 0
    assert store.purge(max_age_seconds=60, now=time.time() + 3600) == 1
    with pytest.raises(KeyError):
        store.load(job.id, "u1")


def test_a_template_with_the_old_asset_tag_header_is_still_read() -> None:
    """资产标签 was renamed 资产编号 (docs/glossary.md): files made from the old template
    still import."""
    old = ["资产标签", *UNIT_HEADER[1:]]
    rows = importing.read_rows(UNITS, _xlsx(old, list(_unit().values())))
    assert rows[0][1]["asset_tag"] == _unit()["asset_tag"]
