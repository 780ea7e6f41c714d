"""Volunteer service record certificates (志愿服务记录证明) in the console.

- ``/coordinator/volunteers/<id>/certificates``: the coordinator sees a volunteer's approved
  hours per year and the certificates issued, and issues one for a period;
- ``/certificates/<id>.pdf``: the certificate as the paper the volunteer takes away
  (coordinators; a volunteer, their own: the service checks who sees which);
- ``/verify`` and ``/verify/<number>``: public, no sign-in: whether a certificate is
  genuine, with the masked name, the hours, the period, the date and the issuer only. The
  QR code on the paper encodes this page's address.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from svckit.domain.clock import china_date, utcnow
from werkzeug.wrappers.response import Response as BaseResponse

from console import api
from console.auth import roles_required
from console.certificate_docs import CertificateDoc, ContentLine, certificate_pdf
from console.i18n import gettext as _
from console.i18n import register
from console.problems import REFUSALS, refused

bp = Blueprint("certificates", __name__)
#: at most this many characters of a typed number are sent to the service
NUMBER_MAX = 40


@bp.route("/coordinator/volunteers/<uuid:volunteer_id>/certificates",
          methods=["GET", "POST"])
@roles_required("coordinator")
def volunteer_certificates(volunteer_id: str) -> Any:
    v = api.get("volunteer", f"/volunteers/{volunteer_id}")
    today = china_date(utcnow())
    values = {"period_start": f"{today.year}-01-01", "period_end": today.isoformat()}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in values}
        for k, val in values.items():
            if not val:
                errors[k] = [_("必填")]
        if not errors:
            try:
                c = api.post("volunteer", f"/volunteers/{volunteer_id}/certificates", values)
            except api.ApiError as exc:
                if exc.status not in (*REFUSALS, 403):
                    raise
                errors = refused(exc)
            else:
                flash(_("已出具志愿服务记录证明 {number}。", number=c["number"]), "success")
                return redirect(url_for("certificates.volunteer_certificates",
                                        volunteer_id=volunteer_id) + f"#c-{c['id']}")
        else:
            flash(_("请修正以下错误："), "error")
    annual = api.get("volunteer", f"/volunteers/{volunteer_id}/hours/annual")["items"]
    issued = api.get("volunteer", f"/volunteers/{volunteer_id}/certificates")["items"]
    return render_template("certificates/volunteer.html", v=v, annual=annual, issued=issued,
                           values=values, errors=errors), (422 if errors else 200)


def verify_url(number: str) -> str:
    """The public verification page of ``number``, as a full address (the QR code)."""
    return url_for("certificates.verify", number=number, _external=True)


@bp.get("/certificates/<uuid:certificate_id>.pdf")
@roles_required("coordinator", "volunteer")
def certificate_file(certificate_id: str) -> Response:
    c = api.get("volunteer", f"/certificates/{certificate_id}")
    pdf = certificate_pdf(CertificateDoc(
        number=c["number"], volunteer_name=c["real_name"], volunteer_id=str(c["volunteer_id"]),
        period_start=c["period_start"], period_end=c["period_end"], hours=c["hours"],
        duration=c["duration"], entries=int(c["entries"]),
        lines=[ContentLine(ln["label"], int(ln["entries"]), ln["hours"]) for ln in c["lines"]],
        issuer_name=c["issuer_name"], issuer_contact=c["issuer_contact"],
        issued_on=c["issued_on"], verify_url=verify_url(c["number"])))
    name = quote(f"志愿服务记录证明-{c['number']}.pdf")
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"{c['number']}.pdf\"; "
                               f"filename*=UTF-8''{name}",
        "Cache-Control": "no-store"})


@bp.get("/verify")
def verify_form() -> BaseResponse | str:
    number = (request.args.get("number") or "").strip()
    if number:
        return redirect(url_for("certificates.verify", number=number[:NUMBER_MAX]))
    return render_template("certificates/verify.html", result=None, number="")


@bp.get("/verify/<string:number>")
def verify(number: str) -> tuple[str, int]:
    result = api.public_get("volunteer", f"/certificates/verify/{quote(number[:NUMBER_MAX])}")
    return render_template("certificates/verify.html", result=result,
                           number=number[:NUMBER_MAX]), 200


register("certificates", {
    "志愿服务记录证明": "Volunteer service record certificates",
    "服务证明": "Certificates",
    "已出具志愿服务记录证明 {number}。": "Certificate {number} issued.",
    "各年度已认证服务时长": "Approved hours per year",
    "年度": "Year",
    "时长（小时）": "Hours",
    "次数": "Entries",
    "出具证明": "Issue a certificate",
    "开始日期": "From",
    "结束日期": "To",
    "仅统计已认证（审核通过）的服务时长；结束日期不能晚于今天。":
        "Approved hours only; the end cannot be after today.",
    "已出具的证明": "Certificates issued",
    "证明编号": "Number",
    "服务期间": "Period",
    "出具日期": "Issued on",
    "出具人": "Issued by",
    "协调员": "Coordinator",
    "志愿者本人申请": "Requested by the volunteer",
    "下载 PDF": "Download PDF",
    "核验页面": "Verification page",
    "尚无已认证的服务时长。": "No approved hours yet.",
    "尚未出具证明。": "No certificate issued yet.",
    "返回名册": "Back to the roster",
    "志愿服务记录证明核验": "Verify a volunteer service record certificate",
    "请输入证明上的编号（如 ZS-371502-2026-000001），或扫描证明上的二维码。":
        "Type the number on the certificate (e.g. ZS-371502-2026-000001) or scan its QR code.",
    "核验": "Verify",
    "证明真实有效": "This certificate is genuine",
    "未查到该编号的证明": "No certificate has this number",
    "请核对编号；如有疑问，请联系出具单位。":
        "Check the number; if in doubt, contact the issuing organisation.",
    "志愿者": "Volunteer",
    "累计服务时长": "Total hours",
    "出具单位": "Issued by",
    "{h} 小时": "{h} h",
    "必填": "Required",
})
