"""The staff's case pages (renovation): applications, assessments, plans (一户一策) built
from the catalogue against the per-household cap, household confirmation, approvals and
acceptance inspections. Staff (``staff``) act on cases; inspectors (``inspector``) read
them and inspect finished work orders."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from svckit import pipl
from svckit.domain.clock import utcnow
from svckit.domain.division import KNOWN, is_within
from werkzeug.wrappers.response import Response as BaseResponse

from console import api, household, people, signed_links
from console.auth import roles_required, user
from console.formatting import TZ, local_time, yuan
from console.i18n import gettext as _
from console.i18n import register
from console.problems import REFUSALS, describe, explain, flash_problem, refused
from console.renovation_docs import (
    UNITS,
    AcceptanceForm,
    Household,
    Line,
    PlanSheet,
    acceptance_pdf,
    plan_sheet_pdf,
)
from console.views import staff_parked

bp = Blueprint("staff", __name__, url_prefix="/staff")
ROLES = ("staff", "inspector",)
SVC = "renovation"
PAGE_SIZE = 20

#: application status -> Chinese label
APP_STATUS = {
    "submitted": "待受理",
    "accepted": "已受理",
    "refused": "已拒绝",
    "assessment_scheduled": "待入户评估",
    "assessed": "已评估",
    "plan_drafted": "方案待确认",
    "plan_confirmed": "方案待审批",
    "plan_approved": "方案已批准",
    "in_works": "施工中",
    "inspection": "待验收",
    "completed": "已验收",
    "closed": "已结案",
    "withdrawn": "已撤回",
}
#: work-order status -> Chinese label
ORDER_STATUS = {
    "assigned": "已派单",
    "accepted": "已接单",
    "declined": "已拒单",
    "cancelled": "已撤销",
    "scheduled": "已排期",
    "in_progress": "施工中",
    "completion_requested": "待验收",
    "rework": "返工中",
    "closed": "已完工",
}
AREAS = [("entrance", "出入口"), ("floor", "地面"), ("bathroom", "卫生间"),
         ("kitchen", "厨房"), ("bedroom", "卧室"), ("other", "其他")]
HARDSHIP = [("dibao", "低保"), ("tekun", "特困"), ("none", "无")]
#: the service ends a live work order and releases the budget on a withdrawal after approval
_WITHDRAWABLE = ("submitted", "accepted", "assessment_scheduled", "assessed", "plan_drafted",
                 "plan_confirmed", "plan_approved", "in_works", "inspection")
OVER_CAP = "方案合计 {total} 超过每户补助上限 {cap}，超出 {over}。请减少项目或数量后再保存。"
_QTY_RE = re.compile(r"^\d{1,7}(\.\d{1,3})?$")


# ---- pure helpers (unit-tested) ------------------------------------------------------------
def quantity_milli(raw: str) -> int | None:
    """``"2.5"`` -> ``2500``; blank or ``0`` -> ``0``; anything else unparsable -> ``None``."""
    text = (raw or "").strip()
    if not text:
        return 0
    if not _QTY_RE.match(text):
        return None
    whole, _dot, frac = text.partition(".")
    return int(whole) * 1000 + int((frac + "000")[:3])


def line_total_fen(unit_price_fen: int, milli: int) -> int:
    """The renovation service's rule: price x quantity, rounded half up to the fen."""
    return (unit_price_fen * milli + 500) // 1000


def plan_from_form(form: Mapping[str, str], catalogue: list[dict[str, Any]]
                   ) -> tuple[list[dict[str, str]], dict[str, str], int]:
    """The plan lines a builder form asks for, in catalogue order: ``(lines, quantities
    typed per item code, total in fen of the parsable lines)``. Blank and zero quantities
    are left out; unparsable ones are kept so the service names the error."""
    lines: list[dict[str, str]] = []
    typed: dict[str, str] = {}
    total = 0
    for item in catalogue:
        raw = str(form.get(f"qty-{item['code']}", "")).strip()
        typed[item["code"]] = raw
        milli = quantity_milli(raw)
        if milli == 0:
            continue
        lines.append({"item_code": item["code"], "quantity": raw})
        if milli is not None:
            total += line_total_fen(int(item["unit_price_fen"]), milli)
    return lines, typed, total


def checklist_from_form(form: Mapping[str, str], areas: list[dict[str, Any]]
                        ) -> dict[str, dict[str, str]]:
    """The answers of the checklist's radio groups (``checklist.<area>.<finding>``); an
    unanswered finding is sent blank so that the service names it."""
    return {a["code"]: {f["code"]: str(form.get(f"checklist.{a['code']}.{f['code']}", ""))
                        for f in a["findings"]} for a in areas}


def prefilled(catalogue: list[dict[str, Any]], suggested: list[dict[str, Any]]
              ) -> dict[str, str]:
    """A new plan's quantities: 1 for each catalogue item the assessment suggests (the
    staff correct them), blank for the rest; a suggested code not in the catalogue is
    left out."""
    wanted = {str(s.get("item_code")) for s in suggested}
    return {i["code"]: "1" if i["code"] in wanted else "" for i in catalogue}


def checklist_rows(areas: list[dict[str, Any]], answers: Mapping[str, str],
                   assessment: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A completed checklist per area: ``label``, ``found`` (the findings answered yes or
    needs work, with the answer) and ``note``; then the other notes."""
    given = assessment.get("checklist") or {}
    notes = assessment.get("findings") or {}
    rows = [{"label": a["label"], "note": notes.get(a["code"], ""),
             "found": [f"{f['label']}：{answers.get(v, v)}" for f in a["findings"]
                       if (v := (given.get(a["code"]) or {}).get(f["code"]))
                       in ("yes", "needs_work")]}
            for a in areas]
    if notes.get("other"):
        rows.append({"label": _("其他"), "note": notes["other"], "found": []})
    return rows


def _checklist() -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The service's checklist (areas with their findings, and the answers), labelled in
    the console's language."""
    data = api.get(SVC, "/catalogue/checklist")
    key = "label_en" if g.get("lang") == "en" else "label_zh"
    areas = [{"code": a["code"], "label": a[key],
              "findings": [{"code": f["code"], "label": f[key]} for f in a["findings"]]}
             for a in data.get("areas", [])]
    return areas, [(x["code"], x[key].capitalize()) for x in data.get("answers", [])]


def line_errors(errors: Mapping[str, list[str]], lines: list[dict[str, str]]
                ) -> dict[str, list[str]]:
    """``lines.2.quantity`` (the service's index) -> ``qty-<CODE>`` (the form's field)."""
    out: dict[str, list[str]] = {}
    for key, messages in errors.items():
        m = re.match(r"^lines\.(\d+)\.", key)
        if m and int(m.group(1)) < len(lines):
            out.setdefault(f"qty-{lines[int(m.group(1))]['item_code']}", []).extend(messages)
        else:
            out.setdefault("lines", []).extend(messages)
    return out


def local_to_utc_iso(value: str) -> str | None:
    """A ``datetime-local`` value (Asia/Shanghai wall time) as an aware ISO timestamp."""
    try:
        naive = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if naive.tzinfo is not None:
        return naive.isoformat()
    return naive.replace(tzinfo=TZ).isoformat()


def lines_of(text: str) -> list[str]:
    """A textarea with one entry per line -> the non-blank entries."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# ---- template helpers ---------------------------------------------------------------------
@bp.app_template_filter("division_name")
def _division_filter(code: str | None) -> str:
    return KNOWN.get(code or "", code or "")


def _is_staff() -> bool:
    u = user()
    return bool(u and u.get("role") == "staff")


def _me() -> str:
    u = user() or {}
    return str(u.get("sub") or "")


def _programmes() -> list[dict[str, Any]]:
    return list(api.get(SVC, "/programmes").get("items", []))


def _divisions(programmes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    scopes = [p["division_scope"] for p in programmes] or ["371500"]
    return [(code, f"{name}（{code}）") for code, name in KNOWN.items()
            if not code.endswith("00") and any(is_within(code, s) for s in scopes)]


def _count(path: str, **params: Any) -> int:
    return int(api.get(SVC, path, page=1, page_size=1, **params).get("total", 0))


# ---- home ---------------------------------------------------------------------------------
@bp.get("/")
@roles_required(*ROLES)
def home() -> Any:
    queues: list[dict[str, Any]] = []
    if _is_staff():
        for status, label in [("submitted", "待受理的申请"),
                              ("accepted", "待安排入户评估"),
                              ("assessment_scheduled", "待完成入户评估"),
                              ("assessed", "待编制一户一策方案"),
                              ("plan_drafted", "方案待户主确认"),
                              ("plan_confirmed", "方案待审批"),
                              ("plan_approved", "已批准待派单")]:
            queues.append({"label": label, "count": _count("/applications", status=status),
                           "url": url_for("staff.applications", status=status)})
    queues.append({"label": "工单待验收",
                   "count": _count("/work-orders", status="completion_requested"),
                   "url": url_for("staff.work_orders", status="completion_requested")})
    queues.append({"label": "返工中的工单", "count": _count("/work-orders", status="rework"),
                   "url": url_for("staff.work_orders", status="rework")})
    if staff_parked.city_wide():
        counts = [n for n in staff_parked.parked_counts().values() if n is not None]
        queues.append({"label": "搁置的消息", "count": sum(counts),
                       "url": url_for("staff_parked.home")})
    overdue = api.get(SVC, "/work-orders/overdue").get("items", [])
    return render_template("staff/home.html", queues=queues, overdue=overdue,
                           order_status=ORDER_STATUS, is_staff=_is_staff())


# ---- applications -------------------------------------------------------------------------
@bp.get("/applications")
@roles_required(*ROLES)
def applications() -> Any:
    status = request.args.get("status", "")
    division = request.args.get("division", "")
    programme_id = request.args.get("programme_id", "")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    programmes = _programmes()
    body = api.get(SVC, "/applications", status=status or None, division=division or None,
                   programme_id=programme_id or None, page=page, page_size=PAGE_SIZE)
    return render_template(
        "staff/applications.html", items=body.get("items", []), total=body.get("total", 0),
        page=page, page_size=PAGE_SIZE, status=status, division=division,
        programme_id=programme_id, programmes=programmes,
        divisions=_divisions(programmes), statuses=APP_STATUS, is_staff=_is_staff())


@bp.route("/applications/new", methods=["GET", "POST"])
@roles_required("staff")
def new_application() -> Any:
    programmes = _programmes()
    values: dict[str, Any] = {"programme_id": programmes[0]["id"] if programmes else "",
                              "hardship": "dibao"}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in (
            "programme_id", "certificate", "holder_name", "address", "division", "phone",
            "hardship")}
        consent = request.form.get("consent") == "yes"
        if not consent:
            errors["consent"] = [_("须经户主（或监护人）同意后才能登记申请。")]
        else:
            try:
                created = api.post(SVC, "/applications", {**values, "consent": True})
            except api.ApiError as exc:
                if exc.status not in REFUSALS:
                    raise
                errors = refused(exc)
            else:
                flash(_("申请已登记。"), "success")
                return redirect(url_for("staff.application", application_id=created["id"]))
        status = 422
    return render_template(
        "staff/application_new.html", values=values, errors=errors, programmes=programmes,
        divisions=_divisions(programmes), hardship=HARDSHIP), status


#: why staff read a household's full name, address and phone (svckit.pipl; logged)
CONTACT_PURPOSES = {code: pipl.PURPOSES[code] for code in (
    "household_contact", "visit_arrangement", "home_assessment", "complaint_handling",
    "record_correction")}
register("staff_contact", {
    "查看完整地址和电话": "Show the full address and phone",
    "完整地址和电话的查看会连同目的一并记录。":
        "Viewing the full address and phone is logged with its purpose.",
    "已显示户主的完整地址和电话，查看目的“{purpose}”已记录。":
        "The household's full address and phone shown; the purpose \u201c{purpose}\u201d "
        "is logged.",
    "户主姓名": "Holder's name",
    "查看目的": "Purpose",
    "完整地址": "Full address",
    "联系电话（完整）": "Phone (full)",
    **{pipl.PURPOSES[code]: pipl.PURPOSES_EN[code].capitalize() for code in CONTACT_PURPOSES},
})


def _reveal_contact(application_id: Any) -> dict[str, Any] | None:
    """``?purpose=`` (one of :data:`CONTACT_PURPOSES`, staff only): the household's full
    name, address and phone, a read the renovation service logs with the purpose."""
    purpose = request.args.get("purpose", "")
    if purpose not in CONTACT_PURPOSES or not _is_staff():
        return None
    try:
        found: dict[str, Any] = api.get(SVC, f"/applications/{application_id}/contact",
                                        purpose=purpose)
    except api.ApiError as exc:
        if exc.status not in (403, 404, 409, 422):
            raise
        flash_problem(exc)
        return None
    flash(_("已显示户主的完整地址和电话，查看目的“{purpose}”已记录。",
            purpose=_(CONTACT_PURPOSES[purpose])), "success")
    return found


@bp.get("/applications/<uuid:application_id>")
@roles_required(*ROLES)
def application(application_id: Any) -> Any:
    contact = _reveal_contact(application_id)
    file = api.get(SVC, f"/applications/{application_id}/file")
    app = file["application"]
    contractors = api.get(SVC, "/contractors").get("items", [])
    contractor_names = {c["id"]: c["name"] for c in contractors}
    orders = file.get("work_orders", [])
    plan = app.get("plan") or {}
    assessment = app.get("assessment") or {}
    me = _me()
    assessors: list[tuple[str, str]] = []
    if _is_staff() and app["status"] in ("accepted", "assessment_scheduled"):
        assessors = people.assessors(app["division"])
    timeline = household.timeline_rows(
        file.get("timeline", []), person=people.name_of,
        contractor=lambda cid: contractor_names.get(cid, _("施工单位")), tr=_)
    checklist, answers = _checklist() if assessment else ([], [])
    suggested = assessment.get("suggested_items") or []
    item_names = ({i["code"]: i["name"] for i in api.get(SVC, "/catalogue").get("items", [])}
                  if suggested else {})
    return render_template(
        "staff/application.html", app=app, plan=plan, assessment=assessment,
        statuses=APP_STATUS, order_status=ORDER_STATUS, areas=dict(AREAS), area_list=AREAS,
        is_staff=_is_staff(), me=me, units=UNITS,
        may_approve=me not in (assessment.get("assessor_id"), plan.get("drafted_by")),
        withdrawable=app["status"] in _WITHDRAWABLE, contractors=contractors,
        contractor_names=contractor_names, orders=orders,
        may_assign=app["status"] == "plan_approved" and not open_orders(orders),
        assessors=assessors, timeline=timeline, default_time=_default_visit_time(),
        checklist=checklist, answer_list=answers, suggested=suggested, item_names=item_names,
        checklist_rows=checklist_rows(checklist, dict(answers), assessment),
        contact=contact, contact_purposes=CONTACT_PURPOSES)


def open_orders(orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The work orders still standing (not declined or cancelled): while one stands, the
    case is not assigned again."""
    return [o for o in orders if o.get("status") not in ("declined", "cancelled")]


def _default_visit_time() -> str:
    """Tomorrow 09:00 Beijing time, as a ``datetime-local`` value."""
    from datetime import timedelta

    t = utcnow().astimezone(TZ) + timedelta(days=1)
    return t.replace(hour=9, minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


def _act(application_id: Any, call: Callable[[], Any], done: str) -> BaseResponse:
    """Run one action on a case; a refusal (4xx) is flashed as the service worded it."""
    try:
        call()
    except api.ApiError as exc:
        if exc.status in (401,) or exc.status >= 500:
            raise
        flash_problem(exc)
    else:
        flash(done, "success")
    return redirect(url_for("staff.application", application_id=application_id))


def _path(application_id: Any, tail: str = "") -> str:
    return f"/applications/{application_id}{tail}"


@bp.post("/applications/<uuid:application_id>/accept")
@roles_required("staff")
def accept(application_id: Any) -> BaseResponse:
    reason = request.form.get("override_reason", "").strip() or None
    return _act(application_id, lambda: api.post(
        SVC, _path(application_id, "/accept"), {"override_reason": reason}), _("申请已受理。"))


@bp.post("/applications/<uuid:application_id>/refuse")
@roles_required("staff")
def refuse(application_id: Any) -> BaseResponse:
    reason = request.form.get("reason", "").strip() or None
    return _act(application_id, lambda: api.post(
        SVC, _path(application_id, "/refuse"), {"reason": reason}), _("申请已拒绝。"))


@bp.post("/applications/<uuid:application_id>/withdraw")
@roles_required("staff")
def withdraw(application_id: Any) -> BaseResponse:
    reason = request.form.get("reason", "").strip()
    return _act(application_id, lambda: api.post(
        SVC, _path(application_id, "/withdraw"), {"reason": reason}), _("申请已撤回。"))


@bp.post("/applications/<uuid:application_id>/consent")
@roles_required("staff")
def consent(application_id: Any) -> BaseResponse:
    given = request.form.get("consent") == "yes"
    return _act(application_id, lambda: api.post(
        SVC, _path(application_id, "/consent"), {"consent": given}),
        _("已记录户主同意。") if given else _("已记录撤回同意。"))


@bp.post("/applications/<uuid:application_id>/assessment")
@roles_required("staff")
def schedule_assessment(application_id: Any) -> BaseResponse:
    at = local_to_utc_iso(request.form.get("scheduled_at", ""))
    assessor = request.form.get("assessor", "").strip()
    if at is None:
        flash(_("请填写有效的评估时间。"), "error")
        return redirect(url_for("staff.application", application_id=application_id))
    app = api.get(SVC, _path(application_id))
    if assessor not in {username for username, _name in people.assessors(app["division"])}:
        # only a real user who may assess in the district: never free text
        flash(_("请从列表中选择评估员。"), "error")
        return redirect(url_for("staff.application", application_id=application_id))
    return _act(application_id, lambda: api.put(
        SVC, _path(application_id, "/assessment"), {"assessor": assessor, "scheduled_at": at}),
        _("入户评估已安排。"))


@bp.post("/applications/<uuid:application_id>/assessment/complete")
@roles_required("staff")
def complete_assessment(application_id: Any) -> BaseResponse:
    findings = {area: request.form.get(f"finding-{area}", "").strip() for area, _l in AREAS}
    body = {"checklist": checklist_from_form(request.form, _checklist()[0]),
            "findings": {k: v for k, v in findings.items() if v},
            "needs": lines_of(request.form.get("needs", "")), "photo_refs": []}
    return _act(application_id, lambda: api.post(
        SVC, _path(application_id, "/assessment/complete"), body), _("评估结果已记录。"))


@bp.route("/applications/<uuid:application_id>/plan", methods=["GET", "POST"])
@roles_required("staff")
def plan(application_id: Any) -> Any:
    app = api.get(SVC, _path(application_id))
    programme = api.get(SVC, f"/programmes/{app['programme_id']}")
    catalogue = [i for i in api.get(SVC, "/catalogue").get("items", []) if i.get("active")]
    current = {line["item_code"]: line["quantity"] for line in (app.get("plan") or {}).get(
        "lines", [])}
    suggested = (app.get("assessment") or {}).get("suggested_items") or []
    suggested_codes = {str(x.get("item_code")) for x in suggested}
    typed = ({i["code"]: current.get(i["code"], "") for i in catalogue} if current
             else prefilled(catalogue, suggested))
    total = sum(line_total_fen(int(i["unit_price_fen"]), quantity_milli(typed[i["code"]]) or 0)
                for i in catalogue)
    errors: dict[str, list[str]] = {}
    over: dict[str, int] | None = None
    status = 200
    if request.method == "POST":
        lines, typed, total = plan_from_form(request.form, catalogue)
        if not lines:
            errors = {"lines": [_("请至少为一个项目填写数量。")]}
        else:
            try:
                api.put(SVC, _path(application_id, "/plan"), {"lines": lines})
            except api.ApiError as exc:
                if exc.status not in REFUSALS:
                    raise
                if "limit_fen" in exc.problem:
                    over = {k: int(exc.problem.get(k) or 0)
                            for k in ("total_fen", "limit_fen", "over_fen")}
                    total = over["total_fen"]
                    errors = {"lines": [_(
                        OVER_CAP,
                        total=yuan(over["total_fen"]), cap=yuan(over["limit_fen"]),
                        over=yuan(over["over_fen"]))]}
                else:
                    problem = explain(exc)
                    errors = line_errors(problem.fields, lines) or {"lines": problem.top}
            else:
                flash(_("一户一策方案已保存，合计 {total}。", total=yuan(total)), "success")
                return redirect(url_for("staff.application", application_id=application_id))
        status = 422
    cap = int(programme["programme"]["household_cap_fen"])
    return render_template(
        "staff/plan.html", app=app, programme=programme["programme"], catalogue=catalogue,
        typed=typed, total=total, cap=cap, errors=errors, over=over,
        suggested=suggested_codes, prefilled=bool(suggested_codes) and not current,
        remaining_fen=programme.get("remaining_fen"), statuses=APP_STATUS,
        line_totals={i["code"]: line_total_fen(int(i["unit_price_fen"]),
                                               quantity_milli(typed.get(i["code"], "")) or 0)
                     for i in catalogue}), status


@bp.post("/applications/<uuid:application_id>/plan/confirm")
@roles_required("staff")
def confirm_plan(application_id: Any) -> BaseResponse:
    signatory = request.form.get("signatory", "").strip()
    return _act(application_id, lambda: api.post(
        SVC, _path(application_id, "/plan/confirm"), {"signatory": signatory}),
        _("已记录户主确认。"))


@bp.post("/applications/<uuid:application_id>/plan/revise")
@roles_required("staff")
def revise_plan(application_id: Any) -> BaseResponse:
    reason = request.form.get("reason", "").strip()
    return _act(application_id, lambda: api.post(
        SVC, _path(application_id, "/plan/revise"), {"reason": reason}),
        _("方案已退回修改。"))


@bp.post("/applications/<uuid:application_id>/plan/approve")
@roles_required("staff")
def approve_plan(application_id: Any) -> BaseResponse:
    return _act(application_id, lambda: api.post(
        SVC, _path(application_id, "/plan/approve"), {}), _("方案已批准。"))


@bp.post("/applications/<uuid:application_id>/work-orders")
@roles_required("staff")
def assign(application_id: Any) -> BaseResponse:
    contractor_id = request.form.get("contractor_id", "")
    return _act(application_id, lambda: api.post(
        SVC, _path(application_id, "/work-orders"), {"contractor_id": contractor_id}),
        _("工单已派给施工单位。"))


# ---- work orders and inspections ----------------------------------------------------------
@bp.get("/work-orders")
@roles_required(*ROLES)
def work_orders() -> Any:
    status = request.args.get("status", "")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    body = api.get(SVC, "/work-orders", status=status or None, page=page, page_size=PAGE_SIZE)
    contractors = api.get(SVC, "/contractors").get("items", [])
    return render_template(
        "staff/work_orders.html", items=body.get("items", []), total=body.get("total", 0),
        page=page, page_size=PAGE_SIZE, status=status, statuses=ORDER_STATUS,
        contractor_names={c["id"]: c["name"] for c in contractors})


@bp.get("/work-orders/<uuid:order_id>")
@roles_required(*ROLES)
def work_order(order_id: Any) -> Any:
    order = api.get(SVC, f"/work-orders/{order_id}")
    file = api.get(SVC, f"/applications/{order['application_id']}/file")
    app = file["application"]
    contractors = api.get(SVC, "/contractors").get("items", [])
    u = user() or {}
    photos = [p for p in file.get("photos", []) if p.get("work_order_id") == order["id"]]
    return render_template(
        "staff/work_order.html", order=order, app=app, statuses=ORDER_STATUS,
        app_statuses=APP_STATUS, may_inspect=u.get("role") == "inspector"
        and order["status"] == "completion_requested",
        contractor_names={c["id"]: c["name"] for c in contractors},
        lines=order_lines(order, app), photos=photos, units=UNITS,
        purposes=household.PHOTO_PURPOSES)


def order_lines(order: dict[str, Any], app: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan lines a work order carries, each with ``done`` (reported finished by the
    contractor): what the inspector checks on site, with quantities and amounts."""
    by_code = {line["item_code"]: line for line in (app.get("plan") or {}).get("lines", [])}
    done = set(order.get("items_done") or [])
    out = []
    for code in order.get("items") or []:
        line = by_code.get(code, {"item_code": code, "name": code, "quantity": "",
                                  "unit": "", "unit_price_fen": 0, "total_fen": 0})
        out.append({**line, "done": code in done})
    return out


@bp.get("/photos/<uuid:photo_id>")
@roles_required(*ROLES)
def photo(photo_id: Any) -> Response:
    """A household's or work order's photo, fetched with the signed-in user's token."""
    resp = api.call(SVC, "GET", f"/photos/{photo_id}/content", raw=True)
    content_type = resp.headers.get("Content-Type", "application/octet-stream")
    if content_type.split(";")[0] not in ("image/jpeg", "image/png"):
        content_type = "application/octet-stream"
    return Response(resp.content, mimetype=content_type,
                    headers={"Cache-Control": "private, max-age=3600",
                             "X-Content-Type-Options": "nosniff"})


# ---- printed documents (一户一策 confirmation sheet, acceptance form) -------------------
def _household(app: dict[str, Any], programme: str) -> Household:
    """The household block of a document. Staff print it with the full name, address and
    phone (a purpose-logged read: the household signs it); inspectors with them masked."""
    name, address, phone = str(app.get("holder", "")), "", str(app.get("phone", ""))
    if _is_staff():
        contact = api.get(SVC, f"/applications/{app['id']}/contact",
                          purpose="document_signing")
        name, address, phone = contact["holder_name"], contact["address"], contact["phone"]
    return Household(
        federation=f"聊城市{app.get('division_name', '')}残疾人联合会", programme=programme,
        case_no=str(app["id"])[:8].upper(), holder_name=name,
        certificate=str(app.get("certificate", "")), address=address or "—",
        division=str(app.get("division_name", "")), phone=phone)


def _lines(plan_lines: list[dict[str, Any]]) -> list[Line]:
    return [Line(name=str(ln["name"]), unit=str(ln.get("unit", "")),
                 quantity=str(ln.get("quantity", "")),
                 unit_price_fen=int(ln.get("unit_price_fen", 0)),
                 total_fen=int(ln.get("total_fen", 0)), done=ln.get("done"))
            for ln in plan_lines]


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"})


@bp.get("/applications/<uuid:application_id>/plan.pdf")
@roles_required("staff")
def plan_sheet(application_id: Any) -> BaseResponse:
    """一户一策 plan confirmation sheet for the household to sign."""
    file = api.get(SVC, f"/applications/{application_id}/file")
    app, programme = file["application"], file.get("programme") or {}
    plan = app.get("plan") or {}
    if not plan:
        flash(_("尚未编制。"), "error")
        return redirect(url_for("staff.application", application_id=application_id))
    assessment = app.get("assessment") or {}
    pdf = plan_sheet_pdf(PlanSheet(
        household=_household(app, str(programme.get("name", ""))),
        lines=_lines(plan.get("lines", [])), total_fen=int(plan.get("total_fen", 0)),
        cap_fen=int(programme.get("household_cap_fen", 0)),
        drafted_by=people.name_of(plan.get("drafted_by")),
        drafted_on=local_time(plan.get("drafted_at"))[:10],
        assessed_by=people.name_of(assessment.get("assessor_id")),
        assessed_on=local_time(assessment.get("completed_at"))[:10],
        # the QR code a volunteer scans to check the household's visits in and out
        check_in_url=signed_links.check_in_url("renovation:application", application_id)))
    return _pdf(pdf, f"plan-{str(application_id)[:8]}.pdf")


@bp.get("/work-orders/<uuid:order_id>/acceptance.pdf")
@roles_required(*ROLES)
def acceptance_form(order_id: Any) -> Response:
    """验收单 of a work order, for the household, contractor and inspector to sign."""
    order = api.get(SVC, f"/work-orders/{order_id}")
    file = api.get(SVC, f"/applications/{order['application_id']}/file")
    app, programme = file["application"], file.get("programme") or {}
    contractors = {c["id"]: c["name"] for c in api.get(SVC, "/contractors").get("items", [])}
    lines = order_lines(order, app)
    last = (order.get("inspections") or [None])[-1]
    pdf = acceptance_pdf(AcceptanceForm(
        household=_household(app, str(programme.get("name", ""))),
        order_no=str(order.get("number") or str(order["id"])[:8].upper()),
        contractor=contractors.get(order["contractor_id"], ""),
        lines=_lines(lines), total_fen=sum(int(ln.get("total_fen", 0)) for ln in lines),
        start_on=str(order.get("start_on") or ""), end_on=str(order.get("end_on") or ""),
        requested_on=local_time(order.get("completion_requested_at"))[:10],
        inspected_on=local_time(last["at"])[:10] if last else "",
        inspector=people.name_of(last["inspector_id"]) if last else "",
        verdict=("合格" if last["passed"] else "不合格") if last else "",
        defects=list(last.get("defects") or []) if last else []))
    return _pdf(pdf, f"acceptance-{str(order_id)[:8]}.pdf")


@bp.post("/work-orders/<uuid:order_id>/inspection")
@roles_required("inspector")
def inspect(order_id: Any) -> BaseResponse:
    verdict = request.form.get("passed", "")
    if verdict not in ("yes", "no"):
        flash(_("请选择验收结论。"), "error")
        return redirect(url_for("staff.work_order", order_id=order_id))
    passed = verdict == "yes"
    body = {"passed": passed, "defects": lines_of(request.form.get("defects", "")),
            "note": request.form.get("note", "").strip() or None}
    try:
        api.post(SVC, f"/work-orders/{order_id}/inspection", body)
    except api.ApiError as exc:
        if exc.status in (401,) or exc.status >= 500:
            raise
        flash_problem(exc)
    else:
        flash(_("验收通过，工单已完工。") if passed else _("验收未通过，已退回返工。"),
              "success")
    return redirect(url_for("staff.work_order", order_id=order_id))


register("staff", {
    # navigation and headings
    "残联工作台": "Federation desk",
    "改造申请": "Applications",
    "工单与验收": "Work orders",
    "待办队列": "Queues",
    "登记申请": "New application",
    "申请详情": "Application",
    "一户一策方案": "Household plan",
    "编制一户一策方案": "Build the plan",
    "工单详情": "Work order",
    "验收": "Inspection",
    "逾期工单": "Overdue work orders",
    # queues
    "待受理的申请": "Applications to accept",
    "待安排入户评估": "Assessments to schedule",
    "待完成入户评估": "Assessments to complete",
    "待编制一户一策方案": "Plans to draft",
    "方案待户主确认": "Plans awaiting the household",
    "方案待审批": "Plans awaiting approval",
    "已批准待派单": "Approved, to assign",
    "工单待验收": "Work orders awaiting inspection",
    "返工中的工单": "Work orders in rework",
    "查看": "View",
    # statuses
    "待受理": "Submitted", "已受理": "Accepted", "已拒绝": "Declined",
    "待入户评估": "Assessment scheduled", "已评估": "Assessed",
    "方案已批准": "Plan approved", "施工中": "In progress", "待验收": "Awaiting inspection",
    "已验收": "Inspected", "已结案": "Closed", "已撤回": "Withdrawn",
    "已派单": "Assigned", "已接单": "Accepted", "已拒单": "Declined", "已撤销": "Cancelled",
    "已排期": "Scheduled", "返工中": "Rework", "已完工": "Completed",
    # fields
    "年度项目": "Programme", "改造项目": "Item", "全部": "All", "区县": "District",
    "筛选": "Filter",
    "残疾人证号": "Disability certificate number", "户主姓名": "Holder's name", "住址": "Address",
    "联系电话": "Phone", "困难类型": "Hardship", "低保": "Minimum living allowance",
    "特困": "Extreme hardship", "无": "None", "提交时间": "Submitted at",
    "残疾类别": "Category", "残疾等级": "Grade", "户主": "Holder",
    "户主（或监护人）已同意按《个人信息保护法》处理其个人信息":
        "The household (or guardian) consents to the processing of its personal data (PIPL)",
    "须经户主（或监护人）同意后才能登记申请。":
        "The household's consent is required to register an application.",
    "申请已登记。": "Application registered.",
    "受理": "Accept", "拒绝": "Refuse", "撤回申请": "Withdraw", "理由": "Reason",
    "例外受理理由（不符合条件时必填）": "Override reason (required if ineligible)",
    "拒绝理由（符合条件时必填）": "Reason (required if eligible)",
    "申请已受理。": "Application accepted.", "申请已拒绝。": "Application refused.",
    "申请已撤回。": "Application withdrawn.",
    "记录户主同意": "Record consent", "已记录户主同意。": "Consent recorded.",
    "已记录撤回同意。": "Consent withdrawal recorded.",
    "入户评估": "Home assessment", "安排评估": "Schedule assessment",
    "评估员（用户名）": "Assessor (user name)", "评估时间": "Visit time",
    "请填写有效的评估时间。": "Please enter a valid visit time.",
    "入户评估已安排。": "Assessment scheduled.",
    "记录评估结果": "Record the assessment", "发现的问题": "Findings",
    "改造需求（每行一项）": "Needs (one per line)", "评估结果已记录。": "Assessment recorded.",
    "区域": "Area", "单价": "Unit price", "数量": "Quantity", "小计": "Subtotal",
    "合计": "Total", "每户补助上限": "Per-household cap", "剩余额度": "Left under the cap",
    "超出上限": "Over the cap by", "保存方案": "Save plan",
    "请至少为一个项目填写数量。": "Enter a quantity for at least one item.",
    "一户一策方案已保存，合计 {total}。": "Plan saved, total {total}.",
    OVER_CAP:
        "The plan total {total} is over the per-household cap {cap} by {over}. "
        "Reduce items or quantities, then save.",
    "项目剩余预算": "Programme budget left",
    "户主确认": "Household confirmation",
    "签字人（户主或监护人）": "Signatory (holder or guardian)",
    "记录确认": "Record confirmation", "已记录户主确认。": "Confirmation recorded.",
    "审批": "Approval", "批准方案": "Approve plan", "退回修改": "Send back",
    "方案已退回修改。": "Plan sent back for revision.", "方案已批准。": "Plan approved.",
    "派单": "Assign", "施工单位": "Contractor", "工单已派给施工单位。": "Work order assigned.",
    "编制人": "Drafted by", "审批人": "Approved by", "确认人": "Confirmed by",
    "进度": "Progress", "工单": "Work order", "验收结论": "Verdict",
    "通过": "Pass", "不通过（返工）": "Fail (rework)",
    "整改问题（每行一项）": "Defects (one per line)", "验收意见": "Notes",
    "提交验收结果": "Submit inspection", "请选择验收结论。": "Choose a verdict.",
    "验收通过，工单已完工。": "Inspection passed; the work order is closed.",
    "验收未通过，已退回返工。": "Inspection failed; sent back for rework.",
    "验收记录": "Inspections", "施工进度": "Progress reports", "施工项目": "Items",
    "查看申请": "Open application",
    "验收员可查看各户案件和工单，并对施工单位已申请验收的工单作出结论（通过，或列明问题退回返工）。":
        "Inspectors read every case and work order and decide on the orders handed over "
        "for inspection (pass, or fail with the defects to rework).",
    "编制方案": "Build plan", "修改方案": "Edit plan",
    "共 {n} 条": "{n} in all", "方案合计": "Plan total", "逾期类型": "Overdue for",
    "期限": "Due", "未按期接单": "Not accepted in time", "未按期验收": "Not inspected in time",
    "未按期返工": "Rework not done in time", "请选择": "Choose",
    "20位：身份证号 + 残疾类别 + 等级": "20 characters: ID number + category + grade",
    "个人信息处理同意": "Consent to processing", "已同意": "Given", "未同意": "Not given",
    "不符合条件": "Ineligible because", "拒绝理由": "Refusal reasons",
    "例外受理理由": "Override reason", "撤回理由": "Withdrawal reason",
    "评估员": "Assessor", "第 {n} 次安排": "scheduling no. {n}", "完成时间": "Completed at",
    "尚未安排。": "Not scheduled yet.", "北京时间": "Beijing time",
    "只有指派的评估员（{who}）可以记录评估结果。":
        "Only the scheduled assessor ({who}) may record the assessment.",
    "至少填写一个区域": "at least one area", "改造需求": "Needs", "辅具": "Device",
    "尚未编制。": "Not drafted yet.",
    "您是该户的评估员或方案编制人，不能审批该方案（双人复核）。":
        "You assessed this home or drafted its plan, so you cannot approve it (four eyes).",
    "退回理由": "Reason for sending back", "派单时间": "Assigned at", "工期": "Works dates",
    "申请验收时间": "Inspection requested at", "不通过": "Failed",
    "验收须由验收员完成。": "An inspector records the inspection.",
    "改造项目清单：填写需要的数量，空白或 0 表示不需要":
        "Item catalogue: enter the quantities needed; blank or 0 means none",
    "数量格式有误": "Invalid quantity", "合计占上限的比例": "Total as a share of the cap",
    "入户评估检查表": "Home assessment checklist",
    "逐项回答：有、无或需改造；“需改造”的项目会预填到方案中。":
        "Answer every finding: yes, no or needs work; what needs work is pre-filled in the plan.",
    "{area}备注": "{area}: notes", "其他备注": "Other notes",
    "检查结果": "Findings", "备注": "Notes", "均无": "None found",
    "建议改造项目": "Suggested items", "评估建议": "Suggested",
    "已按入户评估的建议预填数量（标有“评估建议”），请核对数量后保存。":
        "Quantities are pre-filled from the assessment (marked “Suggested”); check them, "
        "then save.",
})


describe(
    "staff",
    states={**ORDER_STATUS, **APP_STATUS},
    labels={"programme_id": "年度项目", "certificate": "残疾人证号", "holder_name": "户主姓名",
            "address": "住址", "division": "区县", "phone": "联系电话", "hardship": "困难类型",
            "override_reason": "例外受理理由（不符合条件时必填）", "scheduled_at": "评估时间",
            "assessor": "评估员", "needs": "改造需求（每行一项）",
            "signatory": "签字人（户主或监护人）", "contractor_id": "施工单位",
            "defects": "整改问题（每行一项）", "note": "验收意见"},
)
