"""The contractor's pages (phone first): my work orders, accept or decline, works dates,
progress with photos, request the acceptance inspection.

Everything goes through the renovation service as the signed-in contractor: the service
shows a contractor only its own company's orders (a foreign order is a 404) and masks the
site's address down to its township.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from svckit import pipl
from svckit.domain.clock import utcnow
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers.response import Response as BaseResponse

from console import api
from console.auth import roles_required
from console.formatting import TZ, local_time
from console.i18n import gettext as _
from console.i18n import register
from console.problems import REFUSALS, describe, explain, flash_problem, refused

bp = Blueprint("contractor", __name__, url_prefix="/contractor")
ROLES = ("contractor",)
PAGE_SIZE = 20
PHOTO_PREFIX = "photo:"
MAX_PHOTOS = 10  # per progress update (the service takes 20 refs per side)

#: work-order states in the order a job moves through them, with their Chinese label
STATES: dict[str, str] = {
    "assigned": "待接单",
    "accepted": "已接单",
    "scheduled": "已排期",
    "in_progress": "施工中",
    "completion_requested": "待验收",
    "rework": "整改中",
    "closed": "已完工",
    "declined": "已拒单",
    "cancelled": "已撤回",
}
#: badge class per state: what needs the contractor's attention stands out
STATE_BADGE = {"assigned": "warn", "rework": "bad", "closed": "ok", "completion_requested": "ok"}
#: the deadline running in a state (from the service's ``due_kind``)
DUE_LABELS = {"accept": "接单期限", "inspect": "验收期限", "rework": "整改期限"}
PROGRESS_STATES = ("scheduled", "in_progress", "rework")
PHOTO_PURPOSES = {"before": "施工前", "after": "施工后"}
#: states in which the assigned contractor may reveal the site's address and phone (the
#: service decides; the page offers the button only then)
CONTACT_STATES = ("accepted", "scheduled", "in_progress", "completion_requested", "rework")
#: why a contractor reads the full address and phone: codes of the platform's list (svckit.pipl)
CONTACT_PURPOSES = {code: pipl.PURPOSES[code] for code in
                    ("works_contact", "visit_arrangement", "complaint_handling")}

register("contractor", {
    "我的工单": "My work orders",
    "工单": "Work order",
    "工单详情": "Work order",
    "全部": "All",
    "筛选": "Filter",
    "筛选工单": "Filter work orders",
    "地址": "Address",
    "地区": "District",
    "进度": "Progress",
    "期限": "Due",
    "派单时间": "Assigned at",
    "计划工期": "Works dates",
    "计划完工": "Planned end",
    "已超期": "Overdue",
    "查看": "View",
    "返回工单列表": "Back to my work orders",
    "待接单": "Awaiting acceptance",
    "已接单": "Accepted",
    "已排期": "Scheduled",
    "施工中": "In progress",
    "待验收": "Awaiting inspection",
    "整改中": "Rework",
    "已完工": "Completed",
    "已拒单": "Declined",
    "已撤回": "Withdrawn",
    "接单期限": "Accept by",
    "验收期限": "Inspection due",
    "整改期限": "Rework due",
    "施工项目": "Items",
    "已完成": "Completed",
    "未完成": "Not completed",
    "接单": "Accept",
    "拒单": "Decline",
    "拒单原因": "Reason for declining",
    "确认拒单": "Decline the order",
    "已接单。请安排工期。": "Accepted. Please set the works dates.",
    "已拒单。": "Declined.",
    "请填写拒单原因。": "Please give a reason.",
    "安排工期": "Works dates",
    "开工日期": "Start date",
    "完工日期": "End date",
    "保存工期": "Save the dates",
    "工期已保存。": "Works dates saved.",
    "请填写日期。": "Please enter a date.",
    "完工日期不能早于开工日期。": "The end date cannot be before the start date.",
    "报告进度": "Report progress",
    "进度说明": "Progress note",
    "完成百分比": "Percent complete",
    "本次完成的项目": "Items completed",
    "照片": "Photos",
    "拍照或选择照片": "Take or choose photos",
    "照片类型": "Photo type",
    "施工前": "Before works",
    "施工后": "After works",
    "提交进度": "Submit progress",
    "进度已提交。": "Progress submitted.",
    "请填写进度说明。": "Please write a progress note.",
    "进度应为0-100的整数。": "Enter a whole number from 0 to 100.",
    "进度不能低于当前的{percent}%。": "Cannot be below the current {percent}%.",
    "已上传的照片": "Photos already uploaded",
    "最多{n}张照片。": "At most {n} photos.",
    "申请验收": "Request inspection",
    "确认全部项目已完工并申请验收？": "All items done: request the acceptance inspection?",
    "已申请验收。": "Inspection requested.",
    "尚未完成：{items}": "Not done yet: {items}",
    "进度记录": "Progress history",
    "暂无进度记录。": "No progress reported yet.",
    "验收记录": "Inspections",
    "合格": "Passed",
    "不合格": "Failed",
    "整改问题": "Defects to fix",
    "拒单原因：": "Reason: ",
    "{purpose}照片 {n}": "{purpose} photo {n}",
    "照片：": "Photos: ",
    "大于5 MB的照片会在上传前自动压缩。": "Photos over 5 MB are shrunk before upload.",
    "每张照片不超过5 MB，JPEG或PNG。": "JPEG or PNG, up to 5 MB each.",
    "共 {total} 张工单": "{total} work orders",
    "住户联系方式": "Household contact",
    "查看目的": "Purpose",
    "查看完整地址和电话": "Show the full address and phone",
    "完整地址和电话的查看会连同目的一并记录；工单验收关闭后不再显示。":
        "Viewing the full address and phone is logged with its purpose; it is no longer "
        "shown once the order is closed.",
    "完整地址": "Full address",
    "住户电话": "Household phone",
    "联系人": "Contact",
    "已显示完整地址和电话，查看目的“{purpose}”已记录。":
        "Full address and phone shown; the purpose \u201c{purpose}\u201d is logged.",
    **{pipl.PURPOSES[code]: pipl.PURPOSES_EN[code].capitalize() for code in CONTACT_PURPOSES},
})


# ---- pure helpers (unit-tested) ----------------------------------------------------------------
def is_overdue(due_at: str | None, now: datetime | None = None) -> bool:
    if not due_at:
        return False
    try:
        at = datetime.fromisoformat(due_at)
    except ValueError:
        return False
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at < (now or utcnow())


def photo_id(ref: str) -> str | None:
    """The photo id of a ``photo:<uuid>`` ref (None for anything else)."""
    if not ref.startswith(PHOTO_PREFIX):
        return None
    try:
        return str(uuid.UUID(ref[len(PHOTO_PREFIX):]))
    except ValueError:
        return None


def check_progress(form: dict[str, str],
                   current: int) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The progress form's note and percent, checked before any photo is uploaded."""
    errors: dict[str, list[str]] = {}
    note = (form.get("note") or "").strip()
    if not note:
        errors["note"] = [_("请填写进度说明。")]
    elif len(note) > 1000:
        errors["note"] = ["≤ 1000"]
    raw = (form.get("percent") or "").strip()
    percent = -1
    try:
        percent = int(raw)
    except ValueError:
        pass
    if not 0 <= percent <= 100:
        errors["percent"] = [_("进度应为0-100的整数。")]
    elif percent < current:
        errors["percent"] = [_("进度不能低于当前的{percent}%。", percent=current)]
    return {"note": note, "percent": percent}, errors


def check_dates(start: str, end: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    parsed: dict[str, date] = {}
    for name, value in (("start_on", start), ("end_on", end)):
        try:
            parsed[name] = date.fromisoformat(value.strip())
        except ValueError:
            errors[name] = [_("请填写日期。")]
    if not errors and parsed["end_on"] < parsed["start_on"]:
        errors["end_on"] = [_("完工日期不能早于开工日期。")]
    return {"start_on": start.strip(), "end_on": end.strip()}, errors


def _helpers() -> dict[str, Any]:
    return {"states": STATES, "state_badge": STATE_BADGE, "due_labels": DUE_LABELS,
            "local_time": local_time, "is_overdue": is_overdue, "photo_id": photo_id,
            "purposes": PHOTO_PURPOSES, "progress_states": PROGRESS_STATES}


# ---- pages -------------------------------------------------------------------------------------
@bp.get("/")
@roles_required(*ROLES)
def home() -> Any:
    status = request.args.get("status", "")
    if status not in STATES:
        status = ""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    body = api.get("renovation", "/work-orders", status=status, page=page,
                   page_size=PAGE_SIZE)
    return render_template("contractor/home.html", orders=body.get("items", []),
                           total=int(body.get("total", 0)), page=page, page_size=PAGE_SIZE,
                           status=status, **_helpers())


def _catalogue() -> dict[str, dict[str, Any]]:
    try:
        items = api.get("renovation", "/catalogue").get("items", [])
    except api.ApiError:  # names are a nicety: codes still identify the items
        return {}
    return {str(i.get("code")): i for i in items}


def _order_page(order_id: uuid.UUID, *, errors: dict[str, list[str]] | None = None,
                form: dict[str, Any] | None = None, status: int = 200,
                contact: dict[str, Any] | None = None) -> Any:
    order = api.get("renovation", f"/work-orders/{order_id}")
    today = utcnow().astimezone(TZ).date()
    defaults = {"start_on": order.get("start_on") or today.isoformat(),
                "end_on": order.get("end_on") or (today + timedelta(days=7)).isoformat(),
                "percent": order.get("percent", 0), "photo_purpose": "after"}
    return render_template("contractor/order.html", order=order, catalogue=_catalogue(),
                           errors=errors or {}, form={**defaults, **(form or {})},
                           max_photos=MAX_PHOTOS, contact=contact,
                           contact_states=CONTACT_STATES, contact_purposes=CONTACT_PURPOSES,
                           **_helpers()), status


@bp.get("/orders/<uuid:order_id>")
@roles_required(*ROLES)
def order(order_id: uuid.UUID) -> Any:
    """The order; with ``?purpose=`` (one of :data:`CONTACT_PURPOSES`) also the site's full
    address and the household's phone, a read the service logs with that purpose (PIPL)
    and refuses before acceptance and after closure (the refusal is shown in words)."""
    purpose = request.args.get("purpose", "").strip()
    contact = None
    if purpose in CONTACT_PURPOSES:
        try:
            contact = api.get("renovation", f"/work-orders/{order_id}/contact",
                              purpose=purpose)
        except api.ApiError as exc:
            if exc.status not in (403, 404, 409):
                raise
            flash_problem(exc)
        else:
            flash(_("已显示完整地址和电话，查看目的“{purpose}”已记录。",
                    purpose=_(CONTACT_PURPOSES[purpose])), "success")
    return _order_page(order_id, contact=contact)


def _back(order_id: uuid.UUID) -> BaseResponse:
    return redirect(url_for("contractor.order", order_id=order_id))


@bp.post("/orders/<uuid:order_id>/accept")
@roles_required(*ROLES)
def accept(order_id: uuid.UUID) -> BaseResponse:
    api.post("renovation", f"/work-orders/{order_id}/accept")
    flash(_("已接单。请安排工期。"), "success")
    return _back(order_id)


@bp.post("/orders/<uuid:order_id>/decline")
@roles_required(*ROLES)
def decline(order_id: uuid.UUID) -> Any:
    reason = request.form.get("reason", "").strip()
    if not reason:
        return _order_page(order_id, errors={"reason": [_("请填写拒单原因。")]},
                           form={"reason": reason}, status=422)
    try:
        api.post("renovation", f"/work-orders/{order_id}/decline", {"reason": reason})
    except api.ApiError as exc:
        if exc.status not in REFUSALS:
            raise
        return _order_page(order_id, errors=refused(exc), form={"reason": reason},
                           status=422)
    flash(_("已拒单。"), "success")
    return _back(order_id)


@bp.post("/orders/<uuid:order_id>/schedule")
@roles_required(*ROLES)
def schedule(order_id: uuid.UUID) -> Any:
    dates, errors = check_dates(request.form.get("start_on", ""), request.form.get("end_on", ""))
    if not errors:
        try:
            api.post("renovation", f"/work-orders/{order_id}/schedule", dates)
        except api.ApiError as exc:
            if exc.status not in REFUSALS:
                raise
            errors = refused(exc)
    if errors:
        return _order_page(order_id, errors=errors, form=dates, status=422)
    flash(_("工期已保存。"), "success")
    return _back(order_id)


def _chosen_photos() -> list[FileStorage]:
    return [f for f in request.files.getlist("photos") if f and f.filename]


@bp.post("/orders/<uuid:order_id>/progress")
@roles_required(*ROLES)
def progress(order_id: uuid.UUID) -> Any:
    current = api.get("renovation", f"/work-orders/{order_id}")
    values, errors = check_progress(request.form.to_dict(), int(current.get("percent", 0)))
    purpose = request.form.get("photo_purpose", "after")
    if purpose not in PHOTO_PURPOSES:
        purpose = "after"
    items_done = [c for c in request.form.getlist("items_done") if c in current.get("items", [])]
    # photos uploaded by an earlier try of this form (kept so a fix does not re-upload)
    uploaded = [r for r in request.form.getlist("uploaded") if photo_id(r.split("|", 1)[-1])]
    chosen = _chosen_photos()
    if len(chosen) + len(uploaded) > MAX_PHOTOS:
        errors["photos"] = [_("最多{n}张照片。", n=MAX_PHOTOS)]
    form = {**values, "percent": request.form.get("percent", ""), "items_done": items_done,
            "photo_purpose": purpose, "uploaded": uploaded}
    if errors:
        return _order_page(order_id, errors=errors, form=form, status=422)
    for file in chosen:
        try:
            photo = api.call("renovation", "POST", f"/work-orders/{order_id}/photos",
                             data={"purpose": purpose},
                             files={"file": (file.filename, file.stream,
                                             file.mimetype or "application/octet-stream")})
        except api.ApiError as exc:
            if exc.status not in (413, *REFUSALS):
                raise
            problem = explain(exc)
            messages = [m for ms in problem.fields.values() for m in ms] or problem.top
            errors["photos"] = [f"{file.filename}：{m}" for m in messages]
            return _order_page(order_id, errors=errors, form={**form, "uploaded": uploaded},
                               status=422)
        uploaded.append(f"{purpose}|{photo['ref']}")
    body: dict[str, Any] = {"note": values["note"], "percent": values["percent"],
                            "items_done": items_done, "photos_before": [], "photos_after": []}
    for entry in uploaded:
        kind, _sep, ref = entry.rpartition("|")
        body["photos_before" if kind == "before" else "photos_after"].append(ref)
    try:
        api.post("renovation", f"/work-orders/{order_id}/progress", body)
    except api.ApiError as exc:
        if exc.status not in REFUSALS:
            raise
        return _order_page(order_id, errors=refused(exc),
                           form={**form, "uploaded": uploaded}, status=422)
    flash(_("进度已提交。"), "success")
    return _back(order_id)


@bp.post("/orders/<uuid:order_id>/complete")
@roles_required(*ROLES)
def complete(order_id: uuid.UUID) -> BaseResponse:
    api.post("renovation", f"/work-orders/{order_id}/complete")
    flash(_("已申请验收。"), "success")
    return _back(order_id)


@bp.get("/photos/<uuid:photo>")
@roles_required(*ROLES)
def photo(photo: uuid.UUID) -> Response:
    """A work order's photo, fetched with the contractor's own token."""
    resp = api.call("renovation", "GET", f"/photos/{photo}/content", raw=True)
    content_type = resp.headers.get("Content-Type", "application/octet-stream")
    if content_type.split(";")[0] not in ("image/jpeg", "image/png"):
        content_type = "application/octet-stream"
    return Response(resp.content, mimetype=content_type,
                    headers={"Cache-Control": "private, max-age=3600"})


describe(
    "contractor",
    states=STATES,
    labels={"reason": "拒单原因", "start_on": "开工日期", "end_on": "完工日期",
            "note": "进度说明", "percent": "完成百分比", "photos": "拍照或选择照片"},
    inputs={"photos_before": "photos", "photos_after": "photos"},
)
