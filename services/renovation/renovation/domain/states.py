"""The states of renovation's aggregates in words a clerk understands, and a state machine
whose refusals say them (409: "工单当前为“施工中”，不能撤销"), never an internal code (the
words go to svckit's ``StateMachine``: one rule for every service)."""

from __future__ import annotations

from collections.abc import Mapping

from svckit.domain.statemachine import StateMachine

APPLICATION_STATES: dict[str, tuple[str, str]] = {
    "submitted": ("已提交", "submitted"),
    "accepted": ("已受理", "accepted"),
    "refused": ("未予受理", "refused"),
    "assessment_scheduled": ("待入户评估", "assessment scheduled"),
    "assessed": ("已评估", "assessed"),
    "plan_drafted": ("方案编制中", "plan being drafted"),
    "plan_confirmed": ("方案已确认", "plan confirmed by the household"),
    "plan_approved": ("方案已批准", "plan approved"),
    "in_works": ("施工中", "works in progress"),
    "inspection": ("待验收", "awaiting inspection"),
    "completed": ("已完工待回访", "completed, awaiting the satisfaction visit"),
    "closed": ("已结案", "closed"),
    "withdrawn": ("已撤回", "withdrawn"),
}

WORK_ORDER_STATES: dict[str, tuple[str, str]] = {
    "assigned": ("已派单待接单", "assigned, not yet accepted"),
    "accepted": ("已接单", "accepted"),
    "declined": ("已拒单", "declined"),
    "cancelled": ("已撤销", "cancelled"),
    "scheduled": ("已排期", "scheduled"),
    "in_progress": ("施工中", "in progress"),
    "completion_requested": ("待验收", "awaiting inspection"),
    "rework": ("整改中", "in rework"),
    "closed": ("已验收关闭", "closed after inspection"),
    "terminated": ("已终止", "terminated"),
}

DEVICE_REQUEST_STATES: dict[str, tuple[str, str]] = {
    "requested": ("已申领", "requested"),
    "reserved": ("已预留", "reserved"),
    "delivered": ("已送达", "delivered"),
    "unavailable": ("暂无库存", "unavailable"),
}

ACTIONS: dict[str, tuple[str, str]] = {
    "accept": ("受理/接单", "accept"),
    "refuse": ("不予受理", "refuse"),
    "withdraw": ("撤回", "withdraw"),
    "cancel": ("撤销", "cancel"),
    "decline": ("拒单", "decline"),
    "terminate": ("终止", "terminate"),
    "schedule": ("排期", "schedule"),
    "schedule_assessment": ("安排评估", "schedule the assessment"),
    "complete_assessment": ("完成评估", "complete the assessment"),
    "draft_plan": ("编制方案", "draft the plan"),
    "confirm_plan": ("确认方案", "confirm the plan"),
    "revise_plan": ("退回修改方案", "revise the plan"),
    "approve_plan": ("批准方案", "approve the plan"),
    "report_progress": ("报告进度", "report progress"),
    "request_completion": ("申请验收", "request inspection"),
    "pass_inspection": ("验收通过", "pass the inspection"),
    "fail_inspection": ("验收不合格", "fail the inspection"),
    "record_satisfaction": ("记录回访结果", "record the satisfaction visit"),
    "read_contact": ("查看住户地址和电话", "see the household's address and phone"),
    "close": ("结案", "close"),
    "works_terminated": ("终止施工", "end the works"),
    "start_works": ("开工", "start the works"),
    "request_inspection": ("申请验收", "request inspection"),
    "reserve": ("预留", "reserve"),
    "deliver": ("送达", "deliver"),
    "mark_unavailable": ("标记无库存", "mark unavailable"),
    "rerequest": ("重新申领", "request again"),
}

ENTITIES: dict[str, tuple[str, str]] = {
    "application": ("申请", "application"),
    "work_order": ("工单", "work order"),
    "device_request": ("辅具申领", "device request"),
}


def state_label(labels: Mapping[str, tuple[str, str]], state: str) -> str:
    """"施工中 (in progress)"; an unknown state as it is."""
    zh, en = labels.get(state, (state, state))
    return f"{zh} ({en})"


def LabelledMachine(entity: str, table: Mapping[tuple[str, str], str],
                    labels: Mapping[str, tuple[str, str]]) -> StateMachine:
    """svckit's state machine with renovation's words for the entity, its states and the
    actions (its refusals say them)."""
    return StateMachine(entity, table, label=ENTITIES.get(entity), state_labels=labels,
                        action_labels=ACTIONS)
