"""Events produced by the renovation service (无障碍改造, 一户一策)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from svckit.events.catalogue import CATALOGUE
from svckit.events.catalogue.fields import (
    Division,
    Fen,
    MaskedCertificate,
    SealedText,
    SourceRef,
    Text,
    VisitRequest,
    When,
)

P = "renovation"


@CATALOGUE.register("renovation.application_accepted", 1, P,
                    "A household's application was accepted into a programme.")
class ApplicationAccepted(Schema):
    application_id = fields.UUID(required=True)
    programme_id = fields.UUID(required=True)
    division_code = Division(required=True)
    certificate = MaskedCertificate(required=True)
    override_reason = Text(500, load_default=None, allow_none=True)


@CATALOGUE.register(
    "renovation.assessment_requested", 1, P,
    "A home assessment visit is scheduled; volunteers accompany the assessor "
    "(source kind assessment).",
)
class AssessmentRequested(VisitRequest):
    application_id = fields.UUID(required=True)
    assessment_id = fields.UUID(required=True)


@CATALOGUE.register("renovation.visit_cancelled", 1, P,
                    "A visit asked for earlier is no longer needed (withdrawn, rescheduled).")
class RenovationVisitCancelled(Schema):
    source = fields.Nested(SourceRef, required=True)
    reason = Text(200, required=True)


@CATALOGUE.register("renovation.plan_approved", 1, P,
                    "A household's plan (一户一策) was approved within the caps.")
class PlanApproved(Schema):
    application_id = fields.UUID(required=True)
    plan_id = fields.UUID(required=True)
    programme_id = fields.UUID(required=True)
    division_code = Division(required=True)
    total_fen = Fen(required=True)
    device_items = fields.Integer(required=True, validate=validate.Range(min=0))


@CATALOGUE.register(
    "renovation.device_requested", 1, P,
    "An approved plan needs a movable device from the rental side: reserve one of the type "
    "at the household's nearest station and deliver it.",
)
class DeviceRequested(Schema):
    request_id = fields.UUID(required=True)
    application_id = fields.UUID(required=True)
    iso_code = Text(20, required=True)
    item_name = Text(100, required=True)
    division_code = Division(required=True)
    address = SealedText(200, required=True)
    contact_name = Text(20, load_default=None, allow_none=True)
    contact_phone = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Regexp(r"^[0-9]{3}\*+[0-9]{4}$"))


@CATALOGUE.register("renovation.workorder_assigned", 1, P,
                    "A work order was assigned to a contractor company; the number is the "
                    "one people read (SG-...), absent from events of older producers.")
class WorkOrderAssigned(Schema):
    work_order_id = fields.UUID(required=True)
    number = Text(24, load_default=None, allow_none=True)
    application_id = fields.UUID(required=True)
    contractor_id = fields.UUID(required=True)
    division_code = Division(required=True)
    accept_by = When(required=True)
    #: for the SMS to the contractor (notify): the company's dispatch mobile, sealed
    #: (ADR 0013); absent when it keeps none
    contractor_phone = SealedText(20, load_default=None, allow_none=True)


@CATALOGUE.register(
    "renovation.workorder_completed", 1, P,
    "The contractor handed the works over for acceptance; volunteers make the acceptance "
    "follow-up visit (source kind acceptance_visit).",
)
class WorkOrderCompleted(VisitRequest):
    work_order_id = fields.UUID(required=True)
    application_id = fields.UUID(required=True)
    contractor_id = fields.UUID(required=True)
    completed_at = When(required=True)


@CATALOGUE.register(
    "renovation.inspection_passed", 1, P,
    "Acceptance inspection passed; volunteers gather the household's satisfaction "
    "(source kind satisfaction_visit).",
)
class InspectionPassed(VisitRequest):
    work_order_id = fields.UUID(required=True)
    application_id = fields.UUID(required=True)
    inspector = Text(100, required=True)


@CATALOGUE.register(
    "renovation.assessment_completed", 1, P,
    "The assessor recorded the home assessment: a volunteer task raised to accompany it "
    "(source kind assessment, id the assessment id) has nothing left to do.",
)
class AssessmentCompleted(Schema):
    application_id = fields.UUID(required=True)
    assessment_id = fields.UUID(required=True)
    division_code = Division(required=True)
    completed_at = When(required=True)


@CATALOGUE.register("renovation.inspection_failed", 1, P,
                    "Acceptance inspection failed; the order goes back for rework.")
class InspectionFailed(Schema):
    work_order_id = fields.UUID(required=True)
    application_id = fields.UUID(required=True)
    defects = fields.List(Text(200), required=True, validate=validate.Length(min=1))
    rework_by = When(required=True)


@CATALOGUE.register("renovation.deadline_breached", 1, P,
                    "A work order missed a deadline (raised once per breach).")
class DeadlineBreached(Schema):
    work_order_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["accept", "inspect", "rework"]))
    due_at = When(required=True)
    division_code = Division(required=True)

