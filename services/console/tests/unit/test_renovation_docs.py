"""The staff's printed documents and the household file timeline: the 一户一策 plan
confirmation sheet and the acceptance form (验收单) rendered and read back as text (pypdf),
every field a district federation files checked; the timeline's rows in words."""

from __future__ import annotations

import io

import pypdf
from console.household import timeline_rows
from console.renovation_docs import (
    AcceptanceForm,
    Household,
    Line,
    PlanSheet,
    acceptance_pdf,
    plan_sheet_pdf,
)
from console.views.staff import open_orders, order_lines

HOME = Household(federation="聊城市东昌府区残疾人联合会", programme="2026年无障碍改造",
                 case_no="6F1D7C0E", holder_name="王秀兰", certificate="371502195001010026",
                 address="东昌府区古楼街道光岳路12号3单元101", division="东昌府区",
                 phone="13806350001")
LINES = [Line("入户坡道", "metre", "2.5", 35_000, 87_500, True),
         Line("蹲便改坐便", "each", "1", 80_000, 80_000, False)]


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return "".join(reader.pages[0].extract_text().split())  # CJK text: no spaces to trust


def test_the_plan_confirmation_sheet_carries_every_field_the_household_signs() -> None:
    pdf = plan_sheet_pdf(PlanSheet(household=HOME, lines=LINES, total_fen=167_500,
                                   cap_fen=1_000_000, drafted_by="赵主任",
                                   drafted_on="2026-12-01", assessed_by="李评估员",
                                   assessed_on="2026-11-28"))
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    for expected in ("一户一策", "改造方案确认单", "聊城市东昌府区残疾人联合会", "2026年无障碍改造",
                     "6F1D7C0E", "户主姓名：王秀兰", "残疾人证号：371502195001010026",
                     "东昌府区古楼街道光岳路12号3单元101", "13806350001",
                     "入户坡道2.5米350.00875.00", "蹲便改坐便1个800.00800.00",
                     "合计1675.00", "每户补助上限（元）：10000.00", "方案编制人：赵主任",
                     "2026-12-01", "入户评估人：李评估员", "2026-11-28",
                     "户主（或监护人）签字：", "经办人签字：", "区县残联（盖章）："):
        assert expected in text, expected


def test_the_acceptance_form_carries_quantities_done_contractor_dates_and_verdict() -> None:
    pdf = acceptance_pdf(AcceptanceForm(
        household=HOME, order_no="A1B2C3D4", contractor="聊城安居无障碍工程有限公司",
        lines=LINES, total_fen=167_500, start_on="2026-12-02", end_on="2026-12-10",
        requested_on="2026-12-09", inspected_on="2026-12-11", inspector="孙验收",
        verdict="不合格", defects=["坡道扶手松动"]))
    text = text_of(pdf)
    for expected in ("验收单", "工单编号A1B2C3D4", "户主姓名：王秀兰", "371502195001010026",
                     "东昌府区古楼街道光岳路12号3单元101", "施工单位：聊城安居无障碍工程有限公司",
                     "开工日期：2026-12-02", "完工日期：2026-12-10", "申请验收日期：2026-12-09",
                     "入户坡道2.5米350.00875.00已完成", "蹲便改坐便1个800.00800.00未完成",
                     "合计1675.00", "验收日期：2026-12-11", "验收人：孙验收", "验收结论：不合格",
                     "整改问题：坡道扶手松动", "户主（或监护人）签字：", "施工单位负责人签字：",
                     "验收人签字："):
        assert expected in text, expected


def test_a_blank_acceptance_form_leaves_the_verdict_to_tick() -> None:
    text = text_of(acceptance_pdf(AcceptanceForm(
        household=HOME, order_no="X", contractor="宜居", lines=LINES[:1], total_fen=87_500,
        start_on="", end_on="", requested_on="2026-12-09")))
    assert "□合格□不合格" in text and "不合格" not in text.replace("□不合格", "")


def test_the_timeline_is_in_order_and_in_words() -> None:
    rows = timeline_rows([
        {"at": "2026-12-02T02:00:00+00:00", "event": "AssessmentRequested",
         "actor": "staff-zhao", "data": {"assessor_id": "staff-li",
                                         "scheduled_at": "2026-12-03T01:00:00+00:00"}},
        {"at": "2026-12-01T01:00:00+00:00", "event": "ApplicationSubmitted",
         "actor": "staff-zhao", "data": {"division": "371502"}},
        {"at": "2026-12-04T01:00:00+00:00", "event": "PlanDrafted", "actor": "staff-li",
         "data": {"total_fen": 167_500}},
        {"at": "2026-12-05T01:00:00+00:00", "event": "WorkOrderDeclined", "actor":
         "contractor-anju", "data": {"contractor_id": "c1", "reason": "人手不足"}},
        {"at": "2026-12-06T01:00:00+00:00", "event": "VolunteerVisitCompleted",
         "actor": "volunteer:0c7f", "data": {"kind": "acceptance_visit"}},
        {"at": "2026-12-07T01:00:00+00:00", "event": "DeadlineBreached", "actor": None,
         "data": {"kind": "accept", "due_at": "2026-12-07T00:00:00+00:00"}},
    ], person={"staff-zhao": "赵主任", "staff-li": "李评估员",
               "contractor-anju": "聊城安居"}.get, contractor={"c1": "安居公司"}.get)
    assert [r["what"] for r in rows] == ["登记申请", "安排入户评估", "编制一户一策改造方案",
                                         "施工单位拒单", "志愿者上门完成", "工单超期"]
    assert rows[0] == {"at": "2026-12-01 09:00", "what": "登记申请", "details": "",
                       "who": "赵主任"}
    assert rows[1]["details"] == "评估员：李评估员，评估时间：2026-12-03 09:00"
    assert rows[2]["details"] == "合计 ¥1,675.00" and rows[2]["who"] == "李评估员"
    assert rows[3]["details"] == "安居公司，理由：人手不足"
    assert rows[4]["who"] == "志愿者" and rows[4]["details"] == "验收回访"
    assert rows[5]["who"] == "系统" and rows[5]["details"] == "未按期接单 2026-12-07 08:00"
    # no event class name, username or code reaches the page
    joined = str(rows)
    assert not any(s in joined for s in ("Assessment", "staff-", "contractor-", "volunteer:"))


def test_the_assign_form_waits_while_an_order_stands_and_lines_carry_quantities() -> None:
    assert open_orders([{"status": "declined"}, {"status": "cancelled"}]) == []
    assert open_orders([{"status": "declined"}, {"status": "assigned"}]) == [
        {"status": "assigned"}]
    app = {"plan": {"lines": [
        {"item_code": "RAMP", "name": "入户坡道", "quantity": "2.5", "unit": "metre",
         "unit_price_fen": 35_000, "total_fen": 87_500},
        {"item_code": "TOILET", "name": "蹲便改坐便", "quantity": "1", "unit": "each",
         "unit_price_fen": 80_000, "total_fen": 80_000}]}}
    lines = order_lines({"items": ["RAMP", "TOILET"], "items_done": ["TOILET"]}, app)
    assert [(ln["name"], ln["quantity"], ln["done"]) for ln in lines] == [
        ("入户坡道", "2.5", False), ("蹲便改坐便", "1", True)]
