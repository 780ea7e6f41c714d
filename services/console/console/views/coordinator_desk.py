"""The coordinator's own entries (on the coordinator blueprint): a task raised by hand
(an ad-hoc visit or call, the volunteer service's ``POST /tasks``), cancelling such a task,
and service hours recorded by hand (``POST /hours``: certified at once, or waiting for a
second coordinator or staff when the service flags the entry as unusual)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from svckit.domain.clock import utcnow
from svckit.domain.division import KNOWN, is_within, name_of
from svckit.domain.task_types import TASK_TYPE_LABELS
from werkzeug.wrappers.response import Response as BaseResponse

from console import api
from console import coordination as co
from console.auth import roles_required, user
from console.i18n import gettext as _
from console.i18n import register
from console.problems import REFUSALS, describe, refused
from console.views.coordinator import ROLES, _act, bp

#: what a coordinator may raise by hand (the volunteer service's task types), the
#: ad-hoc kind first
TASK_KINDS = tuple((kind, TASK_TYPE_LABELS[kind][0])
                   for kind in ("manual", *(k for k in TASK_TYPE_LABELS if k != "manual")))
TASK_INPUTS = ("type", "division", "window_start", "window_end", "duration_minutes",
               "address", "contact_name", "contact_phone", "priority", "note")
HOURS_INPUTS = ("volunteer_id", "division", "started_at", "ended_at", "note")


def districts() -> list[tuple[str, str]]:
    """``(code, name)`` of the districts the signed-in coordinator works in: their own,
    or the counties of a city (or province) they cover."""
    out: dict[str, str] = {}
    for scope in (user() or {}).get("districts") or []:
        scope = str(scope)
        if scope.endswith("00"):
            for code, name in KNOWN.items():
                if code != scope and not code.endswith("00") and is_within(code, scope):
                    out[code] = name
        else:
            out[scope] = name_of(scope)
    return list(out.items())


def _when(values: dict[str, str], name: str, errors: dict[str, list[str]]) -> str | None:
    """A ``datetime-local`` input as the service's UTC timestamp; a field error if not."""
    raw = values.get(name, "").strip()
    if not raw:
        errors.setdefault(name, []).append(_("请填写日期和时间"))
        return None
    try:
        return co.parse_local(raw).isoformat()
    except ValueError:
        errors.setdefault(name, []).append(_("日期和时间格式不正确"))
        return None


# -- a task raised by hand ------------------------------------------------------------------
def _task_form(values: dict[str, Any], errors: dict[str, list[str]] | None = None,
               status: int = 200) -> Any:
    return render_template(
        "coordinator/task_new.html", values=values, errors=errors or {},
        kinds=[(k, _(text)) for k, text in TASK_KINDS], districts=districts(),
        priorities=[(str(p), _(text)) for p, text in co.PRIORITY_ZH.items()],
        skills=[(k, _(text)) for k, text in co.SKILL_ZH.items()], co=co), status


@bp.route("/tasks/new", methods=["GET", "POST"])
@roles_required(*ROLES)
def task_new() -> Any:
    """Raise an ad-hoc task: its kind, district, window, the address (shown as the area
    until the assignee or a coordinator reads it with a purpose), the contact (kept
    masked), priority, extra skills and notes."""
    if request.method == "GET":
        start, end = co.default_window(utcnow())
        places = districts()
        return _task_form({"type": "manual", "division": places[0][0] if places else "",
                           "window_start": start, "window_end": end, "priority": "2",
                           "extra_skills": []})
    values: dict[str, Any] = {k: request.form.get(k, "").strip() for k in TASK_INPUTS}
    values["extra_skills"] = [s for s in request.form.getlist("extra_skills")
                              if s in co.SKILL_ZH]
    errors: dict[str, list[str]] = {}
    if not values["address"]:
        errors["address"] = [_("请填写上门地址")]
    if not values["note"]:
        errors["note"] = [_("请说明任务内容")]
    body: dict[str, Any] = {
        "type": values["type"], "division": values["division"], "address": values["address"],
        "note": values["note"], "extra_skills": values["extra_skills"],
        "window_start": _when(values, "window_start", errors),
        "window_end": _when(values, "window_end", errors),
        "contact_name": values["contact_name"] or None,
        "contact_phone": values["contact_phone"] or None,
    }
    try:
        body["priority"] = int(values["priority"] or 2)
    except ValueError:
        errors["priority"] = [_("取值无效。")]
    if values["duration_minutes"]:
        try:
            body["duration_minutes"] = int(values["duration_minutes"])
        except ValueError:
            errors["duration_minutes"] = [_("请填写整数分钟数")]
    if errors:
        flash(_("请修正以下错误："), "error")
        return _task_form(values, errors, 422)
    try:
        made = api.post("volunteer", "/tasks", body)
    except api.ApiError as exc:
        if exc.status not in (*REFUSALS, 403):
            raise
        return _task_form(values, refused(exc), exc.status)
    flash(_("已发起任务，请为其派单。"), "success")
    return redirect(url_for("coordinator.task", task_id=made["id"]))


@bp.post("/tasks/<uuid:task_id>/cancel")
@roles_required(*ROLES)
def cancel(task_id: str) -> BaseResponse:
    """Cancel a task raised by hand (another service's request is cancelled by it)."""
    return _act(str(task_id), "cancel", {"reason": request.form.get("reason", "").strip()},
                _("任务已取消。"))


# -- hours recorded by hand -----------------------------------------------------------------
def _hours_form(values: dict[str, Any], errors: dict[str, list[str]] | None = None,
                status: int = 200) -> Any:
    volunteers = sorted(api.get_all("volunteer", "/volunteers", active="true"),
                        key=lambda v: str(v["real_name"]))
    return render_template(
        "coordinator/hours_new.html", values=values, errors=errors or {},
        volunteers=[("", _("请选择志愿者"))] + [(str(v["id"]), str(v["real_name"]))
                                              for v in volunteers],
        districts=districts()), status


@bp.route("/hours/new", methods=["GET", "POST"])
@roles_required(*ROLES)
def hours_new() -> Any:
    """Record service done outside a task. The service certifies an ordinary entry at
    once; an unusual one (longer than the check-in limit, a long day, overlapping another)
    waits for a second coordinator or staff."""
    if request.method == "GET":
        places = districts()
        return _hours_form({"volunteer_id": request.args.get("volunteer", ""),
                            "division": places[0][0] if places else ""})
    values = {k: request.form.get(k, "").strip() for k in HOURS_INPUTS}
    errors: dict[str, list[str]] = {}
    if not values["volunteer_id"]:
        errors["volunteer_id"] = [_("请选择志愿者")]
    if not values["note"]:
        errors["note"] = [_("请说明服务内容")]
    body = {"volunteer_id": values["volunteer_id"], "division": values["division"],
            "note": values["note"], "started_at": _when(values, "started_at", errors),
            "ended_at": _when(values, "ended_at", errors)}
    if errors:
        flash(_("请修正以下错误："), "error")
        return _hours_form(values, errors, 422)
    try:
        entry = api.post("volunteer", "/hours", body)
    except api.ApiError as exc:
        if exc.status not in (*REFUSALS, 403):
            raise
        return _hours_form(values, refused(exc), exc.status)
    if entry.get("status") == "approved":
        flash(_("已登记并认证 {duration} 服务时长。", duration=entry.get("duration", "")),
              "success")
        return redirect(url_for("coordinator.hours", status="approved") + f"#h-{entry['id']}")
    flash(_("已登记 {duration} 服务时长；该记录异常（{why}），须由另一位协调员或工作人员认证。",
            duration=entry.get("duration", ""), why=entry.get("flag_text") or ""),
          "success")
    return redirect(url_for("coordinator.hours") + f"#h-{entry['id']}")


register("coordinator_desk", {
    "发起任务": "Raise a task",
    "任务类型": "Kind",
    **dict(TASK_TYPE_LABELS.values()),
    "服务区域（区县）": "District",
    "时段开始": "Window start",
    "时段结束": "Window end",
    "预计时长（分钟）": "Expected length (minutes)",
    "留空则按任务类型的默认时长。": "Leave empty for the kind's usual length.",
    "上门地址": "Address",
    "看板只显示所在区域；接单的志愿者和本区协调员说明目的后才能查看完整地址。":
        "The board shows the area only; the assignee and the district's coordinators read "
        "the full address with a stated purpose.",
    "联系人姓名": "Contact's name",
    "与其他业务提出的上门请求一样，只保存姓氏和部分号码（如 王某、138****5678）。":
        "Kept like any visit request: the surname and part of the number only "
        "(王某, 138****5678).",
    "另需技能": "Extra skills needed",
    "任务说明": "What is to be done",
    "请填写上门地址": "Enter the address",
    "请说明任务内容": "Say what is to be done",
    "请填写日期和时间": "Enter a date and time",
    "日期和时间格式不正确": "Not a valid date and time",
    "请填写整数分钟数": "Enter whole minutes",
    "已发起任务，请为其派单。": "Task raised; now dispatch it.",
    "任务已取消。": "Task cancelled.",
    "取消任务": "Cancel the task",
    "取消理由": "Reason for cancelling",
    "登记服务时长": "Record hours",
    "手工登记服务时长": "Record service hours by hand",
    "请选择志愿者": "Choose a volunteer",
    "服务开始时间": "Service started",
    "服务结束时间": "Service ended",
    "服务内容": "Service done",
    "请说明服务内容": "Describe the service",
    "不超过12小时且与该志愿者其他记录不重叠的时长立即认证；超过签到时限、单日过长或重叠的记录须由另一位协调员或工作人员认证。":
        "Ordinary hours are certified at once; an entry over the check-in limit, a long "
        "day or overlapping another waits for a second coordinator or staff.",
    "已登记并认证 {duration} 服务时长。": "Recorded and certified {duration} of service.",
    "已登记 {duration} 服务时长；该记录异常（{why}），须由另一位协调员或工作人员认证。":
        "Recorded {duration} of service; it is unusual ({why}) and waits for a second "
        "coordinator or staff.",
})

describe("coordinator", labels={
    "type": "任务类型", "division": "服务区域（区县）", "duration_minutes": "预计时长（分钟）",
    "address": "上门地址", "contact_name": "联系人姓名", "contact_phone": "联系电话",
    "priority": "优先级", "extra_skills": "另需技能", "started_at": "服务开始时间",
    "ended_at": "服务结束时间"})
