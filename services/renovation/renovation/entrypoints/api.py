# flask-smorest ships no type information, so its decorators are untyped:
# mypy: disallow-untyped-decorators=False
"""HTTP API (flask-smorest). Views are thin: parse, call the use case, dump."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from svckit.domain.clock import utcnow
from svckit.http.app import current_principal, problems
from svckit.http.problems import problem
from svckit.http.ratelimit import limit_blueprint
from svckit.http.records import records_blueprint
from svckit.pipl import PurposeArgs
from svckit.service import ServiceContext

from renovation.adapters.storage import LocalPhotoStorage, PhotoStorage
from renovation.domain.programme import BudgetExceeded
from renovation.entrypoints import schemas as s
from renovation.service_layer import applications as apps
from renovation.service_layer import photos, reading, setup
from renovation.service_layer import workorders as orders
from renovation.service_layer.uow import RenovationUoW
from renovation.settings import RenovationSettings

programmes_blp = Blueprint("programmes", __name__, url_prefix="/programmes",
                           description="年度改造项目 Programmes and budgets")
catalogue_blp = Blueprint("catalogue", __name__, url_prefix="/catalogue",
                          description="改造项目清单 Item catalogue")
contractors_blp = Blueprint("contractors", __name__, url_prefix="/contractors",
                            description="施工单位 Contractor companies")
applications_blp = Blueprint("applications", __name__, url_prefix="/applications",
                             description="申请、评估、一户一策 Applications, assessments, plans")
orders_blp = Blueprint("work_orders", __name__, url_prefix="/work-orders",
                       description="施工工单 Work orders")
photos_blp = Blueprint("photos", __name__, url_prefix="",
                       description="照片 Photos (JPEG/PNG, checked by content)")
reports_blp = limit_blueprint(Blueprint(  # REPORT_RATE_LIMIT per principal (OWASP API4)
    "reports", __name__, url_prefix="/reports", description="统计报表 Reports (JSON)"))

#: what a change can answer besides its success
CHANGE = (401, 403, 404, 409, 422)


def _ctx() -> ServiceContext:
    return cast(ServiceContext, current_app.extensions["svckit.context"])


def _uow() -> RenovationUoW:
    return cast(RenovationUoW, _ctx().uow())


def _now() -> datetime:
    return utcnow()


@dataclass(frozen=True)
class PhotoSetup:
    settings: RenovationSettings
    storage: PhotoStorage


def _photo_setup() -> PhotoSetup:
    found = current_app.extensions.get("renovation.photos")
    if found is None:
        settings: RenovationSettings = _ctx().settings
        found = PhotoSetup(settings,
                           LocalPhotoStorage(settings.photo_root(_ctx().config.platform)))
        current_app.extensions["renovation.photos"] = found
    return cast(PhotoSetup, found)


def _budget_exceeded(exc: BudgetExceeded) -> Response:
    """422 with the figures as numbers (svckit's generic mapping keeps only ``errors``)."""
    return problem(422, exc.code, exc.detail, errors=exc.errors, limit=exc.limit,
                   total_fen=exc.total_fen, limit_fen=exc.limit_fen,
                   over_fen=exc.total_fen - exc.limit_fen)


applications_blp.register_error_handler(BudgetExceeded, _budget_exceeded)


# ---- programmes, catalogue, contractors ---------------------------------------------------
@programmes_blp.route("")
class ProgrammesView(MethodView):
    @programmes_blp.response(200, s.ProgrammeList)
    @problems(programmes_blp, 401, 403)
    def get(self) -> dict[str, Any]:
        """List programmes (staff, inspector)."""
        return {"items": setup.list_programmes(_uow(), current_principal())}

    @programmes_blp.arguments(s.ProgrammeIn)
    @programmes_blp.response(201, s.ProgrammeOut)
    @problems(programmes_blp, *CHANGE)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a year's programme with its caps and deadlines (staff)."""
        return setup.create_programme(_uow(), current_principal(), data)


@programmes_blp.route("/<uuid:programme_id>")
class ProgrammeView(MethodView):
    @programmes_blp.response(200, s.ProgrammeDetailOut)
    @problems(programmes_blp, 401, 403, 404)
    def get(self, programme_id: uuid.UUID) -> dict[str, Any]:
        """A programme with its committed and remaining budget (staff, inspector)."""
        return setup.get_programme(_uow(), current_principal(), programme_id)

    @programmes_blp.arguments(s.ProgrammePatchIn)
    @programmes_blp.response(200, s.ProgrammeOut)
    @problems(programmes_blp, *CHANGE)
    def patch(self, data: dict[str, Any], programme_id: uuid.UUID) -> Any:
        """Edit name, caps, target, application window or deadlines (staff). The budget
        never goes below what is committed (422 on ``total_budget_fen``)."""
        return setup.edit_programme(_uow(), current_principal(), programme_id, data)


@programmes_blp.route("/<uuid:programme_id>/report")
class ProgrammeReportView(MethodView):
    @programmes_blp.response(200, s.ProgrammeReportOut)
    @problems(programmes_blp, 401, 403, 404)
    def get(self, programme_id: uuid.UUID) -> dict[str, Any]:
        """The year-end report (as kept at the close, or as of now): homes done, spend,
        held by open cases, carry-over (staff, inspector)."""
        return setup.programme_report(_uow(), current_principal(), programme_id)


@programmes_blp.route("/<uuid:programme_id>/close")
class ProgrammeCloseView(MethodView):
    @programmes_blp.arguments(s.CloseProgrammeIn)
    @programmes_blp.response(200, s.ProgrammeReportOut)
    @problems(programmes_blp, *CHANGE)
    def post(self, data: dict[str, Any], programme_id: uuid.UUID) -> dict[str, Any]:
        """Year-end close (staff): the report is kept; no new application or approval."""
        return setup.close_programme(_uow(), current_principal(), programme_id, now=_now())


@programmes_blp.route("/<uuid:programme_id>/next")
class NextProgrammeView(MethodView):
    @programmes_blp.arguments(s.NextProgrammeIn)
    @programmes_blp.response(201, s.ProgrammeOut)
    @problems(programmes_blp, *CHANGE)
    def post(self, data: dict[str, Any], programme_id: uuid.UUID) -> Any:
        """Create next year's programme from this one, optionally with the carry-over
        (staff)."""
        return setup.next_programme(_uow(), current_principal(), programme_id, data)


@catalogue_blp.route("")
class CatalogueView(MethodView):
    @catalogue_blp.response(200, s.CatalogueList)
    @problems(catalogue_blp, 401)
    def get(self) -> dict[str, Any]:
        """The item catalogue with unit prices in fen (every role)."""
        return {"items": setup.list_catalogue(_uow(), current_principal())}

    @catalogue_blp.arguments(s.CatalogueItemIn)
    @catalogue_blp.response(201, s.CatalogueItemOut)
    @problems(catalogue_blp, *CHANGE)
    def post(self, data: dict[str, Any]) -> Any:
        """Add an item (staff)."""
        return setup.add_catalogue_item(_uow(), current_principal(), data)


@catalogue_blp.route("/checklist")
class ChecklistView(MethodView):
    @catalogue_blp.response(200, s.ChecklistOut)
    @problems(catalogue_blp, 401)
    def get(self) -> dict[str, Any]:
        """The home assessment checklist: per area its findings (Chinese and English), the
        catalogue items a finding answered "needs work" suggests, and the answers
        (every role)."""
        return setup.assessment_checklist(current_principal())


@catalogue_blp.route("/<string:code>")
class CatalogueItemView(MethodView):
    @catalogue_blp.arguments(s.CatalogueActiveIn)
    @catalogue_blp.response(200, s.CatalogueItemOut)
    @problems(catalogue_blp, *CHANGE)
    def patch(self, data: dict[str, Any], code: str) -> Any:
        """Retire or reinstate, rename, or change the price of an item (staff). A price
        change is a new version from now; plans already drafted keep their prices."""
        return setup.change_catalogue_item(_uow(), current_principal(), code, data,
                                           now=_now())


@contractors_blp.route("")
class ContractorsView(MethodView):
    @contractors_blp.response(200, s.ContractorList)
    @problems(contractors_blp, 401, 403)
    def get(self) -> dict[str, Any]:
        """Contractor companies (staff, inspector)."""
        return {"items": setup.list_contractors(_uow(), current_principal())}

    @contractors_blp.arguments(s.ContractorIn)
    @contractors_blp.response(201, s.ContractorOut)
    @problems(contractors_blp, *CHANGE)
    def post(self, data: dict[str, Any]) -> Any:
        """Register a contractor company (staff). Its users carry its id as ``company``."""
        return setup.add_contractor(_uow(), current_principal(), data)


@contractors_blp.route("/<uuid:contractor_id>")
class ContractorView(MethodView):
    @contractors_blp.arguments(s.ContractorPatchIn)
    @contractors_blp.response(200, s.ContractorOut)
    @problems(contractors_blp, *CHANGE)
    def patch(self, data: dict[str, Any], contractor_id: uuid.UUID) -> Any:
        """Edit a contractor's name or division (staff)."""
        return setup.edit_contractor(_uow(), current_principal(), contractor_id, data)


@contractors_blp.route("/<uuid:contractor_id>/suspend")
class ContractorSuspendView(MethodView):
    @contractors_blp.arguments(s.ReasonIn)
    @contractors_blp.response(200, s.ContractorOut)
    @problems(contractors_blp, *CHANGE)
    def post(self, data: dict[str, Any], contractor_id: uuid.UUID) -> Any:
        """Suspend with a reason (staff): no new orders; running ones go on."""
        return setup.set_contractor_status(_uow(), current_principal(), contractor_id,
                                           "suspended", data["reason"])


@contractors_blp.route("/<uuid:contractor_id>/blacklist")
class ContractorBlacklistView(MethodView):
    @contractors_blp.arguments(s.ReasonIn)
    @contractors_blp.response(200, s.ContractorOut)
    @problems(contractors_blp, *CHANGE)
    def post(self, data: dict[str, Any], contractor_id: uuid.UUID) -> Any:
        """Blacklist with a reason (staff): for good, no new orders."""
        return setup.set_contractor_status(_uow(), current_principal(), contractor_id,
                                           "blacklisted", data["reason"])


@contractors_blp.route("/<uuid:contractor_id>/reinstate")
class ContractorReinstateView(MethodView):
    @contractors_blp.arguments(s.ReasonIn)
    @contractors_blp.response(200, s.ContractorOut)
    @problems(contractors_blp, *CHANGE)
    def post(self, data: dict[str, Any], contractor_id: uuid.UUID) -> Any:
        """Reinstate a suspended contractor with a reason (staff); never a blacklisted one."""
        return setup.set_contractor_status(_uow(), current_principal(), contractor_id,
                                           "active", data["reason"])


# ---- applications -------------------------------------------------------------------------
@applications_blp.route("")
class ApplicationsView(MethodView):
    @applications_blp.arguments(s.ApplicationQuery, location="query")
    @applications_blp.response(200, s.ApplicationPage)
    @problems(applications_blp, 401, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Search applications, masked (staff, inspector; limited to their districts)."""
        items, total = apps.search(_uow(), current_principal(), **args)
        return {"items": items, "total": total, "page": args["page"],
                "page_size": args["page_size"]}

    @applications_blp.arguments(s.ApplicationIn)
    @applications_blp.response(201, s.ApplicationOut)
    @problems(applications_blp, *CHANGE)
    def post(self, data: dict[str, Any]) -> Any:
        """Submit a household's application (staff). Eligibility is checked on accept."""
        return apps.submit(_uow(), current_principal(), data, now=_now())


@applications_blp.route("/<uuid:application_id>")
class ApplicationView(MethodView):
    @applications_blp.response(200, s.ApplicationOut)
    @problems(applications_blp, 401, 403, 404)
    def get(self, application_id: uuid.UUID) -> Any:
        """One application with its assessment and plan (staff, inspector)."""
        return apps.get(_uow(), current_principal(), application_id)


@applications_blp.route("/<uuid:application_id>/contact")
class ContactView(MethodView):
    @applications_blp.arguments(PurposeArgs, location="query")
    @applications_blp.response(200, s.ContactOut)
    @problems(applications_blp, 401, 403, 404, 422)
    def get(self, args: dict[str, Any], application_id: uuid.UUID) -> Any:
        """The household's full name, address and phone (staff; ``purpose`` required, the
        read is recorded in the access log)."""
        return apps.contact(_uow(), current_principal(), application_id, args["purpose"],
                            now=_now())


@applications_blp.route("/<uuid:application_id>/consent")
class ConsentView(MethodView):
    @applications_blp.arguments(s.ConsentIn)
    @applications_blp.response(200, s.ApplicationOut)
    @problems(applications_blp, *CHANGE)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Record the household's consent to processing, or its withdrawal (staff). Without
        consent an application cannot be accepted, assessed, planned or approved (409)."""
        return apps.set_consent(_uow(), current_principal(), application_id, data["consent"],
                                now=_now())


@applications_blp.route("/<uuid:application_id>/file")
class HouseholdFileView(MethodView):
    @applications_blp.response(200, s.HouseholdFileOut)
    @problems(applications_blp, 401, 403, 404)
    def get(self, application_id: uuid.UUID) -> Any:
        """一户一档: the whole history of a household in one view (staff, inspector)."""
        return reading.household_file(_uow(), current_principal(), application_id)


@applications_blp.route("/<uuid:application_id>/accept")
class AcceptView(MethodView):
    @applications_blp.arguments(s.AcceptIn)
    @applications_blp.response(200, s.ApplicationOut)
    @problems(applications_blp, *CHANGE)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Accept (staff). Ineligible, or previously refused: an override reason is required."""
        return apps.accept(_uow(), current_principal(), application_id,
                           data["override_reason"], now=_now())


@applications_blp.route("/<uuid:application_id>/refuse")
class RefuseView(MethodView):
    @applications_blp.arguments(s.OptionalReasonIn)
    @applications_blp.response(200, s.ApplicationOut)
    @problems(applications_blp, *CHANGE)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Refuse with the eligibility reasons (+ an optional reason) (staff)."""
        return apps.refuse(_uow(), current_principal(), application_id, data["reason"],
                           now=_now())


@applications_blp.route("/<uuid:application_id>/withdraw")
class WithdrawView(MethodView):
    @applications_blp.arguments(s.WithdrawIn)
    @applications_blp.response(200, s.ApplicationOut)
    @problems(applications_blp, *CHANGE)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Withdraw or close the case at any stage before the works are accepted (staff):
        the household died, moved or declined. A live work order is ended first; the
        approved total less what was spent is released from the budget."""
        return apps.withdraw(_uow(), current_principal(), application_id, data["reason"],
                             kind=data["kind"], cost_incurred_fen=data["cost_incurred_fen"],
                             now=_now())


@applications_blp.route("/<uuid:application_id>/assessment")
class AssessmentView(MethodView):
    @applications_blp.arguments(s.ScheduleAssessmentIn)
    @applications_blp.response(200, s.ApplicationOut)
    @problems(applications_blp, *CHANGE)
    def put(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Schedule or move the home assessment visit (staff); volunteers are asked."""
        return apps.schedule_assessment(_uow(), current_principal(), application_id,
                                        data["assessor"], data["scheduled_at"], now=_now())


@applications_blp.route("/<uuid:application_id>/assessment/complete")
class CompleteAssessmentView(MethodView):
    @applications_blp.arguments(s.CompleteAssessmentIn)
    @applications_blp.response(200, s.ApplicationOut)
    @problems(applications_blp, *CHANGE)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Answer the checklist (every finding: yes, no or needs_work), with notes per
        area, needs and photos (the scheduled assessor). The answer's
        ``assessment.suggested_items`` are the catalogue items for the plan."""
        return apps.complete_assessment(_uow(), current_principal(), application_id,
                                        data["findings"], data["needs"], data["photo_refs"],
                                        checklist=data["checklist"], now=_now())


@applications_blp.route("/<uuid:application_id>/plan")
class PlanView(MethodView):
    @applications_blp.arguments(s.PlanIn)
    @applications_blp.response(200, s.ApplicationOut)
    @problems(applications_blp, *CHANGE)
    def put(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Draft or redraft the plan (一户一策) from catalogue items (staff). Over the
        per-household cap: 422 with ``total_fen``, ``limit_fen``, ``over_fen``."""
        return apps.draft_plan(_uow(), current_principal(), application_id, data["lines"],
                               now=_now())


@applications_blp.route("/<uuid:application_id>/plan/confirm")
class ConfirmPlanView(MethodView):
    @applications_blp.arguments(s.ConfirmPlanIn)
    @applications_blp.response(200, s.ApplicationOut)
    @problems(applications_blp, *CHANGE)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Record the household's agreement (staff)."""
        return apps.confirm_plan(_uow(), current_principal(), application_id,
                                 data["signatory"], data["confirmation_ref"], now=_now())


@applications_blp.route("/<uuid:application_id>/plan/revise")
class RevisePlanView(MethodView):
    @applications_blp.arguments(s.ReasonIn)
    @applications_blp.response(200, s.ApplicationOut)
    @problems(applications_blp, *CHANGE)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Send a confirmed plan back to drafting (staff)."""
        return apps.revise_plan(_uow(), current_principal(), application_id, data["reason"],
                                now=_now())


@applications_blp.route("/<uuid:application_id>/plan/approve")
class ApprovePlanView(MethodView):
    @applications_blp.response(200, s.ApplicationOut)
    @problems(applications_blp, *CHANGE)
    def post(self, application_id: uuid.UUID) -> Any:
        """Approve (staff other than the assessor and the drafter) within the per-household
        cap and the programme's remaining budget; device items are asked of the rental side."""
        return apps.approve_plan(_uow(), current_principal(), application_id, now=_now())


@applications_blp.route("/<uuid:application_id>/work-orders")
class AssignView(MethodView):
    @applications_blp.arguments(s.AssignIn)
    @applications_blp.response(201, s.WorkOrderOut)
    @problems(applications_blp, *CHANGE)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Give the approved plan's construction items to a contractor (staff)."""
        return orders.assign(_uow(), current_principal(), application_id,
                             data["contractor_id"], now=_now())


@applications_blp.route("/<uuid:application_id>/defects")
class DefectView(MethodView):
    @applications_blp.arguments(s.DefectIn)
    @applications_blp.response(201, s.WorkOrderOut)
    @problems(applications_blp, *CHANGE)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """The household reports a defect within the defect period after acceptance
        (staff): a warranty order to the same contractor, at no charge to the budget."""
        return orders.report_defect(_uow(), current_principal(), application_id,
                                    data["description"], now=_now())


# ---- work orders -------------------------------------------------------------------------------
@orders_blp.route("")
class WorkOrdersView(MethodView):
    @orders_blp.arguments(s.WorkOrderQuery, location="query")
    @orders_blp.response(200, s.WorkOrderPage)
    @problems(orders_blp, 401, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Work orders: a contractor sees only its company's; staff and inspectors theirs."""
        items, total = orders.search(_uow(), current_principal(), **args)
        return {"items": items, "total": total, "page": args["page"],
                "page_size": args["page_size"]}


@orders_blp.route("/overdue")
class OverdueView(MethodView):
    @orders_blp.response(200, s.OverdueList)
    @problems(orders_blp, 401, 403)
    def get(self) -> dict[str, Any]:
        """Orders past a deadline (accept, inspect, rework) (staff, inspector)."""
        found = orders.overdue_list(_uow(), current_principal(), now=_now())
        return {"items": [{
            "work_order_id": o.id, "application_id": o.application_id,
            "contractor_id": o.contractor_id, "division": o.division, "status": o.status,
            "kind": b.kind.value, "since": b.since, "due_at": b.due_at,
        } for b, o in found]}


@orders_blp.route("/<uuid:order_id>")
class WorkOrderView(MethodView):
    @orders_blp.response(200, s.WorkOrderOut)
    @problems(orders_blp, 401, 403, 404)
    def get(self, order_id: uuid.UUID) -> Any:
        """One work order (its contractor, staff, inspectors). Foreign contractors: 404."""
        return orders.get(_uow(), current_principal(), order_id)


@orders_blp.route("/<uuid:order_id>/contact")
class OrderContactView(MethodView):
    @orders_blp.arguments(PurposeArgs, location="query")
    @orders_blp.response(200, s.SiteContactOut)
    @problems(orders_blp, 401, 403, 404, 409, 422)
    def get(self, args: dict[str, Any], order_id: uuid.UUID) -> Any:
        """The site's full address and the household's phone, for the assigned contractor
        from accepting the order until its closure (409 naming the state otherwise);
        ``purpose`` required, the read is recorded in the access log."""
        return orders.site_contact(_uow(), current_principal(), order_id, args["purpose"],
                                   now=_now())


@orders_blp.route("/<uuid:order_id>/accept")
class OrderAcceptView(MethodView):
    @orders_blp.response(200, s.WorkOrderOut)
    @problems(orders_blp, *CHANGE)
    def post(self, order_id: uuid.UUID) -> Any:
        """Accept the order (its contractor)."""
        return orders.accept(_uow(), current_principal(), order_id, now=_now())


@orders_blp.route("/<uuid:order_id>/decline")
class OrderDeclineView(MethodView):
    @orders_blp.arguments(s.ReasonIn)
    @orders_blp.response(200, s.WorkOrderOut)
    @problems(orders_blp, *CHANGE)
    def post(self, data: dict[str, Any], order_id: uuid.UUID) -> Any:
        """Decline with a reason (its contractor)."""
        return orders.decline(_uow(), current_principal(), order_id, data["reason"],
                              now=_now())


@orders_blp.route("/<uuid:order_id>/cancel")
class OrderCancelView(MethodView):
    @orders_blp.arguments(s.ReasonIn)
    @orders_blp.response(200, s.WorkOrderOut)
    @problems(orders_blp, *CHANGE)
    def post(self, data: dict[str, Any], order_id: uuid.UUID) -> Any:
        """Withdraw an unanswered order (staff)."""
        return orders.cancel(_uow(), current_principal(), order_id, data["reason"],
                             now=_now())


@orders_blp.route("/<uuid:order_id>/terminate")
class OrderTerminateView(MethodView):
    @orders_blp.arguments(s.TerminateIn)
    @orders_blp.response(200, s.WorkOrderOut)
    @problems(orders_blp, *CHANGE)
    def post(self, data: dict[str, Any], order_id: uuid.UUID) -> Any:
        """End an order the contractor has taken on (staff): bankruptcy, breach or the
        household's request, with the cost incurred so far. Its remaining items are then
        assigned to another contractor as a new order linked to this one."""
        return orders.terminate(_uow(), current_principal(), order_id, kind=data["kind"],
                                reason=data["reason"],
                                cost_incurred_fen=data["cost_incurred_fen"], now=_now())


@orders_blp.route("/<uuid:order_id>/satisfaction")
class OrderSatisfactionView(MethodView):
    @orders_blp.arguments(s.SatisfactionIn)
    @orders_blp.response(200, s.WorkOrderOut)
    @problems(orders_blp, *CHANGE)
    def post(self, data: dict[str, Any], order_id: uuid.UUID) -> Any:
        """Record the satisfaction visit (staff): a score 1-5, or why there is none (the
        visit failed or was impossible). The case closes."""
        return orders.record_satisfaction(_uow(), current_principal(), order_id,
                                          score=data["score"], comment=data["comment"],
                                          reason=data["reason"], now=_now())


@orders_blp.route("/<uuid:order_id>/schedule")
class OrderScheduleView(MethodView):
    @orders_blp.arguments(s.ScheduleIn)
    @orders_blp.response(200, s.WorkOrderOut)
    @problems(orders_blp, *CHANGE)
    def post(self, data: dict[str, Any], order_id: uuid.UUID) -> Any:
        """Set (or move) the works dates (its contractor)."""
        return orders.schedule(_uow(), current_principal(), order_id, data["start_on"],
                               data["end_on"], now=_now())


@orders_blp.route("/<uuid:order_id>/progress")
class OrderProgressView(MethodView):
    @orders_blp.arguments(s.ProgressIn)
    @orders_blp.response(200, s.WorkOrderOut)
    @problems(orders_blp, *CHANGE)
    def post(self, data: dict[str, Any], order_id: uuid.UUID) -> Any:
        """Report progress: note, percent, items done, photo refs before/after (contractor)."""
        return orders.report_progress(_uow(), current_principal(), order_id, data,
                                      now=_now())


@orders_blp.route("/<uuid:order_id>/complete")
class OrderCompleteView(MethodView):
    @orders_blp.response(200, s.WorkOrderOut)
    @problems(orders_blp, *CHANGE)
    def post(self, order_id: uuid.UUID) -> Any:
        """Hand over for acceptance inspection (its contractor)."""
        return orders.request_completion(_uow(), current_principal(), order_id, now=_now())


@orders_blp.route("/<uuid:order_id>/inspection")
class OrderInspectionView(MethodView):
    @orders_blp.arguments(s.InspectionIn)
    @orders_blp.response(200, s.WorkOrderOut)
    @problems(orders_blp, *CHANGE)
    def post(self, data: dict[str, Any], order_id: uuid.UUID) -> Any:
        """Acceptance inspection (an inspector not from the contractor): pass closes the
        order, fail sends it back for rework with the defects."""
        return orders.inspect(_uow(), current_principal(), order_id, passed=data["passed"],
                              defects=data["defects"], note=data["note"], now=_now())


# ---- photos ------------------------------------------------------------------------------
@photos_blp.before_request
def _photo_body_limit() -> None:
    """Photos may be larger than the API's general body limit: allow the photo limit plus
    room for the multipart envelope; anything bigger is a 413 before it is read."""
    if request.method == "POST":
        request.max_content_length = _photo_setup().settings.photo_max_bytes + 256 * 1024


def _upload(body: dict[str, Any], **target: Any) -> dict[str, Any]:
    cfg = _photo_setup()
    data = body["file"].read(cfg.settings.photo_max_bytes + 1)
    return photos.upload(_uow(), cfg.storage, current_principal(), purpose=body["purpose"],
                         data=data, max_bytes=cfg.settings.photo_max_bytes,
                         max_pixels=cfg.settings.photo_max_pixels, now=_now(), **target)


@photos_blp.route("/applications/<uuid:application_id>/photos")
class ApplicationPhotosView(MethodView):
    @photos_blp.arguments(s.PhotoUploadIn, location="files")
    @photos_blp.response(201, s.PhotoOut)
    @problems(photos_blp, 401, 403, 404, 413, 422)
    def post(self, body: dict[str, Any], application_id: uuid.UUID) -> dict[str, Any]:
        """Upload an assessment or confirmation photo (staff). JPEG/PNG by content."""
        return _upload(body, application_id=application_id)


@photos_blp.route("/work-orders/<uuid:order_id>/photos")
class OrderPhotosView(MethodView):
    @photos_blp.arguments(s.PhotoUploadIn, location="files")
    @photos_blp.response(201, s.PhotoOut)
    @problems(photos_blp, 401, 403, 404, 413, 422)
    def post(self, body: dict[str, Any], order_id: uuid.UUID) -> dict[str, Any]:
        """Upload a before/after photo (its contractor) or an inspection photo (inspector)."""
        return _upload(body, work_order_id=order_id)


@photos_blp.route("/photos/<uuid:photo_id>/content")
class PhotoContentView(MethodView):
    @photos_blp.doc(responses={"200": {
        "description": "the image bytes",
        "content": {t: {"schema": {"type": "string", "format": "binary"}}
                    for t in ("image/jpeg", "image/png")},
    }})
    @problems(photos_blp, 401, 403, 404)
    def get(self, photo_id: uuid.UUID) -> Response:
        """The photo itself (whoever may read its household or work order)."""
        row, data = photos.read(_uow(), _photo_setup().storage, current_principal(), photo_id)
        extension = row["storage_key"].rsplit(".", 1)[-1]
        return Response(data, mimetype=row["content_type"], headers={
            "Cache-Control": "private, max-age=3600",
            # never sniffed into something runnable, never run if opened on its own
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            # a name of our own: the uploaded name is neither kept nor echoed
            "Content-Disposition": f'inline; filename="photo-{photo_id}.{extension}"',
        })


# ---- reports -------------------------------------------------------------------------------------
@reports_blp.route("/households-by-status")
class HouseholdsByStatusView(MethodView):
    @reports_blp.response(200, s.HouseholdsByStatusOut)
    @problems(reports_blp, 401, 403, 429)  # 429: REPORT_RATE_LIMIT
    def get(self) -> dict[str, Any]:
        """Households by status, per programme and division (staff)."""
        return reading.households_by_status(_uow(), current_principal())


@reports_blp.route("/spend")
class SpendView(MethodView):
    @reports_blp.response(200, s.SpendOut)
    @problems(reports_blp, 401, 403, 429)  # 429: REPORT_RATE_LIMIT
    def get(self) -> dict[str, Any]:
        """Spend against budget by programme and division, in fen (staff)."""
        return reading.spend(_uow(), current_principal())


def blueprints(ctx: ServiceContext) -> list[Blueprint]:
    return [programmes_blp, catalogue_blp, contractors_blp, applications_blp, orders_blp,
            photos_blp, reports_blp, records_blueprint()]
