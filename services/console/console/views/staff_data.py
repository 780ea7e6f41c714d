"""Staff: reports with charts, XLSX/CSV export, XLSX import of units and volunteers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import requests
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from console import api, importing, reporting
from console.auth import roles_required, user
from console.config import ConsoleSettings
from console.i18n import gettext as _
from console.i18n import register
from console.problems import explain
from console.reporting import Report, Series

bp = Blueprint("staff_data", __name__, url_prefix="/staff/data")
ROLES = ("staff", "inspector")
IMPORT_ROLES = ("staff",)

register("staff_data", {
    "报表与数据": "Reports & data",
    "报表": "Reports",
    "数据导入": "Import",
    "下载 CSV": "Download CSV",
    "下载 XLSX": "Download XLSX",
    "图表": "Chart",
    "数据表": "Data table",
    "无法获取该报表：": "This report is unavailable: ",
    "库存（按租赁站与状态）": "Stock by station and status",
    "设备利用率（按类型）": "Utilisation by device type",
    "改造户数（按状态）": "Renovation households by status",
    "改造资金（按项目）": "Renovation spend by programme",
    "志愿服务时长（按队伍，已审核）": "Volunteer hours by team (approved)",
    "合计": "Total",
    "辅具类型": "Device type",
    "ISO 代码": "ISO code",
    "在租小时": "Hours rented",
    "在库小时": "Hours in stock",
    "利用率（%）": "Utilisation (%)",
    "户数": "Households",
    "项目": "Programme",
    "年度": "Year",
    "预算（元）": "Budget (yuan)",
    "已完工（元）": "Completed (yuan)",
    "已承诺未完工（元）": "Committed, not completed (yuan)",
    "剩余预算（元）": "Budget left (yuan)",
    "已批准户数": "Approved homes",
    "目标户数": "Target homes",
    "队伍": "Team",
    "小时": "Hours",
    "记录数": "Entries",
    "统计区间：{start} 至 {end}（不含）": "Period: {start} to {end} (exclusive)",
    "导入设备": "Import units",
    "导入志愿者": "Import volunteers",
    "下载导入模板": "Download the template",
    "选择 XLSX 文件": "XLSX file",
    "上传并校验": "Upload and check",
    "导入进度": "Import progress",
    "开始导入": "Start the import",
    "继续导入": "Continue",
    "导入完成": "Import finished",
    "已处理 {processed} / {total} 行（{percent}%）":
        "{processed} of {total} rows done ({percent}%)",
    "行号": "Row",
    "记录": "Record",
    "结果": "Outcome",
    "说明": "Details",
    "已创建": "Created",
    "重复": "Duplicate",
    "有误": "Invalid",
    "失败": "Failed",
    "已创建 {created} 行，重复 {duplicate} 行，有误 {invalid} 行，失败 {failed} 行。":
        "{created} created, {duplicate} duplicates, {invalid} invalid, {failed} failed.",
    "请选择一个 .xlsx 文件。": "Please choose an .xlsx file.",
    "文件：{name}": "File: {name}",
    "新的导入": "New import",
    "导入记录不存在或已过期。": "This import does not exist or has expired.",
    "导入说明": "How to import",
    "起始日期": "From",
    "截止日期（不含）": "To (exclusive)",
    "统计区间": "Period",
    "列": "Column",
    "必填": "Required",
    "是": "Yes",
    "否": "No",
    "第 {row} 行": "Row {row}",
    "{column}已存在（重复），未再次创建": "{column} already exists (duplicate), not created again",
})

STATUS_ZH = {
    "available": "在库", "reserved": "已预约", "rented": "在租", "in_transit": "调拨中",
    "cleaning": "清洁中", "maintenance": "维修中", "allocated": "已配发", "written_off": "已报废",
}
APPLICATION_ZH = {
    "submitted": "已申请", "accepted": "已受理", "refused": "未通过",
    "assessment_scheduled": "待评估", "assessed": "已评估", "plan_drafted": "方案起草",
    "plan_confirmed": "方案已确认", "plan_approved": "方案已批准", "in_works": "施工中",
    "inspection": "待验收", "completed": "已完工", "closed": "已结案", "withdrawn": "已撤回",
}


# -- reports -----------------------------------------------------------------------------------
def stock_report() -> Report:
    items = api.get("inventory", "/reports/stock")["items"]
    statuses = [s for s in STATUS_ZH if any(row["counts"].get(s) for row in items)]
    by_station: dict[str, dict[str, int]] = {}
    for row in items:
        counts = by_station.setdefault(row["station_name"], {})
        for status, n in row["counts"].items():
            counts[status] = counts.get(status, 0) + int(n)
    headers = [_("租赁站")] + [STATUS_ZH[s] for s in statuses] + [_("合计")]
    rows: list[list[reporting.Cell]] = [
        [name, *[counts.get(s, 0) for s in statuses], sum(counts.values())]
        for name, counts in sorted(by_station.items())]
    return Report("stock", _("库存（按租赁站与状态）"), headers, rows,
                  series=[Series(i + 1, f"s{i % 8 + 1}") for i in range(len(statuses))],
                  unit="", numeric=frozenset(range(1, len(headers))))


def _period() -> dict[str, str]:
    """The utilisation period from the query string (dates only; the service checks it)."""
    out = {}
    for name in ("start", "end"):
        value = request.args.get(name, "").strip()
        if value:
            try:
                out[name] = date.fromisoformat(value).isoformat()
            except ValueError:
                continue
    return out


def utilisation_report() -> Report:
    body = api.get("inventory", "/reports/utilisation", **_period())
    rows: list[list[reporting.Cell]] = [
        [r["type_name"], r["iso_code"], r["rented_hours"], r["in_stock_hours"],
         round(float(r["rate"]) * 100, 1)] for r in body["items"]]
    return Report("utilisation", _("设备利用率（按类型）"),
                  [_("辅具类型"), _("ISO 代码"), _("在租小时"), _("在库小时"), _("利用率（%）")],
                  rows, series=[Series(4, "s1")], unit="%",
                  note=_("统计区间：{start} 至 {end}（不含）", start=body["start"],
                         end=body["end"]),
                  numeric=frozenset({2, 3, 4}))


def households_report() -> Report:
    body = api.get("renovation", "/reports/households-by-status")
    by_status: dict[str, int] = body["by_status"]
    order = [s for s in APPLICATION_ZH if s in by_status] + sorted(
        s for s in by_status if s not in APPLICATION_ZH)
    rows: list[list[reporting.Cell]] = [[APPLICATION_ZH.get(s, s), by_status[s]] for s in order]
    return Report("households", _("改造户数（按状态）"), [_("状态"), _("户数")], rows,
                  series=[Series(1, "s2")], numeric=frozenset({1}))


def spend_report() -> Report:
    body = api.get("renovation", "/reports/spend")
    rows: list[list[reporting.Cell]] = []
    for p in body["programmes"]:
        budget, committed, completed = (int(p["total_budget_fen"]), int(p["committed_fen"]),
                                        int(p["completed_fen"]))
        rows.append([p["name"], str(p["year"]), reporting.yuan(completed),
                     reporting.yuan(max(committed - completed, 0)),
                     reporting.yuan(max(budget - committed, 0)), reporting.yuan(budget),
                     p["approved_homes"], p["target_homes"]])
    return Report("spend", _("改造资金（按项目）"),
                  [_("项目"), _("年度"), _("已完工（元）"), _("已承诺未完工（元）"),
                   _("剩余预算（元）"), _("预算（元）"), _("已批准户数"), _("目标户数")], rows,
                  series=[Series(2, "s1"), Series(3, "s3"), Series(4, "s6")], unit="",
                  numeric=frozenset(range(1, 8)))


def hours_report() -> Report:
    body = api.get("volunteer", "/hours/totals", group="team")
    rows: list[list[reporting.Cell]] = [[r["name"], r["hours"], r["entries"]]
                                        for r in body["items"]]
    return Report("hours", _("志愿服务时长（按队伍，已审核）"), [_("队伍"), _("小时"), _("记录数")],
                  rows, series=[Series(1, "s4")], numeric=frozenset({1, 2}))


REPORTS: dict[str, Callable[[], Report]] = {
    "stock": stock_report,
    "utilisation": utilisation_report,
    "households": households_report,
    "spend": spend_report,
    "hours": hours_report,
}


def _safe(key: str) -> Report:
    """The report, or an empty one naming why it is unavailable (one service down or
    refusing must not take the whole page with it)."""
    try:
        return REPORTS[key]()
    except api.ApiError as exc:
        report = Report(key, key, [])
        report.error = "；".join(explain(exc).top)
        return report
    except requests.RequestException:
        report = Report(key, key, [])
        report.error = _("服务暂不可用，请稍后重试。")
        return report


@bp.get("/")
@roles_required(*ROLES)
def home() -> Any:
    reports = [_safe(key) for key in REPORTS]
    return render_template("staff/data_home.html", reports=reports, chart=reporting.bar_chart,
                           show=reporting.display, period=_period())


@bp.get("/reports/<key>.<fmt>")
@roles_required(*ROLES)
def export(key: str, fmt: str) -> Response:
    if key not in REPORTS or fmt not in ("csv", "xlsx"):
        abort(404)
    report = REPORTS[key]()
    if fmt == "csv":
        body, mime = reporting.to_csv(report), "text/csv; charset=utf-8"
    else:
        body = reporting.to_xlsx(report)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(body, mime, reporting.filename(report, fmt))


def _download(body: bytes, mime: str, name: str) -> Response:
    resp = Response(body, mimetype=mime)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


# -- import ------------------------------------------------------------------------------------
def _store() -> importing.Store:
    settings: ConsoleSettings = current_app.config["CONSOLE"]
    return importing.Store(settings.var_dir / "console-imports")


def _kind(key: str) -> importing.Kind:
    kind = importing.KINDS.get(key)
    if kind is None:
        abort(404)
    return kind


def _owner() -> str:
    u = user()
    return str(u["sub"]) if u else ""


def _lookups(kind: importing.Kind) -> importing.Lookups:
    if kind.key == "units":
        return importing.unit_lookups(api.get_all("inventory", "/device-types"),
                                      api.get_all("inventory", "/stations"))
    return importing.volunteer_lookups(api.get("volunteer", "/teams")["items"])


def _creator(kind: importing.Kind) -> Callable[[dict[str, Any]], importing.Outcome]:
    service, path = {"units": ("inventory", "/units"),
                     "volunteers": ("volunteer", "/volunteers")}[kind.key]

    def create(payload: dict[str, Any]) -> importing.Outcome:
        try:
            api.post(service, path, payload)
        except api.ApiError as exc:
            if exc.status == 409:
                return "duplicate", [_("{column}已存在（重复），未再次创建",
                                       column=kind.header_of(kind.unique))]
            problem = explain(exc)
            if exc.status in (400, 403, 404, 422):
                return "invalid", (importing.field_messages(kind, problem.fields)
                                   or problem.top)
            return "failed", problem.top
        except requests.RequestException:
            return "failed", [_("服务暂不可用，请稍后重试。")]
        return "created", []

    return create


@bp.get("/import")
@roles_required(*IMPORT_ROLES)
def import_form() -> Any:
    return render_template("staff/data_import.html", kinds=importing.KINDS, error=None,
                           kind_key=request.args.get("kind", "units"))


@bp.get("/import/<kind_key>/template.xlsx")
@roles_required(*IMPORT_ROLES)
def import_template(kind_key: str) -> Response:
    kind = _kind(kind_key)
    return _download(importing.template(kind),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"import-{kind.key}.xlsx")


@bp.post("/import")
@roles_required(*IMPORT_ROLES)
def import_upload() -> Any:
    kind = _kind(request.form.get("kind", ""))
    upload = request.files.get("file")
    error = None
    if upload is None or not upload.filename:
        error = _("请选择一个 .xlsx 文件。")
    else:
        try:
            job = importing.prepare(kind, upload.read(), _lookups(kind), owner=_owner(),
                                    filename=upload.filename)
        except importing.ImportRefused as exc:
            error = str(exc)
        else:
            store = _store()
            store.purge()
            store.save(job)
            return redirect(url_for(".import_job", job_id=job.id))
    return render_template("staff/data_import.html", kinds=importing.KINDS, error=error,
                           kind_key=kind.key), 422


def _job(job_id: str) -> importing.Job:
    try:
        return _store().load(job_id, _owner())
    except KeyError:
        abort(404)


STATUS_LABELS = {"created": "已创建", "duplicate": "重复", "invalid": "有误", "failed": "失败"}


@bp.get("/import/<job_id>")
@roles_required(*IMPORT_ROLES)
def import_job(job_id: str) -> Any:
    job = _job(job_id)
    return render_template("staff/data_import_job.html", job=job,
                           kind=importing.KINDS[job.kind], labels=STATUS_LABELS)


@bp.post("/import/<job_id>/next")
@roles_required(*IMPORT_ROLES)
def import_next(job_id: str) -> Any:
    """One chunk of the import; JSON for the script, a redirect for a plain form post."""
    try:
        with _store().locked(job_id, _owner()) as job:
            importing.run_chunk(job, _creator(importing.KINDS[job.kind]))
    except KeyError:
        abort(404)
    if request.accept_mimetypes.best == "application/json":
        html = render_template("staff/data_import_results.html", job=job,
                               kind=importing.KINDS[job.kind], labels=STATUS_LABELS)
        return {**job.summary(), "text": _progress_text(job), "html": html}
    return redirect(url_for(".import_job", job_id=job.id))


def _progress_text(job: importing.Job) -> str:
    return _("已处理 {processed} / {total} 行（{percent}%）", processed=job.position,
             total=job.total, percent=job.percent)


@bp.app_template_global()
def import_progress_text(job: importing.Job) -> str:
    return _progress_text(job)
