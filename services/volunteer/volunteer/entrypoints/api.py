# mypy: disable-error-code="untyped-decorator"
# (flask-smorest ships no type hints: its decorators are untyped by nature)
"""HTTP API (flask-smorest). Views are thin: parse, call the use case, dump.

Personal data is masked in every view. A task's full address only from
``GET /tasks/<id>/address?purpose=`` (its assignee, the district's coordinators); a
volunteer's phone in full only from ``GET /volunteers/<id>/contact?purpose=`` (themself,
their coordinators). Each full read is recorded in the access log (svckit.pipl)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from svckit.auth.principal import Principal, Role
from svckit.domain.division import name_of
from svckit.domain.masking import mask_phone
from svckit.http.app import ProblemSchema, current_principal
from svckit.http.ratelimit import rate_limited
from svckit.http.records import records_blueprint
from svckit.pipl import PurposeArgs
from svckit.service import ServiceContext

from volunteer.domain.hours import HourStatus, ServiceHourEntry, china_month
from volunteer.domain.slots import format_minutes
from volunteer.domain.tasks import OVERRIDABLE, Priority, Task, TaskResult, TaskType
from volunteer.domain.volunteers import AvailabilityWindow, Skill, Volunteer, skill_labels
from volunteer.entrypoints import schemas as s
from volunteer.service_layer import dispatch, hours, onsite, roster, tasks
from volunteer.service_layer.common import me
from volunteer.service_layer.policy import POLICY, assignee_scope
from volunteer.service_layer.uow import VolunteerUoW

log = logging.getLogger("volunteer.api")

TASK_TYPE_ZH = {
    TaskType.DELIVER_DEVICE: "送辅具上门",
    TaskType.PICKUP_DEVICE: "上门回收辅具",
    TaskType.ACCOMPANY_ASSESSMENT: "陪同入户评估",
    TaskType.ACCEPTANCE_VISIT: "改造验收回访",
    TaskType.SATISFACTION_VISIT: "满意度回访",
    TaskType.OVERDUE_CALL: "逾期电话回访",
    TaskType.MANUAL: "协调员派发任务",
}

teams_blp = Blueprint("teams", __name__, url_prefix="/teams",
                      description="绿挎包志愿服务队 Green Satchel teams")
volunteers_blp = Blueprint("volunteers", __name__, url_prefix="/volunteers",
                           description="志愿者名册 Volunteer roster")
tasks_blp = Blueprint("tasks", __name__, url_prefix="/tasks",
                      description="任务、匹配与派单 Tasks, matching and dispatch")
hours_blp = Blueprint("hours", __name__, url_prefix="/hours",
                      description="志愿服务时长 Service hours ledger")


def _ctx() -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["svckit.context"]
    return ctx


def _uow() -> VolunteerUoW:
    uow = _ctx().uow()
    assert isinstance(uow, VolunteerUoW)
    return uow


def _now() -> datetime:
    return datetime.now(UTC)


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
    if volunteer:
        offers = [o for o in t.offers if o.volunteer_id == me(principal)]
    else:
        offers = list(t.offers)
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
        "allowed_actions": t.allowed_actions() if volunteer
        or POLICY.allows(principal, "task.dispatch", division=t.division) else [],
        "created_at": t.created_at,
    }


def hours_out(e: ServiceHourEntry) -> dict[str, Any]:
    return {
        "id": e.id, "volunteer_id": e.volunteer_id, "team_id": e.team_id,
        "division": e.division, "task_id": e.task_id, "started_at": e.started_at,
        "ended_at": e.ended_at, "minutes": e.minutes, "duration": format_minutes(e.minutes),
        "flagged": e.flagged, "status": e.status.value, "recorded_by": e.recorded_by,
        "decided_by": e.decided_by, "decided_at": e.decided_at,
        "rejection_reason": e.rejection_reason, "note": e.note, "created_at": e.created_at,
    }


# -- teams ------------------------------------------------------------------------------------
@teams_blp.route("")
class TeamsView(MethodView):
    @teams_blp.response(200, s.TeamList)
    @teams_blp.alt_response(403, schema=ProblemSchema)
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
    @volunteers_blp.alt_response(403, schema=ProblemSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Volunteers serving your districts, phones masked (coordinator, staff)"""
        actor = current_principal()
        found, total = roster.list_volunteers(
            _uow(), actor, team_id=args.get("team_id"), skill=args.get("skill"),
            active=args.get("active"), page=args["page"], size=args["page_size"])
        return _page([volunteer_out(v) for v in found], total, args)

    @volunteers_blp.arguments(s.VolunteerIn)
    @volunteers_blp.response(201, s.VolunteerOut)
    @volunteers_blp.alt_response(403, schema=ProblemSchema)
    @volunteers_blp.alt_response(422, schema=ProblemSchema)
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
    @volunteers_blp.alt_response(404, schema=ProblemSchema)
    def get(self, volunteer_id: UUID) -> dict[str, Any]:
        """One volunteer (phone masked; in full from ``/contact`` with a purpose)"""
        actor = current_principal()
        return volunteer_out(roster.get_volunteer(_uow(), actor, volunteer_id))

    @volunteers_blp.arguments(s.VolunteerPatch)
    @volunteers_blp.response(200, s.VolunteerOut)
    @volunteers_blp.alt_response(403, schema=ProblemSchema)
    @volunteers_blp.alt_response(404, schema=ProblemSchema)
    @volunteers_blp.alt_response(422, schema=ProblemSchema)
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
    @volunteers_blp.alt_response(403, schema=ProblemSchema)
    @volunteers_blp.alt_response(404, schema=ProblemSchema)
    @volunteers_blp.alt_response(422, schema=ProblemSchema)
    def get(self, args: dict[str, Any], volunteer_id: UUID) -> dict[str, Any]:
        """The phone in full (themself, their coordinators); ``purpose`` required, logged"""
        v = roster.read_contact(_uow(), current_principal(), volunteer_id,
                                args["purpose"], now=_now())
        return {"volunteer_id": v.id, "real_name": v.real_name, "phone": v.phone}


def _activation(active: bool) -> Any:
    def post(self: MethodView, _data: dict[str, Any], volunteer_id: UUID) -> dict[str, Any]:
        actor = current_principal()
        v = roster.set_active(_uow(), actor, volunteer_id, active)
        return volunteer_out(v)
    post.__doc__ = ("Put a volunteer back on the roster (coordinator)" if active
                    else "Take a volunteer off dispatch (coordinator)")
    return post


@volunteers_blp.route("/<uuid:volunteer_id>/deactivate")
class DeactivateView(MethodView):
    post = volunteers_blp.alt_response(404, schema=ProblemSchema)(
        volunteers_blp.response(200, s.VolunteerOut)(
            volunteers_blp.arguments(s.EmptyIn)(_activation(False))))


@volunteers_blp.route("/<uuid:volunteer_id>/activate")
class ActivateView(MethodView):
    post = volunteers_blp.alt_response(404, schema=ProblemSchema)(
        volunteers_blp.response(200, s.VolunteerOut)(
            volunteers_blp.arguments(s.EmptyIn)(_activation(True))))


# -- tasks ------------------------------------------------------------------------------------
@tasks_blp.route("")
class TasksView(MethodView):
    @tasks_blp.arguments(s.TaskQuery, location="query")
    @tasks_blp.response(200, s.TaskPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Tasks: a coordinator's districts, a volunteer's own offers and tasks, staff all"""
        actor = current_principal()
        found, total = tasks.list_tasks(
            _uow(), actor, states=args["state"], type=args.get("type"),
            division=args.get("division"), page=args["page"], size=args["page_size"])
        return _page([task_out(actor, t) for t in found], total, args)

    @tasks_blp.arguments(s.TaskIn)
    @tasks_blp.response(201, s.TaskOut)
    @tasks_blp.alt_response(403, schema=ProblemSchema)
    @tasks_blp.alt_response(422, schema=ProblemSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Raise a task by hand in your district (coordinator)"""
        actor = current_principal()
        task = tasks.create_manual(_uow(), actor, tasks.CreateTask(
            type=TaskType(data["type"]), division=data["division"], address=data["address"],
            window_start=data["window_start"], window_end=data["window_end"],
            note=data["note"], priority=Priority(data["priority"]),
            extra_skills=tuple(Skill(x) for x in data.get("extra_skills") or ()),
            duration=(None if data.get("duration_minutes") is None
                      else timedelta(minutes=data["duration_minutes"]))), now=_now())
        return task_out(actor, task)


@tasks_blp.route("/<uuid:task_id>")
class TaskView(MethodView):
    @tasks_blp.response(200, s.TaskOut)
    @tasks_blp.alt_response(404, schema=ProblemSchema)
    def get(self, task_id: UUID) -> dict[str, Any]:
        """One task; the full address only for its assignee and the district's coordinators"""
        actor = current_principal()
        return task_out(actor, tasks.get_task(_uow(), actor, task_id))


@tasks_blp.route("/<uuid:task_id>/address")
class TaskAddressView(MethodView):
    @tasks_blp.arguments(PurposeArgs, location="query")
    @tasks_blp.response(200, s.TaskAddressOut)
    @tasks_blp.alt_response(403, schema=ProblemSchema)
    @tasks_blp.alt_response(404, schema=ProblemSchema)
    @tasks_blp.alt_response(422, schema=ProblemSchema)
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
    @tasks_blp.alt_response(403, schema=ProblemSchema)
    @tasks_blp.alt_response(404, schema=ProblemSchema)
    def get(self, task_id: UUID) -> dict[str, Any]:
        """Ranked candidates with reasons, and who is excluded and why (coordinator)"""
        r = dispatch.candidates(_uow(), current_principal(), task_id, now=_now())
        vols = r.volunteers
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
                "reasons": list(c.reasons),
            } for c in r.result.candidates],
            "excluded": [{
                "volunteer_id": x.volunteer_id, "real_name": vols[x.volunteer_id].real_name,
                "reasons": [{"code": e.code.value, "message": e.message} for e in x.reasons],
                "assignable_with_override": all(e.code in OVERRIDABLE for e in x.reasons),
            } for x in r.result.excluded],
        }


def _task_action(doc: str, schema: type, call: Any) -> Any:
    """A POST /tasks/<id>/<action> view: body ``schema``, answer the task."""

    @tasks_blp.arguments(schema)
    @tasks_blp.response(200, s.TaskOut)
    @tasks_blp.alt_response(403, schema=ProblemSchema)
    @tasks_blp.alt_response(404, schema=ProblemSchema)
    @tasks_blp.alt_response(409, schema=ProblemSchema)
    @tasks_blp.alt_response(422, schema=ProblemSchema)
    def post(self: MethodView, data: dict[str, Any], task_id: UUID) -> dict[str, Any]:
        actor = current_principal()
        task = call(_uow(), actor, task_id, data, _now())
        return task_out(actor, task)

    post.__doc__ = doc
    return post


def _minutes(data: dict[str, Any]) -> timedelta | None:
    n = data.get("expires_in_minutes")
    return None if n is None else timedelta(minutes=n)


def _result(data: dict[str, Any]) -> TaskResult | None:
    raw = data.get("result")
    return None if raw is None else TaskResult(**raw)


_ACTIONS: dict[str, tuple[str, type, Any]] = {
    "offer": ("Offer to the chosen volunteer, or the best-ranked one (coordinator)", s.OfferIn,
              lambda u, a, t, d, n: dispatch.offer(u, a, t, d.get("volunteer_id"), now=n,
                                                   ttl=_minutes(d))),
    "withdraw": ("Withdraw the open offer (coordinator)", s.EmptyIn,
                 lambda u, a, t, d, n: dispatch.withdraw(u, a, t, now=n)),
    "assign": ("Assign by hand; override ignores availability and a decline (coordinator)",
               s.AssignIn, lambda u, a, t, d, n: dispatch.assign(
                   u, a, t, d["volunteer_id"], now=n, override=d["override"])),
    "accept": ("Accept the offer made to you (volunteer)", s.EmptyIn,
               lambda u, a, t, d, n: dispatch.accept(u, a, t, now=n)),
    "decline": ("Decline the offer made to you; it goes to the next candidate (volunteer)",
                s.EmptyIn, lambda u, a, t, d, n: dispatch.decline(u, a, t, now=n)),
    "release": ("Drop out before check-in (assignee) or take the assignee off (coordinator)",
                s.ReasonIn, lambda u, a, t, d, n: dispatch.release(u, a, t, d["reason"], now=n)),
    "no-show": ("Record that the assignee did not come; re-offered (coordinator)", s.EmptyIn,
                lambda u, a, t, d, n: dispatch.no_show(u, a, t, now=n)),
    "reschedule": ("Move the window of an open task (coordinator)", s.RescheduleIn,
                   lambda u, a, t, d, n: tasks.reschedule(
                       u, a, t, d["window_start"], d["window_end"], now=n)),
    "cancel": ("Cancel a task you raised by hand (coordinator)", s.ReasonIn,
               lambda u, a, t, d, n: tasks.cancel(u, a, t, d["reason"], now=n)),
    "check-in": ("Check in on site (assignee)", s.EmptyIn,
                 lambda u, a, t, d, n: onsite.check_in(u, a, t, now=n)),
    "check-out": ("Check out: done, with the result (a satisfaction visit needs a score)",
                  s.CheckOutIn,
                  lambda u, a, t, d, n: onsite.check_out(u, a, t, _result(d), now=n)),
    "fail": ("Could not be done: on site (assignee) or nobody can take it (coordinator)",
             s.ReasonIn, lambda u, a, t, d, n: (
                 onsite.fail_on_site(u, a, t, d["reason"], now=n) if a.role is Role.VOLUNTEER
                 else tasks.fail_unstaffed(u, a, t, d["reason"], now=n))),
}

for _name, (_doc, _schema, _call) in _ACTIONS.items():
    _cls = type(f"Task{_name.title().replace('-', '')}View", (MethodView,),
                {"post": _task_action(_doc, _schema, _call)})
    tasks_blp.route(f"/<uuid:task_id>/{_name}", endpoint=f"task_{_name}")(_cls)


# -- service hours ------------------------------------------------------------------------------
@hours_blp.route("")
class HoursView(MethodView):
    @hours_blp.arguments(s.HoursQuery, location="query")
    @hours_blp.response(200, s.HoursPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Ledger entries: your own (volunteer), your districts' (coordinator), all (staff)"""
        found, total = hours.list_entries(
            _uow(), current_principal(), volunteer_id=args.get("volunteer_id"),
            status=args.get("status"), flagged=args.get("flagged"), page=args["page"],
            size=args["page_size"])
        return _page([hours_out(e) for e in found], total, args)

    @hours_blp.arguments(s.HoursIn)
    @hours_blp.response(201, s.HoursOut)
    @hours_blp.alt_response(403, schema=ProblemSchema)
    @hours_blp.alt_response(422, schema=ProblemSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Record service done outside a task (coordinator; certified at once unless long)"""
        e = hours.record_manual(_uow(), current_principal(), data["volunteer_id"],
                                division=data["division"], started_at=data["started_at"],
                                ended_at=data["ended_at"], note=data["note"], now=_now())
        return hours_out(e)


@hours_blp.route("/<uuid:entry_id>/approve")
class ApproveView(MethodView):
    @hours_blp.arguments(s.EmptyIn)
    @hours_blp.response(200, s.HoursOut)
    @hours_blp.alt_response(403, schema=ProblemSchema)
    @hours_blp.alt_response(404, schema=ProblemSchema)
    @hours_blp.alt_response(409, schema=ProblemSchema)
    def post(self, _data: dict[str, Any], entry_id: UUID) -> dict[str, Any]:
        """Approve an entry you recorded (who records certifies)"""
        return hours_out(hours.approve(_uow(), current_principal(), entry_id, now=_now()))


@hours_blp.route("/<uuid:entry_id>/reject")
class RejectView(MethodView):
    @hours_blp.arguments(s.ReasonIn)
    @hours_blp.response(200, s.HoursOut)
    @hours_blp.alt_response(403, schema=ProblemSchema)
    @hours_blp.alt_response(404, schema=ProblemSchema)
    @hours_blp.alt_response(409, schema=ProblemSchema)
    def post(self, data: dict[str, Any], entry_id: UUID) -> dict[str, Any]:
        """Reject an entry you recorded, with a reason"""
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
    @hours_blp.alt_response(403, schema=ProblemSchema)
    @hours_blp.alt_response(429, schema=ProblemSchema)  # REPORT_RATE_LIMIT
    @rate_limited("reports")  # REPORT_RATE_LIMIT per principal (OWASP API4)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Minutes per volunteer or per team, approved by default (optionally one month)"""
        actor = current_principal()
        statuses = {"approved": [HourStatus.APPROVED], "pending": [HourStatus.PENDING],
                    "all": [HourStatus.APPROVED, HourStatus.PENDING]}[args["status"]]
        start, end = _month(args["month"])
        uow = _uow()
        rows = hours.totals(uow, actor, group=args["group"], statuses=statuses,
                            start=start, end=end)
        names = _names(uow, args["group"], [k for k, _, _ in rows if k is not None])
        items = [{"id": k, "name": names.get(k, ""), "minutes": m,
                  "hours": round(m / 60, 2), "duration": format_minutes(m), "entries": n}
                 for k, m, n in rows if k is not None]
        return {"group": args["group"], "month": args["month"], "status": args["status"],
                "total_minutes": sum(i["minutes"] for i in items), "items": items}


def _names(uow: VolunteerUoW, group: str, ids: list[UUID]) -> dict[UUID, str]:
    with uow:
        if group == "team":
            return {t.id: t.name for t in uow.teams.all() if t.id in set(ids)}
        return {v.id: v.real_name for v in uow.volunteers.many(ids)}


def blueprints(_ctx: ServiceContext) -> list[Blueprint]:
    return [teams_blp, volunteers_blp, tasks_blp, hours_blp, records_blueprint()]
