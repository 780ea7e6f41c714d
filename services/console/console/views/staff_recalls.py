"""Recalls (``/staff/recalls/``): federation staff hold a device type, one model of it or
one production batch with a reason (the inventory service then refuses to lend the units
it covers), see the units out on loan to recover (borrowers masked, rental numbers), and
lift the hold."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from console import api
from console.auth import roles_required
from console.i18n import gettext as _
from console.i18n import register
from console.problems import describe

bp = Blueprint("staff_recalls", __name__, url_prefix="/staff/recalls")
INV = "inventory"
RECALL_STATUS = {"active": "暂停出借中", "lifted": "已解除"}
SCOPE = {"type": "整个类型", "model": "型号", "batch": "批次"}


@bp.get("/")
@roles_required("staff")
def home() -> Any:
    types = api.get_all(INV, "/device-types")
    recalls = api.get_all(INV, "/recalls", limit=200)
    out: dict[str, list[dict[str, Any]]] = {}
    for r in recalls:
        if r["status"] == "active":
            out[r["id"]] = api.get_all(INV, f"/recalls/{r['id']}/units-out", limit=500)
    type_options = [("", _("请选择"))] + [
        (t["id"], f"{t['name_zh']}（{t['iso_code']}）") for t in types]
    return render_template("staff/recalls.html", recalls=recalls, units_out=out,
                           type_options=type_options, RECALL_STATUS=RECALL_STATUS,
                           SCOPE=SCOPE)


@bp.post("/")
@roles_required("staff")
def place() -> BaseResponse:
    form = request.form
    api.post(INV, "/recalls", {
        "type_id": form.get("type_id", ""), "model": form.get("model", "").strip() or None,
        "batch": form.get("batch", "").strip() or None,
        "reason": form.get("reason", "").strip()})
    flash(_("已召回，相关设备暂停出借。"), "success")
    return redirect(url_for("staff_recalls.home"))


@bp.post("/<uuid:recall_id>/lift")
@roles_required("staff")
def lift(recall_id: Any) -> BaseResponse:
    api.post(INV, f"/recalls/{recall_id}/lift",
             {"reason": request.form.get("reason", "").strip()})
    flash(_("已解除召回，相关设备恢复出借。"), "success")
    return redirect(url_for("staff_recalls.home"))


register("staff_recalls", {
    "召回": "Recalls",
    "暂停出借中": "In force",
    "已解除": "Lifted",
    "整个类型": "The whole type",
    "型号": "Model",
    "批次": "Batch",
    "发起召回": "Place a recall",
    "召回原因": "Reason for the recall",
    "解除原因": "Reason for lifting",
    "解除召回": "Lift the recall",
    "已召回，相关设备暂停出借。": "Recalled: the units it covers are not lent.",
    "已解除召回，相关设备恢复出借。": "Recall lifted: the units lend again.",
    "召回范围": "Scope",
    "发起人": "Placed by",
    "发起时间": "Placed at",
    "待收回的在借设备": "Units out on loan to recover",
    "没有在借设备。": "No unit is out on loan.",
    "租赁单号": "Rental number",
    "借用人证号": "Borrower's certificate",
    "联系电话": "Phone",
    "请选择": "Choose",
    "留空表示整个类型": "Leave empty for the whole type",
    "留空表示该型号的所有批次": "Leave empty for every batch",
    "召回的设备不能出借、预约或发放，在借设备列出以便收回。":
        "Recalled units are not lent, reserved or given away; units out on loan are listed "
        "for recovery.",
})

describe("staff_recalls", states=RECALL_STATUS,
         labels={"type_id": "设备类型", "model": "型号", "batch": "批次",
                 "reason": "召回原因"})
