# mypy: disable-error-code="untyped-decorator"
# (flask-smorest ships no type hints: its decorators are untyped by nature)
"""HTTP API (flask-smorest). Views are thin: parse, call the use case, dump.

Personal data is masked in every view. A task's full address only from
``GET /tasks/<id>/address?purpose=`` (its assignee, the district's coordinators); a
volunteer's phone in full only from ``GET /volunteers/<id>/contact?purpose=`` (themself,
their coordinators). Each full read is recorded in the access log (svckit.pipl)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from svckit.auth.principal import Principal, Role
from svckit.domain.clock import china_date, utcnow
from svckit.domain.division import name_of
from svckit.domain.masking import mask_phone
from svckit.domain.task_types import TASK_TYPE_LABELS
from svckit.http.app import current_principal, problems
from svckit.http.messages import in_language, wants_english
from svckit.http.ratelimit import rate_limited
from svckit.http.records import records_blueprint
from svckit.pipl import PurposeArgs
from svckit.service import ServiceContext

from volunteer.domain.certificates import Certificate, hours_text
from volunteer.domain.hours import (
    FLAG_LABELS,
    HourStatus,
    ServiceHourEntry,
    china_month,
    flag_text,
)
from volunteer.domain.slots import format_minutes
from volunteer.domain.tasks import (
    LATENESS_ZH,
    OVERRIDABLE,
    Priority,
    Task,
    TaskResult,
    TaskType,
)
from volunteer.domain.volunteers import AvailabilityWindow, Skill, Volunteer, skill_labels
from volunteer.entrypoints import VERIFY_PREFIX
from volunteer.entrypoints import schemas as s
from volunteer.service_layer import certificates, dispatch, hours, onsite, roster, tasks
from volunteer.service_layer.common import me
from volunteer.service_layer.policy import POLICY, assignee_scope
from volunteer.service_layer.uow import VolunteerUoW

#: what a task type is called (one map: the event catalogue's)
TASK_TYPE_ZH = {t: TASK_TYPE_LABELS[t.value][0] for t in TaskType}

teams_blp = Blueprint("teams", __name__, url_prefix="/teams",
                      description="绿挎包志愿服务队 Green Satchel teams")
volunteers_blp = Blueprint("volunteers", __name__, url_prefix="/volunteers",
                           description="志愿者名册 Volunteer roster")
tasks_blp = Blueprint("tasks", __name__, url_prefix="/tasks",
                      description="任务、匹配与派单 Tasks, matching and dispatch")
hours_blp = Blueprint("hours", __name__, url_prefix="/hours",
                      description="志愿服务时长 Service hours ledger")
certificates_blp = Blueprint("certificates", __name__, url_prefix="/certificates",
                             description="志愿服务记录证明 Service record certificates")


def _ctx() -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["svckit.context"]
    return ctx


def _uow() -> VolunteerUoW:
    uow = _ctx().uow()
    assert isinstance(uow, VolunteerUoW)
    return uow


def _now() -> datetime:
    return utcnow()


def _page(items: list[Any], total: int, args: dict[str, Any]) -> dict[str, Any]:
    return {"items": items, "total": total, "page": args["page"],
            "page_size": args["page_size"]}


# -- dumping --------------------------------------------------------------------------------
def volunteer_out(v: Volunteer) -> dict[str, Any]:
    """A roster entry, the phone masked: in full only from ``/volunteers/<id>/contact``."""
    rel = v.reliability
    return {
        "id": v.id, "real_name": v.real_name, "phone": mask_phone(v.phone),
        "consent_at": v.consent_at,
        "divisions": sorted(v.divisions), "skills": [x.value for x in Skill if x in v.skills],
        "skill_labels": skill_labels(v.skills),
        "availability": [{"weekday": w.weekday, "start": w.start, "end": w.end}
                         for w in v.availability],
        "team_id": v.team_id, "timezone": v.timezone, "active": v.active,
        "completed_count": v.completed_count, "no_show_count": v.no_show_count,
        "reliability": None if rel is None else round(float(rel), 3),
    }


def area_of(t: Task, full_allowed: bool) -> str:
    """What every task view shows of the address: the district only. Those who may read the
    full address get it from ``GET /tasks/{id}/address?purpose=`` (logged)."""
    if full_allowed:
        return f"{name_of(t.division)}（详细地址须说明用途后查看）"
    return f"{name_of(t.division)}（接受任务后可查看详细地址）"


def task_out(principal: Principal, t: Task) -> dict[str, Any]:
    """A task, its address as the area only: in full only from ``/tasks/<id>/address``."""
    full_allowed = POLICY.allows(principal, "task.read_address", **assignee_scope(t))
    volunteer = principal.role is Role.VOLUNTEER
    dispatcher = not volunteer and POLICY.allows(principal, "task.dispatch",
                                                 division=t.division)
    if volunteer:
        offers = [o for o in t.offers if o.volunteer_id == me(principal)]
    else:
        offers = list(t.offers)
    late = t.lateness(_now())
    return {
        "id": t.id, "type": t.type.value, "type_label": TASK_TYPE_ZH[t.type],
        "state": t.state.value, "division": t.division, "division_name": name_of(t.division),
        "address": area_of(t, full_allowed), "address_full": False,
        "window_start": t.window_start, "window_end": t.window_end,
        "duration_minutes": int(t.duration.total_seconds()) // 60,
        "slot_start": t.slot_start, "slot_end": t.slot_end,
        "required_skills": [x.value for x in Skill if x in t.required_skills],
        "priority": int(t.priority),
        "source": ({"service": t.source.service, "kind": t.source.kind, "id": t.source.id}
                   if t.source else None),
        "note": t.note, "contact_name": t.contact_name,
        "contact_phone": t.contact_phone if full_allowed else None,
        "assignee_id": t.assignee_id, "dispatched_by": t.dispatched_by,
        "offers": [{"volunteer_id": o.volunteer_id, "offered_by": o.offered_by,
                    "offered_at": o.offered_at, "expires_at": o.expires_at,
                    "outcome": o.outcome.value, "answered_at": o.answered_at}
                   for o in offers],
        "checked_in_at": t.checked_in_at, "checked_out_at": t.checked_out_at,
        "flagged_for_review": t.flagged_for_review, "closing_reason": t.closing_reason,
        "result": t.result.as_dict() if t.result else None,
        "source_cancelled_at": t.source_cancelled_at,
        "source_cancel_reason": t.source_cancel_reason,
        "integration_problem": _problem_out(t),
        "late": late and late.value, "late_text": late and LATENESS_ZH[late],
        "reoffer_count": t.reoffer_count, "escalated_at": t.escalated_at,
        "escalation_reason": t.escalation_reason,
        "allowed_actions": t.allowed_actions() if volunteer or dispatcher else [],
        # what the volunteer types on site: for those who dispatch, never the volunteer
        "check_in_code": t.check_in_code if dispatcher else None,
        "site": t.site_key,
        "created_at": t.created_at,
    }


def _problem_out(t: Task) -> dict[str, Any] | None:
    p = t.integration_problem
    return None if p is None else {"event_type": p.event_type, "consumer": p.consumer,
                                   "reason": p.reason, "at": p.at, "text": p.text}


def _flag_text(flags: list[str]) -> str:
    """Why an entry is flagged, in the caller's language only."""
    english = wants_english()
    if not flags:
        return in_language(flag_text(flags), english=english)
    return (", " if english else "、").join(
        in_language(FLAG_LABELS.get(f, f), english=english) for f in flags)


def hours_out(e: ServiceHourEntry) -> dict[str, Any]:
    """An entry, with what the caller may do with it (``may_approve``, ``may_reject``)."""
    actor = current_principal()
    deciding = POLICY.role_allows(actor, "hours.decide")
    who = me(actor) if deciding and actor.role is not Role.VOLUNTEER else None
    return {
        "id": e.id, "volunteer_id": e.volunteer_id, "team_id": e.team_id,
        "division": e.division, "task_id": e.task_id, "started_at": e.started_at,
        "ended_at": e.ended_at, "minutes": e.minutes, "duration": format_minutes(e.minutes),
        "flagged": e.flagged, "flags": list(e.flags),
        "flag_text": _flag_text(e.flags) if e.flagged else None, "status": e.status.value,
        "recorded_by": e.recorded_by,
        "decided_by": e.decided_by, "decided_at": e.decided_at,
        "rejection_reason": e.rejection_reason, "note": e.note, "created_at": e.created_at,
        "may_approve": who is not None and e.may_approve(who),
        "may_reject": who is not None and e.may_reject(who),
    }


# -- teams ------------------------------------------------------------------------------------
@teams_blp.route("")
class TeamsView(MethodView):
    @teams_blp.response(200, s.TeamList)
    @problems(teams_blp, 403)
    def get(self) -> dict[str, Any]:
        """Teams in your districts with their active members (coordinator, staff)"""
        found = roster.list_teams(_uow(), current_principal())
        return {"items": [{"id": t.id, "name": t.name, "division": t.division,
                           "division_name": name_of(t.division), "active_members": n}
                          for t, n in found]}


# -- volunteers -------------------------------------------------------------------------------
def _windows(raw: list[dict[str, Any]] | None) -> list[AvailabilityWindow] | None:
    if raw is None:
        return None
    return [AvailabilityWindow(w["weekday"], w["start"], w["end"]) for w in raw]


@volunteers_blp.route("")
class VolunteersView(MethodView):
    @volunteers_blp.arguments(s.VolunteerQuery, location="query")
    @volunteers_blp.response(200, s.VolunteerPage)
    @problems(volunteers_blp, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Volunteers serving your districts, phones masked (coordinator, staff)"""
        actor = current_principal()
        found, total = roster.list_volunteers(
            _uow(), actor, team_id=args.get("team_id"), skill=args.get("skill"),
            active=args.get("active"), page=args["page"], size=args["page_size"])
        return _page([volunteer_out(v) for v in found], total, args)

    @volunteers_blp.arguments(s.VolunteerIn)
    @volunteers_blp.response(201, s.VolunteerOut)
    @problems(volunteers_blp, 403, 422)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Register a volunteer in your districts (coordinator; staff: the roster import)"""
        actor = current_principal()
        v = roster.register(_uow(), actor, roster.VolunteerFields(
            real_name=data["real_name"], phone=data["phone"], divisions=data["divisions"],
            skills=data.get("skills") or [], availability=_windows(data["availability"]),
            team_id=data.get("team_id"), consent=data["consent"]), now=_now())
        return volunteer_out(v)


@volunteers_blp.route("/<uuid:volunteer_id>")
class VolunteerView(MethodView):
    @volunteers_blp.response(200, s.VolunteerOut)
    @problems(volunteers_blp, 403, 404)
    def get(self, volunteer_id: UUID) -> dict[str, Any]:
        """One volunteer (phone masked; in full from ``/contact`` with a purpose)"""
        actor = current_principal()
        return volunteer_out(roster.get_volunteer(_uow(), actor, volunteer_id))

    @volunteers_blp.arguments(s.VolunteerPatch)
    @volunteers_blp.response(200, s.VolunteerOut)
    @problems(volunteers_blp, 403, 404, 422)
    def patch(self, data: dict[str, Any], volunteer_id: UUID) -> dict[str, Any]:
        """Edit a roster entry (coordinator of every division they serve)"""
        actor = current_principal()
        v = roster.update(_uow(), actor, volunteer_id, roster.VolunteerFields(
            real_name=data.get("real_name"), phone=data.get("phone"),
            divisions=data.get("divisions"), skills=data.get("skills"),
            availability=_windows(data.get("availability")), team_id=data.get("team_id"),
            consent=data.get("consent")), now=_now())
        return volunteer_out(v)


@volunteers_blp.route("/<uuid:volunteer_id>/contact")
class VolunteerContactView(MethodView):
    @volunteers_blp.arguments(PurposeArgs, location="query")
    @volunteers_blp.response(200, s.VolunteerContactOut)
    @problems(volunteers_blp, 403, 404, 422)
    def get(self, args: dict[str, Any], volunteer_id: UUID) -> dict[str, Any]:
        """The phone in full (themself, their coordinators); ``purpose`` required, logged"""
        v = roster.read_contact(_uow(), current_principal(), volunteer_id,
                                args["purpose"], now=_now())
        return {"volunteer_id": v.id, "real_name": v.real_name, "phone": v.phone}


@volunteers_blp.route("/<uuid:volunteer_id>/deactivate")
class DeactivateView(MethodView):
    @volunteers_blp.arguments(s.EmptyIn)
    @volunteers_blp.response(200, s.VolunteerOut)
    @problems(volunteers_blp, 403, 404, 422)
    def post(self, _data: dict[str, Any], volunteer_id: UUID) -> dict[str, Any]:
        """Take a volunteer off dispatch (coordinator)"""
        return volunteer_out(roster.set_active(_uow(), current_principal(), volunteer_id,
                                               False))


@volunteers_blp.route("/<uuid:volunteer_id>/activate")
class ActivateView(MethodView):
    @volunteers_blp.arguments(s.EmptyIn)
    @volunteers_blp.response(200, s.VolunteerOut)
    @problems(volunteers_blp, 403, 404, 422)
    def post(self, _data: dict[str, Any], volunteer_id: UUID) -> dict[str, Any]:
        """Put a volunteer back on the roster (coordinator)"""
        return volunteer_out(roster.set_active(_uow(), current_principal(), volunteer_id,
                                               True))


# -- tasks ------------------------------------------------------------------------------------
@tasks_blp.route("")
class TasksView(MethodView):
    @tasks_blp.arguments(s.TaskQuery, location="query")
    @tasks_blp.response(200, s.TaskPage)
    @problems(tasks_blp, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Tasks: a coordinator's districts, a volunteer's own offers and tasks, staff all"""
        actor = current_principal()
        found, total = tasks.list_tasks(
            _uow(), actor, states=args["state"], type=args.get("type"),
            division=args.get("division"), page=args["page"], size=args["page_size"])
        return _page([task_out(actor, t) for t in found], total, args)

    @tasks_blp.arguments(s.TaskIn)
    @tasks_blp.response(201, s.TaskOut)
    @problems(tasks_blp, 403, 422)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Raise a task by hand in your district (coordinator)"""
        actor = current_principal()
        task = tasks.create_manual(_uow(), actor, tasks.CreateTask(
            type=TaskType(data["type"]), division=data["division"], address=data["address"],
            window_start=data["window_start"], window_end=data["window_end"],
            note=data["note"], priority=Priority(data["priority"]),
            extra_skills=tuple(Skill(x) for x in data.get("extra_skills") or ()),
            duration=(None if data.get("duration_minutes") is None
                      else timedelta(minutes=data["duration_minutes"])),
            contact_name=data.get("contact_name"), contact_phone=data.get("contact_phone")),
            now=_now())
        return task_out(actor, task)


@tasks_blp.route("/<uuid:task_id>")
class TaskView(MethodView):
    @tasks_blp.response(200, s.TaskOut)
    @problems(tasks_blp, 403, 404)
    def get(self, task_id: UUID) -> dict[str, Any]:
        """One task; the full address only for its assignee and the district's coordinators"""
        actor = current_principal()
        return task_out(actor, tasks.get_task(_uow(), actor, task_id))


@tasks_blp.route("/<uuid:task_id>/address")
class TaskAddressView(MethodView):
    @tasks_blp.arguments(PurposeArgs, location="query")
    @tasks_blp.response(200, s.TaskAddressOut)
    @problems(tasks_blp, 403, 404, 422)
    def get(self, args: dict[str, Any], task_id: UUID) -> dict[str, Any]:
        """The full address (assignee, the division's coordinators); ``purpose`` required,
        the read is recorded in the access log"""
        t = tasks.read_address(_uow(), current_principal(), task_id,
                               args["purpose"], now=_now())
        return {"task_id": t.id, "division": t.division, "address": t.address,
                "contact_name": t.contact_name, "contact_phone": t.contact_phone}


@tasks_blp.route("/<uuid:task_id>/candidates")
class CandidatesView(MethodView):
    @tasks_blp.response(200, s.CandidatesOut)
    @problems(tasks_blp, 403, 404)
    def get(self, task_id: UUID) -> dict[str, Any]:
        """Ranked candidates with reasons, and who is excluded and why (coordinator); the
        reasons in Chinese, in English with ``Accept-Language: en``"""
        r = dispatch.candidates(_uow(), current_principal(), task_id, now=_now())
        vols = r.volunteers
        english = wants_english()  # reasons in the caller's language, never both
        return {
            "task_id": r.task.id, "state": r.task.state.value,
            "candidates": [{
                "rank": c.rank, "volunteer_id": c.volunteer_id,
                "real_name": vols[c.volunteer_id].real_name,
                "phone": mask_phone(vols[c.volunteer_id].phone),
                "team_id": vols[c.volunteer_id].team_id,
                "minutes_this_month": c.load.minutes_this_month,
                "last_served_at": c.load.last_served_at,
                "reliability": None if c.reliability is None else round(float(c.reliability), 3),
                "slot_start": c.slot.start, "slot_end": c.slot.end,
                "slot_label": c.slot.label_zh(vols[c.volunteer_id].timezone),
                "reasons": [in_language(text, english=english) for text in c.reasons],
            } for c in r.result.candidates],
            "excluded": [{
                "volunteer_id": x.volunteer_id, "real_name": vols[x.volunteer_id].real_name,
                "reasons": [{"code": e.code.value,
                             "message": in_language(e.message, english=english)}
                            for e in x.reasons],
                "assignable_with_override": all(e.code in OVERRIDABLE for e in x.reasons),
            } for x in r.result.excluded],
        }


def _minutes(data: dict[str, Any]) -> timedelta | None:
    n = data.get("expires_in_minutes")
    return None if n is None else timedelta(minutes=n)


def _result(data: dict[str, Any]) -> TaskResult | None:
    raw = data.get("result")
    return None if raw is None else TaskResult(**raw)


# POST /tasks/<id>/<action>: the body, then the task as the caller may see it

@tasks_blp.route("/<uuid:task_id>/offer")
class TaskOfferView(MethodView):
    @tasks_blp.arguments(s.OfferIn)
    @tasks_blp.response(200, s.TaskOut)
    @problems(tasks_blp, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], task_id: UUID) -> dict[str, Any]:
        """Offer to the chosen volunteer, or the best-ranked one (coordinator)"""
        p = current_principal()
        return task_out(p, dispatch.offer(_uow(), p, task_id, data.get("volunteer_id"), now=_now(),
                         ttl=_minutes(data)))


@tasks_blp.route("/<uuid:task_id>/withdraw")
class TaskWithdrawView(MethodView):
    @tasks_blp.arguments(s.EmptyIn)
    @tasks_blp.response(200, s.TaskOut)
    @problems(tasks_blp, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], task_id: UUID) -> dict[str, Any]:
        """Withdraw the open offer (coordinator)"""
        p = current_principal()
        return task_out(p, dispatch.withdraw(_uow(), p, task_id, now=_now()))


@tasks_blp.route("/<uuid:task_id>/assign")
class TaskAssignView(MethodView):
    @tasks_blp.arguments(s.AssignIn)
    @tasks_blp.response(200, s.TaskOut)
    @problems(tasks_blp, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], task_id: UUID) -> dict[str, Any]:
        """Assign by hand; override ignores availability and a decline (coordinator)"""
        p = current_principal()
        return task_out(p, dispatch.assign(_uow(), p, task_id, data["volunteer_id"], now=_now(),
                          override=data["override"]))


@tasks_blp.route("/<uuid:task_id>/accept")
class TaskAcceptView(MethodView):
    @tasks_blp.arguments(s.EmptyIn)
    @tasks_blp.response(200, s.TaskOut)
    @problems(tasks_blp, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], task_id: UUID) -> dict[str, Any]:
        """Accept the offer made to you (volunteer)"""
        p = current_principal()
        return task_out(p, dispatch.accept(_uow(), p, task_id, now=_now()))


@tasks_blp.route("/<uuid:task_id>/decline")
class TaskDeclineView(MethodView):
    @tasks_blp.arguments(s.EmptyIn)
    @tasks_blp.response(200, s.TaskOut)
    @problems(tasks_blp, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], task_id: UUID) -> dict[str, Any]:
        """Decline the offer made to you; it goes to the next candidate (volunteer)"""
        p = current_principal()
        return task_out(p, dispatch.decline(_uow(), p, task_id, now=_now()))


@tasks_blp.route("/<uuid:task_id>/release")
class TaskReleaseView(MethodView):
    @tasks_blp.arguments(s.ReasonIn)
    @tasks_blp.response(200, s.TaskOut)
    @problems(tasks_blp, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], task_id: UUID) -> dict[str, Any]:
        """Drop out before check-in (assignee) or take the assignee off (coordinator)"""
        p = current_principal()
        return task_out(p, dispatch.release(_uow(), p, task_id, data["reason"], now=_now()))


@tasks_blp.route("/<uuid:task_id>/no-show")
class TaskNoShowView(MethodView):
    @tasks_blp.arguments(s.EmptyIn)
    @tasks_blp.response(200, s.TaskOut)
    @problems(tasks_blp, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], task_id: UUID) -> dict[str, Any]:
        """Record that the assignee did not come; re-offered (coordinator)"""
        p = current_principal()
        return task_out(p, dispatch.no_show(_uow(), p, task_id, now=_now()))


@tasks_blp.route("/<uuid:task_id>/reschedule")
class TaskRescheduleView(MethodView):
    @tasks_blp.arguments(s.RescheduleIn)
    @tasks_blp.response(200, s.TaskOut)
    @problems(tasks_blp, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], task_id: UUID) -> dict[str, Any]:
        """Move the window of an open task (coordinator)"""
        p = current_principal()
        return task_out(p, tasks.reschedule(_uow(), p, task_id, data["window_start"],
                           data["window_end"], now=_now()))


@tasks_blp.route("/<uuid:task_id>/cancel")
class TaskCancelView(MethodView):
    @tasks_blp.arguments(s.ReasonIn)
    @tasks_blp.response(200, s.TaskOut)
    @problems(tasks_blp, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], task_id: UUID) -> dict[str, Any]:
        """Cancel a task you raised by hand (coordinator)"""
        p = current_principal()
        return task_out(p, tasks.cancel(_uow(), p, task_id, data["reason"], now=_now()))


@tasks_blp.route("/<uuid:task_id>/check-in")
class TaskCheckInView(MethodView):
    @tasks_blp.arguments(s.CheckInIn)
    @tasks_blp.response(200, s.TaskOut)
    @problems(tasks_blp, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], task_id: UUID) -> dict[str, Any]:
        """Check in on site (assignee); with ``code``, it must be the task's check-in code;
        with ``scan``, the code of the QR printed on the task's sheet"""
        p = current_principal()
        return task_out(p, onsite.check_in(_uow(), p, task_id, now=_now(),
                                           code=data.get("code"), scan=data.get("scan")))


@tasks_blp.route("/<uuid:task_id>/check-out")
class TaskCheckOutView(MethodView):
    @tasks_blp.arguments(s.CheckOutIn)
    @tasks_blp.response(200, s.TaskOut)
    @problems(tasks_blp, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], task_id: UUID) -> dict[str, Any]:
        """Check out: done, with the result (a satisfaction visit needs a score)"""
        p = current_principal()
        return task_out(p, onsite.check_out(_uow(), p, task_id, _result(data), now=_now(),
                                            code=data.get("code"), scan=data.get("scan")))


@tasks_blp.route("/<uuid:task_id>/fail")
class TaskFailView(MethodView):
    @tasks_blp.arguments(s.ReasonIn)
    @tasks_blp.response(200, s.TaskOut)
    @problems(tasks_blp, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], task_id: UUID) -> dict[str, Any]:
        """Could not be done: on site (assignee) or nobody can take it (coordinator)"""
        p = current_principal()
        fail = onsite.fail_on_site if p.role is Role.VOLUNTEER else tasks.fail_unstaffed
        return task_out(p, fail(_uow(), p, task_id, data["reason"], now=_now()))


# -- service hours ------------------------------------------------------------------------------
@hours_blp.route("")
class HoursView(MethodView):
    @hours_blp.arguments(s.HoursQuery, location="query")
    @hours_blp.response(200, s.HoursPage)
    @problems(hours_blp, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Ledger entries: your own (volunteer), your districts' (coordinator), all (staff)"""
        found, total = hours.list_entries(
            _uow(), current_principal(), volunteer_id=args.get("volunteer_id"),
            status=args.get("status"), flagged=args.get("flagged"), page=args["page"],
            size=args["page_size"])
        return _page([hours_out(e) for e in found], total, args)

    @hours_blp.arguments(s.HoursIn)
    @hours_blp.response(201, s.HoursOut)
    @problems(hours_blp, 403, 422)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Record service done outside a task (coordinator; certified at once unless flagged;
        at most 24 h, and 24 h a day per volunteer)"""
        e = hours.record_manual(_uow(), current_principal(), data["volunteer_id"],
                                division=data["division"], started_at=data["started_at"],
                                ended_at=data["ended_at"], note=data["note"], now=_now())
        return hours_out(e)


@hours_blp.route("/<uuid:entry_id>/approve")
class ApproveView(MethodView):
    @hours_blp.arguments(s.EmptyIn)
    @hours_blp.response(200, s.HoursOut)
    @problems(hours_blp, 403, 404, 409, 422)
    def post(self, _data: dict[str, Any], entry_id: UUID) -> dict[str, Any]:
        """Approve an entry you recorded (who records certifies); a flagged one: a second
        coordinator of the division or staff, never its recorder (409)"""
        return hours_out(hours.approve(_uow(), current_principal(), entry_id, now=_now()))


@hours_blp.route("/<uuid:entry_id>/reject")
class RejectView(MethodView):
    @hours_blp.arguments(s.ReasonIn)
    @hours_blp.response(200, s.HoursOut)
    @problems(hours_blp, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], entry_id: UUID) -> dict[str, Any]:
        """Reject an entry you recorded (a flagged one: also a second reviewer), with a
        reason"""
        return hours_out(hours.reject(_uow(), current_principal(), entry_id, data["reason"],
                                      now=_now()))


def _month(raw: str | None) -> tuple[datetime | None, datetime | None]:
    if raw is None:
        return None, None
    year, month = (int(x) for x in raw.split("-"))
    return china_month(date(year, month, 1))


@hours_blp.route("/totals")
class TotalsView(MethodView):
    @hours_blp.arguments(s.TotalsQuery, location="query")
    @hours_blp.response(200, s.TotalsOut)
    @problems(hours_blp, 403, 422, 429)  # 429: REPORT_RATE_LIMIT
    @rate_limited("reports")  # REPORT_RATE_LIMIT per principal (OWASP API4)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Minutes per volunteer or per team, approved by default (optionally one month)"""
        actor = current_principal()
        statuses = {"approved": [HourStatus.APPROVED], "pending": [HourStatus.PENDING],
                    "all": [HourStatus.APPROVED, HourStatus.PENDING]}[args["status"]]
        start, end = _month(args["month"])
        rows = hours.totals(_uow(), actor, group=args["group"], statuses=statuses,
                            start=start, end=end)
        items = [{"id": k, "name": name, "minutes": m, "hours": round(m / 60, 2),
                  "duration": format_minutes(m), "entries": n} for k, name, m, n in rows]
        return {"group": args["group"], "month": args["month"], "status": args["status"],
                "total_minutes": sum(i["minutes"] for i in items), "items": items}


# -- service record certificates (志愿服务记录证明) ------------------------------------------
def certificate_out(c: Certificate) -> dict[str, Any]:
    return {
        "id": c.id, "number": c.number, "volunteer_id": c.volunteer_id,
        "real_name": c.real_name, "period_start": c.period_start,
        "period_end": c.period_end, "total_minutes": c.total_minutes, "hours": c.hours,
        "duration": c.duration, "entries": c.entry_count,
        "lines": [{**ln, "hours": hours_text(int(str(ln["minutes"])))} for ln in c.lines],
        "issuer_name": c.issuer_name, "issuer_contact": c.issuer_contact,
        "division": c.division, "issued_at": c.issued_at,
        "issued_on": china_date(c.issued_at), "issued_by": c.issued_by,
        "issued_by_role": c.issued_by_role, "verify_path": f"{VERIFY_PREFIX}{c.number}",
    }


@volunteers_blp.route("/<uuid:volunteer_id>/certificates")
class VolunteerCertificatesView(MethodView):
    @volunteers_blp.response(200, s.CertificateList)
    @problems(volunteers_blp, 403, 404)
    def get(self, volunteer_id: UUID) -> dict[str, Any]:
        """Certificates issued for a volunteer, newest first (themself, coordinator, staff)"""
        found = certificates.list_for(_uow(), current_principal(), volunteer_id)
        return {"items": [certificate_out(c) for c in found]}

    @volunteers_blp.arguments(s.CertificateIn)
    @volunteers_blp.response(201, s.CertificateOut)
    @problems(volunteers_blp, 403, 404, 422)
    def post(self, data: dict[str, Any], volunteer_id: UUID) -> dict[str, Any]:
        """Issue a service record certificate of the approved hours of a period (a
        coordinator for a volunteer they see; a volunteer requests their own)"""
        c = certificates.issue(_uow(), current_principal(), volunteer_id,
                               period_start=data["period_start"],
                               period_end=data["period_end"], now=_now())
        return certificate_out(c)


@volunteers_blp.route("/<uuid:volunteer_id>/hours/annual")
class AnnualHoursView(MethodView):
    @volunteers_blp.response(200, s.AnnualTotalsOut)
    @problems(volunteers_blp, 403, 404)
    def get(self, volunteer_id: UUID) -> dict[str, Any]:
        """Approved hours per China calendar year (themself, coordinator, staff)"""
        rows = certificates.annual(_uow(), current_principal(), volunteer_id)
        return {"volunteer_id": volunteer_id, "items": [
            {"year": y.year, "minutes": y.minutes, "hours": hours_text(y.minutes),
             "duration": format_minutes(y.minutes), "entries": y.entries} for y in rows]}


@certificates_blp.route("/<uuid:certificate_id>")
class CertificateView(MethodView):
    @certificates_blp.response(200, s.CertificateOut)
    @problems(certificates_blp, 403, 404)
    def get(self, certificate_id: UUID) -> dict[str, Any]:
        """One certificate (those who see its volunteer)"""
        return certificate_out(certificates.get(_uow(), current_principal(), certificate_id))


@certificates_blp.route("/verify/<string:number>")
class VerifyView(MethodView):
    @certificates_blp.response(200, s.VerificationOut)
    @certificates_blp.doc(security=[])
    @problems(certificates_blp, 429)
    @rate_limited("reports")  # public: REPORT_RATE_LIMIT per client address
    def get(self, number: str) -> dict[str, Any]:
        """Is this certificate genuine? Public, no token: the masked name, the hours, the
        period, the date of issue and the issuer; ``genuine: false`` for an unknown number"""
        c = certificates.verify(_uow(), number)
        if c is None:
            return {"genuine": False, "number": number[:40]}
        return c.public_view()


def blueprints(_ctx: ServiceContext) -> list[Blueprint]:
    return [teams_blp, volunteers_blp, tasks_blp, hours_blp, certificates_blp,
            records_blueprint()]
