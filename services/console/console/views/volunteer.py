"""The volunteer's own pages (phone first): my offers (accept, decline), my tasks (the full
address and phone on an accepted task, read with the purpose of its visit and so logged by
the service), check-in and check-out by the task's code typed in or by the QR code printed
on the task's sheet (``/volunteer/scan/<code>``, the page the phone's camera opens), my
hours with their approval state; and ``/o/<token>``, the offer SMS's own link (signed,
single use, until the offer expires; svckit.links), which opens the offer for the
volunteer it was sent to once they are signed in.

Everything goes through the volunteer service with the volunteer's own token: it shows a
volunteer only the tasks offered or assigned to them (another's is a 404, here too), the
full address only to the assignee, and the check-in code only to those who dispatch.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from svckit import pipl
from svckit.links import LinkError, LinkExpired
from werkzeug.wrappers.response import Response as BaseResponse

from console import api
from console import coordination as co
from console import signed_links as sl
from console.auth import roles_required, user
from console.i18n import gettext as _
from console.i18n import register
from console.links import here
from console.problems import REFUSALS, describe, refused

bp = Blueprint("volunteer", __name__, url_prefix="/volunteer")
#: the offer SMS's link, short: ``/o/<token>``
offer_links = Blueprint("offer_link", __name__)
ROLES = ("volunteer",)
HOURS_PAGE = 20

#: why the assignee reads the full address: the visit's own purpose (svckit.pipl codes)
PURPOSE_BY_TYPE = {
    "deliver_device": "home_delivery",
    "pickup_device": "home_pickup",
    "accompany_assessment": "home_assessment",
    "overdue_call": "overdue_follow_up",
}
DEFAULT_PURPOSE = "visit_arrangement"
#: the hours' approval state in words
HOURS_ZH = {"pending": "待审核", "approved": "已认证", "rejected": "已驳回"}
HOURS_BADGE = {"pending": "warn", "approved": "ok", "rejected": "bad"}
#: my tasks on the home page (the others are under 已结束)
CURRENT = ("accepted", "in_progress")
DONE = ("completed", "failed", "cancelled")
SCORES = ("5", "4", "3", "2", "1")

register("volunteer", {
    "我的任务": "My tasks",
    "我的邀约": "My offers",
    "我的时长": "My hours",
    "待答复的邀约": "Offers awaiting your answer",
    "暂无待答复的邀约。": "No offers awaiting your answer.",
    "进行中的任务": "Current tasks",
    "暂无进行中的任务。": "No current tasks.",
    "已结束的任务": "Finished tasks",
    "请在{time}前答复": "Please answer by {time}",
    "预约时段": "Booked slot",
    "服务时段": "Window",
    "预计时长": "Expected duration",
    "接受邀约": "Accept the offer",
    "谢绝邀约": "Decline the offer",
    "确定谢绝这个邀约？": "Decline this offer?",
    "已接受邀约。详细地址见下方。": "Offer accepted. The full address is below.",
    "已谢绝邀约。": "Offer declined.",
    "查看任务": "Open the task",
    "返回我的任务": "Back to my tasks",
    "详细地址": "Full address",
    "联系电话": "Phone",
    "已按“{purpose}”查看，查看记录已登记。": "Read for “{purpose}”; the read is logged.",
    "接受任务后可查看详细地址和电话。": "The full address and phone show once you accept.",
    "签到码": "Check-in code",
    "6位数字，见交接单或由协调员告知": "6 digits, on the hand-over sheet or from the coordinator",
    "到达后签到": "Check in on arrival",
    "完成后签退": "Check out when done",
    "签到时间": "Checked in",
    "签退时间": "Checked out",
    "已签到，服务开始计时。": "Checked in: the service time is running.",
    "已签退，服务时长待协调员审核。": "Checked out: the hours await the coordinator's approval.",
    "请输入6位签到码。": "Enter the 6-digit check-in code.",
    "服务情况": "What was done",
    "住户满意度": "Household's satisfaction",
    "请选择": "Choose",
    "5分（非常满意）": "5 (very satisfied)",
    "4分": "4",
    "3分": "3",
    "2分": "2",
    "1分（很不满意）": "1 (very dissatisfied)",
    "已认证时长": "Approved hours",
    "待审核的时长": "Hours awaiting approval",
    "服务日期": "Date",
    "时长": "Duration",
    "审核状态": "Approval",
    "暂无服务时长记录。": "No hours recorded yet.",
    "任务": "Task",
    "手工登记": "Recorded by hand",
    "我的证明": "My certificates",
    "暂无志愿服务记录证明。": "No service record certificates yet.",
    "请先登录，登录后将打开这个邀约。": "Please sign in: the offer opens after.",
    "无法打开此链接": "This link cannot be opened",
    "此链接无效，或不属于当前登录的账号。":
        "The link is not valid, or not for the account signed in.",
    "邀约链接已过期": "The offer link has expired",
    "这个邀约的答复时间已过，链接已失效。":
        "The time to answer this offer is over; the link no longer works.",
    "邀约链接已使用": "The offer link was used",
    "这个邀约链接已经打开过一次，不能再次使用。":
        "This offer link was opened once already and cannot be used again.",
    "查看我的邀约": "See my offers",
    "扫码签到": "Scanned: check in",
    "扫码签退": "Scanned: check out",
    "已扫描单据上的二维码。": "The sheet's QR code was scanned.",
    "改为输入签到码": "Type the code instead",
    "扫码签到签退": "Check in or out by QR code",
    "二维码无效": "Not a valid QR code",
    "这不是有效的签到二维码。": "This is not a valid check-in QR code.",
    "这张单据上没有您进行中的任务。": "None of your current tasks is on this sheet.",
    "这张单据上的任务": "Tasks on this sheet",
})


def _purpose(task: dict[str, Any]) -> str:
    return PURPOSE_BY_TYPE.get(str(task.get("type")), DEFAULT_PURPOSE)


def _my_offer(task: dict[str, Any]) -> dict[str, Any] | None:
    """The offer waiting for my answer (the service lists only my own offers)."""
    return next((o for o in reversed(task.get("offers") or [])
                 if o.get("outcome") == "pending"), None)


def _decorate(t: dict[str, Any]) -> dict[str, Any]:
    t["window"] = co.span(t.get("window_start"), t.get("window_end"))
    t["slot"] = co.span(t["slot_start"], t["slot_end"]) if t.get("slot_start") else ""
    t["offer"] = _my_offer(t)
    return t


def _helpers() -> dict[str, Any]:
    return {"co": co, "hours_zh": HOURS_ZH, "hours_badge": HOURS_BADGE,
            "hours_label": co.hours_label}


# ---- pages ---------------------------------------------------------------------------------
@bp.get("/")
@roles_required(*ROLES)
def home() -> Any:
    tasks = [_decorate(t) for t in api.get_all("volunteer", "/tasks")]
    offers = [t for t in tasks if t["state"] == "offered" and t["offer"]]
    current = [t for t in tasks if t["state"] in CURRENT]
    done = [t for t in tasks if t["state"] in DONE][:10]
    current.sort(key=lambda t: str(t.get("slot_start") or t.get("window_start")))
    return render_template("volunteer/home.html", offers=offers, current=current, done=done,
                           **_helpers())


def _site(code: str | None) -> str | None:
    """The site a scanned sheet's code names (None: no code, or not a genuine one)."""
    if not code:
        return None
    try:
        return sl.keys().read_site_code(code, now=sl.now())
    except LinkError:
        return None


def _task_page(task_id: str, *, errors: dict[str, list[str]] | None = None,
               form: dict[str, Any] | None = None, status: int = 200,
               scan: str | None = None) -> Any:
    t = _decorate(api.get("volunteer", f"/tasks/{task_id}"))
    site = _site(scan)
    # the scan form only for a code of this task's sheet (the service checks it again)
    scan = scan if site is not None and site == t.get("site") else None
    full = None
    purpose = _purpose(t)
    if t["state"] in CURRENT:
        # the assignee's read of the address and phone, with the visit's purpose (logged)
        full = api.get("volunteer", f"/tasks/{task_id}/address", purpose=purpose)
    return render_template("volunteer/task.html", t=t, full=full,
                           purpose_label=pipl.PURPOSES[purpose], errors=errors or {},
                           form=form or {}, scores=SCORES, scan=scan, **_helpers()), status


@bp.get("/tasks/<uuid:task_id>")
@roles_required(*ROLES)
def task(task_id: str) -> Any:
    return _task_page(str(task_id), scan=request.args.get("scan"))


def _to_task(task_id: str) -> BaseResponse:
    return redirect(url_for("volunteer.task", task_id=task_id))


@bp.post("/tasks/<uuid:task_id>/accept")
@roles_required(*ROLES)
def accept(task_id: str) -> BaseResponse:
    api.post("volunteer", f"/tasks/{task_id}/accept", {})
    flash(_("已接受邀约。详细地址见下方。"), "success")
    return _to_task(str(task_id))


@bp.post("/tasks/<uuid:task_id>/decline")
@roles_required(*ROLES)
def decline(task_id: str) -> BaseResponse:
    api.post("volunteer", f"/tasks/{task_id}/decline", {})
    flash(_("已谢绝邀约。"), "success")
    return redirect(url_for("volunteer.home"))


def _code() -> tuple[str, dict[str, list[str]]]:
    code = "".join(request.form.get("code", "").split())
    if len(code) != 6 or not code.isdigit():
        return code, {"code": [_("请输入6位签到码。")]}
    return code, {}


def _proof() -> tuple[dict[str, str], dict[str, list[str]], str | None]:
    """What proves presence: the sheet's scanned code, else the code typed in."""
    scan = request.form.get("scan", "").strip()
    if scan:
        return {"scan": scan}, {}, scan
    code, errors = _code()
    return {"code": code}, errors, None


@bp.post("/tasks/<uuid:task_id>/check-in")
@roles_required(*ROLES)
def check_in(task_id: str) -> Any:
    proof, errors, scan = _proof()
    if not errors:
        try:
            api.post("volunteer", f"/tasks/{task_id}/check-in", proof)
        except api.ApiError as exc:
            if exc.status not in REFUSALS:
                raise
            errors = refused(exc)
    if errors:
        return _task_page(str(task_id), errors=errors, form={"code": proof.get("code", "")},
                          status=422, scan=scan)
    flash(_("已签到，服务开始计时。"), "success")
    return _to_task(str(task_id))


@bp.post("/tasks/<uuid:task_id>/check-out")
@roles_required(*ROLES)
def check_out(task_id: str) -> Any:
    proof, errors, scan = _proof()
    note = request.form.get("note", "").strip()
    score = request.form.get("score", "")
    form = {"code": proof.get("code", ""), "note": note, "score": score}
    result: dict[str, Any] = {}
    if note:
        result["note"] = note
    if score in SCORES:
        result["score"] = int(score)
    if not errors:
        try:
            api.post("volunteer", f"/tasks/{task_id}/check-out",
                     {**proof, "result": result or None})
        except api.ApiError as exc:
            if exc.status not in REFUSALS:
                raise
            errors = refused(exc)
    if errors:
        return _task_page(str(task_id), errors=errors, form=form, status=422, scan=scan)
    flash(_("已签退，服务时长待协调员审核。"), "success")
    return redirect(url_for("volunteer.hours"))


@bp.get("/hours")
@roles_required(*ROLES)
def hours() -> Any:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    body = api.get("volunteer", "/hours", page=page, page_size=HOURS_PAGE)
    totals = {"approved": 0, "pending": 0}
    for entry in api.get_all("volunteer", "/hours"):
        if entry.get("status") in totals:
            totals[str(entry["status"])] += int(entry.get("minutes") or 0)
    return render_template("volunteer/hours.html", entries=body.get("items", []),
                           total=int(body.get("total", 0)), page=page, page_size=HOURS_PAGE,
                           totals=totals, **_helpers())


@bp.get("/certificates")
@roles_required(*ROLES)
def certificates() -> Any:
    """My service record certificates, each a link to its PDF (the certificates pages)."""
    me = str((user() or {}).get("volunteer_id") or "")
    issued = api.get("volunteer", f"/volunteers/{me}/certificates")["items"] if me else []
    return render_template("volunteer/certificates.html", issued=issued, **_helpers())


@bp.get("/scan/<code>")
@roles_required(*ROLES)
def scan(code: str) -> Any:
    """The page a printed sheet's QR code opens on the volunteer's phone: my current task
    at that site, with the check-in or check-out by the scan (several: a list)."""
    site = _site(code)
    if site is None:
        return render_template("volunteer/scan.html", tasks=[], invalid=True, code=code,
                               **_helpers()), 404
    mine = [_decorate(t) for t in api.get_all("volunteer", "/tasks")
            if t["state"] in CURRENT and t.get("site") == site]
    if len(mine) == 1:
        return redirect(url_for("volunteer.task", task_id=mine[0]["id"], scan=code))
    return render_template("volunteer/scan.html", tasks=mine, invalid=False, code=code,
                           **_helpers())


def _link_page(title: str, detail: str, status: int, *, mine: bool) -> Any:
    return render_template("volunteer/link.html", title=title, detail=detail, status=status,
                           mine=mine), status


@offer_links.get("/o/<token>")
def offer_link(token: str) -> Any:
    """The offer SMS's link: for the volunteer it was sent to, signed in (else sign in
    first and come back), before the offer expires, once; it opens the offer's page, where
    the answer goes through the usual forms. Anyone else learns nothing from it."""
    u = user()
    if u is None:
        flash(_("请先登录，登录后将打开这个邀约。"), "info")
        return redirect(url_for("auth.login", next=here()))
    me = str(u.get("volunteer_id") or "") if u.get("role") == "volunteer" else ""
    try:
        if not me:
            raise LinkError("not a volunteer")
        signed = sl.keys().read(sl.OFFER_LINK, token, now=sl.now(), bound_to=me)
    except LinkExpired:
        return _link_page(_("邀约链接已过期"), _("这个邀约的答复时间已过，链接已失效。"), 410,
                          mine=True)
    except LinkError:
        return _link_page(_("无法打开此链接"), _("此链接无效，或不属于当前登录的账号。"), 403,
                          mine=False)
    assert signed.expires_at is not None  # offer links always expire
    if not sl.used_links().claim(token, signed.expires_at):
        return _link_page(_("邀约链接已使用"), _("这个邀约链接已经打开过一次，不能再次使用。"), 410,
                          mine=True)
    return redirect(url_for("volunteer.task", task_id=signed.subject))


describe(
    "volunteer",
    states={**co.OUTCOME_ZH, **co.STATE_ZH},
    labels={"code": "签到码", "note": "服务情况", "score": "住户满意度", "scan": "二维码"},
    inputs={"result.note": "note", "result.score": "score"},
)
