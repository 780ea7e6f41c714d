"""The clerk's pages (rental station): the day at a glance with a scan box, a unit by its
asset tag (check out, return with a grade, cleaning done, transfer out), borrowers by
certificate number (masked), rentals with a hand-over sheet (PDF), reservations, transfers,
stock, the overdue list and printable QR labels.

Certificate numbers typed in full travel only in POST bodies (never in a URL), as the
inventory API's ``/borrowers/lookup`` does.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from svckit import pipl
from svckit.domain.clock import utcnow
from svckit.domain.division import KNOWN as DIVISIONS
from svckit.domain.division import city_of
from werkzeug.wrappers.response import Response as BaseResponse

from console import api, signed_links
from console.auth import roles_required, user
from console.formatting import TZ, local_time
from console.formatting import amount as yuan
from console.i18n import gettext as _
from console.i18n import register
from console.problems import REFUSALS, describe, explain, refused
from console.reporting import Report, to_csv, to_xlsx
from console.views.clerk_docs import (
    AGREEMENT_PURPOSE,
    HandOver,
    agreement_pdf,
    default_due,
    handover_pdf,
    parse_yuan,
    qr_svg,
)

bp = Blueprint("clerk", __name__, url_prefix="/clerk")
ROLES = ("clerk", "supervisor")
INV = "inventory"
PAGE_SIZE = 20
MAX_LABELS = 60

UNIT_STATUS = {
    "available": "可借", "reserved": "已预约", "rented": "借出中", "in_transit": "调拨在途",
    "cleaning": "清洁中", "maintenance": "维修中", "allocated": "已发放", "written_off": "已报废",
}
UNIT_BADGE = {"available": "ok", "rented": "warn", "reserved": "warn", "in_transit": "warn",
              "cleaning": "warn", "maintenance": "bad", "written_off": "bad"}
RENTAL_STATUS = {"active": "在借", "returned": "已归还", "lost": "已丢失"}
LOGISTICS = {"none": "到站自取", "delivery_requested": "待送货上门", "delivered": "已送达",
             "pickup_requested": "待上门取回", "picked_up": "已取回"}
RESERVATION_STATUS = {"held": "保留中", "fulfilled": "已借出", "cancelled": "已取消",
                      "expired": "已过期"}
TRANSFER_STATUS = {"in_transit": "在途", "received": "已接收"}
WAIVER = {"severe": "重度残疾免租金", "dibao": "低保免租金", "tekun": "特困免租金"}
#: a unit's movement (inventory's state-machine action) -> Chinese
MOVEMENT = {"register": "登记入库", "check_out": "借出", "check_in": "归还",
            "check_in_damaged": "归还（损坏）", "dispatch": "调出", "receive": "接收",
            "reserve": "预约保留", "release": "取消保留", "finish_cleaning": "清洁完成",
            "send_to_maintenance": "送修", "finish_repair": "维修完成", "allocate": "发放",
            "lose": "丢失", "write_off": "报废", "relocate": "盘点移库"}
GRADES = [("A", "A 完好"), ("B", "B 轻微磨损"), ("C", "C 明显磨损"), ("D", "D 损坏，需维修")]

register("clerk", {
    "租赁站工作台": "Station desk",
    "扫码借还": "Scan to lend or take back",
    "资产编号": "Asset tag",
    "打开": "Open",
    "在借": "On loan",
    "逾期": "Overdue",
    "待取预约": "Reservations waiting",
    "待接收调拨": "Transfers incoming",
    "借用人": "Borrowers",
    "租赁": "Rentals",
    "预约": "Reservations",
    "调拨": "Transfers",
    "库存": "Stock",
    "逾期名单": "Overdue list",
    "二维码标签": "QR labels",
    "设备": "Unit",
    "借出": "Check out",
    "归还": "Return",
    "确认借出": "Check out",
    "确认归还": "Take back",
    "归还成色": "Condition on return",
    "备注": "Notes",
    "损坏赔偿（元）": "Damage charge (yuan)",
    "残疾人证号": "Disability certificate number",
    "应还日期": "Due date",
    "送货上门（志愿者配送）": "Home delivery (by volunteers)",
    "超期借用理由（站长）": "Override reason (supervisor)",
    "清洁完成": "Cleaning done",
    "调出": "Send",
    "调往服务站": "To station",
    "交接单（PDF）": "Hand-over sheet (PDF)",
    "续借": "Extend",
    "新应还日期": "New due date",
    "查找借用人": "Find a borrower",
    "证号后四位": "Last four characters of the certificate",
    "按证号查找": "Find by certificate number",
    "按后四位查找": "Find by last four",
    "成色": "Condition",
    "设备类型": "Device type",
    "服务站": "Station",
    "借出日期": "Checked out",
    "押金（元）": "Deposit (yuan)",
    "租金（元）": "Fee (yuan)",
    "减免": "Waiver",
    "配送": "Delivery",
    "接收": "Receive",
    "取消预约": "Cancel reservation",
    "按预约借出": "Check out this reservation",
    "新建预约": "New reservation",
    "候补": "Waiting list",
    "候补名单": "Waiting list",
    "加入候补": "Add to the waiting list",
    "取消候补": "Take off the list",
    "排位": "Position",
    "登记时间": "Waiting since",
    "优先": "Priority",
    "候补中": "Waiting",
    "已为其预留设备": "A unit is held",
    "预留已失效": "Hold lapsed",
    "重度残疾优先": "Severe disability",
    "低保优先": "Minimum living allowance",
    "特困优先": "Extreme poverty support",
    "已加入候补，排第{n}位。": "Added to the waiting list, number {n}.",
    "本站有空闲设备，已为其预留。": "A unit is free here: it is held for them.",
    "已取消候补。": "Taken off the waiting list.",
    "无人候补。": "Nobody is waiting.",
    "有空闲设备时自动为排在最前的借用人预留，并短信通知。":
        "When a unit is free it is held for the first in line, who is told by SMS.",
    "预约到期": "Hold expires",
    "打印": "Print",
    "打印标签": "Print labels",
    "选择": "Select",
    "全部状态": "All statuses",
    "查看": "View",
    "申请上门取回": "Request pickup",
    "申请送货上门": "Request delivery",
    "转入": "Incoming",
    "转出": "Outgoing",
    "发出调拨": "Send a unit",
    "去向": "To",
    "来源": "Source",
    "逾期天数": "Days overdue",
    "电话": "Phone",
    "合计": "Total",
    "序列号": "Serial",
    "借出中的租赁": "Current rental",
    "找到的借用人": "Borrowers found",
    "姓名": "Name",
    "类别与等级": "Category and grade",
    "为该借用人借出": "Check out to this borrower",
    "该借用人的租赁": "This borrower's rentals",
    "已借出。": "Checked out.",
    "已归还。": "Returned.",
    "已续借。": "Extended.",
    "已调出。": "Sent.",
    "已接收。": "Received.",
    "已预约。": "Reserved.",
    "已取消。": "Cancelled.",
    "已标记为可借。": "Marked available.",
    "已申请。": "Requested.",
    "未找到该资产编号。": "No unit has this asset tag.",
    "未找到该证号的借用人。": "No borrower has this certificate number.",
    "金额格式不正确（元，最多两位小数）。": "Not an amount (yuan, at most two decimals).",
    "请输入证号或从借用人页面进入。": "Type a certificate number or start from a borrower's page.",
    "请输入4位。": "Type four characters.",
    "该设备不在本站。": "This unit is not at your station.",
    "今日概况": "Today",
    "常用": "Shortcuts",
    "扫码枪扫描后自动回车；也可手动输入后按回车。":
        "A scanner types the tag and Enter; or type it and press Enter.",
    "清洁至": "Cleaning until",
    "日租金（元）": "Daily fee (yuan)",
    "扫描下一件": "Scan the next one",
    "查看租赁": "Open the rental",
    "该类设备只发放，不出租。": "This type is allocated, not rented.",
    "级": "",
    "换一位": "Someone else",
    "输入或扫描完整的20位证号；证号只用于查找，不会显示。":
        "Type or scan the full 20-character number; it is only used to find the borrower.",
    "输入或扫描完整的20位证号。": "Type or scan the full 20-character number.",
    "最长{days}天": "At most {days} days",
    "借用人有逾期未还时，站长可填写理由后仍然借出。":
        "A supervisor may lend to a borrower with an overdue rental, giving a reason.",
    "清洁": "Cleaning",
    "清洁间隔结束后可标记为可借（系统也会定时自动处理）。":
        "Once the cleaning interval is over, mark it available (a job also does it).",
    "调出到其他服务站": "Send to another station",
    "最近流转": "Recent movements",
    "时间": "Time",
    "动作": "Action",
    "归还时间": "Returned",
    "退还押金（元）": "Deposit refunded (yuan)",
    "上门服务": "Home visits",
    "按状态筛选": "Filter by status",
    "已请志愿者回访": "Volunteer call asked for",
    "发出时间": "Sent",
    "设备清单": "Units",
    "设备清单与标签": "Units and labels",
    "筛选": "Filter",
    "勾选要打印二维码标签的设备": "Tick the units to print QR labels for",
    "共 {n} 件": "{n} units",
    "全部类型": "All types",
    "未选择设备。": "No unit selected.",
    "按 Ctrl+P 打印；标签按 50×30 毫米排版。": "Print with Ctrl+P; labels are 50 x 30 mm.",
    "逾期未还：{n} 件（逾期最久的在前）": "Overdue: {n} (longest overdue first)",
    "按设备类型和状态统计": "By device type and status",
    "个人信息授权": "Personal data consent",
    "未授权": "Not given",
    "重度": "severe",
    "为该借用人借出：扫描设备资产编号。": "To lend to this borrower, scan the unit's tag.",
    "指定资产编号（可选）": "A particular asset tag (optional)",
    "填写后预约这一件设备，否则预约该类型任一件。":
        "With a tag this unit is held; otherwise any unit of the type.",
    "请输入资产编号。": "Type an asset tag.",
    "退还押金 {amount} 元。": "Deposit refunded: {amount} yuan.",
    "当前服务站": "Current station",
    "切换": "Switch",
    "切换服务站": "Switch station",
    "当前服务站：{name}。": "Current station: {name}.",
    "请选择您所属的服务站。": "Choose one of your stations.",
    "借用协议（PDF）": "Rental agreement (PDF)",
    "租赁单号": "Rental number",
    "导出": "Export",
    "国标编码": "ISO code",
    "登记借用人": "Register a borrower",
    "修改借用人信息": "Edit the borrower",
    "修改信息": "Edit details",
    "已登记借用人。": "Borrower registered.",
    "已保存借用人信息。": "Borrower saved.",
    "登记": "Register",
    "保存": "Save",
    "住址": "Address",
    "所属区县": "County",
    "低保": "Minimum living allowance",
    "特困": "Extreme hardship",
    "已签署个人信息授权书": "Signed the personal data consent",
    "输入或扫描残疾人证上的20位证号；类别与等级由证号得出。":
        "Type or scan the 20-character number on the certificate; category and grade come "
        "from it.",
    "证号登记后不能修改。": "The certificate number cannot be changed once registered.",
    "导出 {what}": "Export {what}",
    "二维码：{tag}": "QR code: {tag}",
    "无": "None",
    "可借": "Available", "已预约": "Reserved", "借出中": "On loan", "调拨在途": "In transit",
    "清洁中": "Cleaning", "维修中": "In repair", "已发放": "Allocated", "已报废": "Written off",
    "已归还": "Returned", "已丢失": "Lost",
    "到站自取": "Collected at the station", "待送货上门": "Delivery requested",
    "已送达": "Delivered", "待上门取回": "Pickup requested", "已取回": "Picked up",
    "保留中": "Held", "已借出": "Checked out", "已取消": "Cancelled", "已过期": "Expired",
    "在途": "In transit", "已接收": "Received",
    "重度残疾免租金": "No fee: severe disability", "低保免租金": "No fee: dibao",
    "特困免租金": "No fee: tekun",
    "登记入库": "Registered", "归还（损坏）": "Returned damaged", "预约保留": "Held",
    "取消保留": "Hold released", "送修": "Sent for repair", "维修完成": "Repaired",
    "发放": "Allocated", "丢失": "Lost", "报废": "Written off",
    "A 完好": "A as new", "B 轻微磨损": "B light wear", "C 明显磨损": "C worn",
    "D 损坏，需维修": "D damaged, needs repair",
})


def grades() -> list[tuple[str, str]]:
    return [(code, _(text)) for code, text in GRADES]


# -- small helpers --------------------------------------------------------------------------

def today() -> date:
    return utcnow().astimezone(TZ).date()


#: the session key of the clerk's current station (one of the user's stations)
STATION_KEY = "clerk_station"


def my_stations() -> list[str]:
    return [str(s) for s in (user() or {}).get("stations") or []]


def station_id() -> str:
    """The station the clerk works at now: the one chosen with the station picker (held in
    the session), else the first of the user's stations."""
    mine = my_stations()
    if not mine:
        abort(403)
    chosen = session.get(STATION_KEY)
    return chosen if chosen in mine else mine[0]


def _cache() -> dict[str, Any]:
    if "clerk_cache" not in g:
        g.clerk_cache = {}
    cache: dict[str, Any] = g.clerk_cache
    return cache


def station() -> dict[str, Any]:
    cache = _cache()
    if "station" not in cache:
        cache["station"] = api.get(INV, f"/stations/{station_id()}")
    result: dict[str, Any] = cache["station"]
    return result


def stations() -> list[dict[str, Any]]:
    cache = _cache()
    if "stations" not in cache:
        cache["stations"] = api.get_all(INV, "/stations")
    result: list[dict[str, Any]] = cache["stations"]
    return result


def types() -> dict[str, dict[str, Any]]:
    cache = _cache()
    if "types" not in cache:
        cache["types"] = {t["id"]: t for t in api.get_all(INV, "/device-types")}
    result: dict[str, dict[str, Any]] = cache["types"]
    return result


def unit(unit_id: str) -> dict[str, Any] | None:
    """A unit by id (``None`` when it is out of the caller's sight)."""
    units: dict[str, Any] = _cache().setdefault("units", {})
    if unit_id not in units:
        try:
            units[unit_id] = api.get(INV, f"/units/{unit_id}")
        except api.ApiError as exc:
            if exc.status != 404:
                raise
            units[unit_id] = None
    found: dict[str, Any] | None = units[unit_id]
    return found


def borrower(borrower_id: str | None) -> dict[str, Any] | None:
    if not borrower_id:
        return None
    people: dict[str, Any] = _cache().setdefault("borrowers", {})
    if borrower_id not in people:
        try:
            people[borrower_id] = api.get(INV, f"/borrowers/{borrower_id}")
        except api.ApiError as exc:
            if exc.status != 404:
                raise
            people[borrower_id] = None
    found: dict[str, Any] | None = people[borrower_id]
    return found


def station_name(sid: str | None) -> str:
    for s in stations():
        if s["id"] == sid:
            return str(s["name"])
    return sid or ""


def _total(path: str, **params: Any) -> int:
    return int(api.get(INV, path, page=1, page_size=1, **params).get("total", 0))


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _lookup(certificate: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = api.post(INV, "/borrowers/lookup",
                                         {"certificate_number": certificate.strip()})
    except api.ApiError as exc:
        if exc.status == 404:
            return None
        raise
    return found


def incoming_transfers() -> list[dict[str, Any]]:
    mine = station_id()
    return [t for t in api.get_all(INV, "/transfers", status="in_transit")
            if t["to_station_id"] == mine]


@bp.context_processor
def _labels() -> dict[str, Any]:
    mine = my_stations()
    # the picker only for a clerk with several stations (no extra call otherwise)
    choices = [(sid, station_name(sid)) for sid in mine] if len(mine) > 1 else []
    return {"UNIT_STATUS": UNIT_STATUS, "UNIT_BADGE": UNIT_BADGE, "RENTAL_STATUS": RENTAL_STATUS,
            "LOGISTICS": LOGISTICS, "RESERVATION_STATUS": RESERVATION_STATUS,
            "TRANSFER_STATUS": TRANSFER_STATUS, "WAIVER": WAIVER, "MOVEMENT": MOVEMENT,
            "station_choices": choices, "current_station": station_id() if mine else ""}


@bp.post("/station")
@roles_required(*ROLES)
def choose_station() -> BaseResponse:
    """The station picker: the clerk's current station for the rest of the session."""
    chosen = request.form.get("station_id", "")
    if chosen not in my_stations():
        flash(_("请选择您所属的服务站。"), "error")
    else:
        session[STATION_KEY] = chosen
        flash(_("当前服务站：{name}。", name=station_name(chosen)), "success")
    return redirect(url_for("clerk.home"))


# -- home and scan ------------------------------------------------------------------------

def _home(tag: str = "", errors: dict[str, list[str]] | None = None, status: int = 200) -> Any:
    sid = station_id()
    counts = {
        "on_loan": _total("/rentals", station_id=sid, status="active"),
        "overdue": _total("/reports/overdue"),
        "reservations": _total("/reservations", station_id=sid, status="held"),
        "incoming": len(incoming_transfers()),
    }
    return render_template("clerk/home.html", station=station(), counts=counts, tag=tag,
                           errors=errors or {}), status


@bp.get("/")
@roles_required(*ROLES)
def home() -> Any:
    return _home()


@bp.get("/scan")
@roles_required(*ROLES)
def scan() -> Any:
    """The scan box: a USB scanner types the tag and Enter; open that unit."""
    tag = request.args.get("tag", "").strip()
    if not tag:
        return _home(errors={"tag": [_("请输入资产编号。")]}, status=422)
    try:
        found = api.get(INV, f"/units/by-tag/{tag}")
    except api.ApiError as exc:
        if exc.status != 404:
            raise
        return _home(tag, errors={"tag": [_("未找到该资产编号。")]}, status=404)
    return redirect(url_for("clerk.unit_page", tag=found["asset_tag"],
                            borrower=request.args.get("borrower") or None))


# -- a unit -------------------------------------------------------------------------------

def _unit_by_tag(tag: str) -> dict[str, Any]:
    try:
        found: dict[str, Any] = api.get(INV, f"/units/by-tag/{tag}")
    except api.ApiError as exc:
        if exc.status == 404:
            abort(404)
        raise
    return found


def _active_rental(unit_id: str) -> dict[str, Any] | None:
    items = api.get(INV, "/rentals", unit_id=unit_id, status="active", page_size=1)["items"]
    return items[0] if items else None


def _render_unit(tag: str, form: dict[str, Any] | None = None,
                 errors: dict[str, list[str]] | None = None, status: int = 200) -> Any:
    u = _unit_by_tag(tag)
    dtype = types().get(u["type_id"], {})
    rental = _active_rental(u["id"]) if u["status"] == "rented" else None
    form = dict(form or {})
    form.setdefault("due_on", default_due(today(), dtype.get("max_rental_days")).isoformat())
    chosen = borrower(form.get("borrower_id") or request.args.get("borrower"))
    movements = api.get(INV, f"/units/{u['id']}/movements", page_size=10)["items"]
    others = [(s["id"], s["name"]) for s in stations()
              if s["id"] != u["current_station_id"] and s.get("active", True)]
    return render_template(
        "clerk/unit.html", unit=u, dtype=dtype, rental=rental,
        rental_borrower=borrower(rental["borrower_id"]) if rental else None,
        chosen=chosen, form=form, errors=errors or {}, movements=movements,
        at_my_station=u["current_station_id"] == station_id(), other_stations=others,
        grades=grades(), station_name=station_name,
        supervisor=(user() or {}).get("role") == "supervisor"), status


@bp.get("/units/<string:tag>")
@roles_required(*ROLES)
def unit_page(tag: str) -> Any:
    return _render_unit(tag)


@bp.post("/checkout")
@roles_required(*ROLES)
def checkout() -> Any:
    """Check a unit out: to the borrower chosen before, or found by certificate number."""
    f = request.form
    tag = f.get("asset_tag", "").strip()
    form = {k: f.get(k, "") for k in ("borrower_id", "due_on", "override_reason",
                                      "home_delivery", "reservation_id",
                                      "certificate_number")}
    borrower_id = form["borrower_id"]
    certificate = f.get("certificate_number", "").strip()
    if not borrower_id:
        if not certificate:
            return _render_unit(tag, form, {"certificate_number": [
                _("请输入证号或从借用人页面进入。")]}, 422)
        try:
            found = _lookup(certificate)
        except api.ApiError as exc:  # not a certificate number at all
            if exc.status not in REFUSALS:
                raise
            return _render_unit(tag, form, refused(exc), 422)
        if found is None:
            return _render_unit(tag, form, {"certificate_number": [
                _("未找到该证号的借用人。")]}, 422)
        borrower_id = found["id"]
    body: dict[str, Any] = {"station_id": station_id(), "borrower_id": borrower_id,
                            "asset_tag": tag, "due_on": form["due_on"],
                            "home_delivery": bool(form["home_delivery"])}
    if form["override_reason"].strip():
        body["override_reason"] = form["override_reason"].strip()
    if form["reservation_id"]:
        body["reservation_id"] = form["reservation_id"]
        body.pop("asset_tag")
    try:
        rental = api.post(INV, "/rentals", body)
    except api.ApiError as exc:
        if exc.status not in REFUSALS or form["reservation_id"]:
            raise
        return _render_unit(tag, form, refused(exc), exc.status)
    flash(_("已借出。"), "success")
    return redirect(url_for("clerk.rental_page", rental_id=rental["id"]))


@bp.post("/units/<uuid:unit_id>/cleaned")
@roles_required(*ROLES)
def cleaned(unit_id: Any) -> BaseResponse:
    u = api.post(INV, f"/units/{unit_id}/cleaned")
    flash(_("已标记为可借。"), "success")
    return redirect(url_for("clerk.unit_page", tag=u["asset_tag"]))


# -- rentals ------------------------------------------------------------------------------

@bp.get("/rentals")
@roles_required(*ROLES)
def rentals() -> Any:
    status = request.args.get("status", "active")
    if status not in RENTAL_STATUS:
        status = "active"
    page = _page()
    body = api.get(INV, "/rentals", station_id=station_id(), status=status, page=page,
                   page_size=PAGE_SIZE)
    return render_template("clerk/rentals.html", rentals=body["items"], total=body["total"],
                           page=page, page_size=PAGE_SIZE, status=status, unit=unit,
                           borrower=borrower, types=types())


def _rental(rental_id: Any) -> dict[str, Any]:
    found: dict[str, Any] = api.get(INV, f"/rentals/{rental_id}")
    return found


@bp.get("/rentals/<uuid:rental_id>")
@roles_required(*ROLES)
def rental_page(rental_id: Any) -> Any:
    r = _rental(rental_id)
    return render_template("clerk/rental.html", rental=r, unit=unit(r["unit_id"]),
                           dtype=types().get(r["type_id"], {}), who=borrower(r["borrower_id"]),
                           grades=grades(), errors={}, form={},
                           station_name=station_name, **_money(rental_id))


def _money(rental_id: Any) -> dict[str, Any]:
    """The rental page's money: its ledger and the choices of the payment form."""
    from console.views.clerk_money import ENTRY_STATE, KIND_CHOICES, METHOD_CHOICES

    return {"ledger": api.get(INV, f"/rentals/{rental_id}/payments"),
            "kinds": [(k, _(t)) for k, t in KIND_CHOICES],
            "methods": [(k, _(t)) for k, t in METHOD_CHOICES],
            "entry_state": ENTRY_STATE}


@bp.post("/rentals/<uuid:rental_id>/return")
@roles_required(*ROLES)
def return_rental(rental_id: Any) -> Any:
    f = request.form
    form = {k: f.get(k, "") for k in ("condition", "notes", "damage_charge", "refund_method",
                                      "refund_reference")}
    try:
        charge = parse_yuan(form["damage_charge"])
    except ValueError:
        r = _rental(rental_id)
        return render_template(
            "clerk/rental.html", rental=r, unit=unit(r["unit_id"]),
            dtype=types().get(r["type_id"], {}), who=borrower(r["borrower_id"]), grades=grades(),
            form=form, errors={"damage_charge": [_("金额格式不正确（元，最多两位小数）。")]},
            station_name=station_name, **_money(rental_id)), 422
    body: dict[str, Any] = {"condition": form["condition"], "notes": form["notes"].strip(),
                            "damage_charge_fen": charge}
    if form["refund_method"]:  # the deposit held is settled with the return
        body["refund_method"] = form["refund_method"]
        body["refund_reference"] = form["refund_reference"].strip()
    r = api.post(INV, f"/rentals/{rental_id}/return", body)
    flash(_("已归还。") + " " + _("退还押金 {amount} 元。", amount=yuan(r["deposit_refund_fen"])),
          "success")
    u = unit(r["unit_id"])
    if u is None:
        return redirect(url_for("clerk.rental_page", rental_id=rental_id))
    return redirect(url_for("clerk.unit_page", tag=u["asset_tag"]))


@bp.post("/rentals/<uuid:rental_id>/extend")
@roles_required(*ROLES)
def extend(rental_id: Any) -> BaseResponse:
    api.post(INV, f"/rentals/{rental_id}/extend", {"due_on": request.form.get("due_on", "")})
    flash(_("已续借。"), "success")
    return redirect(url_for("clerk.rental_page", rental_id=rental_id))


@bp.post("/rentals/<uuid:rental_id>/<any(delivery, pickup):visit>")
@roles_required(*ROLES)
def visit(rental_id: Any, visit: str) -> BaseResponse:
    api.post(INV, f"/rentals/{rental_id}/{visit}", {})
    flash(_("已申请。"), "success")
    return redirect(url_for("clerk.rental_page", rental_id=rental_id))


def _paper(rental_id: Any) -> HandOver:
    """What the hand-over sheet and the agreement show: the rental's number and the
    borrower's full name, read for signing (a purpose-logged read, svckit.pipl)."""
    r = _rental(rental_id)
    u = unit(r["unit_id"]) or {}
    dtype = types().get(r["type_id"], {})
    who: dict[str, Any] = api.get(INV, f"/borrowers/{r['borrower_id']}/personal",
                                  purpose=AGREEMENT_PURPOSE)
    st = next((s for s in stations() if s["id"] == r["station_id"]), {})
    return HandOver(
        station=str(st.get("name", "")), station_phone=str(st.get("phone", "")),
        rental_number=str(r.get("number") or r["id"]), asset_tag=str(u.get("asset_tag", "")),
        serial=str(u.get("serial", "")), type_name=str(dtype.get("name_zh", "")),
        iso_code=str(dtype.get("iso_code", "")),
        borrower_name=str(who.get("name", "")),
        borrower_certificate_masked=str(who.get("certificate_masked", "")),
        checked_out_on=local_time(r["checked_out_at"])[:10], due_on=str(r["due_on"]),
        daily_fee_fen=int(r["daily_fee_fen"]), fee_fen=int(r["fee_fen"]),
        deposit_fen=int(r["deposit_fen"]), waiver=r.get("waiver"),
        home_delivery=r["logistics"] != "none", condition=str(u.get("condition", "")))


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"})


@bp.get("/rentals/<uuid:rental_id>/handover.pdf")
@roles_required(*ROLES)
def handover(rental_id: Any) -> Response:
    # with the QR code a volunteer scans to check its delivery or pickup in and out
    h = replace(_paper(rental_id),
                check_in_url=signed_links.check_in_url("inventory:rental", rental_id))
    return _pdf(handover_pdf(h), f"handover-{h.rental_number}.pdf")


@bp.get("/rentals/<uuid:rental_id>/agreement.pdf")
@roles_required(*ROLES)
def agreement(rental_id: Any) -> Response:
    """The rental agreement (借用协议) the borrower signs, with their full name."""
    h = _paper(rental_id)
    return _pdf(agreement_pdf(h), f"agreement-{h.rental_number}.pdf")


# -- exports ------------------------------------------------------------------------------

EXPORTS = ("stock", "overdue", "rentals")


def _export_report(kind: str) -> Report:
    """One export as a table (personal data masked, as on the pages)."""
    sid = station_id()
    name = station().get("name", "")
    if kind == "stock":
        rows = api.get(INV, "/reports/stock", station_id=sid)["items"]
        statuses = list(UNIT_STATUS)
        return Report(
            key="stock", title=_("库存") + f" {name}",
            headers=[_("设备类型"), _("国标编码")] + [_(UNIT_STATUS[k]) for k in statuses]
            + [_("合计")],
            rows=[[row["type_name"], row["iso_code"]]
                  + [int(row["counts"].get(k, 0)) for k in statuses] + [int(row["total"])]
                  for row in rows])
    if kind == "overdue":
        rows = api.get_all(INV, "/reports/overdue")
        return Report(
            key="overdue", title=_("逾期名单"),
            headers=[_("租赁单号"), _("资产编号"), _("借用人"), _("残疾人证号"), _("电话"),
                     _("应还日期"), _("逾期天数")],
            rows=[[r.get("rental_number") or "", r["asset_tag"],
                   (borrower(r["borrower_id"]) or {}).get("name_masked", ""),
                   r["borrower_certificate"], r["borrower_phone"], r["due_on"],
                   int(r["days_overdue"])] for r in rows])
    items = api.get_all(INV, "/rentals", station_id=sid)
    out = []
    for r in items:
        u = unit(r["unit_id"]) or {}
        who = borrower(r["borrower_id"]) or {}
        out.append([r.get("number", ""), u.get("asset_tag", ""),
                    types().get(r["type_id"], {}).get("name_zh", ""),
                    who.get("name_masked", ""), who.get("certificate_masked", ""),
                    local_time(r["checked_out_at"]), r["due_on"],
                    _(RENTAL_STATUS.get(r["status"], r["status"])),
                    round(int(r["fee_fen"]) / 100, 2), round(int(r["deposit_fen"]) / 100, 2)])
    return Report(key="rentals", title=_("租赁") + f" {name}",
                  headers=[_("租赁单号"), _("资产编号"), _("设备类型"), _("借用人"),
                           _("残疾人证号"), _("借出日期"), _("应还日期"), _("状态"),
                           _("租金（元）"), _("押金（元）")], rows=out)


@bp.get("/export/<any(stock, overdue, rentals):kind>.<any(csv, xlsx):ext>")
@roles_required(*ROLES)
def export(kind: str, ext: str) -> Response:
    """Stock, overdue and rentals as CSV (UTF-8 with BOM) or XLSX; names and numbers masked."""
    report = _export_report(kind)
    stamp = today().isoformat()
    if ext == "csv":
        return Response(to_csv(report), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{kind}-{stamp}.csv"'})
    return Response(
        to_xlsx(report),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{kind}-{stamp}.xlsx"'})


# -- borrowers ----------------------------------------------------------------------------

@bp.route("/borrowers", methods=["GET", "POST"])
@roles_required(*ROLES)
def borrowers() -> Any:
    """Find by the full certificate number (POSTed: never in a URL) or by the last four
    characters, which the masked number shows anyway."""
    errors: dict[str, list[str]] = {}
    found: list[dict[str, Any]] = []
    searched = False
    tail = request.args.get("tail", "").strip()
    if request.method == "POST":
        searched = True
        certificate = request.form.get("certificate_number", "").strip()
        person = _lookup(certificate) if certificate else None
        if person is None:
            errors["certificate_number"] = [_("未找到该证号的借用人。")]
        else:
            found = [person]
    elif tail:
        searched = True
        if len(tail) != 4:
            errors["tail"] = [_("请输入4位。")]
        else:
            found = api.get(INV, "/borrowers", certificate_tail=tail.upper(),
                            page_size=50)["items"]
    return render_template("clerk/borrowers.html", found=found, errors=errors, tail=tail,
                           searched=searched), (422 if errors else 200)


@bp.get("/borrowers/<uuid:borrower_id>")
@roles_required(*ROLES)
def borrower_page(borrower_id: Any) -> Any:
    who = borrower(str(borrower_id))
    if who is None:
        abort(404)
    history = api.get(INV, "/rentals", borrower_id=str(borrower_id), page_size=50)["items"]
    return render_template("clerk/borrower.html", who=who, history=history, unit=unit,
                           types=types())


def _divisions() -> list[tuple[str, str]]:
    """The counties of the current station's city (the borrower's 所属区县)."""
    city = city_of(str(station().get("division_code", "")))
    return [(code, name) for code, name in DIVISIONS.items()
            if city_of(code) == city and code != city]


BORROWER_INPUTS = ("certificate_number", "name", "phone", "address", "division_code")
BORROWER_FLAGS = ("dibao", "tekun", "consent")


def _borrower_form(values: dict[str, Any], errors: dict[str, list[str]] | None = None,
                   who: dict[str, Any] | None = None, status: int = 200) -> Any:
    return render_template("clerk/borrower_form.html", values=values, errors=errors or {},
                           who=who, divisions=_divisions()), status


def _typed() -> dict[str, Any]:
    f = request.form
    values: dict[str, Any] = {k: f.get(k, "").strip() for k in BORROWER_INPUTS}
    values.update({k: bool(f.get(k)) for k in BORROWER_FLAGS})
    return values


@bp.route("/borrowers/new", methods=["GET", "POST"])
@roles_required(*ROLES)
def borrower_new() -> Any:
    """Register a borrower at the current station: the certificate number typed or scanned
    (category and grade come from it), the contact details, hardship flags, consent."""
    if request.method == "GET":
        return _borrower_form({"division_code": station().get("division_code", ""),
                               "certificate_number": request.args.get("certificate", "")})
    values = _typed()
    body = {**values, "station_id": station_id()}
    body["certificate_number"] = body["certificate_number"].replace(" ", "").upper()
    try:
        made = api.post(INV, "/borrowers", body)
    except api.ApiError as exc:
        if exc.status not in REFUSALS:
            raise
        return _borrower_form(values, refused(exc), status=exc.status)
    flash(_("已登记借用人。"), "success")
    return redirect(url_for("clerk.borrower_page", borrower_id=made["id"]))


@bp.route("/borrowers/<uuid:borrower_id>/edit", methods=["GET", "POST"])
@roles_required(*ROLES)
def borrower_edit(borrower_id: Any) -> Any:
    """Correct a borrower's contact details, flags or consent. The form shows the current
    full values: a read logged with the purpose 信息更正 (record correction)."""
    if request.method == "GET":
        who = api.get(INV, f"/borrowers/{borrower_id}/personal", purpose="record_correction")
        values = {k: who.get(k, "") for k in ("name", "phone", "address", "division_code")}
        values.update({"dibao": who.get("dibao"), "tekun": who.get("tekun"),
                       "consent": bool(who.get("consent_at"))})
        return _borrower_form(values, who=who)
    who = borrower(str(borrower_id))
    if who is None:
        abort(404)
    values = _typed()
    patch = {k: values[k] for k in ("name", "phone", "address", "division_code")}
    patch.update({k: values[k] for k in ("dibao", "tekun")})
    if values["consent"]:
        patch["consent"] = True
    try:
        api.patch(INV, f"/borrowers/{borrower_id}", patch)
    except api.ApiError as exc:
        if exc.status not in REFUSALS:
            raise
        return _borrower_form(values, refused(exc), who=who, status=exc.status)
    flash(_("已保存借用人信息。"), "success")
    return redirect(url_for("clerk.borrower_page", borrower_id=borrower_id))


# -- reservations -------------------------------------------------------------------------

@bp.get("/reservations")
@roles_required(*ROLES)
def reservations() -> Any:
    return _reservations()


def _reservations(errors: dict[str, list[str]] | None = None, code: int = 200) -> Any:
    """The reservations of a status, and the form of a new one (shown again with its
    errors and what was typed when it is refused)."""
    status = request.args.get("status", "held")
    if status not in RESERVATION_STATUS:
        status = "held"
    page = _page()
    body = api.get(INV, "/reservations", station_id=station_id(), status=status, page=page,
                   page_size=PAGE_SIZE)
    rentable = [(t["id"], f"{t['name_zh']}（{t['iso_code']}）") for t in types().values()
                if t["mode"] == "rentable"]
    return render_template("clerk/reservations.html", items=body["items"], total=body["total"],
                           page=page, page_size=PAGE_SIZE, status=status, unit=unit,
                           borrower=borrower, types=types(), rentable=rentable,
                           due=default_due(today(), None).isoformat(),
                           errors=errors or {}), code


@bp.post("/reservations")
@roles_required(*ROLES)
def reserve() -> Any:
    certificate = request.form.get("certificate_number", "").strip()
    tag = request.form.get("asset_tag", "").strip()
    try:
        person = _lookup(certificate) if certificate else None
        if person is None:
            return _reservations({"certificate_number": [_("未找到该证号的借用人。")]}, 422)
        body: dict[str, Any] = {"station_id": station_id(), "borrower_id": person["id"]}
        if tag:
            found = api.get(INV, f"/units/by-tag/{tag}")
            body["unit_id"] = found["id"]
        else:
            body["type_id"] = request.form.get("type_id") or None
        api.post(INV, "/reservations", body)
    except api.ApiError as exc:
        if exc.status == 404 and tag:
            return _reservations({"asset_tag": [_("未找到该资产编号。")]}, 422)
        if exc.status not in REFUSALS:
            raise
        return _reservations(refused(exc), exc.status)
    flash(_("已预约。"), "success")
    return redirect(url_for("clerk.reservations"))


@bp.post("/reservations/<uuid:reservation_id>/cancel")
@roles_required(*ROLES)
def cancel_reservation(reservation_id: Any) -> BaseResponse:
    api.post(INV, f"/reservations/{reservation_id}/cancel",
             {"reason": request.form.get("reason", "")})
    flash(_("已取消。"), "success")
    return redirect(url_for("clerk.reservations"))


@bp.post("/reservations/<uuid:reservation_id>/fulfil")
@roles_required(*ROLES)
def fulfil(reservation_id: Any) -> BaseResponse:
    held = api.get(INV, f"/reservations/{reservation_id}")
    rental = api.post(INV, "/rentals", {
        "station_id": held["station_id"], "borrower_id": held["borrower_id"],
        "reservation_id": str(reservation_id), "due_on": request.form.get("due_on", ""),
        "home_delivery": bool(request.form.get("home_delivery"))})
    flash(_("已借出。"), "success")
    return redirect(url_for("clerk.rental_page", rental_id=rental["id"]))


# -- the waiting list (issue 16) -----------------------------------------------------------

WAIT_STATUS = {"waiting": "候补中", "held": "已为其预留设备", "served": "已借出",
               "lapsed": "预留已失效", "cancelled": "已取消"}
WAIT_PRIORITY = {"severe": "重度残疾优先", "dibao": "低保优先", "tekun": "特困优先"}


def _rentable() -> list[tuple[str, str]]:
    return [(t["id"], f"{t['name_zh']}（{t['iso_code']}）") for t in types().values()
            if t["mode"] == "rentable"]


@bp.get("/waitlist")
@roles_required(*ROLES)
def waitlist() -> Any:
    return _waitlist()


def _waitlist(errors: dict[str, list[str]] | None = None, code: int = 200,
              type_id: str | None = None) -> Any:
    """The waiting list of a type at the clerk's station (held entries first, then the
    line in order), and the form to add a borrower to it."""
    rentable = _rentable()
    chosen = type_id or request.args.get("type_id") or (rentable[0][0] if rentable else "")
    line = (api.get(INV, "/waitlist", station_id=station_id(), type_id=chosen)
            if chosen else [])
    return render_template("clerk/waitlist.html", line=line, rentable=rentable,
                           type_id=chosen, types=types(), borrower=borrower, unit=unit,
                           WAIT_STATUS=WAIT_STATUS, WAIT_PRIORITY=WAIT_PRIORITY,
                           errors=errors or {}), code


@bp.post("/waitlist")
@roles_required(*ROLES)
def join_waitlist() -> Any:
    certificate = request.form.get("certificate_number", "").strip()
    type_id = request.form.get("type_id", "")
    try:
        person = _lookup(certificate) if certificate else None
        if person is None:
            return _waitlist({"certificate_number": [_("未找到该证号的借用人。")]}, 422,
                             type_id)
        entry = api.post(INV, "/waitlist", {"station_id": station_id(), "type_id": type_id,
                                            "borrower_id": person["id"]})
    except api.ApiError as exc:
        if exc.status not in REFUSALS:
            raise
        return _waitlist(refused(exc), exc.status, type_id)
    if entry["status"] == "held":
        flash(_("本站有空闲设备，已为其预留。"), "success")
    else:
        flash(_("已加入候补，排第{n}位。").format(n=entry["position"]), "success")
    return redirect(url_for("clerk.waitlist", type_id=type_id))


@bp.post("/waitlist/<uuid:entry_id>/cancel")
@roles_required(*ROLES)
def cancel_waitlist(entry_id: Any) -> BaseResponse:
    entry = api.post(INV, f"/waitlist/{entry_id}/cancel", {"reason": ""})
    flash(_("已取消候补。"), "success")
    return redirect(url_for("clerk.waitlist", type_id=entry["type_id"]))


# -- transfers ----------------------------------------------------------------------------

@bp.get("/transfers")
@roles_required(*ROLES)
def transfers() -> Any:
    return _transfers()


def _transfers(errors: dict[str, list[str]] | None = None, code: int = 200) -> Any:
    mine = station_id()
    everything = api.get_all(INV, "/transfers", limit=200)
    incoming = [t for t in everything if t["to_station_id"] == mine]
    outgoing = [t for t in everything if t["from_station_id"] == mine]
    others = [(s["id"], s["name"]) for s in stations() if s["id"] != mine]
    return render_template("clerk/transfers.html", incoming=incoming, outgoing=outgoing,
                           others=others, unit=unit, station_name=station_name,
                           errors=errors or {}), code


@bp.post("/transfers")
@roles_required(*ROLES)
def send_transfer() -> Any:
    back = request.form.get("back")
    try:
        u = api.get(INV, f"/units/by-tag/{request.form.get('asset_tag', '').strip()}")
        api.post(INV, "/transfers", {"unit_id": u["id"],
                                     "to_station_id": request.form.get("to_station_id", ""),
                                     "note": request.form.get("note", "").strip()})
    except api.ApiError as exc:
        if back == "unit":  # the unit page's form: its refusal is shown there
            raise
        if exc.status == 404:
            return _transfers({"asset_tag": [_("未找到该资产编号。")]}, 422)
        if exc.status not in REFUSALS:
            raise
        return _transfers(refused(exc), exc.status)
    flash(_("已调出。"), "success")
    if back == "unit":
        return redirect(url_for("clerk.unit_page", tag=u["asset_tag"]))
    return redirect(url_for("clerk.transfers"))


@bp.post("/transfers/<uuid:transfer_id>/receive")
@roles_required(*ROLES)
def receive(transfer_id: Any) -> BaseResponse:
    api.post(INV, f"/transfers/{transfer_id}/receive", {"station_id": station_id()})
    flash(_("已接收。"), "success")
    return redirect(url_for("clerk.transfers"))


# -- stock, units, overdue, labels ----------------------------------------------------------

@bp.get("/stock")
@roles_required(*ROLES)
def stock() -> Any:
    rows = api.get(INV, "/reports/stock", station_id=station_id())["items"]
    return render_template("clerk/stock.html", rows=rows, station=station())


@bp.get("/units")
@roles_required(*ROLES)
def units() -> Any:
    status = request.args.get("status") or None
    type_id = request.args.get("type_id") or None
    if status not in UNIT_STATUS:
        status = None
    if type_id not in types():
        type_id = None
    page = _page()
    body = api.get(INV, "/units", station_id=station_id(), status=status, type_id=type_id,
                   page=page, page_size=50)
    type_options = [("", _("全部类型"))] + [(t["id"], t["name_zh"]) for t in types().values()]
    status_options = [("", _("全部状态"))] + [(k, _(v)) for k, v in UNIT_STATUS.items()]
    return render_template("clerk/units.html", units=body["items"], total=body["total"],
                           page=page, page_size=50, status=status or "", type_id=type_id or "",
                           types=types(), type_options=type_options,
                           status_options=status_options)


@bp.get("/labels")
@roles_required(*ROLES)
def labels() -> Any:
    """Print-friendly QR labels of the units ticked (``?tag=..&tag=..``)."""
    tags = [t.strip() for t in request.args.getlist("tag") if t.strip()][:MAX_LABELS]
    items = []
    for tag in dict.fromkeys(tags):
        u = _unit_by_tag(tag)
        dtype = types().get(u["type_id"], {})
        items.append({"unit": u, "dtype": dtype,
                      "svg": qr_svg(u["asset_tag"], title=_("二维码：{tag}", tag=u["asset_tag"]))})
    return render_template("clerk/labels.html", items=items, station=station())


#: why a clerk reads an overdue borrower's full name and phone (svckit.pipl; logged)
OVERDUE_PURPOSES = {code: pipl.PURPOSES[code] for code in
                    ("overdue_follow_up", "return_reminder", "home_pickup")}
register("clerk_overdue", {
    "查看姓名和电话": "Show name and phone",
    "姓名和电话的查看会连同目的一并记录。": "Viewing a name and phone is logged with its purpose.",
    "已显示 {number} 借用人的姓名和电话，查看目的“{purpose}”已记录。":
        "Name and phone of {number} shown; the purpose \u201c{purpose}\u201d is logged.",
    "查看目的": "Purpose",
    "无法显示。": "Cannot be shown.",
    **{pipl.PURPOSES[code]: pipl.PURPOSES_EN[code].capitalize() for code in OVERDUE_PURPOSES},
})


@bp.get("/overdue")
@roles_required(*ROLES)
def overdue() -> Any:
    """The overdue list; ``?reveal=<rental id>&purpose=`` (one click on a row, the purpose
    chosen above the list) also shows that borrower's full name and phone, a read the
    inventory service logs with the purpose (PIPL)."""
    page = _page()
    purpose = request.args.get("purpose", "")
    if purpose not in OVERDUE_PURPOSES:
        purpose = "overdue_follow_up"
    revealed: dict[str, Any] | None = None
    rental_id = request.args.get("reveal", "").strip()
    if rental_id:
        try:
            revealed = api.get(INV, f"/rentals/{rental_id}/contact", purpose=purpose)
        except api.ApiError as exc:
            if exc.status not in (403, 404, 409, 422):
                raise
            for message in explain(exc).top or [_("无法显示。")]:
                flash(message, "error")
        else:
            flash(_("已显示 {number} 借用人的姓名和电话，查看目的“{purpose}”已记录。",
                    number=revealed["rental_number"], purpose=_(OVERDUE_PURPOSES[purpose])),
                  "success")
    body = api.get(INV, "/reports/overdue", page=page, page_size=PAGE_SIZE)
    return render_template("clerk/overdue.html", rows=body["items"], total=body["total"],
                           page=page, page_size=PAGE_SIZE, revealed=revealed,
                           purpose=purpose, purposes=OVERDUE_PURPOSES)


# -- stocktake (盘点) -------------------------------------------------------------------------
STOCKTAKE_STATUS = {"open": "盘点中", "closed": "已结束"}
UNEXPECTED = {"wrong_station": "属于其他站点", "not_in_stock": "账上不在库"}


@bp.get("/stocktake")
@roles_required(*ROLES)
def stocktake() -> Any:
    """The station's counts: the open one (scan there), or start one; past counts."""
    sid = station_id()
    counts = api.get(INV, "/stocktakes", station_id=sid, page=1, page_size=PAGE_SIZE)["items"]
    open_count = next((c for c in counts if c["status"] == "open"), None)
    if open_count is not None:
        return redirect(url_for("clerk.stocktake_page", stocktake_id=open_count["id"]))
    return render_template("clerk/stocktake.html", counts=counts, count=None,
                           station=station(), STOCKTAKE_STATUS=STOCKTAKE_STATUS)


@bp.post("/stocktake")
@roles_required(*ROLES)
def start_stocktake() -> BaseResponse:
    count = api.post(INV, "/stocktakes", {"station_id": station_id()})
    flash(_("盘点已开始，请逐件扫描设备标签。"), "success")
    return redirect(url_for("clerk.stocktake_page", stocktake_id=count["id"]))


@bp.get("/stocktake/<uuid:stocktake_id>")
@roles_required(*ROLES)
def stocktake_page(stocktake_id: Any) -> Any:
    detail = api.get(INV, f"/stocktakes/{stocktake_id}")
    corrected = {c["unit_id"] for c in detail["corrections"]}
    return render_template("clerk/stocktake.html", counts=[], count=detail["stocktake"],
                           detail=detail, corrected=corrected, station=station(),
                           station_name=station_name, STOCKTAKE_STATUS=STOCKTAKE_STATUS,
                           UNEXPECTED=UNEXPECTED)


@bp.post("/stocktake/<uuid:stocktake_id>/scan")
@roles_required(*ROLES)
def stocktake_scan(stocktake_id: Any) -> BaseResponse:
    tag = request.form.get("tag", "").strip()
    if not tag:
        flash(_("请扫描或输入资产编号。"), "error")
    else:
        scan = api.post(INV, f"/stocktakes/{stocktake_id}/scans", {"tag": tag})
        if scan.get("repeated"):
            flash(_("{tag} 已扫描过。", tag=scan["tag"]), "info")
        elif scan.get("unit_id"):
            flash(_("已扫描 {tag}。", tag=scan["tag"]), "success")
        else:
            flash(_("已记录 {tag}，但系统中没有这个资产编号。", tag=scan["tag"]), "success")
    return redirect(url_for("clerk.stocktake_page", stocktake_id=stocktake_id))


@bp.post("/stocktake/<uuid:stocktake_id>/close")
@roles_required(*ROLES)
def stocktake_close(stocktake_id: Any) -> BaseResponse:
    api.post(INV, f"/stocktakes/{stocktake_id}/close", {})
    flash(_("盘点已结束，请查看差异报告。"), "success")
    return redirect(url_for("clerk.stocktake_page", stocktake_id=stocktake_id))


@bp.post("/stocktake/<uuid:stocktake_id>/correct")
@roles_required(*ROLES)
def stocktake_correct(stocktake_id: Any) -> BaseResponse:
    api.post(INV, f"/stocktakes/{stocktake_id}/corrections", {
        "unit_id": request.form.get("unit_id", ""), "action": request.form.get("action", ""),
        "reason": request.form.get("reason", "").strip()})
    flash(_("差异已处理。"), "success")
    return redirect(url_for("clerk.stocktake_page", stocktake_id=stocktake_id))


register("clerk_stocktake", {
    "盘点": "Stocktake",
    "盘点中": "Open",
    "已结束": "Closed",
    "开始盘点": "Start a count",
    "盘点已开始，请逐件扫描设备标签。": "The count has started: scan each unit's label.",
    "扫描标签": "Scan a label",
    "扫码枪扫描二维码标签，或手工输入资产编号后按回车。":
        "Scan the QR label with the scanner, or type the asset tag and press Enter.",
    "记录": "Record",
    "请扫描或输入资产编号。": "Scan or type the asset tag.",
    "{tag} 已扫描过。": "{tag} was scanned already.",
    "已扫描 {tag}。": "{tag} scanned.",
    "已记录 {tag}，但系统中没有这个资产编号。": "{tag} recorded, but no unit carries this tag.",
    "已扫描": "Scanned",
    "结束盘点": "Close the count",
    "结束后不能再扫描，确定结束本次盘点？": "No scans after closing. Close this count?",
    "盘点已结束，请查看差异报告。": "The count is closed: see the discrepancy report.",
    "差异报告": "Discrepancy report",
    "应在架": "Expected on the shelf",
    "已找到": "Found",
    "缺失": "Missing",
    "异常": "Unexpected",
    "未知标签": "Unknown tags",
    "原因": "Reason",
    "处理": "Correct",
    "报失核销（站长）": "Write off as lost (supervisor)",
    "需站长核销": "A supervisor writes it off",
    "盘点移库": "Moved by a stocktake",
    "移入本站": "Move onto this station",
    "处理原因": "Reason for the correction",
    "差异已处理。": "Corrected.",
    "已处理": "Corrected",
    "以往盘点": "Past counts",
    "开始时间": "Started",
    "结束时间": "Closed",
    "开始人": "Started by",
    "属于其他站点": "Belongs to another station",
    "账上不在库": "Not in stock on the records",
    "已处理的差异": "Corrections applied",
    "操作人": "By",
    "本站当前没有进行中的盘点。": "No count is open at this station.",
    "盘点进度": "Progress",
    "查看": "View",
})


describe(
    "clerk",
    states={**LOGISTICS, **TRANSFER_STATUS, **RESERVATION_STATUS, **RENTAL_STATUS,
            **UNIT_STATUS},
    labels={"certificate_number": "残疾人证号", "borrower_id": "借用人", "due_on": "应还日期",
            "override_reason": "超期借用理由（站长）", "asset_tag": "资产编号", "tag": "资产编号",
            "unit_id": "设备", "type_id": "设备类型", "station_id": "服务站",
            "to_station_id": "调往服务站", "condition": "归还成色", "notes": "备注",
            "note": "备注", "damage_charge": "损坏赔偿（元）", "reservation_id": "预约",
            "name": "姓名", "phone": "电话", "address": "住址", "division_code": "所属区县",
            "dibao": "低保", "tekun": "特困", "consent": "已签署个人信息授权书",
            "reason": "处理原因", "action": "处理"},
    inputs={"damage_charge_fen": "damage_charge"},
)
