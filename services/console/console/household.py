"""The household file timeline (一户一档) in words: the renovation service's history rows
(one per event, named after the event class, with who acted and the event's data) as
lines a clerk reads — what happened, by whom, when — never an event name, code or id.
Pure functions: no Flask here, so they are unit-tested directly."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from console.formatting import local_time, yuan

#: event class -> what happened (Chinese; the English is registered with the pages)
EVENTS = {
    "ApplicationSubmitted": "登记申请",
    "ApplicationAccepted": "受理申请",
    "ApplicationRefused": "拒绝申请",
    "ApplicationWithdrawn": "撤回申请",
    "ConsentGiven": "记录户主同意",
    "ConsentWithdrawn": "记录撤回同意",
    "ContactRead": "查看户主联系方式",
    "SiteContactRead": "施工单位查看地址和电话",
    "AssessmentRequested": "安排入户评估",
    "AssessmentCompleted": "完成入户评估",
    "PlanDrafted": "编制一户一策改造方案",
    "PlanConfirmed": "户主确认方案",
    "PlanRevised": "方案退回修改",
    "PlanApproved": "批准方案",
    "DeviceRequested": "申领辅具",
    "DeviceRequestUpdated": "辅具申领进展",
    "WorkOrderAssigned": "派单给施工单位",
    "WorkOrderAccepted": "施工单位接单",
    "WorkOrderDeclined": "施工单位拒单",
    "WorkOrderCancelled": "撤销工单",
    "WorkOrderScheduled": "安排工期",
    "ProgressReported": "报告施工进度",
    "PhotoUploaded": "上传照片",
    "WorkOrderCompleted": "施工单位申请验收",
    "InspectionPassed": "验收通过",
    "InspectionFailed": "验收不通过，退回返工",
    "SatisfactionRecorded": "记录满意度回访",
    "DeadlineBreached": "工单超期",
    "ApplicationCompleted": "改造完成",
    "ApplicationClosed": "结案",
    "VolunteerVisitCompleted": "志愿者上门完成",
    "VolunteerVisitFailed": "志愿者上门未成",
    "IntegrationFailed": "系统间消息处理失败，待处理",
    "IntegrationProblemCleared": "系统间消息问题已解决",
}
#: deadline kinds of DeadlineBreached
DEADLINES = {"accept": "未按期接单", "inspect": "未按期验收", "rework": "未按期返工"}
#: device request states of DeviceRequestUpdated
DEVICE_STATES = {"requested": "已申领", "reserved": "已预留", "delivered": "已送达",
                 "fulfilled": "已送达", "unavailable": "暂无可用设备", "cancelled": "已取消"}
PHOTO_PURPOSES = {"before": "施工前照片", "after": "施工后照片", "inspection": "验收照片",
                  "assessment": "评估照片", "confirmation": "确认照片"}
VISIT_KINDS = {"assessment": "入户评估", "acceptance_visit": "验收回访",
               "satisfaction_visit": "满意度回访"}


def describe_event(event: str, data: Mapping[str, Any], *, person: Callable[[str], str],
                   contractor: Callable[[str], str],
                   tr: Callable[[str], str] = lambda s: s) -> str:
    """The details of one timeline row, in words (``""`` when there are none)."""
    parts: list[str] = []
    if data.get("contractor_id"):
        parts.append(contractor(str(data["contractor_id"])))
    if event == "AssessmentRequested":
        parts.append(tr("评估员") + "：" + person(str(data.get("assessor_id") or "")))
        parts.append(tr("评估时间") + "：" + local_time(data.get("scheduled_at")))
    elif event in ("PlanDrafted", "PlanApproved") and data.get("total_fen") is not None:
        parts.append(tr("合计") + " " + yuan(int(data["total_fen"])))
    elif event == "ApplicationRefused" and data.get("reasons"):
        parts.append("；".join(str(r) for r in data["reasons"]))
    elif event in ("ApplicationWithdrawn", "PlanRevised", "WorkOrderDeclined",
                   "WorkOrderCancelled") and data.get("reason"):
        parts.append(tr("理由") + "：" + str(data["reason"]))
    elif event == "ApplicationAccepted" and data.get("override_reason"):
        parts.append(tr("例外受理理由") + "：" + str(data["override_reason"]))
    elif event == "WorkOrderScheduled":
        parts.append(f"{data.get('start_on', '')} — {data.get('end_on', '')}")
    elif event == "ProgressReported" and data.get("percent") is not None:
        parts.append(tr("进度") + f" {int(data['percent'])}%")
    elif event == "InspectionFailed" and data.get("defects"):
        parts.append(tr("整改问题") + "：" + "；".join(str(d) for d in data["defects"]))
    elif event == "InspectionPassed" and data.get("inspector_id"):
        parts.append(tr("验收员") + "：" + person(str(data["inspector_id"])))
    elif event == "SatisfactionRecorded" and data.get("score") is not None:
        parts.append(tr("评分") + f" {int(data['score'])}/5")
    elif event == "DeadlineBreached":
        parts.append(tr(DEADLINES.get(str(data.get("kind")), "期限")) + " "
                     + local_time(data.get("due_at")))
    elif event == "DeviceRequested" and data.get("item_name"):
        parts.append(str(data["item_name"]))
    elif event == "DeviceRequestUpdated" and data.get("status"):
        parts.append(tr(DEVICE_STATES.get(str(data["status"]), "状态已更新")))
    elif event == "PhotoUploaded" and data.get("purpose"):
        parts.append(tr(PHOTO_PURPOSES.get(str(data["purpose"]), "照片")))
    elif event in ("IntegrationFailed", "IntegrationProblemCleared"):
        pass
    elif event in ("VolunteerVisitCompleted", "VolunteerVisitFailed") and data.get("kind"):
        parts.append(tr(VISIT_KINDS.get(str(data["kind"]), "上门")))
    return "，".join(p for p in parts if p)


def _who(actor: Any, person: Callable[[str], str], tr: Callable[[str], str]) -> str:
    if not actor:
        return tr("系统")
    if str(actor).startswith("volunteer:"):
        return tr("志愿者")
    return person(str(actor))


def timeline_rows(timeline: list[Mapping[str, Any]], *, person: Callable[[str], str],
                  contractor: Callable[[str], str],
                  tr: Callable[[str], str] = lambda s: s) -> list[dict[str, str]]:
    """Every row in time order: ``at`` (China time), ``what``, ``details``, ``who``."""
    rows = sorted(timeline, key=lambda r: str(r.get("at") or ""))
    out = []
    for r in rows:
        event = str(r.get("event") or "")
        data = r.get("data") or {}
        out.append({
            "at": local_time(r.get("at")),
            "what": tr(EVENTS.get(event, "其他记录")),
            "details": describe_event(event, data, person=person, contractor=contractor,
                                      tr=tr),
            "who": _who(r.get("actor"), person, tr),
        })
    return out


def _register() -> None:
    from console.i18n import register

    register("household", {
        "登记申请": "New application", "受理申请": "Application accepted",
        "拒绝申请": "Application refused", "撤回申请": "Withdraw",
        "记录户主同意": "Record consent", "记录撤回同意": "Consent withdrawn",
        "查看户主联系方式": "Household contact read",
        "施工单位查看地址和电话": "Contractor read the site address and phone",
        "安排入户评估": "Assessment scheduled", "完成入户评估": "Assessment completed",
        "编制一户一策改造方案": "Plan drafted (one household, one plan)",
        "户主确认方案": "Plan confirmed by the household", "方案退回修改": "Plan sent back",
        "批准方案": "Approve plan", "申领辅具": "Device requested",
        "辅具申领进展": "Device request update", "派单给施工单位": "Assigned to a contractor",
        "施工单位接单": "Contractor accepted", "施工单位拒单": "Contractor declined",
        "撤销工单": "Work order cancelled", "安排工期": "Works dates",
        "报告施工进度": "Progress reported", "上传照片": "Photo uploaded",
        "施工单位申请验收": "Inspection requested", "验收通过": "Inspection passed",
        "验收不通过，退回返工": "Inspection failed, rework",
        "记录满意度回访": "Satisfaction recorded",
        "工单超期": "Work order overdue", "改造完成": "Renovation completed", "结案": "Closed",
        "志愿者上门完成": "Volunteer visit done", "志愿者上门未成": "Volunteer visit failed",
        "系统间消息处理失败，待处理": "A message between services failed; to be handled",
        "系统间消息问题已解决": "The message problem is resolved",
        "已申领": "Requested", "已预留": "Reserved", "已送达": "Delivered",
        "暂无可用设备": "No unit available", "已取消": "Cancelled",
        "施工前照片": "Before photo", "施工后照片": "After photo",
        "验收照片": "Inspection photo", "评估照片": "Assessment photo",
        "确认照片": "Confirmation photo", "入户评估": "Home assessment",
        "验收回访": "Acceptance visit", "满意度回访": "Satisfaction visit",
        "上门": "Visit", "状态已更新": "Status updated", "其他记录": "Other record",
        "系统": "System", "验收员": "Inspector", "评分": "Score",
        "个": "pcs", "米": "m", "平方米": "m²",
        "一户一档": "Household file",
        "该户的全部经办记录，按时间先后排列。": "Everything done for this household, in order.",
        "事项": "What", "经办人": "By",
        "打印一户一策方案确认单": "Print the plan confirmation sheet",
        "打印验收单": "Print the acceptance form", "施工照片": "Works photos",
        "完成情况": "Done", "暂无照片": "No photos yet",
        "请从列表中选择评估员。": "Choose the assessor from the list.",
    })


_register()
