"""Contractors and work orders (施工工单): assignment, progress, acceptance inspection."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from svckit.domain.clock import china_date
from svckit.domain.division import validate_division
from svckit.domain.errors import Conflict, Forbidden, ValidationFailed
from svckit.domain.fields import FieldErrors, member, require_text
from svckit.domain.money import yuan
from svckit.domain.phone import validate_phone

from . import events as ev
from . import rules
from .application import Application
from .events import UserId
from .states import WORK_ORDER_STATES, LabelledMachine

#: states from which staff may end an order the contractor has taken on
_TERMINABLE = ("accepted", "scheduled", "in_progress", "completion_requested", "rework")
#: states in which the assigned contractor may see the site's full address and the
#: household's phone (from accepting the order until it is closed or ended)
CONTACT_STATES = _TERMINABLE

WORK_ORDER = LabelledMachine(
    "work_order",
    {
        ("assigned", "accept"): "accepted",
        ("assigned", "decline"): "declined",
        ("assigned", "cancel"): "cancelled",  # staff withdraw an unanswered order
        ("accepted", "schedule"): "scheduled",
        ("scheduled", "schedule"): "scheduled",  # reschedule
        ("scheduled", "report_progress"): "in_progress",
        ("in_progress", "report_progress"): "in_progress",
        ("in_progress", "request_completion"): "completion_requested",
        ("completion_requested", "pass_inspection"): "closed",
        ("completion_requested", "fail_inspection"): "rework",
        ("rework", "report_progress"): "rework",
        ("rework", "request_completion"): "completion_requested",
        ("closed", "record_satisfaction"): "closed",  # once; see record_satisfaction
        **{(state, "terminate"): "terminated" for state in _TERMINABLE},
    },
    WORK_ORDER_STATES,
)


CONTRACTOR_STATES = {
    "active": ("正常", "active"),
    "suspended": ("已暂停派单", "suspended"),
    "blacklisted": ("已列入黑名单", "blacklisted"),
}


#: document-number prefix of a work order (施工工单: SG)
NUMBER_PREFIX = "SG"


class TerminationKind(enum.StrEnum):
    """Why staff ended an order the contractor had taken on."""

    BANKRUPTCY = "bankruptcy"  # 施工单位破产
    BREACH = "breach"  # 施工单位违约
    HOUSEHOLD_REQUEST = "household_request"  # 住户要求（含撤回申请）
    OTHER = "other"

    @property
    def label_zh(self) -> str:
        return {"bankruptcy": "施工单位破产", "breach": "施工单位违约",
                "household_request": "住户要求", "other": "其他"}[self.value]


TERMINATION_KIND_MESSAGE = ("终止原因类别应为破产、违约、住户要求或其他 "
                            "(bankruptcy, breach, household_request or other)")


@dataclass(eq=False)
class Contractor:
    """A construction company (施工单位). Its users are kept by the identity side."""

    name: str
    division: str
    active: bool = True  # kept equal to ``status == "active"``
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    #: active; suspended (no new orders, may be reinstated); blacklisted (for good)
    status: str = "active"
    status_reason: str | None = None
    #: the company's dispatch mobile (optional): new work orders are texted to it
    contact_phone: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        check = FieldErrors()
        with check.field("name"):
            self.name = require_text("name", self.name, 100)
        with check.field("division"):
            self.division = validate_division(self.division)
        with check.field("contact_phone"):
            self.contact_phone = _contact_phone(self.contact_phone)
        check.raise_if_any()

    def require_assignable(self) -> None:
        if self.status != "active" or not self.active:
            zh, en = CONTRACTOR_STATES.get(self.status, ("已停用", "inactive"))
            raise Conflict(f"施工单位{zh}，不能派单 (the contractor is {en})",
                           current_state=self.status, current_state_label=zh)

    def edit(self, *, name: str | None = None, division: str | None = None,
             contact_phone: str | None = None) -> None:
        """Change what is given; ``contact_phone`` ``""`` removes the phone."""
        check = FieldErrors()
        phone = self.contact_phone
        if name is not None:
            with check.field("name"):
                name = require_text("name", name, 100)
        if division is not None:
            with check.field("division"):
                division = validate_division(division)
        if contact_phone is not None:
            with check.field("contact_phone"):
                phone = _contact_phone(contact_phone)
        check.raise_if_any()
        self.name = name or self.name
        self.division = division or self.division
        self.contact_phone = phone

    def set_status(self, status: str, reason: str) -> None:
        """Suspend (no new orders), blacklist (for good) or reinstate, with a reason.
        Orders already running go on; staff terminate them if need be."""
        clean = require_text("reason", reason, 200)
        if self.status == "blacklisted" or status == self.status:
            zh, en = CONTRACTOR_STATES[self.status]
            raise Conflict(f"施工单位当前为「{zh}」，不能改为「{CONTRACTOR_STATES[status][0]}」 "
                           f"(the contractor is {en})", current_state=self.status,
                           current_state_label=zh)
        self.status, self.status_reason, self.active = status, clean, status == "active"


def _contact_phone(raw: str | None) -> str | None:
    """A contractor's dispatch phone: none (blank), or a mobile (it is texted), by the one
    phone rule (``svckit.domain.phone``)."""
    if raw is None or not str(raw).strip():
        return None
    return validate_phone(raw, mobile_only=True)


@dataclass(eq=False)
class ProgressUpdate:
    by: UserId
    at: datetime
    note: str
    percent: int
    items_done: list[str] = field(default_factory=list)
    photos_before: list[str] = field(default_factory=list)
    photos_after: list[str] = field(default_factory=list)
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(eq=False)
class Inspection:
    inspector_id: UserId
    at: datetime
    passed: bool
    defects: list[str] = field(default_factory=list)
    note: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(eq=False)
class WorkOrder:
    """The construction part of an approved plan, given to one contractor company."""

    application_id: uuid.UUID
    programme_id: uuid.UUID
    contractor_id: uuid.UUID
    division: str
    items: list[str]  # item codes of the plan's construction lines
    assigned_by: UserId
    assigned_at: datetime
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    #: the number people read (``SG-371502-2026-000045``); allocated by the service layer
    number: str = ""
    status: str = "assigned"
    accepted_at: datetime | None = None
    closing_reason: str | None = None  # why it was declined or cancelled
    start_on: date | None = None
    end_on: date | None = None
    percent: int = 0
    items_done: list[str] = field(default_factory=list)
    progress: list[ProgressUpdate] = field(default_factory=list)
    completion_requested_at: datetime | None = None
    inspections: list[Inspection] = field(default_factory=list)
    rework_since: datetime | None = None
    satisfaction_score: int | None = None
    satisfaction_comment: str | None = None
    breaches_raised: set[str] = field(default_factory=set)  # Breach.key already reported
    #: staff ended the order (see :meth:`terminate`): why, when, and what it cost so far
    termination_kind: str | None = None
    terminated_at: datetime | None = None
    cost_incurred_fen: int | None = None
    #: the terminated order whose remaining items this one carries on
    predecessor_id: uuid.UUID | None = None
    #: why no satisfaction score could be had (staff record it instead of a score)
    satisfaction_missing_reason: str | None = None
    #: "works" (the plan's construction items), or "warranty": a defect reported within the
    #: defect period, repaired by the same contractor at no charge to the budget
    kind: str = "works"
    defect: str | None = None
    #: the accepted works order a warranty order repairs
    warranty_of: uuid.UUID | None = None
    events: list[ev.Event] = field(default_factory=list, repr=False)

    @classmethod
    def assign(
        cls, application: Application, contractor: Contractor, by: UserId, now: datetime,
        *, id: uuid.UUID | None = None, predecessor: WorkOrder | None = None,
        done_before: Sequence[str] = (),
    ) -> WorkOrder:
        """Give an approved plan's construction items to an active contractor. After a
        terminated ``predecessor``, only the items not in ``done_before`` (done under the
        terminated orders), and the new order is linked to it."""
        if application.status != "plan_approved" or application.plan is None:
            raise Conflict(
                "方案尚未批准 (the plan is not approved)", current_state=application.status
            )
        contractor.require_assignable()
        items = [line.item_code for line in application.plan.construction_lines
                 if line.item_code not in done_before]
        if not items:
            raise Conflict(
                "方案没有施工项目 (the plan has no construction items)",
                current_state=application.status,
            )
        order = cls(
            application_id=application.id,
            programme_id=application.programme_id,
            contractor_id=contractor.id,
            division=application.division,
            items=items,
            assigned_by=by,
            assigned_at=now,
            id=id or uuid.uuid4(),
            predecessor_id=predecessor.id if predecessor else None,
        )
        order.events.append(
            ev.WorkOrderAssigned(now, order.id, application.id, contractor.id, order.division)
        )
        return order

    @property
    def accepted_on(self) -> datetime | None:
        """When the works passed their acceptance inspection (None: not accepted)."""
        passed = [i.at for i in self.inspections if i.passed]
        return passed[-1] if passed else None

    @classmethod
    def open_warranty(
        cls, application: Application, works: WorkOrder, contractor: Contractor,
        defect: str, by: UserId, now: datetime, *, defect_days: int,
        id: uuid.UUID | None = None,
    ) -> WorkOrder:
        """A defect the household reported within ``defect_days`` of the acceptance of
        ``works``: a warranty order to the same contractor, with its own deadlines and
        inspection, at no charge to the budget (no items of the plan, no cost)."""
        clean = require_text("description", defect, 500)
        accepted = works.accepted_on
        if works.kind != "works" or works.status != "closed" or accepted is None:
            label = WORK_ORDER_STATES.get(works.status, (works.status,))[0]
            raise Conflict(f"工程尚未验收合格，当前状态为「{label}」，不能报修 "
                           "(the works have not been accepted)", current_state=works.status)
        ends = accepted + timedelta(days=defect_days)
        if now > ends:
            raise Conflict(
                f"缺陷责任期已于{china_date(ends).isoformat()}结束（验收后{defect_days}天），"
                f"不能再按保修派单 (the defect period ended on {china_date(ends)})",
                current_state="defect_period_over", current_state_label="缺陷责任期已过")
        order = cls(
            application_id=application.id, programme_id=application.programme_id,
            contractor_id=contractor.id, division=application.division, items=[],
            assigned_by=by, assigned_at=now, id=id or uuid.uuid4(), kind="warranty",
            defect=clean, warranty_of=works.id,
        )
        order.events.append(
            ev.WorkOrderAssigned(now, order.id, application.id, contractor.id, order.division)
        )
        return order

    # ---- contractor side: ``company`` is the acting contractor staff's company -------------

    def accept(self, company: uuid.UUID | None, now: datetime) -> None:
        nxt = self._by_contractor(company, "accept")
        self.status, self.accepted_at = nxt, now
        self.events.append(ev.WorkOrderAccepted(now, self.id, self.contractor_id))

    def decline(self, company: uuid.UUID | None, reason: str, now: datetime) -> None:
        nxt = self._by_contractor(company, "decline")
        self.closing_reason = require_text("reason", reason, 200)
        self.status = nxt
        self.events.append(
            ev.WorkOrderDeclined(now, self.id, self.contractor_id, self.closing_reason)
        )

    def schedule(self, company: uuid.UUID | None, start_on: date, end_on: date,
                 now: datetime) -> None:
        """The works dates (China calendar dates): from today to ``HORIZON_DAYS`` ahead,
        the end not before the start."""
        nxt = self._by_contractor(company, "schedule")
        today = china_date(now)
        check = FieldErrors()
        if start_on < today:
            check.add("start_on", "开工日期不能早于今天 (the works cannot start in the past)")
        if end_on < start_on:
            check.add("end_on", "完工日期不能早于开工日期 (end before start)")
        elif end_on > today + rules.HORIZON:
            check.add("end_on", f"完工日期须在{rules.HORIZON_DAYS}天之内 "
                                f"(at most {rules.HORIZON_DAYS} days ahead)")
        check.raise_if_any()
        self.start_on, self.end_on, self.status = start_on, end_on, nxt
        self.events.append(ev.WorkOrderScheduled(now, self.id, start_on, end_on))

    def report_progress(
        self,
        by: UserId,
        company: uuid.UUID | None,
        now: datetime,
        *,
        note: str,
        percent: int,
        items_done: Sequence[str] = (),
        photos_before: Sequence[str] = (),
        photos_after: Sequence[str] = (),
    ) -> ProgressUpdate:
        """Add a progress update. ``percent`` is 0-100 and never goes down."""
        nxt = self._by_contractor(company, "report_progress")
        check = FieldErrors()
        with check.field("note"):
            note = require_text("note", note, 1000)
        if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
            check.add("percent", "进度应为0-100的整数 (an integer 0-100)")
        elif percent < self.percent:
            check.add(
                "percent", f"进度不能倒退，当前为{self.percent}% (must not go below {self.percent})"
            )
        unknown = sorted(set(items_done) - set(self.items))
        if unknown:
            check.add("items_done", f"不属于本工单的项目：{', '.join(unknown)} (not on this order)")
        with check.field("photos_before"):
            before = rules.texts("photos_before", photos_before, 500)
        with check.field("photos_after"):
            after = rules.texts("photos_after", photos_after, 500)
        check.raise_if_any()
        update = ProgressUpdate(by, now, note, percent, list(items_done), before, after)
        self.progress.append(update)
        self.items_done += [
            code for code in self.items if code in items_done and code not in self.items_done
        ]
        self.percent, self.status = percent, nxt
        self.events.append(ev.ProgressReported(now, self.id, percent))
        return update

    def request_completion(self, company: uuid.UUID | None, now: datetime) -> None:
        """Hand over for inspection: every item done; after a failed inspection, at least
        one progress update since then."""
        nxt = self._by_contractor(company, "request_completion")
        missing = [code for code in self.items if code not in self.items_done]
        if missing:
            raise Conflict(
                f"尚有未完成项目：{', '.join(missing)} (items not done)", current_state=self.status
            )
        if self.rework_since and not any(u.at >= self.rework_since for u in self.progress):
            raise Conflict(
                "整改后须先报告整改进度 (report the rework first)", current_state=self.status
            )
        self.percent, self.completion_requested_at, self.status = 100, now, nxt
        self.events.append(
            ev.WorkOrderCompleted(
                now, self.id, self.application_id, self.contractor_id, self.division,
                len(self.inspections) + 1,
            )
        )

    # ---- federation side -------------------------------------------------------------

    def cancel(self, by: UserId, reason: str, now: datetime) -> None:
        nxt = WORK_ORDER.next(self.status, "cancel")
        self.closing_reason = require_text("reason", reason, 200)
        self.status = nxt
        self.events.append(
            ev.WorkOrderCancelled(now, self.id, self.contractor_id, self.closing_reason)
        )

    def terminate(self, by: UserId, kind: TerminationKind | str, reason: str,
                  cost_incurred_fen: int, order_value_fen: int, now: datetime) -> None:
        """End an order the contractor has taken on (bankruptcy, breach, the household's
        request): the items done so far stay recorded, with the cost incurred (at most
        ``order_value_fen``, the plan's value of this order's items). The items not done
        can then be given to another contractor (:meth:`assign` with ``predecessor``)."""
        nxt = WORK_ORDER.next(self.status, "terminate")
        check = FieldErrors()
        clean_kind = TerminationKind.OTHER
        with check.field("kind"):
            clean_kind = member(TerminationKind, kind, TERMINATION_KIND_MESSAGE)
        with check.field("reason"):
            reason = require_text("reason", reason, 200)
        if check.fen("cost_incurred_fen", cost_incurred_fen, 0) and \
                cost_incurred_fen > order_value_fen:
            check.add("cost_incurred_fen",
                      f"已发生费用不能超过本工单项目金额{yuan(order_value_fen)}元 "
                      f"(at most the order's value, {order_value_fen} fen)")
        check.raise_if_any()
        self.termination_kind, self.closing_reason = clean_kind.value, reason
        self.cost_incurred_fen, self.terminated_at, self.status = cost_incurred_fen, now, nxt
        self.events.append(ev.WorkOrderTerminated(
            now, self.id, self.application_id, self.contractor_id, clean_kind.value, reason,
            tuple(self.items_done), tuple(c for c in self.items if c not in self.items_done),
            cost_incurred_fen))

    # inspections: ``company`` is the inspector's company, if any (never the contractor)

    def pass_inspection(self, inspector: UserId, company: uuid.UUID | None, now: datetime,
                        note: str | None = None, inspector_name: str = "") -> None:
        nxt = self._by_inspector(company, "pass_inspection")
        clean = require_text("note", note, 1000) if note else None
        self.inspections.append(Inspection(inspector, now, True, note=clean))
        self.status = nxt
        self.events.append(
            ev.InspectionPassed(now, self.id, self.application_id, inspector,
                                inspector_name[:100])
        )

    def fail_inspection(self, inspector: UserId, company: uuid.UUID | None,
                        defects: Sequence[str], now: datetime) -> None:
        nxt = self._by_inspector(company, "fail_inspection")
        clean = rules.texts("defects", defects, 500)
        if not clean:
            raise ValidationFailed.field("defects", "不合格须列出问题 (list the defects)")
        self.inspections.append(Inspection(inspector, now, False, defects=clean))
        self.status, self.rework_since = nxt, now
        self.events.append(
            ev.InspectionFailed(now, self.id, self.application_id, inspector, tuple(clean))
        )

    def record_satisfaction(self, score: int | None, comment: str | None, now: datetime,
                            *, missing_reason: str | None = None) -> None:
        """The follow-up visit's score (1-5) and comment, recorded once; or, when no score
        could be had (nobody at home, refused, moved away), why not (staff record it)."""
        nxt = WORK_ORDER.next(self.status, "record_satisfaction")
        if self.satisfaction_score is not None or self.satisfaction_missing_reason:
            raise Conflict(
                "满意度回访结果已记录 (the satisfaction visit is already recorded)",
                current_state=self.status,
            )
        if score is None:
            if not (missing_reason or "").strip():
                raise ValidationFailed({
                    "score": ["请填写满意度（1-5分）或无法回访的原因 "
                              "(a score 1-5, or the reason there is none)"],
                    "reason": ["请填写满意度（1-5分）或无法回访的原因 "
                               "(a score 1-5, or the reason there is none)"]})
            self.satisfaction_missing_reason = require_text("reason", missing_reason, 200)
        elif not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise ValidationFailed.field("score", "满意度应为1-5分 (score 1-5)")
        self.satisfaction_comment = require_text("comment", comment, 500) if comment else None
        self.satisfaction_score, self.status = score, nxt
        self.events.append(ev.SatisfactionRecorded(now, self.id, self.application_id, score,
                                                   self.satisfaction_missing_reason))

    def require_contact(self, company: uuid.UUID | None) -> None:
        """The assigned contractor may see the household's address and phone only while
        the order is theirs to carry out (accepted ... rework): 403 for anyone else, 409
        naming the state in words before acceptance and after closure."""
        if company != self.contractor_id:
            raise Forbidden("只能查看本单位工单的住户联系方式 (only your own company's orders)")
        if self.status not in CONTACT_STATES:
            raise WORK_ORDER.refuse(self.status, "read_contact")

    # ---- helpers ---------------------------------------------------------------------

    def _by_contractor(self, company: uuid.UUID | None, action: str) -> str:
        if company != self.contractor_id:
            raise Forbidden("只能操作本单位的工单 (only your own company's orders)")
        return WORK_ORDER.next(self.status, action)

    def _by_inspector(self, company: uuid.UUID | None, action: str) -> str:
        nxt = WORK_ORDER.next(self.status, action)
        if company == self.contractor_id:
            raise Forbidden(
                "验收人不能是施工单位人员 (the inspector cannot be from the contractor)"
            )
        return nxt
