"""Parked messages (``/staff/parked/``): the events each consuming service could not
apply, through the services' ``/parked`` APIs with the user's token (city-wide staff
only: the services refuse anyone else). Show one, and replay it once the cause is fixed."""

from __future__ import annotations

import json
import re
from typing import Any

import requests
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from console import api, formatting
from console.auth import roles_required, user
from console.i18n import gettext as _
from console.i18n import register
from console.problems import localize

bp = Blueprint("staff_parked", __name__, url_prefix="/staff/parked")

#: the services that consume events, each with its parking queue
SERVICES = {"inventory": "辅具服务", "renovation": "无障碍改造", "volunteer": "志愿服务"}
REASONS = {
    "malformed": "消息无法读取",
    "unknown-event": "未知的事件类型或版本",
    "invalid-payload": "事件内容不符合约定",
    "rejected": "业务规则拒绝处理",
    "retries-exhausted": "多次重试后仍失败",
}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def city_wide() -> bool:
    """City-wide federation staff: the only ones the services show parked messages."""
    u = user() or {}
    return u.get("role") == "staff" and not u.get("districts")


def reason_label(reason: str) -> str:
    if reason.startswith("dead-lettered"):
        return _("被消息代理退回")
    return _(REASONS[reason]) if reason in REASONS else reason


def error_text(error: str) -> str:
    """The error in the page's language where the console knows its words, else as is."""
    return localize(error) or error


def _readable(value: Any) -> Any:
    """The envelope for people: timestamps in China time."""
    if isinstance(value, dict):
        return {k: _readable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_readable(v) for v in value]
    if isinstance(value, str) and _ISO.match(value):
        return formatting.local_time(value)
    return value


def parked_counts() -> dict[str, int | None]:
    """Each service's number of parked messages (None: the service did not answer)."""
    counts: dict[str, int | None] = {}
    for service in SERVICES:
        try:
            counts[service] = int(api.get(service, "/parked").get("total", 0))
        except (api.ApiError, requests.RequestException):
            counts[service] = None
    return counts


def _service(service: str) -> str:
    if service not in SERVICES:
        abort(404)
    return service


@bp.get("/")
@roles_required("staff")
def home() -> Any:
    lists: list[dict[str, Any]] = []
    for service, label in SERVICES.items():
        entry: dict[str, Any] = {"service": service, "label": label, "items": [],
                                 "problem": None}
        try:
            entry["items"] = api.get(service, "/parked").get("items", [])
        except api.ApiError as exc:
            entry["problem"] = (_("仅限市级残联工作人员查看。") if exc.status == 403
                                else _("服务暂不可用，请稍后重试。"))
        except requests.RequestException:
            entry["problem"] = _("服务暂不可用，请稍后重试。")
        lists.append(entry)
    return render_template("staff/parked.html", lists=lists, reason_label=reason_label,
                           error_text=error_text)


@bp.get("/<service>/<event_id>")
@roles_required("staff")
def show(service: str, event_id: str) -> Any:
    item = api.get(_service(service), f"/parked/{event_id}")
    envelope = json.dumps(_readable(item.get("envelope") or {}), ensure_ascii=False, indent=2)
    return render_template("staff/parked_item.html", service=service,
                           service_label=SERVICES[service], item=item, envelope=envelope,
                           reason_label=reason_label, error_text=error_text)


@bp.post("/<service>/<event_id>/replay")
@roles_required("staff")
def replay(service: str, event_id: str) -> BaseResponse:
    body = api.post(_service(service), f"/parked/{event_id}/replay")
    flash(_("已重新投递 {n} 条消息。", n=int((body or {}).get("replayed", 0))), "success")
    return redirect(url_for("staff_parked.home"))


register("staff_parked", {
    "搁置的消息": "Parked messages",
    "辅具服务": "Assistive devices",
    "无障碍改造": "Accessibility renovation",
    "消息无法读取": "The message cannot be read",
    "未知的事件类型或版本": "Unknown event type or version",
    "事件内容不符合约定": "The event's content breaks its schema",
    "业务规则拒绝处理": "Refused by a business rule",
    "多次重试后仍失败": "Still failing after several retries",
    "被消息代理退回": "Dead-lettered by the broker",
    "仅限市级残联工作人员查看。": "City-wide federation staff only.",
    "已重新投递 {n} 条消息。": "{n} message(s) sent again.",
    "事件类型": "Event type",
    "对象": "Subject",
    "原因": "Reason",
    "错误": "Error",
    "搁置时间": "Parked at",
    "尝试次数": "Attempts",
    "查看": "View",
    "操作": "Actions",
    "重新投递": "Replay",
    "确定将这条消息重新交给服务处理？请先确认问题已解决。":
        "Send this message to the service again? Make sure the cause is fixed first.",
    "消息内容": "The message",
    "没有搁置的消息。": "No parked messages.",
    "返回搁置的消息": "Back to parked messages",
    "各服务无法处理的事件消息。问题解决后可重新投递，已处理过的消息不会重复生效。":
        "Events a service could not apply. Once the cause is fixed, replay them: an event "
        "already applied has no second effect.",
})
