"""Staff reports (charts + tables), CSV/XLSX export and the XLSX import with per-row
validation and a progress bar, in Chromium."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from browser_kit import audit, login, screenshot, submit
from e2e_kit import System
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect


def _open_reports(page: Page, console: str) -> None:
    login(page, console, "staff-zhao")
    with page.expect_navigation():
        page.get_by_role("link", name="报表与数据").first.click()
    audit(page)
    expect(page.get_by_role("heading", level=1, name="报表与数据")).to_be_visible()


def test_reports_show_charts_with_tables_and_export_csv_and_xlsx(
        page: Page, console: str, system: System) -> None:
    _open_reports(page, console)
    stock = page.locator("#report-stock")
    chart = stock.get_by_role("img", name="库存（按租赁站与状态）")
    expect(chart).to_be_visible()
    table = stock.get_by_role("table", name="库存（按租赁站与状态） · 数据表")
    expect(table).to_be_visible()
    expect(table.get_by_role("rowheader", name="东昌府区辅具租赁服务站")).to_be_visible()
    for title in ("设备利用率（按类型）", "改造户数（按状态）", "改造资金（按项目）",
                  "志愿服务时长（按队伍，已审核）"):
        expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()
    expect(page.locator("#report-utilisation svg[role=img]")).to_be_visible()
    screenshot(page, "staff-reports")

    # the figures come from the inventory service's stock report
    items = system.client("inventory", "staff").get("/reports/stock")["items"]
    dcf_total = sum(r["total"] for r in items if r["station_name"] == "东昌府区辅具租赁服务站")
    assert dcf_total > 0

    with page.expect_download() as info:
        page.get_by_role("link", name="下载 CSV · 库存（按租赁站与状态）").click()
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel opens the Chinese correctly
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[0] == "租赁站" and lines[0].split(",")[-1] == "合计"
    dcf = next(line.split(",") for line in lines if line.startswith("东昌府区辅具租赁服务站"))
    assert int(dcf[-1]) == dcf_total

    with page.expect_download() as info:
        page.get_by_role("link", name="下载 XLSX · 库存（按租赁站与状态）").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    ws = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[0] == "租赁站" and header[-1] == "合计"
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True)
               if r[0] == "东昌府区辅具租赁服务站")
    assert row[-1] == dcf_total

    with page.expect_download() as info:
        page.get_by_role("link", name="下载 XLSX · 设备利用率（按类型）").click()
    ws = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).worksheets[0]
    assert [c.value for c in ws[1]][-1] == "利用率（%）"

    # another period for the utilisation report, by keyboard
    section = page.locator("#report-utilisation")
    section.get_by_label("起始日期").fill("2025-01-01")
    section.get_by_label("截止日期（不含）").fill("2025-02-01")
    with page.expect_navigation():
        section.get_by_label("截止日期（不含）").press("Enter")
    audit(page)
    expect(page.locator("#report-utilisation")).to_contain_text(
        "统计区间：2025-01-01 至 2025-02-01（不含）")


def _units_file(page: Page, path: Path, tag: str) -> Path:
    """The downloaded template filled with 3 good rows and 2 bad ones (rows 5 and 6)."""
    with page.expect_download() as info:
        page.get_by_role("link", name="下载导入模板 · 设备").click()
    wb = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]][:3] == ["资产编号", "序列号", "辅具类型"]
    station = "东昌府区辅具租赁服务站"
    ws.append([f"{tag}-1", "SN-X1", "12 22 03", station, "A", "采购", "2025-03-01", 1280])
    ws.append([f"{tag}-2", "SN-X2", "助行架", station, "B", "捐赠", "2025-03-02", "350.50"])
    ws.append([f"{tag}-3", "SN-X3", "洗浴椅", station, "A", "采购", "2025-03-03", 260])
    ws.append([f"{tag}-4", "SN-X4", "飞行器", station, "A", "采购", "2025-03-04", 100])
    ws.append(["LC-DCF-WC-01", "SN-X5", "手动轮椅车", station, "A", "采购", "2025-03-05", 900])
    wb.save(path)
    return path


def _import(page: Page, kind: str, path: Path) -> None:
    page.get_by_label(f"选择 XLSX 文件（{kind}）").set_input_files(str(path))
    submit(page, f"上传并校验 · {kind}")
    expect(page.get_by_role("heading", name="导入进度")).to_be_visible()


def test_import_units_validates_each_row_and_a_rerun_creates_nothing_twice(
        page: Page, console: str, system: System, tmp_path: Path) -> None:
    login(page, console, "staff-zhao")
    with page.expect_navigation():
        page.get_by_role("link", name="数据导入").first.click()
    audit(page)
    tag = f"LC-IMP-{uuid.uuid4().hex[:6].upper()}"
    path = _units_file(page, tmp_path / "units.xlsx", tag)

    _import(page, "设备", path)
    progress = page.get_by_role("progressbar", name="导入进度")
    expect(page.get_by_role("status").filter(has_text="已处理")).to_have_text(
        "已处理 0 / 5 行（0%）")
    page.get_by_role("button", name="开始导入").click()  # the script sends every chunk
    expect(page.get_by_role("status").filter(has_text="已处理")).to_have_text(
        "已处理 5 / 5 行（100%）")
    assert progress.get_attribute("value") == progress.get_attribute("max") == "5"
    results = page.get_by_role("table", name="结果")
    expect(results.get_by_role("row")).to_have_count(6)
    expect(page.get_by_text("已创建 3 行，重复 1 行，有误 1 行，失败 0 行。")).to_be_visible()
    row5 = results.get_by_role("row", name="第 5 行")
    expect(row5).to_contain_text("有误")
    expect(row5).to_contain_text("辅具类型：未知的辅具类型“飞行器”")
    row6 = results.get_by_role("row", name="第 6 行")
    expect(row6).to_contain_text("重复")
    expect(row6).to_contain_text("资产编号已存在（重复）")
    audit(page)
    screenshot(page, "staff-import")

    staff = system.client("inventory", "staff")
    unit = staff.get(f"/units/by-tag/{tag}-2")
    assert (unit["cost_fen"], unit["acquisition"], unit["condition"]) == (35050, "donation", "B")

    # the same file again: nothing is created twice, every good row is a duplicate
    with page.expect_navigation():
        page.get_by_role("link", name="新的导入").click()
    audit(page)
    _import(page, "设备", path)
    page.get_by_role("button", name="开始导入").click()
    expect(page.get_by_text("已创建 0 行，重复 4 行，有误 1 行，失败 0 行。")).to_be_visible()
    audit(page)


def test_a_file_that_is_not_a_workbook_is_refused_with_a_message(
        page: Page, console: str, tmp_path: Path) -> None:
    login(page, console, "staff-zhao")
    page.goto(f"{console}/staff/data/import")
    audit(page)
    bogus = tmp_path / "volunteers.xlsx"
    bogus.write_text("not a workbook")
    page.get_by_label("选择 XLSX 文件（志愿者）").set_input_files(str(bogus))
    submit(page, "上传并校验 · 志愿者")
    expect(page.get_by_role("alert")).to_contain_text("请上传 .xlsx 格式的工作簿")


def _volunteers_file(team: str) -> bytes:
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["姓名", "手机号", "服务区划", "技能", "队伍", "本人同意"])
    ws.append(["钱晓梅", int(phone), "371502", "配送、入户走访", team, "是"])
    ws.append(["孙德明", "1234", "371502", "", "", "是"])
    ws.append(["周建华", f"158{uuid.uuid4().int % 10**8:08d}", "371502", "修飞机", "", "否"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_volunteers_without_the_script_by_continue_buttons(
        page: Page, console: str, system: System, tmp_path: Path) -> None:
    page.route("**/static/staff_data.js", lambda route: route.abort())  # plain form posts
    teams = system.client("volunteer", "staff").get("/teams")["items"]
    team = next(t["name"] for t in teams if t["division"] == "371502")
    path = tmp_path / "volunteers.xlsx"
    path.write_bytes(_volunteers_file(team))
    login(page, console, "staff-zhao")
    page.goto(f"{console}/staff/data/import")
    audit(page)
    _import(page, "志愿者", path)
    submit(page, "开始导入")
    expect(page.get_by_role("status").filter(has_text="已处理")).to_have_text(
        "已处理 3 / 3 行（100%）")
    expect(page.get_by_text("已创建 1 行，重复 0 行，有误 2 行，失败 0 行。")).to_be_visible()
    results = page.get_by_role("table", name="结果")
    expect(results.get_by_role("row", name="第 3 行")).to_contain_text("手机号：")
    row4 = results.get_by_role("row", name="第 4 行")
    expect(row4).to_contain_text("未知的技能“修飞机”")
    expect(row4).to_contain_text("本人同意：")
    expect(page.get_by_role("button", name="继续导入")).to_have_count(0)
