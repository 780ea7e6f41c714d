"""Request and response schemas. Money is ``int`` fen (strict: ``1.5`` is refused);
quantities are decimal strings (``"2.5"``) or integers, never floats. Personal data is
masked in every response (certificate ``3715************0141``, phone ``138****5678``,
holder ``张某``); the full contact is only at ``/applications/{id}/contact`` (logged)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate
from svckit.domain.clock import MAX_YEAR, MIN_YEAR
from svckit.domain.division import name_of
from svckit.domain.masking import contact_name, mask_phone
from svckit.http.pagination import PageArgs, paged

from renovation.domain.catalogue import Area, Unit, format_quantity
from renovation.domain.rules import HORIZON_DAYS
from renovation.domain.states import APPLICATION_STATES, WORK_ORDER_STATES
from renovation.domain.workorder import CONTRACTOR_STATES

MAX_FEN = 10**12  # 100亿元: far above any budget, far below PostgreSQL's bigint


def Fen(**kw: Any) -> fields.Integer:
    """Money in fen: an int (``1.5`` and ``1.0`` are refused), 0..MAX_FEN."""
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_FEN), **kw)


def Text(n: int = 200, **kw: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=n), **kw)



def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


class Quantity(fields.Field):  # type: ignore[type-arg]
    """A quantity as a decimal string or an integer; a JSON float is refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValidationError(
                '数量须为字符串或整数，如 "2.5" (a string or integer, never a float)')
        return str(value)


# ---- common -------------------------------------------------------------------------------
class ApplicationQuery(PageArgs):
    status = fields.String(load_default=None, validate=validate.Length(max=30))
    programme_id = fields.UUID(load_default=None)
    division = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))


class WorkOrderQuery(PageArgs):
    status = fields.String(load_default=None, validate=validate.Length(max=30))




# ---- programmes, catalogue, contractors -------------------------------------------------
class DeadlinesSchema(Schema):
    accept_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=365))
    inspect_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=365))
    rework_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=365))


class ProgrammeIn(Schema):
    year = fields.Integer(strict=True, required=True,
                          validate=validate.Range(min=MIN_YEAR, max=MAX_YEAR))
    name = Text(200, required=True)
    division_scope = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    household_cap_fen = Fen(required=True)
    target_homes = fields.Integer(strict=True, required=True,
                                  validate=validate.Range(min=1, max=1_000_000))
    total_budget_fen = Fen(required=True)
    deadlines = fields.Nested(DeadlinesSchema, load_default=dict)
    opens_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "first day applications are taken (China date); default 1 January"})
    defect_days = fields.Integer(strict=True, load_default=365,
                                 validate=validate.Range(min=1, max=3650), metadata={
                                     "description": "defect period after acceptance, days"})
    closes_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "last day applications are taken (China date); default 31 December"})


class ProgrammePatchIn(Schema):
    """Any of these; the budget never below what is committed (422 on total_budget_fen)."""

    name = Text(200)
    household_cap_fen = Fen()
    target_homes = fields.Integer(strict=True, validate=validate.Range(min=1, max=1_000_000))
    total_budget_fen = Fen()
    deadlines = fields.Nested(DeadlinesSchema)
    opens_on = fields.Date()
    closes_on = fields.Date()
    defect_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=3650))


class CloseProgrammeIn(Schema):
    confirm = fields.Boolean(required=True, validate=validate.Equal(
        True, error="年终结算后不再受理申请，请确认 (confirm: true; the close cannot be undone)"))


class NextProgrammeIn(Schema):
    total_budget_fen = Fen(required=True, metadata={
        "description": "the new year's budget (before any carry-over)"})
    add_carry_over = fields.Boolean(load_default=False, metadata={
        "description": "add this year's carry-over to the new budget"})
    name = Text(200, load_default=None, allow_none=True)


class ProgrammeOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    name = fields.String()
    division_scope = fields.String()
    household_cap_fen = fields.Integer()
    target_homes = fields.Integer()
    total_budget_fen = fields.Integer()
    deadlines = fields.Nested(DeadlinesSchema)
    opens_on = fields.Function(lambda p: p.window[0].isoformat())
    closes_on = fields.Function(lambda p: p.window[1].isoformat())
    status = fields.String()
    status_zh = fields.Function(lambda p: "已年终结算" if p.status == "closed" else "进行中")
    closed_at = fields.DateTime(allow_none=True)
    previous_id = fields.UUID(allow_none=True)
    defect_days = fields.Integer()


class ProgrammeReportOut(Schema):
    """The year-end report; ``spent_fen + open_committed_fen + carry_over_fen`` is the
    budget."""

    programme_id = fields.UUID()
    year = fields.Integer()
    name = fields.String()
    status = fields.String()
    total_budget_fen = fields.Integer()
    target_homes = fields.Integer()
    homes_done = fields.Integer()
    spent_fen = fields.Integer(metadata={
        "description": "plan totals of completed homes + cost of works ended by withdrawal"})
    withdrawn_spent_fen = fields.Integer()
    open_committed_fen = fields.Integer(metadata={
        "description": "approved plan totals of cases still in works"})
    carry_over_fen = fields.Integer()
    open_cases = fields.Integer()
    withdrawn_cases = fields.Integer()
    closed_at = fields.String(allow_none=True)


class ProgrammeDetailOut(Schema):
    programme = fields.Nested(ProgrammeOut)
    committed_fen = fields.Integer()
    remaining_fen = fields.Integer()
    approved_homes = fields.Integer()


class ProgrammeList(Schema):
    items = fields.List(fields.Nested(ProgrammeOut))


class CatalogueItemIn(Schema):
    code = Text(32, required=True)
    name = Text(200, required=True)
    area = fields.Enum(Area, by_value=True, required=True)
    unit = fields.Enum(Unit, by_value=True, required=True)
    unit_price_fen = Fen(required=True)
    is_device = fields.Boolean(load_default=False)
    device_type_code = fields.String(load_default=None, allow_none=True,
                                     validate=validate.Length(max=20))


class CatalogueItemOut(Schema):
    id = fields.UUID()
    code = fields.String()
    name = fields.String()
    area = fields.Enum(Area, by_value=True)
    area_zh = fields.Function(lambda i: Area(i.area).label_zh)
    unit = fields.Enum(Unit, by_value=True)
    unit_zh = fields.Function(lambda i: Unit(i.unit).label_zh)
    unit_price_fen = fields.Integer()
    is_device = fields.Boolean()
    device_type_code = fields.String(allow_none=True)
    active = fields.Boolean()
    price_history = fields.Function(lambda i: i.price_history or [{
        "unit_price_fen": i.unit_price_fen, "valid_from": None, "changed_by": None}], metadata={
        "description": "every price the item had, oldest first (valid_from, changed_by)"})


class CatalogueActiveIn(Schema):
    """Any of these: retire/reinstate, rename, or a new price (versioned from now)."""

    active = fields.Boolean()
    name = Text(200)
    unit_price_fen = Fen()


class CatalogueList(Schema):
    items = fields.List(fields.Nested(CatalogueItemOut))


_CONTACT_PHONE = {"description": "the company's dispatch mobile (optional): new work orders "
                                  "are texted to it; shown masked"}


class ContractorIn(Schema):
    name = Text(100, required=True)
    division = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    contact_phone = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=20), metadata=_CONTACT_PHONE)


class ContractorOut(Schema):
    id = fields.UUID()
    name = fields.String()
    division = fields.String()
    active = fields.Boolean()
    status = fields.String(metadata={"description": "active, suspended or blacklisted"})
    status_zh = fields.Function(lambda c: CONTRACTOR_STATES.get(c.status, (c.status,))[0])
    status_reason = fields.String(allow_none=True)
    contact_phone = fields.Function(
        lambda c: mask_phone(c.contact_phone) if c.contact_phone else None,
        metadata=_CONTACT_PHONE)


class ContractorPatchIn(Schema):
    name = Text(100)
    division = fields.String(validate=validate.Regexp(r"^\d{6}$"))
    contact_phone = fields.String(allow_none=True, validate=validate.Length(max=20),
                                  metadata={"description": "null or blank: remove the phone"})


class ContractorList(Schema):
    items = fields.List(fields.Nested(ContractorOut))


# ---- applications ---------------------------------------------------------------------------
class ApplicationIn(Schema):
    programme_id = fields.UUID(required=True)
    certificate = fields.String(required=True, validate=validate.Length(max=30))
    holder_name = Text(50, required=True)
    address = Text(200, required=True)
    division = fields.String(required=True, validate=validate.Length(max=6))
    phone = fields.String(required=True, validate=validate.Length(max=20))
    hardship = fields.String(required=True, validate=validate.OneOf(["dibao", "tekun", "none"]))
    consent = fields.Boolean(required=True, metadata={
        "description": "the household consents to the processing of its personal data (PIPL); "
                       "must be true (422 otherwise), its time is kept as consent_at"})


class ConsentIn(Schema):
    consent = fields.Boolean(required=True, metadata={
        "description": "true: the household consented now; false: it withdrew its consent "
                       "(the application cannot be used until consent is recorded again)"})


class AcceptIn(Schema):
    override_reason = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Length(max=500))


class ReasonIn(Schema):
    reason = Text(200, required=True)


class WithdrawIn(Schema):
    reason = Text(200, required=True)
    kind = fields.String(load_default="other", validate=validate.Length(max=30), metadata={
        "description": "deceased (户主去世), moved (迁出), declined (住户放弃), "
                       "ineligible (不再符合条件) or other"})
    cost_incurred_fen = Fen(load_default=None, allow_none=True, metadata={
        "description": "during the works: the cost incurred on the live order (default: the "
                       "plan's value of the items done)"})


class TerminateIn(Schema):
    kind = fields.String(required=True, validate=validate.Length(max=30), metadata={
        "description": "bankruptcy (破产), breach (违约), household_request (住户要求) or other"})
    reason = Text(200, required=True)
    cost_incurred_fen = Fen(load_default=None, allow_none=True, metadata={
        "description": "the cost incurred so far (default: the plan's value of the items "
                       "done); at most the order's value"})


class SatisfactionIn(Schema):
    score = fields.Integer(strict=True, load_default=None, allow_none=True,
                           validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=500))
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=200), metadata={
                               "description": "why there is no score (required without one)"})


class DefectIn(Schema):
    description = Text(500, required=True, metadata={
        "description": "the defect the household reported (e.g. 扶手松动)"})


class OptionalReasonIn(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class ScheduleAssessmentIn(Schema):
    assessor = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(min=1, max=100),
                             metadata={"description": "the assessor's user id (default: you)"})
    scheduled_at = fields.AwareDateTime(required=True, metadata={
        "description": f"with its UTC offset; from now to {HORIZON_DAYS} days ahead"})


class CompleteAssessmentIn(Schema):
    checklist = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                           values=fields.String(validate=validate.Length(max=20))),
        required=True, metadata={
            "description": "area -> finding -> yes | no | needs_work: every finding of "
                           "GET /catalogue/checklist answered"})
    findings = fields.Dict(keys=fields.String(validate=validate.OneOf([a.value for a in Area])),
                           values=fields.String(validate=validate.Length(max=1000)),
                           load_default=dict,
                           metadata={"description": "free-text notes per area (optional)"})
    needs = fields.List(Text(200), load_default=list, validate=validate.Length(max=50))
    photo_refs = fields.List(fields.String(validate=validate.Length(max=100)),
                             load_default=list, validate=validate.Length(max=30))


class PlanLineIn(Schema):
    item_code = Text(32, required=True)
    quantity = Quantity(required=True, metadata={"type": "string", "example": "2.5"})


class PlanIn(Schema):
    lines = fields.List(fields.Nested(PlanLineIn), required=True,
                        validate=validate.Length(min=1, max=50))


class ConfirmPlanIn(Schema):
    signatory = Text(50, required=True)
    confirmation_ref = fields.String(load_default=None, allow_none=True,
                                     validate=validate.Length(max=100))


class SuggestionOut(Schema):
    item_code = fields.String()
    findings = fields.List(fields.String(), metadata={
        "description": "<area>.<finding> answered needs_work"})


class ChecklistFindingOut(Schema):
    code = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    suggests = fields.List(fields.String(), metadata={"description": "catalogue item codes"})


class ChecklistAreaOut(Schema):
    code = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    findings = fields.List(fields.Nested(ChecklistFindingOut))


class ChecklistAnswerOut(Schema):
    code = fields.String()
    label_zh = fields.String()
    label_en = fields.String()


class ChecklistOut(Schema):
    areas = fields.List(fields.Nested(ChecklistAreaOut))
    answers = fields.List(fields.Nested(ChecklistAnswerOut))


class AssessmentOut(Schema):
    id = fields.UUID()
    assessor_id = fields.String()
    scheduled_at = fields.DateTime()
    round = fields.Integer()
    findings = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "notes per area"})
    checklist = fields.Dict(keys=fields.String(), values=fields.Dict(
        keys=fields.String(), values=fields.String()), metadata={
        "description": "area -> finding -> yes | no | needs_work"})
    suggested_items = fields.List(fields.Nested(SuggestionOut), metadata={
        "description": "catalogue items the findings answered needs_work suggest"})
    needs = fields.List(fields.String())
    photo_refs = fields.List(fields.String())
    completed_at = fields.DateTime(allow_none=True)


class PlanLineOut(Schema):
    item_code = fields.String()
    name = fields.String()
    area = fields.Enum(Area, by_value=True)
    unit = fields.Enum(Unit, by_value=True)
    unit_price_fen = fields.Integer()
    quantity = fields.Function(lambda line: format_quantity(line.quantity_milli))
    quantity_milli = fields.Integer()
    total_fen = fields.Integer()
    is_device = fields.Boolean()
    device_type_code = fields.String(allow_none=True)


class DeviceRequestOut(Schema):
    id = fields.UUID(metadata={"description": "request_id of renovation.device_requested"})
    item_code = fields.String()
    device_type_code = fields.String()
    status = fields.String(metadata={"description": "requested, reserved, delivered, unavailable"})
    unit_ref = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
    attempts = fields.Integer(metadata={
        "description": "times asked of the rental side (re-asked when stock arrives)"})


class PlanOut(Schema):
    id = fields.UUID()
    drafted_by = fields.String()
    drafted_at = fields.DateTime()
    lines = fields.List(fields.Nested(PlanLineOut))
    total_fen = fields.Integer()
    confirmed_by = fields.Function(
        lambda p: contact_name(p.confirmed_by_name) if p.confirmed_by_name else None)
    confirmation_ref = fields.String(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)
    approved_by = fields.String(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    device_requests = fields.List(fields.Nested(DeviceRequestOut))


class IntegrationProblemOut(Schema):
    event_type = fields.String(metadata={"description": "the parked renovation event"})
    event_id = fields.String()
    consumer = fields.String(metadata={"description": "the service that parked it"})
    reason = fields.String(metadata={
        "description": "unknown-event, invalid-payload, rejected or retries-exhausted; "
                       "expired: nobody took the volunteer task before its window ended"})
    message = fields.String(metadata={"description": "for staff, in Chinese and English"})
    at = fields.String(metadata={"description": "when it was parked (UTC, ISO 8601)"})


class ApplicationOut(Schema):
    id = fields.UUID()
    number = fields.String(metadata={"description": "the number people read, "
                                                    "GZ-<division>-<year>-<sequence>"})
    programme_id = fields.UUID()
    certificate = fields.Function(lambda a: a.masked_certificate)
    disability_category = fields.Function(lambda a: a.certificate.category.label_zh)
    disability_grade = fields.Function(lambda a: a.certificate.grade)
    holder = fields.Function(lambda a: contact_name(a.holder_name))
    phone = fields.Function(lambda a: mask_phone(a.phone))
    division = fields.String()
    division_name = fields.Function(lambda a: name_of(a.division))
    hardship = fields.Function(lambda a: str(a.hardship))
    status = fields.String()
    submitted_at = fields.DateTime()
    ineligibility = fields.List(fields.String())
    refusal_reasons = fields.List(fields.String())
    override_reason = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    withdrawal_reason = fields.String(allow_none=True)
    withdrawal_kind = fields.String(allow_none=True)
    released_fen = fields.Integer(allow_none=True, metadata={
        "description": "on withdrawal: the approved total released from the budget"})
    status_zh = fields.Function(lambda a: APPLICATION_STATES.get(a.status, (a.status,))[0])
    consent_at = fields.DateTime(allow_none=True, metadata={
        "description": "when the household consented to processing; null: it cannot be used"})
    assessment = fields.Nested(AssessmentOut, allow_none=True)
    plan = fields.Nested(PlanOut, allow_none=True)
    integration_problem = fields.Nested(IntegrationProblemOut, allow_none=True, metadata={
        "description": "the latest of this case's events another service could not apply "
                       "(parked); null when none. Cleared when the step is requested again "
                       "or the request is answered"})


class ContactOut(Schema):
    application_id = fields.UUID()
    holder_name = fields.String()
    address = fields.String()
    phone = fields.String()


class SiteContactOut(Schema):
    """The site's full address and the household's phone (the assigned contractor, from
    accepting the order until its closure; the read is in the access log)."""

    work_order_id = fields.UUID()
    number = fields.String()
    status = fields.String()
    site_address = fields.String()
    phone = fields.String()
    contact_name = fields.String(metadata={"description": "how to address them: 张某"})


# ---- work orders ------------------------------------------------------------------------------
class AssignIn(Schema):
    contractor_id = fields.UUID(required=True)


class ScheduleIn(Schema):
    start_on = fields.Date(required=True, metadata={
        "description": "a China calendar date, from today (China time) on"})
    end_on = fields.Date(required=True, metadata={
        "description": f"not before start_on, at most {HORIZON_DAYS} days after today"})


class ProgressIn(Schema):
    note = Text(1000, required=True)
    percent = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=100))
    items_done = fields.List(Text(32), load_default=list, validate=validate.Length(max=50))
    photos_before = fields.List(fields.String(validate=validate.Length(max=100)),
                                load_default=list, validate=validate.Length(max=20))
    photos_after = fields.List(fields.String(validate=validate.Length(max=100)),
                               load_default=list, validate=validate.Length(max=20))


class InspectionIn(Schema):
    passed = fields.Boolean(required=True)
    defects = fields.List(Text(200), load_default=list, validate=validate.Length(max=50))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class ProgressOut(Schema):
    id = fields.UUID()
    by = fields.String()
    at = fields.DateTime()
    note = fields.String()
    percent = fields.Integer()
    items_done = fields.List(fields.String())
    photos_before = fields.List(fields.String())
    photos_after = fields.List(fields.String())


class InspectionOut(Schema):
    id = fields.UUID()
    inspector_id = fields.String()
    at = fields.DateTime()
    passed = fields.Boolean()
    defects = fields.List(fields.String())
    note = fields.String(allow_none=True)


def _site_address(order: Any) -> str | None:
    """The site's address masked down to its township (set by the work-order reads)."""
    return getattr(order, "site_address", None)


def _due_kind(order: Any) -> str | None:
    """The deadline running now: accept, inspect or rework (None: no clock runs)."""
    return getattr(order, "due_kind", None)


def _due_at(order: Any) -> str | None:
    due = getattr(order, "due_at", None)
    return due.isoformat() if due is not None else None


class WorkOrderOut(Schema):
    id = fields.UUID()
    number = fields.String(metadata={"description": "the number people read, "
                                                    "SG-<division>-<year>-<sequence>"})
    application_id = fields.UUID()
    programme_id = fields.UUID()
    contractor_id = fields.UUID()
    division = fields.String()
    division_name = fields.Function(lambda o: name_of(o.division))
    items = fields.List(fields.String())
    assigned_by = fields.String()
    assigned_at = fields.DateTime()
    status = fields.String()
    accepted_at = fields.DateTime(allow_none=True)
    closing_reason = fields.String(allow_none=True)
    start_on = fields.Date(allow_none=True)
    end_on = fields.Date(allow_none=True)
    percent = fields.Integer()
    items_done = fields.List(fields.String())
    progress = fields.List(fields.Nested(ProgressOut))
    completion_requested_at = fields.DateTime(allow_none=True)
    inspections = fields.List(fields.Nested(InspectionOut))
    rework_since = fields.DateTime(allow_none=True)
    satisfaction_score = fields.Integer(allow_none=True)
    satisfaction_comment = fields.String(allow_none=True)
    satisfaction_missing_reason = fields.String(allow_none=True)
    status_zh = fields.Function(lambda o: WORK_ORDER_STATES.get(o.status, (o.status,))[0])
    termination_kind = fields.String(allow_none=True)
    terminated_at = fields.DateTime(allow_none=True)
    cost_incurred_fen = fields.Integer(allow_none=True)
    predecessor_id = fields.UUID(allow_none=True)
    kind = fields.String(metadata={"description": "works, or warranty (a defect repair)"})
    defect = fields.String(allow_none=True)
    warranty_of = fields.UUID(allow_none=True)
    successor_id = fields.Function(lambda o: _str_or_none(getattr(o, "successor_id", None)),
                                   allow_none=True,
                                   metadata={"description": "the order that carries on the "
                                                            "items left by this terminated one"})
    site_address = fields.Function(_site_address)
    due_kind = fields.Function(_due_kind)
    due_at = fields.Function(_due_at)


class WorkOrderSummaryOut(Schema):
    id = fields.UUID()
    number = fields.String()
    status_zh = fields.Function(lambda o: WORK_ORDER_STATES.get(o.status, (o.status,))[0])
    application_id = fields.UUID()
    contractor_id = fields.UUID()
    division = fields.String()
    division_name = fields.Function(lambda o: name_of(o.division))
    status = fields.String()
    percent = fields.Integer()
    assigned_at = fields.DateTime()
    start_on = fields.Date(allow_none=True)
    end_on = fields.Date(allow_none=True)
    completion_requested_at = fields.DateTime(allow_none=True)
    site_address = fields.Function(_site_address)
    due_kind = fields.Function(_due_kind)
    due_at = fields.Function(_due_at)


class OverdueOut(Schema):
    work_order_id = fields.UUID()
    application_id = fields.UUID()
    contractor_id = fields.UUID()
    division = fields.String()
    status = fields.String()
    kind = fields.String(metadata={"description": "accept, inspect or rework"})
    since = fields.DateTime()
    due_at = fields.DateTime()


class OverdueList(Schema):
    items = fields.List(fields.Nested(OverdueOut))


ApplicationPage = paged(ApplicationOut, "ApplicationPage")
WorkOrderPage = paged(WorkOrderSummaryOut, "WorkOrderSummaryPage")


# ---- photos -------------------------------------------------------------------------------
class PhotoUploadIn(Schema):
    """The multipart body of a photo upload: the image and what it shows."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                               "description": "JPEG or PNG"})
    purpose = fields.String(required=True, validate=validate.Length(max=20),
                            metadata={"description": "assessment|confirmation (household); "
                                                     "before|after|inspection (work order)",
                                      "enum": ["assessment", "confirmation", "before",
                                               "after", "inspection"]})


class PhotoRecordOut(Schema):
    id = fields.UUID()
    application_id = fields.UUID()
    work_order_id = fields.UUID(allow_none=True)
    purpose = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    width = fields.Integer()
    height = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.String()
    uploaded_at = fields.DateTime()


class PhotoOut(PhotoRecordOut):
    ref = fields.String(metadata={"description": "use in photo_refs / photos_before / ..."})


# ---- household file and reports -------------------------------------------------------------
class VisitOut(Schema):
    source_kind = fields.String()
    source_id = fields.String()
    task_id = fields.UUID()
    volunteer_id = fields.UUID(allow_none=True)
    outcome = fields.String()
    at = fields.DateTime()
    score = fields.Integer(allow_none=True)
    comment = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class TimelineOut(Schema):
    at = fields.DateTime()
    event = fields.String()
    actor = fields.String(allow_none=True)
    work_order_id = fields.UUID(allow_none=True)
    data = fields.Dict()


class HouseholdFileOut(Schema):
    application = fields.Nested(ApplicationOut)
    programme = fields.Nested(ProgrammeOut)
    work_orders = fields.List(fields.Nested(WorkOrderOut))
    photos = fields.List(fields.Nested(PhotoRecordOut))
    visits = fields.List(fields.Nested(VisitOut))
    timeline = fields.List(fields.Nested(TimelineOut))


class StatusGroupOut(Schema):
    programme_id = fields.UUID()
    programme_name = fields.String()
    division_code = fields.String()
    division_name = fields.String()
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()


class HouseholdsByStatusOut(Schema):
    groups = fields.List(fields.Nested(StatusGroupOut))
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()


class DivisionSpendOut(Schema):
    division_code = fields.String()
    division_name = fields.String()
    homes = fields.Integer()
    committed_fen = fields.Integer()
    completed_fen = fields.Integer()


class ProgrammeSpendOut(Schema):
    programme_id = fields.UUID()
    year = fields.Integer()
    name = fields.String()
    total_budget_fen = fields.Integer()
    household_cap_fen = fields.Integer()
    target_homes = fields.Integer()
    approved_homes = fields.Integer()
    committed_fen = fields.Integer()
    completed_fen = fields.Integer()
    remaining_fen = fields.Integer()
    divisions = fields.List(fields.Nested(DivisionSpendOut))


class SpendOut(Schema):
    programmes = fields.List(fields.Nested(ProgrammeSpendOut))
