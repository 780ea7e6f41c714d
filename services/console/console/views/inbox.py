"""The inbox of every staff role (not volunteers): the bell in the header with the unread
count, the page of messages (newest first, unread marked, each linking to the record it is
about where that record has a page here) and marking one read.

The notify service decides what each caller sees (its role within its scope; a
contractor: its own company's messages only). The bell costs one call to notify per page,
with a short timeout (``CONSOLE_BELL_TIMEOUT``): when notify does not answer, the page is
shown without a count.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import requests
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from console import api
from console.auth import roles_required, user
from console.config import ConsoleSettings
from console.i18n import gettext as _
from console.i18n import register
from console.links import back

log = logging.getLogger("console.inbox")

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
#: every staff role has an inbox; volunteers are told by SMS and on their own pages
ROLES = ("clerk", "supervisor", "contractor", "coordinator", "staff", "inspector")
PAGE_SIZE = 20

register("inbox", {
    "消息": "Messages",
    "未读消息 {count} 条": "{count} unread messages",
    "消息，没有未读": "Messages, none unread",
    "未读": "Unread",
    "已读": "Read",
    "全部": "All",
    "只看未读": "Unread only",
    "标为已读": "Mark read",
    "已标为已读。": "Marked read.",
    "查看工单": "Open the work order",
    "查看任务": "Open the task",
    "共 {total} 条消息，{unread} 条未读": "{total} messages, {unread} unread",
    "没有消息。": "No messages.",
    "收到时间": "Received",
    "筛选消息": "Filter messages",
})


def bell_count() -> int | None:
    """The signed-in staff user's unread count for the header (once per request); None
    for volunteers, signed-out pages, and when notify does not answer in time."""
    if "bell_count" in g:
        count: int | None = g.bell_count
        return count
    g.bell_count = None
    u = user()
    if u is None or u.get("role") not in ROLES:
        return None
    settings: ConsoleSettings = current_app.config["CONSOLE"]
    try:
        body = api.call("notify", "GET", "/inbox/unread-count", timeout=settings.bell_timeout)
        g.bell_count = int(body["unread"])
    except (api.ApiError, api.NotSignedIn, requests.RequestException) as exc:
        log.warning("bell: no unread count (%s)", type(exc).__name__)
    except Exception:  # the header never breaks a page: whatever went wrong, no count
        log.exception("bell: no unread count")
    return g.bell_count  # type: ignore[no-any-return]


def bell_label(count: int | None) -> str:
    """The bell's accessible name: the count in words."""
    if count is None:
        return _("消息")
    if count == 0:
        return _("消息，没有未读")
    return _("未读消息 {count} 条", count=count)


def record_link(cause: str | None) -> tuple[str, str] | None:
    """The console page of the record a message is about, for the signed-in role, with
    the link's text; None when it has no page here."""
    kind, _sep, rest = (cause or "").partition(":")
    if kind == "escalation":  # escalation:deadline:<work order>:<kind>:<due>:district
        parts = rest.split(":")
        kind, rest = ("workorder", parts[1]) if parts[:1] == ["deadline"] and len(parts) > 1 \
            else ("", "")
    try:
        ident = uuid.UUID(rest.split(":", 1)[0])
    except ValueError:
        return None
    role = (user() or {}).get("role")
    if kind == "workorder" and role == "contractor":
        return url_for("contractor.order", order_id=ident), _("查看工单")
    if kind == "workorder" and role in ("staff", "inspector"):
        return url_for("staff.work_order", order_id=ident), _("查看工单")
    if kind == "task" and role == "coordinator":
        return url_for("coordinator.task", task_id=ident), _("查看任务")
    return None


bp.add_app_template_global(bell_count, "bell_count")
bp.add_app_template_global(bell_label, "bell_label")


@bp.get("/")
@roles_required(*ROLES)
def page() -> Any:
    unread_only = request.args.get("unread") == "1"
    number = max(request.args.get("page", 1, type=int) or 1, 1)
    body = api.get("notify", "/inbox", unread="true" if unread_only else None, page=number,
                   page_size=PAGE_SIZE)
    items = body.get("items", [])
    for item in items:
        item["link"] = record_link(item.get("cause"))
    return render_template("inbox/page.html", items=items, total=int(body.get("total", 0)),
                           page=number, page_size=PAGE_SIZE, unread_only=unread_only,
                           unread=bell_count())


@bp.post("/<uuid:message_id>/read")
@roles_required(*ROLES)
def read(message_id: uuid.UUID) -> BaseResponse:
    api.post("notify", f"/inbox/{message_id}/read")
    flash(_("已标为已读。"), "success")
    return redirect(back(url_for("inbox.page")))
