"""Request and response schemas (marshmallow). Unknown fields are refused."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from svckit.http.pagination import PageArgs, paged

from volunteer.domain.hours import HourStatus
from volunteer.domain.tasks import ExclusionCode, Priority, TaskState, TaskType
from volunteer.domain.volunteers import Skill

#: identifiers are bounded here and normalised (full-width digits...) then validated by
#: the domain (``svckit.domain``), so ``３７１５０２`` is ``371502``
_DIVISION = validate.Length(min=1, max=20)
_PHONE = validate.Length(min=1, max=30)
When = fields.AwareDateTime


def _window_order(data: dict[str, Any], start: str, end: str) -> None:
    a, b = data.get(start), data.get(end)
    if a is not None and b is not None and b <= a:
        raise ValidationError("结束时间应晚于开始时间 (end must be after start)", end)


# -- common ---------------------------------------------------------------------------
class EmptyIn(Schema):
    """No body needed (an empty JSON object is accepted)."""


class ReasonIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class SourceOut(Schema):
    service = fields.String()
    kind = fields.String()
    id = fields.String()


# -- teams and volunteers ---------------------------------------------------------------
class TeamOut(Schema):
    id = fields.UUID()
    name = fields.String()
    division = fields.String()
    division_name = fields.String()
    active_members = fields.Integer()


class TeamList(Schema):
    items = fields.List(fields.Nested(TeamOut))


class WindowIO(Schema):
    weekday = fields.Integer(required=True, validate=validate.Range(0, 6),
                             metadata={"description": "0 = Monday .. 6 = Sunday"})
    start = fields.Time(required=True, format="%H:%M", metadata={"example": "08:30"})
    end = fields.Time(required=True, format="%H:%M",
                      metadata={"example": "12:00", "description": "00:00 = midnight"})


_SKILLS = fields.List(fields.String(validate=validate.OneOf([s.value for s in Skill])),
                      validate=validate.Length(max=len(Skill)))


class VolunteerIn(Schema):
    real_name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    phone = fields.String(required=True, validate=_PHONE)
    divisions = fields.List(fields.String(validate=_DIVISION), required=True,
                            validate=validate.Length(min=1, max=20))
    skills = _SKILLS
    availability = fields.List(fields.Nested(WindowIO), load_default=list,
                               validate=validate.Length(max=50))
    team_id = fields.UUID(load_default=None, allow_none=True)
    consent = fields.Boolean(required=True, metadata={
        "description": "the volunteer consents to the processing of their phone and address "
                       "(PIPL); must be true (422 otherwise), its time is kept as consent_at"})


class VolunteerPatch(Schema):
    real_name = fields.String(validate=validate.Length(min=1, max=50))
    phone = fields.String(validate=_PHONE)
    divisions = fields.List(fields.String(validate=_DIVISION),
                            validate=validate.Length(min=1, max=20))
    skills = _SKILLS
    availability = fields.List(fields.Nested(WindowIO), validate=validate.Length(max=50))
    team_id = fields.UUID()
    consent = fields.Boolean(metadata={
        "description": "true records the consent now; false withdraws it (no offers or "
                       "assignments until it is recorded again)"})


class VolunteerOut(Schema):
    id = fields.UUID()
    real_name = fields.String()
    phone = fields.String(metadata={
        "description": "always masked; in full from GET /volunteers/{id}/contact?purpose="})
    consent_at = fields.DateTime(allow_none=True, metadata={
        "description": "when they consented to processing; null: never offered a task"})
    divisions = fields.List(fields.String())
    skills = fields.List(fields.String())
    skill_labels = fields.String()
    availability = fields.List(fields.Nested(WindowIO))
    team_id = fields.UUID(allow_none=True)
    timezone = fields.String()
    active = fields.Boolean()
    completed_count = fields.Integer()
    no_show_count = fields.Integer()
    reliability = fields.Float(allow_none=True, metadata={"description": "completed share"})


class VolunteerQuery(PageArgs):
    team_id = fields.UUID()
    skill = fields.String(validate=validate.OneOf([s.value for s in Skill]))
    active = fields.Boolean()


VolunteerPage = paged(VolunteerOut, "VolunteerPage")


# -- tasks --------------------------------------------------------------------------------
class TaskIn(Schema):
    type = fields.String(required=True, validate=validate.OneOf([t.value for t in TaskType]))
    division = fields.String(required=True, validate=_DIVISION)
    address = fields.String(required=True, validate=validate.Length(min=1, max=200))
    window_start = When(required=True)
    window_end = When(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))
    priority = fields.Integer(load_default=int(Priority.NORMAL),
                              validate=validate.OneOf([int(p) for p in Priority]))
    extra_skills = _SKILLS
    duration_minutes = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=5, max=12 * 60),
        metadata={"description": "how long the visit takes; omit: the type's default "
                                 "(deliver/pickup 120, accompany 180, acceptance/satisfaction"
                                 " 90, overdue call 30, manual 60)"})
    contact_name = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=50),
        metadata={"description": "whom to ask for at the door; kept as surname + 某, like "
                                 "a visit request's"})
    contact_phone = fields.String(
        load_default=None, allow_none=True, validate=_PHONE,
        metadata={"description": "kept masked (138****5678), like a visit request's"})

    @validates_schema
    def _window(self, data: dict[str, Any], **_: Any) -> None:
        _window_order(data, "window_start", "window_end")


class RescheduleIn(Schema):
    window_start = When(required=True)
    window_end = When(required=True)

    @validates_schema
    def _window(self, data: dict[str, Any], **_: Any) -> None:
        _window_order(data, "window_start", "window_end")


class OfferIn(Schema):
    volunteer_id = fields.UUID(load_default=None, allow_none=True,
                               metadata={"description": "omit: the best-ranked candidate"})
    expires_in_minutes = fields.Integer(load_default=None, allow_none=True,
                                        validate=validate.Range(min=1, max=7 * 24 * 60))


class AssignIn(Schema):
    volunteer_id = fields.UUID(required=True)
    override = fields.Boolean(load_default=False, metadata={
        "description": "ignore availability and an earlier decline (agreed by phone)"})


class ResultIO(Schema):
    score = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 5))
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=500))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class CheckInIn(Schema):
    """``code``: the task's six-digit check-in code typed on site; ``scan``: the code of
    the QR printed on the task's sheet (the rental's hand-over sheet, the household's plan
    sheet), scanned on site. Both optional, each checked when given."""

    code = fields.String(load_default=None, allow_none=True,
                         validate=validate.Regexp(r"^\s*\d{6}\s*$"))
    scan = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(min=1, max=64), metadata={
                             "description": "the signed code of the sheet's QR (svckit.links)"})


class CheckOutIn(CheckInIn):
    result = fields.Nested(ResultIO, load_default=None, allow_none=True)


class OfferOut(Schema):
    volunteer_id = fields.UUID()
    offered_by = fields.UUID()
    offered_at = When()
    expires_at = When(allow_none=True)
    outcome = fields.String()
    answered_at = When(allow_none=True)


class IntegrationProblemOut(Schema):
    event_type = fields.String()
    consumer = fields.String(metadata={"description": "the service that parked it"})
    reason = fields.String(metadata={
        "description": "unknown-event | invalid-payload | rejected | retries-exhausted"})
    at = When()
    text = fields.String(metadata={"description": "for the coordinator, in Chinese"})


class TaskOut(Schema):
    id = fields.UUID()
    type = fields.String()
    type_label = fields.String()
    state = fields.String()
    division = fields.String()
    division_name = fields.String()
    address = fields.String(metadata={
        "description": "the area only; the full address (assignee and the district's "
                       "coordinators) from GET /tasks/{id}/address?purpose="})
    address_full = fields.Boolean(metadata={"description": "always false (kept for clients)"})
    window_start = When(metadata={"description": "the visit may happen any time in the window"})
    window_end = When()
    duration_minutes = fields.Integer(metadata={"description": "expected length of the visit"})
    slot_start = When(allow_none=True, metadata={
        "description": "the slot booked inside the window (proposed while offered); "
                       "null while open"})
    slot_end = When(allow_none=True)
    required_skills = fields.List(fields.String())
    priority = fields.Integer()
    source = fields.Nested(SourceOut)
    note = fields.String()
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    assignee_id = fields.UUID(allow_none=True)
    dispatched_by = fields.UUID(allow_none=True)
    offers = fields.List(fields.Nested(OfferOut))
    checked_in_at = When(allow_none=True)
    checked_out_at = When(allow_none=True)
    flagged_for_review = fields.Boolean()
    closing_reason = fields.String(allow_none=True)
    result = fields.Nested(ResultIO, allow_none=True)
    source_cancelled_at = When(allow_none=True)
    source_cancel_reason = fields.String(allow_none=True)
    integration_problem = fields.Nested(IntegrationProblemOut, allow_none=True, metadata={
        "description": "another service parked one of this task's events (the latest)"})
    late = fields.String(allow_none=True, metadata={
        "description": "why it is late (window_over | offer_lapsed | no_check_in), null "
                       "when not: only once its window, its offer's answer deadline or its "
                       "booked slot has passed, never on creation"})
    late_text = fields.String(allow_none=True, metadata={"description": "the same in words"})
    reoffer_count = fields.Integer(metadata={"description": "automatic re-offers so far"})
    escalated_at = When(allow_none=True, metadata={
        "description": "handed to the coordinator: re-offer limit reached or nobody left"})
    escalation_reason = fields.String(allow_none=True)
    allowed_actions = fields.List(fields.String())
    check_in_code = fields.String(allow_none=True, metadata={
        "description": "six digits typed or scanned on site to check in and out: for "
                       "those who dispatch the task, null for the volunteer"})
    site = fields.String(allow_none=True, metadata={
        "description": "the printed sheet whose QR code checks the visit in "
                       "(inventory:rental:<id>, renovation:application:<id>), null: none"})
    created_at = When()


class TaskQuery(PageArgs):
    state = fields.List(fields.String(validate=validate.OneOf([s.value for s in TaskState])),
                        load_default=list)
    type = fields.String(validate=validate.OneOf([t.value for t in TaskType]))
    division = fields.String(validate=_DIVISION)


TaskPage = paged(TaskOut, "TaskPage")


class CandidateOut(Schema):
    rank = fields.Integer()
    volunteer_id = fields.UUID()
    real_name = fields.String()
    phone = fields.String()
    team_id = fields.UUID(allow_none=True)
    minutes_this_month = fields.Integer()
    last_served_at = When(allow_none=True)
    reliability = fields.Float(allow_none=True)
    slot_start = When(metadata={"description": "earliest free slot: what an offer books"})
    slot_end = When()
    slot_label = fields.String(metadata={"example": "11月23日 09:00–11:00",
                                         "description": "the slot in the volunteer's time"})
    reasons = fields.List(fields.String())


class ExclusionOut(Schema):
    code = fields.String(validate=validate.OneOf([c.value for c in ExclusionCode]))
    message = fields.String()


class ExcludedOut(Schema):
    volunteer_id = fields.UUID()
    real_name = fields.String()
    reasons = fields.List(fields.Nested(ExclusionOut))
    assignable_with_override = fields.Boolean()


class CandidatesOut(Schema):
    task_id = fields.UUID()
    state = fields.String()
    candidates = fields.List(fields.Nested(CandidateOut))
    excluded = fields.List(fields.Nested(ExcludedOut))


# -- service hours ------------------------------------------------------------------------
class HoursIn(Schema):
    volunteer_id = fields.UUID(required=True)
    division = fields.String(required=True, validate=_DIVISION)
    started_at = When(required=True)
    ended_at = When(required=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=500))

    @validates_schema
    def _window(self, data: dict[str, Any], **_: Any) -> None:
        _window_order(data, "started_at", "ended_at")


class HoursOut(Schema):
    id = fields.UUID()
    volunteer_id = fields.UUID()
    team_id = fields.UUID(allow_none=True)
    division = fields.String()
    task_id = fields.UUID(allow_none=True)
    started_at = When()
    ended_at = When()
    minutes = fields.Integer()
    duration = fields.String()
    flagged = fields.Boolean()
    flags = fields.List(fields.String(), metadata={
        "description": "why it is flagged: over_checkin_limit, check_out_capped, long_day, "
                       "longer_than_window, overlap, over_day_limit"})
    flag_text = fields.String(allow_none=True)
    status = fields.String()
    recorded_by = fields.UUID()
    decided_by = fields.UUID(allow_none=True)
    decided_at = When(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    note = fields.String()
    created_at = When()
    may_approve = fields.Boolean(metadata={
        "description": "the caller may approve it (its recorder an ordinary entry; a second "
                       "coordinator or staff a flagged one)"})
    may_reject = fields.Boolean(metadata={"description": "the caller may reject it"})


class HoursQuery(PageArgs):
    volunteer_id = fields.UUID()
    status = fields.String(validate=validate.OneOf([s.value for s in HourStatus]))
    flagged = fields.Boolean()


HoursPage = paged(HoursOut, "HoursPage")


class TotalsQuery(Schema):
    group = fields.String(load_default="volunteer", validate=validate.OneOf(["volunteer", "team"]))
    month = fields.String(load_default=None, validate=validate.Regexp(
        r"^\d{4}-(0[1-9]|1[0-2])$", error="YYYY-MM"), metadata={"description": "local month"})
    status = fields.String(load_default="approved",
                           validate=validate.OneOf(["approved", "pending", "all"]),
                           metadata={"description": "all = approved + pending"})


class TotalOut(Schema):
    id = fields.UUID()
    name = fields.String()
    minutes = fields.Integer()
    hours = fields.Float()
    duration = fields.String()
    entries = fields.Integer()


class TotalsOut(Schema):
    group = fields.String()
    month = fields.String(allow_none=True)
    status = fields.String()
    total_minutes = fields.Integer()
    items = fields.List(fields.Nested(TotalOut))


class VolunteerContactOut(Schema):
    volunteer_id = fields.UUID()
    real_name = fields.String()
    phone = fields.String(metadata={"description": "in full; the read is logged"})


class TaskAddressOut(Schema):
    task_id = fields.UUID()
    division = fields.String()
    address = fields.String(metadata={"description": "in full; the read is logged"})
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True, metadata={"description": "masked"})


# -- service record certificates (志愿服务记录证明) ----------------------------------------
class CertificateIn(Schema):
    period_start = fields.Date(required=True, metadata={
        "description": "first day (China calendar) of the service certified"})
    period_end = fields.Date(required=True, metadata={
        "description": "last day, included; not after today"})


class ContentLineOut(Schema):
    kind = fields.String(metadata={"description": "the task's kind; manual_record: no task"})
    label = fields.String()
    minutes = fields.Integer()
    hours = fields.String()
    entries = fields.Integer()


class CertificateOut(Schema):
    id = fields.UUID()
    number = fields.String(metadata={"description": "ZS-<division>-<year>-<sequence>"})
    volunteer_id = fields.UUID()
    real_name = fields.String(metadata={"description": "the volunteer's name on the day of "
                                                      "issue"})
    period_start = fields.Date()
    period_end = fields.Date()
    total_minutes = fields.Integer()
    hours = fields.String(metadata={"description": "approved hours, two decimals at most"})
    duration = fields.String()
    entries = fields.Integer()
    lines = fields.List(fields.Nested(ContentLineOut))
    issuer_name = fields.String()
    issuer_contact = fields.String()
    division = fields.String()
    issued_at = When()
    issued_on = fields.Date(metadata={"description": "China calendar date of issue"})
    issued_by = fields.UUID()
    issued_by_role = fields.String(metadata={"description": "coordinator or volunteer"})
    verify_path = fields.String(metadata={"description": "the public verification endpoint"})


class CertificateList(Schema):
    items = fields.List(fields.Nested(CertificateOut))


class VerificationOut(Schema):
    genuine = fields.Boolean()
    number = fields.String()
    name = fields.String(metadata={"description": "masked"})
    period_start = fields.Date()
    period_end = fields.Date()
    total_minutes = fields.Integer()
    hours = fields.String()
    issued_on = fields.Date()
    issuer_name = fields.String()


class YearTotalOut(Schema):
    year = fields.Integer()
    minutes = fields.Integer()
    hours = fields.String()
    duration = fields.String()
    entries = fields.Integer()


class AnnualTotalsOut(Schema):
    volunteer_id = fields.UUID()
    items = fields.List(fields.Nested(YearTotalOut))
