"""The household's case (申请/一户一档 core): application, eligibility, home assessment and
the household's plan (一户一策). One aggregate, so a plan can never get ahead of its
assessment and the application status is the single truth of where the household is."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from svckit.domain.certificate import DisabilityCertificate
from svckit.domain.division import validate_division
from svckit.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from svckit.domain.fields import FieldErrors, member, require_text
from svckit.domain.phone import validate_phone

from . import checklist as cl
from . import events as ev
from . import rules
from .catalogue import (
    MILLI,
    Area,
    CatalogueItem,
    Unit,
    check_quantity,
    line_total_fen,
)
from .events import UserId
from .programme import Programme
from .states import APPLICATION_STATES, DEVICE_REQUEST_STATES, LabelledMachine

#: a household may leave the programme at any stage before its works are accepted (after
#: approval, the service layer first terminates a live work order and releases the budget)
_WITHDRAWABLE = (
    "submitted",
    "accepted",
    "assessment_scheduled",
    "assessed",
    "plan_drafted",
    "plan_confirmed",
    "plan_approved",
    "in_works",
    "inspection",
)

APPLICATION = LabelledMachine(
    "application",
    {
        ("submitted", "accept"): "accepted",
        ("submitted", "refuse"): "refused",
        ("refused", "accept"): "accepted",  # staff override / reconsideration, reason required
        ("accepted", "schedule_assessment"): "assessment_scheduled",
        ("assessment_scheduled", "schedule_assessment"): "assessment_scheduled",  # reschedule
        ("assessment_scheduled", "complete_assessment"): "assessed",
        ("assessed", "draft_plan"): "plan_drafted",
        ("plan_drafted", "draft_plan"): "plan_drafted",  # redraft replaces the lines
        ("plan_drafted", "confirm_plan"): "plan_confirmed",
        ("plan_confirmed", "revise_plan"): "plan_drafted",
        ("plan_confirmed", "approve_plan"): "plan_approved",
        ("plan_approved", "start_works"): "in_works",  # a work order was accepted
        ("in_works", "request_inspection"): "inspection",  # the contractor handed over
        ("inspection", "pass_inspection"): "completed",
        ("inspection", "fail_inspection"): "in_works",  # rework
        ("completed", "close"): "closed",  # satisfaction follow-up done
        # the work order was terminated: the plan stays approved, the rest is reassigned
        ("in_works", "works_terminated"): "plan_approved",
        ("inspection", "works_terminated"): "plan_approved",
        **{(state, "withdraw"): "withdrawn" for state in _WITHDRAWABLE},
    },
    APPLICATION_STATES,
)

DEVICE_REQUEST = LabelledMachine(
    "device_request",
    {
        ("requested", "reserve"): "reserved",
        ("requested", "deliver"): "delivered",  # a delivery may overtake its reservation
        ("requested", "mark_unavailable"): "unavailable",
        ("reserved", "deliver"): "delivered",
        ("reserved", "mark_unavailable"): "unavailable",
        # stock of the type arrived at a station of the household's district
        ("unavailable", "rerequest"): "requested",
    },
    DEVICE_REQUEST_STATES,
)


class WithdrawalKind(enum.StrEnum):
    """Why a household left the programme."""

    DECEASED = "deceased"  # 户主去世
    MOVED = "moved"  # 迁出本地
    DECLINED = "declined"  # 住户放弃/拒绝改造
    INELIGIBLE = "ineligible"  # 不再符合条件
    OTHER = "other"

    @property
    def label_zh(self) -> str:
        return {"deceased": "户主去世", "moved": "迁出本地", "declined": "住户放弃",
                "ineligible": "不再符合条件", "other": "其他"}[self.value]


#: document-number prefix of an application (改造申请: GZ)
NUMBER_PREFIX = "GZ"


class Hardship(enum.StrEnum):
    DIBAO = "dibao"  # 低保
    TEKUN = "tekun"  # 特困
    NONE = "none"


def ineligibility(certificate: DisabilityCertificate, hardship: Hardship) -> list[str]:
    """Why a household does not qualify (empty: eligible). Poor AND severe is required."""
    reasons = []
    if hardship is Hardship.NONE:
        reasons.append("家庭非低保或特困 (household is neither 低保 nor 特困)")
    if not certificate.is_severe:
        reasons.append(
            f"残疾等级为{certificate.grade}级，非重度（1-2级） "
            f"(grade {certificate.grade} is not severe: grade 1-2 required)"
        )
    return reasons


@dataclass(eq=False)
class Assessment:
    """A home visit (入户评估): scheduled for an assessor, completed with findings per area."""

    assessor_id: UserId
    scheduled_at: datetime
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    findings: dict[str, str] = field(default_factory=dict)  # Area value -> notes
    #: the checklist's answers, area -> finding -> yes / no / needs_work (domain.checklist)
    checklist: dict[str, dict[str, str]] = field(default_factory=dict)
    needs: list[str] = field(default_factory=list)
    photo_refs: list[str] = field(default_factory=list)
    completed_at: datetime | None = None
    #: 1 for the first scheduling, +1 for each move (each asks volunteers for a new visit)
    round: int = 1

    @property
    def suggested_items(self) -> list[dict[str, object]]:
        """Catalogue items the findings answered "needs work" suggest for the plan."""
        return list(cl.suggestions(self.checklist or {}))


@dataclass(eq=False)
class PlanLine:
    """A catalogue item with a quantity; name and price are copied when the plan is drafted."""

    item_code: str
    name: str
    area: Area
    unit: Unit
    unit_price_fen: int
    quantity_milli: int
    total_fen: int
    is_device: bool
    device_type_code: str | None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @classmethod
    def of(cls, item: CatalogueItem, quantity_milli: int) -> PlanLine:
        check_quantity(quantity_milli, item.unit)
        return cls(
            item_code=item.code,
            name=item.name,
            area=item.area,
            unit=item.unit,
            unit_price_fen=item.unit_price_fen,
            quantity_milli=quantity_milli,
            total_fen=line_total_fen(item.unit_price_fen, quantity_milli),
            is_device=item.is_device,
            device_type_code=item.device_type_code,
        )


@dataclass(eq=False)
class DeviceRequest:
    """One unit of a device asked of the rental side; its state follows the rental's answers."""

    item_code: str
    device_type_code: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    status: str = "requested"
    unit_ref: str | None = None  # the rental side's asset tag once reserved
    note: str | None = None
    updated_at: datetime | None = None
    #: how many times it was asked of the rental side (1 + the automatic re-requests)
    attempts: int = 1


#: a case whose device items may still be supplied (approved, not withdrawn or closed)
DEVICE_STATES = ("plan_approved", "in_works", "inspection", "completed")


@dataclass(eq=False)
class Plan:
    """The household's plan (一户一策)."""

    drafted_by: UserId
    drafted_at: datetime
    lines: list[PlanLine]
    total_fen: int
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    confirmed_by_name: str | None = field(default=None, repr=False)  # who signed for the household
    confirmation_ref: str | None = None  # e.g. the signed form's photo ref
    confirmation_recorded_by: UserId | None = None
    confirmed_at: datetime | None = None
    approved_by: UserId | None = None
    approved_at: datetime | None = None
    device_requests: list[DeviceRequest] = field(default_factory=list)

    @property
    def construction_lines(self) -> list[PlanLine]:
        return [line for line in self.lines if not line.is_device]

    @property
    def device_lines(self) -> list[PlanLine]:
        return [line for line in self.lines if line.is_device]


@dataclass(eq=False)
class Application:
    """A household's application to a programme and everything up to its closure."""

    programme_id: uuid.UUID
    certificate_number: str = field(repr=False)
    holder_name: str = field(repr=False)
    address: str = field(repr=False)
    division: str
    phone: str = field(repr=False)
    hardship: Hardship
    submitted_at: datetime
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    #: the number people read (``GZ-371502-2026-000123``, svckit.domain.docnumbers); the
    #: service layer allocates it when the application is stored
    number: str = ""
    status: str = "submitted"
    refusal_reasons: list[str] = field(default_factory=list)
    override_reason: str | None = None
    decided_by: UserId | None = None
    decided_at: datetime | None = None
    withdrawal_reason: str | None = None
    withdrawal_kind: str | None = None
    #: the approved total no longer committed against the budget when it was withdrawn
    released_fen: int | None = None
    #: when the household consented to the processing of its personal data (PIPL Art. 13);
    #: ``None``: no consent, the application cannot be used (see :meth:`require_consent`)
    consent_at: datetime | None = None
    assessment: Assessment | None = None
    plan: Plan | None = None
    #: this case's events another service could not apply (it parked them), by catalogue
    #: event type: ``{"event_id", "consumer", "reason", "message", "at"}``
    integration_problems: dict[str, dict[str, str]] = field(default_factory=dict)
    events: list[ev.Event] = field(default_factory=list, repr=False)

    # ---- submission and decision -------------------------------------------------

    @classmethod
    def submit(
        cls,
        programme: Programme,
        *,
        certificate: str,
        holder_name: str,
        address: str,
        division: str,
        phone: str,
        hardship: Hardship | str,
        now: datetime,
        consent: bool = False,
        id: uuid.UUID | None = None,
    ) -> Application:
        """Validate every field (all errors at once) and open the application. Without
        the household's consent to processing (PIPL) nothing is stored: a 422 on
        ``consent``."""
        check = FieldErrors()
        cert_number = ""
        with check.field("certificate"):
            cert_number = DisabilityCertificate.parse(certificate).number
        with check.field("holder_name"):
            holder_name = require_text("holder_name", holder_name, 50)
        with check.field("address"):
            address = require_text("address", address, 200)
        with check.field("division"):
            division = validate_division(division)
            if not programme.covers(division):
                raise ValueError(
                    f"行政区划{division}不在项目范围{programme.division_scope}内 "
                    "(division outside the programme's scope)"
                )
        with check.field("phone"):
            phone = validate_phone(phone)
        hardship_value = Hardship.NONE
        with check.field("hardship"):
            hardship_value = member(
                Hardship, hardship, "困难类别应为低保、特困或无 (dibao, tekun or none)"
            )
        with check.field("consent"):
            if consent is not True:
                raise ValueError("须有申请人同意处理其个人信息 "
                                 "(the household's consent to processing is required)")
        check.raise_if_any()
        app = cls(
            programme_id=programme.id,
            certificate_number=cert_number,
            holder_name=holder_name,
            address=address,
            division=division,
            phone=phone,
            hardship=hardship_value,
            submitted_at=now,
            consent_at=now,
            id=id or uuid.uuid4(),
        )
        app.events.append(ev.ApplicationSubmitted(now, app.id, programme.id, division))
        return app

    @property
    def certificate(self) -> DisabilityCertificate:
        return DisabilityCertificate(self.certificate_number)

    @property
    def masked_certificate(self) -> str:
        return self.certificate.masked

    @property
    def ineligibility(self) -> list[str]:
        return ineligibility(self.certificate, self.hardship)

    # ---- consent to processing (PIPL) ----------------------------------------------

    def record_consent(self, now: datetime) -> None:
        """The household consented (again) at ``now``."""
        self.consent_at = now
        self.events.append(ev.ConsentGiven(now, self.id))

    def withdraw_consent(self, now: datetime) -> None:
        """The household withdrew its consent: the application cannot be used any more."""
        self.consent_at = None
        self.events.append(ev.ConsentWithdrawn(now, self.id))

    def require_consent(self) -> None:
        """A household without consent cannot be accepted, assessed, planned or approved
        (409 with the current state; recording the consent lifts it)."""
        if self.consent_at is None:
            raise Conflict(
                "该户未同意处理其个人信息，不能继续办理 "
                "(the household has not consented to processing)",
                current_state=self.status, reason="no_consent",
            )

    def accept(self, by: UserId, now: datetime, override_reason: str | None = None) -> None:
        """Accept. An ineligible household, or reversing a refusal, needs an override reason."""
        nxt = APPLICATION.next(self.status, "accept")
        self.require_consent()
        reason = (override_reason or "").strip() or None
        if (self.ineligibility or self.status == "refused") and reason is None:
            problems = "；".join(self.ineligibility) or "申请已被拒绝 (application was refused)"
            raise ValidationFailed.field(
                "override_reason",
                f"{problems}。须填写特批理由 (a staff override reason is required)",
            )
        self.status, self.override_reason = nxt, reason
        self.decided_by, self.decided_at = by, now
        self.events.append(
            ev.ApplicationAccepted(now, self.id, self.programme_id, self.division, reason)
        )

    def refuse(self, by: UserId, now: datetime, reason: str | None = None) -> None:
        """Refuse with the eligibility reasons; an eligible household needs a stated reason."""
        nxt = APPLICATION.next(self.status, "refuse")
        reasons = self.ineligibility + ([reason.strip()] if reason and reason.strip() else [])
        if not reasons:
            raise ValidationFailed.field(
                "reason",
                "该户符合条件，拒绝须说明理由 (an eligible household needs a reason to refuse)",
            )
        self.status, self.refusal_reasons = nxt, reasons
        self.decided_by, self.decided_at = by, now
        self.events.append(ev.ApplicationRefused(now, self.id, self.programme_id, tuple(reasons)))

    def withdraw(self, reason: str, now: datetime, *, kind: WithdrawalKind | str = "other",
                 released_fen: int = 0) -> None:
        """The household leaves the programme (died, moved, declined...). After approval
        the service layer ends any live work order first and passes ``released_fen``, the
        part of the approved total no longer committed (the total less what was spent)."""
        nxt = APPLICATION.next(self.status, "withdraw")
        check = FieldErrors()
        clean_kind = WithdrawalKind.OTHER
        with check.field("kind"):
            clean_kind = member(WithdrawalKind, kind,
                                "撤回原因类别应为去世、迁出、放弃、不再符合条件或其他 "
                                "(deceased, moved, declined, ineligible or other)")
        with check.field("reason"):
            reason = require_text("reason", reason, 200)
        check.raise_if_any()
        self.withdrawal_reason, self.withdrawal_kind = reason, clean_kind.value
        self.released_fen = released_fen
        self.status = nxt
        a = self.assessment
        open_visit = (a.id, a.round) if a is not None and a.completed_at is None else None
        self.events.append(
            ev.ApplicationWithdrawn(now, self.id, reason, open_visit, clean_kind.value,
                                    released_fen)
        )

    # ---- assessment ----------------------------------------------------------------

    def schedule_assessment(
        self, assessor_id: UserId, at: datetime, now: datetime
    ) -> Assessment:
        """Schedule (or move) the home visit; volunteers are asked to accompany it."""
        nxt = APPLICATION.next(self.status, "schedule_assessment")
        self.require_consent()
        if at < now:
            raise ValidationFailed.field(
                "scheduled_at", "评估时间不能早于当前时间 (must not be in the past)"
            )
        if at > now + rules.HORIZON:
            raise ValidationFailed.field(
                "scheduled_at", f"评估时间须在{rules.HORIZON_DAYS}天之内 "
                f"(at most {rules.HORIZON_DAYS} days ahead)"
            )
        rescheduled = self.assessment is not None
        if self.assessment is None:
            self.assessment = Assessment(assessor_id=assessor_id, scheduled_at=at)
        else:
            self.assessment.assessor_id, self.assessment.scheduled_at = assessor_id, at
            self.assessment.round += 1
        self.status = nxt
        self.events.append(
            ev.AssessmentRequested(
                now, self.id, self.assessment.id, assessor_id, at, self.division, rescheduled,
                self.assessment.round,
            )
        )
        return self.assessment

    def complete_assessment(
        self,
        by: UserId,
        findings: Mapping[Area | str, str],
        needs: Sequence[str],
        photo_refs: Sequence[str],
        now: datetime,
        *,
        checklist: Mapping[str, Mapping[str, str]],
    ) -> None:
        """Only the scheduled assessor completes the visit, answering every finding of
        the checklist (:mod:`.checklist`); notes per area are optional free text."""
        nxt = APPLICATION.next(self.status, "complete_assessment")
        self.require_consent()
        assessment = self._assessment
        if by != assessment.assessor_id:
            raise Forbidden(
                "只有指派的评估员可以完成评估 (only the scheduled assessor may complete it)"
            )
        check = FieldErrors()
        clean: dict[str, str] = {}
        clean_needs: list[str] = []
        clean_photos: list[str] = []
        clean_checklist: dict[str, dict[str, str]] = {}
        try:
            clean_checklist = cl.validate_answers(checklist)
        except ValidationFailed as exc:
            for name, messages in exc.errors.items():
                for message in messages:
                    check.add(name, message)
        with check.field("findings"):
            for area, note in findings.items():
                key = member(Area, area, f"改造区域无效：{area} (unknown area)")
                clean[key.value] = require_text("findings", note, 1000)
        with check.field("needs"):
            clean_needs = rules.texts("needs", needs)
        with check.field("photo_refs"):
            clean_photos = rules.texts("photo_refs", photo_refs, 500)
        check.raise_if_any()
        assessment.findings, assessment.needs, assessment.photo_refs = (
            clean,
            clean_needs,
            clean_photos,
        )
        assessment.checklist = clean_checklist
        assessment.completed_at = now
        self.status = nxt
        self.events.append(
            ev.AssessmentCompleted(now, self.id, assessment.id, assessment.assessor_id)
        )

    # ---- plan (一户一策) ----------------------------------------------------------------

    def draft_plan(
        self,
        programme: Programme,
        lines: Sequence[tuple[CatalogueItem, int]],
        by: UserId,
        now: datetime,
    ) -> Plan:
        """(Re)draft the plan from ``(catalogue item, quantity in milli-units)`` pairs.
        The total must be within the per-household cap (exactly at the cap is fine)."""
        nxt = APPLICATION.next(self.status, "draft_plan")
        self.require_consent()
        self._same_programme(programme)
        if not lines:
            raise ValidationFailed.field(
                "lines", "方案至少包含一项 (a plan needs at least one line)"
            )
        codes = [item.code for item, _ in lines]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValidationFailed.field(
                "lines", f"项目重复：{', '.join(duplicates)} (duplicate items)"
            )
        retired = [item.code for item, _ in lines if not item.active]
        if retired:
            raise ValidationFailed.field(
                "lines", f"项目已停用：{', '.join(retired)} (retired items)"
            )
        plan_lines = [PlanLine.of(item, quantity) for item, quantity in lines]
        total = sum(line.total_fen for line in plan_lines)
        programme.check_household_cap(total)
        self.plan = Plan(
            drafted_by=by,
            drafted_at=now,
            lines=plan_lines,
            total_fen=total,
            id=self.plan.id if self.plan else uuid.uuid4(),
        )
        self.status = nxt
        self.events.append(ev.PlanDrafted(now, self.id, self.plan.id, total))
        return self.plan

    def confirm_plan(
        self,
        signatory: str,
        recorded_by: UserId,
        now: datetime,
        confirmation_ref: str | None = None,
    ) -> None:
        """Record that the household (holder or guardian ``signatory``) agreed to the plan."""
        nxt = APPLICATION.next(self.status, "confirm_plan")
        self.require_consent()
        name = require_text("signatory", signatory, 50)
        ref = require_text("confirmation_ref", confirmation_ref, 500) if confirmation_ref else None
        plan = self._plan
        plan.confirmed_by_name, plan.confirmation_ref = name, ref
        plan.confirmation_recorded_by, plan.confirmed_at = recorded_by, now
        self.status = nxt
        self.events.append(ev.PlanConfirmed(now, self.id, plan.id))

    def revise_plan(self, reason: str, now: datetime) -> None:
        """Send a confirmed plan back to drafting; the household's confirmation lapses."""
        nxt = APPLICATION.next(self.status, "revise_plan")
        clean = require_text("reason", reason, 200)
        plan = self._plan
        plan.confirmed_by_name = plan.confirmation_ref = None
        plan.confirmation_recorded_by = plan.confirmed_at = None
        self.status = nxt
        self.events.append(ev.PlanRevised(now, self.id, plan.id, clean))

    def approve_plan(
        self, programme: Programme, committed_fen: int, by: UserId, now: datetime
    ) -> None:
        """Approve (four eyes: not the assessor, not the drafter) within both caps.

        ``committed_fen`` is the sum of the programme's other approved plan totals.
        Device lines become one ``DeviceRequest`` per unit, each asked of the rental side.
        """
        nxt = APPLICATION.next(self.status, "approve_plan")
        self.require_consent()
        self._same_programme(programme)
        plan = self._plan
        if by in (self._assessment.assessor_id, plan.drafted_by):
            raise Forbidden(
                "审批人不能是该户的评估员或方案编制人 "
                "(four eyes: the approver cannot be the assessor or the drafter)"
            )
        programme.check_affordable(plan.total_fen, committed_fen)
        plan.approved_by, plan.approved_at = by, now
        plan.device_requests = [
            DeviceRequest(item_code=line.item_code, device_type_code=line.device_type_code or "")
            for line in plan.device_lines
            for _ in range(line.quantity_milli // MILLI)
        ]
        self.status = nxt
        self.events.append(
            ev.PlanApproved(now, self.id, plan.id, self.programme_id, plan.total_fen, by,
                            len(plan.device_requests))
        )
        names = {line.item_code: line.name for line in plan.device_lines}
        self.events.extend(
            ev.DeviceRequested(now, self.id, r.id, r.item_code, r.device_type_code,
                               self.division, names[r.item_code])
            for r in plan.device_requests
        )

    # ---- device answers from the rental side ----------------------------------------

    def device_reserved(self, request_id: uuid.UUID, unit_ref: str, now: datetime) -> None:
        self._answer(request_id, "reserve", now, unit_ref=require_text("unit_ref", unit_ref, 64))

    def device_delivered(self, request_id: uuid.UUID, now: datetime) -> None:
        self._answer(request_id, "deliver", now)

    def device_unavailable(self, request_id: uuid.UUID, reason: str, now: datetime) -> None:
        self._answer(request_id, "mark_unavailable", now, note=require_text("reason", reason, 200))

    def request_device_again(self, request_id: uuid.UUID, now: datetime) -> None:
        """Stock of an unavailable item's type arrived near the household: ask the rental
        side again with the same request id (one more attempt). 409 unless the item is
        unavailable and the case still takes devices."""
        if self.status not in DEVICE_STATES:
            raise Conflict(f"申请当前为“{APPLICATION_STATES[self.status][0]}”，不再申领辅具 "
                           f"(the application is {APPLICATION_STATES[self.status][1]}; "
                           "no more devices)", current_state=self.status)
        request = next((r for r in self._plan.device_requests if r.id == request_id), None)
        if request is None:
            raise NotFound("device_request", request_id)
        request.status = DEVICE_REQUEST.next(request.status, "rerequest")
        request.attempts += 1
        request.updated_at = now
        name = next((line.name for line in self._plan.device_lines
                     if line.item_code == request.item_code), request.item_code)
        self.events.append(ev.DeviceRequested(now, self.id, request.id, request.item_code,
                                              request.device_type_code, self.division, name))
        self.events.append(ev.DeviceRequestUpdated(now, self.id, request.id, request.status))

    # ---- events other services could not apply --------------------------------------

    def integration_failed(self, event_type: str, *, event_id: str, consumer: str,
                           reason: str, message: str, now: datetime,
                           work_order_id: uuid.UUID | None = None) -> None:
        """``consumer`` parked this case's ``event_type`` event: shown on the case (the
        latest per type) until :meth:`integration_recovered`."""
        self.integration_problems[event_type] = {
            "event_id": event_id, "consumer": consumer, "reason": reason,
            "message": message, "at": now.isoformat(),
        }
        self.events.append(ev.IntegrationFailed(now, self.id, event_type, event_id, consumer,
                                                reason, message, work_order_id))

    def integration_recovered(self, event_type: str, now: datetime) -> None:
        """The step was requested again, or its request was answered."""
        if self.integration_problems.pop(event_type, None) is not None:
            self.events.append(ev.IntegrationProblemCleared(now, self.id, event_type))

    @property
    def integration_problem(self) -> dict[str, str] | None:
        """The latest open problem (with its ``event_type``), None when there is none."""
        latest = max(self.integration_problems.items(), key=lambda kv: kv[1]["at"],
                     default=None)
        return None if latest is None else {"event_type": latest[0], **latest[1]}

    # ---- works (driven by the work order, in the same unit of work) -----------------

    def start_works(self) -> None:
        self.status = APPLICATION.next(self.status, "start_works")

    def request_inspection(self) -> None:
        self.status = APPLICATION.next(self.status, "request_inspection")

    def fail_inspection(self) -> None:
        self.status = APPLICATION.next(self.status, "fail_inspection")

    def pass_inspection(self, now: datetime) -> None:
        self.status = APPLICATION.next(self.status, "pass_inspection")
        self.events.append(ev.ApplicationCompleted(now, self.id))

    def works_terminated(self) -> None:
        """Its work order was terminated: back to an approved plan awaiting a contractor."""
        self.status = APPLICATION.next(self.status, "works_terminated")

    def close(self, now: datetime) -> None:
        self.status = APPLICATION.next(self.status, "close")
        self.events.append(ev.ApplicationClosed(now, self.id))

    # ---- helpers ---------------------------------------------------------------------

    @property
    def _assessment(self) -> Assessment:
        if self.assessment is None:  # unreachable through the state machine
            raise Conflict("尚未安排评估 (no assessment)", current_state=self.status)
        return self.assessment

    @property
    def _plan(self) -> Plan:
        if self.plan is None:  # unreachable through the state machine
            raise Conflict("尚无改造方案 (no plan)", current_state=self.status)
        return self.plan

    def _same_programme(self, programme: Programme) -> None:
        if programme.id != self.programme_id:
            raise ValueError(
                f"programme {programme.id} is not this application's {self.programme_id}"
            )

    def _answer(
        self,
        request_id: uuid.UUID,
        action: str,
        now: datetime,
        unit_ref: str | None = None,
        note: str | None = None,
    ) -> None:
        request = next((r for r in self._plan.device_requests if r.id == request_id), None)
        if request is None:
            raise NotFound("device_request", request_id)
        request.status = DEVICE_REQUEST.next(request.status, action)
        request.unit_ref = unit_ref or request.unit_ref
        request.note = note or request.note
        request.updated_at = now
        self.events.append(ev.DeviceRequestUpdated(now, self.id, request.id, request.status))
