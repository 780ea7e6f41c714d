"""The coordinator's pages: the dispatch board (open and late tasks with their ranked
candidates and the reasons; offer, assign by hand, override), a task's detail, the
roster with weekly availability, and the service hours awaiting approval."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from svckit import pipl
from svckit.domain.clock import utcnow
from svckit.domain.division import name_of
from werkzeug.wrappers.response import Response as BaseResponse

from console import api
from console import coordination as co
from console.auth import roles_required
from console.i18n import gettext as _
from console.i18n import register
from console.links import back
from console.problems import REFUSALS, describe, explain, flash_problem, refused

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")
ROLES = ("coordinator",)
BOARD_PAGE = 10
HOURS_PAGE = 20
#: why a coordinator reads a task's full address (the service logs it)
#: why a coordinator reads a task's full address: codes of the platform's list (svckit.pipl)
PURPOSES = {code: pipl.PURPOSES[code] for code in
            ("visit_arrangement", "home_delivery", "home_pickup", "complaint_handling")}
#: why a coordinator reads a volunteer's full phone (svckit.pipl; the service logs it)
PHONE_PURPOSES = {code: pipl.PURPOSES[code] for code in ("volunteer_contact",
                                                         "complaint_handling")}


def _now() -> datetime:
    return utcnow()


def _division(code: str | None) -> str:
    if not code:
        return ""
    try:
        return name_of(code) or code
    except (KeyError, ValueError):
        return code


def _names() -> dict[str, str]:
    """Volunteer id -> name, for my districts."""
    return {str(v["id"]): str(v["real_name"]) for v in api.get_all("volunteer", "/volunteers")}


def _back(default: str, anchor: str | None = None) -> BaseResponse:
    target = back(default)
    return redirect(f"{target}#{anchor}" if anchor else target)


def _post(path: str, body: dict[str, Any], done: str, back: str,
          anchor: str | None = None) -> BaseResponse:
    """POST one action to the volunteer service; a refusal becomes messages on the page
    the coordinator came from (at ``anchor``)."""
    try:
        api.post("volunteer", path, body)
    except api.ApiError as exc:
        if exc.status not in (400, 403, 404, 409, 422):
            raise
        flash_problem(exc)
    else:
        flash(done, "success")
    return _back(back, anchor)


def _act(task_id: str, action: str, body: dict[str, Any], done: str) -> BaseResponse:
    """POST one task action; a refusal becomes messages on the board, at the task."""
    return _post(f"/tasks/{task_id}/{action}", body, done, url_for("coordinator.home"),
                 f"t-{task_id}")


# -- the board ------------------------------------------------------------------------------
@bp.get("/")
@roles_required(*ROLES)
def home() -> Any:
    view = request.args.get("view", "active")
    if view not in co.VIEWS:
        view = "active"
    page = max(1, request.args.get("page", 1, type=int) or 1)
    now = _now()
    tasks = api.get_all("volunteer", "/tasks", state=["open", "offered", "accepted"])
    rows = co.board(tasks, view, now)
    total = len(rows)
    rows = rows[(page - 1) * BOARD_PAGE: page * BOARD_PAGE]
    names = _names()
    for t in rows:
        t["window"] = co.span(t["window_start"], t["window_end"])
        t["slot"] = co.span(t["slot_start"], t["slot_end"]) if t.get("slot_start") else ""
        t["offer"] = co.pending_offer(t)
        t["candidates"], t["excluded"], t["match_error"] = [], [], None
        if t["state"] in ("open", "offered") and t["late"] != "window_over":
            try:
                found = api.get("volunteer", f"/tasks/{t['id']}/candidates")
            except api.ApiError as exc:
                t["match_error"] = "；".join(explain(exc).top)
            else:
                t["candidates"] = found["candidates"]
                t["excluded"] = found["excluded"]
        t["window_inputs"] = (co.input_value(t["window_start"]), co.input_value(t["window_end"]))
    pending = api.get("volunteer", "/hours", status="pending", page=1, page_size=1)
    return render_template(
        "coordinator/home.html", rows=rows, view=view, page=page, total=total,
        page_size=BOARD_PAGE, counts=co.counts(tasks, now), names=names,
        pending_hours=int(pending.get("total", 0)), co=co)


@bp.post("/tasks/<uuid:task_id>/offer")
@roles_required(*ROLES)
def offer(task_id: str) -> BaseResponse:
    chosen = request.form.get("volunteer_id") or None
    return _act(str(task_id), "offer", {"volunteer_id": chosen},
                _("已发出邀约，等待志愿者答复。"))


@bp.post("/tasks/<uuid:task_id>/assign")
@roles_required(*ROLES)
def assign(task_id: str) -> BaseResponse:
    chosen = request.form.get("volunteer_id")
    if not chosen:
        flash(_("请先选择一名志愿者。"), "error")
        return _back(url_for("coordinator.home"), f"t-{task_id}")
    return _act(str(task_id), "assign",
                {"volunteer_id": chosen, "override": request.form.get("override") == "1"},
                _("已指派。"))


@bp.post("/tasks/<uuid:task_id>/withdraw")
@roles_required(*ROLES)
def withdraw(task_id: str) -> BaseResponse:
    return _act(str(task_id), "withdraw", {}, _("已撤回邀约。"))


@bp.post("/tasks/<uuid:task_id>/no-show")
@roles_required(*ROLES)
def no_show(task_id: str) -> BaseResponse:
    return _act(str(task_id), "no-show", {}, _("已登记爽约，任务重新派单。"))


@bp.post("/tasks/<uuid:task_id>/release")
@roles_required(*ROLES)
def release(task_id: str) -> BaseResponse:
    return _act(str(task_id), "release", {"reason": request.form.get("reason", "").strip()},
                _("已撤下执行人，任务重新派单。"))


@bp.post("/tasks/<uuid:task_id>/fail")
@roles_required(*ROLES)
def fail(task_id: str) -> BaseResponse:
    return _act(str(task_id), "fail", {"reason": request.form.get("reason", "").strip()},
                _("任务已关闭（无人可派）。"))


@bp.post("/tasks/<uuid:task_id>/reschedule")
@roles_required(*ROLES)
def reschedule(task_id: str) -> BaseResponse:
    try:
        start = co.parse_local(request.form.get("window_start", ""))
        end = co.parse_local(request.form.get("window_end", ""))
    except ValueError:
        flash(_("请填写有效的开始和结束时间。"), "error")
        return _back(url_for("coordinator.home"), f"t-{task_id}")
    return _act(str(task_id), "reschedule",
                {"window_start": start.isoformat(), "window_end": end.isoformat()},
                _("已改期。"))


# -- one task -------------------------------------------------------------------------------
@bp.get("/tasks/<uuid:task_id>")
@roles_required(*ROLES)
def task(task_id: str) -> Any:
    t = api.get("volunteer", f"/tasks/{task_id}")
    purpose = request.args.get("purpose", "").strip()
    full = None
    if purpose:  # a full read states its purpose; the service logs it (PIPL)
        try:
            full = api.get("volunteer", f"/tasks/{task_id}/address", purpose=purpose)
        except api.ApiError as exc:
            if exc.status not in (403, 404, 409, 422):
                raise
            flash_problem(exc)
    names = _names()
    now = _now()
    t["late"] = co.lateness(t, now)
    t["window"] = co.span(t["window_start"], t["window_end"])
    t["slot"] = co.span(t["slot_start"], t["slot_end"]) if t.get("slot_start") else ""
    t["offer"] = co.pending_offer(t)
    found = None
    if t["state"] in ("open", "offered"):
        try:
            found = api.get("volunteer", f"/tasks/{task_id}/candidates")
        except api.ApiError as exc:
            if exc.status not in (*REFUSALS, 403, 404):
                raise
            refused(exc)
    return render_template("coordinator/task.html", t=t, names=names, co=co,
                           candidates=(found or {}).get("candidates", []),
                           excluded=(found or {}).get("excluded", []),
                           full=full, purpose=purpose,
                           purposes=PURPOSES)


# -- roster ---------------------------------------------------------------------------------
@bp.get("/roster")
@roles_required(*ROLES)
def roster() -> Any:
    skill = request.args.get("skill") or None
    if skill not in co.SKILL_ZH:
        skill = None
    state = request.args.get("active", "true")
    active = {"true": True, "false": False}.get(state)
    volunteers = api.get_all("volunteer", "/volunteers", skill=skill,
                             active=None if active is None else str(active).lower())
    teams = api.get("volunteer", "/teams").get("items", [])
    now = _now()
    team_names = {str(t["id"]): t["name"] for t in teams}
    for v in volunteers:
        v["grid"] = co.week_grid(v.get("availability") or [])
        v["weekly"] = co.hours_label(co.weekly_minutes(v.get("availability") or []))
        v["now"] = co.available_at(v.get("availability") or [], now)
        v["team"] = team_names.get(str(v.get("team_id")), "")
        v["areas"] = "、".join(_division(d) for d in v.get("divisions") or [])
    purpose = request.args.get("purpose", "")
    if purpose not in PHONE_PURPOSES:
        purpose = "volunteer_contact"
    revealed = _reveal_phone(request.args.get("reveal", "").strip(), purpose)
    return render_template("coordinator/roster.html", volunteers=volunteers, teams=teams,
                           skill=skill or "", active=state, co=co, revealed=revealed,
                           purpose=purpose, phone_purposes=PHONE_PURPOSES)


def _reveal_phone(volunteer_id: str, purpose: str) -> dict[str, Any] | None:
    """A volunteer's phone in full (one click on the roster, the purpose chosen above it):
    the volunteer service logs the read with the purpose (PIPL)."""
    if not volunteer_id:
        return None
    try:
        found: dict[str, Any] = api.get("volunteer", f"/volunteers/{volunteer_id}/contact",
                                        purpose=purpose)
    except api.ApiError as exc:
        if exc.status not in (403, 404, 409, 422):
            raise
        flash_problem(exc)
        return None
    flash(_("已显示{name}的完整电话，查看目的“{purpose}”已记录。", name=found["real_name"],
            purpose=_(PHONE_PURPOSES[purpose])), "success")
    return found


@bp.post("/roster/<uuid:volunteer_id>/<any(activate, deactivate):action>")
@roles_required(*ROLES)
def set_active(volunteer_id: str, action: str) -> BaseResponse:
    try:
        api.post("volunteer", f"/volunteers/{volunteer_id}/{action}", {})
    except api.ApiError as exc:
        if exc.status not in (400, 403, 404, 409, 422):
            raise
        flash_problem(exc)
    else:
        flash(_("已恢复派单。") if action == "activate" else _("已暂停派单。"), "success")
    return _back(url_for("coordinator.roster"), f"v-{volunteer_id}")


@bp.route("/roster/<uuid:volunteer_id>/availability", methods=["GET", "POST"])
@roles_required(*ROLES)
def availability(volunteer_id: str) -> Any:
    v = api.get("volunteer", f"/volunteers/{volunteer_id}")
    current = v.get("availability") or []
    per_day = max([2] + [sum(1 for w in current if int(w["weekday"]) == d) for d in range(7)])
    errors: dict[str, list[str]] = {}
    values = co.week_form(current, per_day)
    if request.method == "POST":
        values = {k: str(val) for k, val in request.form.items() if k.startswith("d")}
        windows, errors = co.parse_week(request.form, per_day)
        errors = {k: [_(m) for m in ms] for k, ms in errors.items()}
        if not errors:
            try:
                api.patch("volunteer", f"/volunteers/{volunteer_id}",
                          {"availability": windows})
            except api.ApiError as exc:
                if exc.status not in (*REFUSALS, 403):
                    raise
                errors = refused(exc)
            else:
                flash(_("已保存 {name} 的每周可服务时段。", name=v["real_name"]), "success")
                return redirect(url_for("coordinator.roster") + f"#v-{volunteer_id}")
        else:
            flash(_("请修正以下错误："), "error")
    return render_template("coordinator/availability.html", v=v, values=values,
                           errors=errors, per_day=per_day, co=co), (422 if errors else 200)


# -- service hours --------------------------------------------------------------------------
@bp.get("/hours")
@roles_required(*ROLES)
def hours() -> Any:
    status = request.args.get("status", "pending")
    if status not in ("pending", "approved", "rejected"):
        status = "pending"
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found = api.get("volunteer", "/hours", status=status, page=page, page_size=HOURS_PAGE)
    names = _names()
    entries = found.get("items", [])
    for e in entries:
        e["name"] = names.get(str(e["volunteer_id"]), _("（不在我的名册）"))
        e["when"] = co.span(e["started_at"], e["ended_at"])
        e["area"] = _division(e.get("division"))
    return render_template("coordinator/hours.html", entries=entries, status=status,
                           page=page, total=int(found.get("total", 0)), page_size=HOURS_PAGE)


def _decide(entry_id: str, action: str, body: dict[str, Any], done: str) -> BaseResponse:
    return _post(f"/hours/{entry_id}/{action}", body, done, url_for("coordinator.hours"))


@bp.post("/hours/<uuid:entry_id>/approve")
@roles_required(*ROLES)
def approve_hours(entry_id: str) -> BaseResponse:
    return _decide(str(entry_id), "approve", {}, _("已认证该服务时长。"))


@bp.post("/hours/<uuid:entry_id>/reject")
@roles_required(*ROLES)
def reject_hours(entry_id: str) -> BaseResponse:
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash(_("请填写驳回原因。"), "error")
        return _back(url_for("coordinator.hours"))
    return _decide(str(entry_id), "reject", {"reason": reason}, _("已驳回该服务时长。"))


register("coordinator", {
    "派单看板": "Dispatch board",
    "志愿者名册": "Roster",
    "时长审核": "Hours approval",
    "待派单": "Open",
    "已邀约": "Offered",
    "已接单": "Accepted",
    "服务中": "In progress",
    "已完成": "Completed",
    "未完成": "Not completed",
    "已取消": "Cancelled",
    "超时": "Late",
    "时段已过仍未派出": "Window over, not dispatched",
    "邀请已过答复期限": "Offer not answered in time",
    "预约时段已过仍未签到": "Slot over, no check-in",
    "已自动关闭": "Closed automatically",
    "已过期": "Expired",
    "待处理": "Needs a hand",
    "全部待处理": "Needs a hand",
    "仅超时": "Late only",
    "仅待派单": "Open only",
    "仅已邀约": "Offered only",
    "已接单任务": "Accepted",
    "显示": "Show",
    "任务时段": "Window",
    "预约时段": "Booked slot",
    "地址": "Address",
    "区域": "Area",
    "优先级": "Priority",
    "所需技能": "Skills needed",
    "备注": "Notes",
    "联系人": "Contact",
    "来源": "Source",
    "低": "Low",
    "普通": "Normal",
    "高": "High",
    "紧急": "Urgent",
    "候选志愿者（按匹配度排序）": "Candidates (best first)",
    "暂无符合条件的志愿者。": "No eligible volunteer.",
    "发出邀约": "Send offer",
    "直接指派（已电话确认）": "Assign (agreed by phone)",
    "不符合条件的志愿者": "Excluded volunteers",
    "越过时段限制指派": "Assign with override",
    "可越过限制": "Can override",
    "已电话确认，越过时段或拒绝限制": "Agreed by phone: override availability or a decline",
    "越过限制指派（选择志愿者）": "Assign with override (choose a volunteer)",
    "邀约对象": "Offered to",
    "邀约截止": "Offer expires",
    "告知服务对象；志愿者到场后输入此码签到。":
        "Give it to the person served; the volunteer enters it on arrival to check in.",
    "撤回邀约": "Withdraw offer",
    "执行人": "Assignee",
    "登记爽约": "Record no-show",
    "撤下执行人": "Take off the assignee",
    "原因": "Reason",
    "改期": "Reschedule",
    "新时段开始": "New window start",
    "新时段结束": "New window end",
    "无人可派，关闭任务": "Close: nobody can take it",
    "详情": "Details",
    "任务详情": "Task details",
    "返回派单看板": "Back to the board",
    "排名": "Rank",
    "本月服务": "This month",
    "可靠度": "Reliability",
    "可上门时段": "Slot",
    "匹配理由": "Reasons",
    "排除原因": "Why excluded",
    "邀约记录": "Offers",
    "结果": "Outcome",
    "答复时间": "Answered",
    "发出时间": "Sent",
    "待处理任务": "Tasks needing a hand",
    "待审核时长": "Hours to approve",
    "待派单任务": "Open tasks",
    "已邀约任务": "Offered tasks",
    "超时任务": "Late tasks",
    "当前没有需要处理的任务。": "Nothing needs dispatching right now.",
    "已发出邀约，等待志愿者答复。": "Offer sent; waiting for the volunteer.",
    "已指派。": "Assigned.",
    "已撤回邀约。": "Offer withdrawn.",
    "已登记爽约，任务重新派单。": "No-show recorded; the task is dispatched again.",
    "已撤下执行人，任务重新派单。": "Assignee taken off; the task is dispatched again.",
    "任务已关闭（无人可派）。": "Task closed (nobody can take it).",
    "已改期。": "Rescheduled.",
    "请先选择一名志愿者。": "Choose a volunteer first.",
    "请填写有效的开始和结束时间。": "Enter a valid start and end.",
    "确定登记该执行人爽约吗？": "Record that the assignee did not show up?",
    "姓名": "Name",
    "手机": "Phone",
    "服务区域": "Areas",
    "技能": "Skills",
    "服务队": "Team",
    "每周可服务时段": "Weekly availability",
    "每周合计": "Per week",
    "此刻可服务": "Free now",
    "是": "Yes",
    "否": "No",
    "完成/爽约": "Done / no-shows",
    "在册": "Active",
    "已暂停": "Paused",
    "暂停派单": "Pause dispatch",
    "恢复派单": "Resume dispatch",
    "已恢复派单。": "Back on dispatch.",
    "已暂停派单。": "Taken off dispatch.",
    "全部技能": "All skills",
    "在册状态": "Status",
    "全部": "All",
    "在册志愿者": "Active",
    "已暂停志愿者": "Paused",
    "筛选": "Filter",
    "服务队与在册人数": "Teams and active members",
    "人": "members",
    "周一": "Mon", "周二": "Tue", "周三": "Wed", "周四": "Thu", "周五": "Fri",
    "周六": "Sat", "周日": "Sun",
    "待审核": "Pending",
    "已认证": "Approved",
    "已驳回": "Rejected",
    "志愿者": "Volunteer",
    "服务时间": "Service time",
    "时长": "Duration",
    "需复核": "Flagged",
    "认证": "Approve",
    "驳回": "Reject",
    "驳回原因": "Reason for rejecting",
    "已认证该服务时长。": "Hours approved.",
    "已驳回该服务时长。": "Hours rejected.",
    "请填写驳回原因。": "Give a reason for rejecting.",
    "（不在我的名册）": "(not on my roster)",
    "谁记录谁认证：派单或登记的协调员认证或驳回；标记为异常的记录须由另一位协调员或工作人员认证，登记人不能自行认证。":
        "Who records certifies: the dispatching or recording coordinator approves or "
        "rejects; an entry flagged as unusual is approved by a second coordinator or staff, "
        "never by its recorder.",
    "须由另一位协调员或工作人员认证": "To be approved by a second coordinator or staff",
    "由登记的协调员认证": "Approved by the recording coordinator",
    "签到": "Check-in",
    "签退": "Check-out",
    "任务": "Task",
    "共 {n} 条": "{n} in all",
    "查看完整地址": "Show the full address",
    "查看目的": "Purpose",
    "完整地址": "Full address",
    **{pipl.PURPOSES[code]: pipl.PURPOSES_EN[code].capitalize() for code in PURPOSES},
    "完整地址的读取会连同目的一并记录。": "Reading the full address is logged with its purpose.",
    "查看电话": "Show phone",
    "完整电话的查看会连同目的一并记录。": "Viewing a full phone number is logged with its purpose.",
    "已显示{name}的完整电话，查看目的“{purpose}”已记录。":
        "{name}'s full phone shown; the purpose \u201c{purpose}\u201d is logged.",
    **{pipl.PURPOSES[code]: pipl.PURPOSES_EN[code].capitalize() for code in PHONE_PURPOSES},
    "编辑可服务时段": "Edit availability",
    "每周可服务时段：{name}": "Weekly availability: {name}",
    "已保存 {name} 的每周可服务时段。": "Saved the weekly availability of {name}.",
    "时段 {n}": "Window {n}",
    "开始": "Start",
    "结束": "End",
    "留空表示当天不可服务；结束时间 00:00 表示午夜。":
        "Leave empty when not available that day; an end of 00:00 is midnight.",
    "返回名册": "Back to the roster",
    "请同时填写开始和结束时间": "Give both a start and an end",
    "时间格式应为 HH:MM": "Use HH:MM",
    "结束时间应晚于开始时间": "The end must be after the start",
    "与同一天的其他时段重叠": "Overlaps another window of the same day",
    "待答复": "Pending", "已接受": "Accepted", "已拒绝": "Declined", "超时未答复": "Lapsed",
    "已撤回": "Withdrawn", "已退出": "Dropped out", "爽约": "No-show",
})


describe(
    "coordinator",
    states={**co.OUTCOME_ZH, **co.STATE_ZH},
    labels={"volunteer_id": "志愿者", "reason": "原因", "window_start": "新时段开始",
            "window_end": "新时段结束", "availability": "每周可服务时段", "purpose": "查看目的"},
)
