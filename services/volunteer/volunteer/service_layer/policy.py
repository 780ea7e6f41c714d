"""Who may do what in the volunteer service: the one policy declaration (ADR 0011).

Scope (``svckit.auth.principal.Principal.covers``): coordinators act within their
districts, staff read within theirs (none: the whole city), a volunteer reaches only
what names them (offers and tasks offered or assigned to them, their own roster entry and
hours). Use cases check an action on the object they loaded with the object's scope
below; an object outside the caller's view is 404, an action they may not take on an
object they see is 403.
"""

from __future__ import annotations

from typing import Any

from svckit.auth.policy import Policy
from svckit.auth.principal import Principal, Role

from volunteer.domain.hours import ServiceHourEntry
from volunteer.domain.tasks import Task
from volunteer.domain.volunteers import Volunteer

C, S, V = Role.COORDINATOR, Role.STAFF, Role.VOLUNTEER

POLICY = Policy("volunteer", {
    "team.list": {C, S},
    "volunteer.list": {C, S},
    "volunteer.read": {C, S, V},
    "volunteer.read_contact": {C, V},  # the phone in full (logged)
    "volunteer.register": {C, S},  # staff: the roster import, within their scope
    "volunteer.edit": {C},  # edit, activate, deactivate
    "task.list": {C, S, V},
    "task.read": {C, S, V},
    "task.read_address": {C, V},  # the full address (logged): the assignee
    "task.create": {C},
    "task.dispatch": {C},  # candidates, offer, withdraw, assign, no-show, reschedule,
    #                        cancel, fail an unstaffed task, take the assignee off
    "task.answer": {V},  # accept, decline
    "task.release": {C, V},  # drop out (the assignee) or take them off (coordinator)
    "task.on_site": {V},  # check in, check out, fail on site
    "hours.list": {C, S, V},
    "hours.totals": {C, S, V},  # per volunteer (a volunteer: their own)
    "hours.team_totals": {C, S},
    "hours.record": {C},
    "hours.annual": {C, S, V},  # approved hours per year of one volunteer (own: volunteer)
    "certificate.issue": {C, V},  # a coordinator for their volunteers, a volunteer for
    #                               themself (志愿服务记录证明, on request)
    "certificate.read": {C, S, V},
    "hours.decide": {C, S},  # approve, reject: the recorder; a flagged entry: a second
    #                          coordinator of the division or staff (the domain's rule)
})


def task_scope(task: Task) -> dict[str, Any]:
    """A task is seen within its division and by the volunteers it was offered to."""
    return {"division": task.division,
            "volunteer": {task.assignee_id, *(o.volunteer_id for o in task.offers)}}


def assignee_scope(task: Task) -> dict[str, Any]:
    """A task's full address: its division's coordinators and its assignee."""
    return {"division": task.division, "volunteer": task.assignee_id}


def hours_scope(entry: ServiceHourEntry) -> dict[str, Any]:
    return {"division": entry.division, "volunteer": entry.volunteer_id}


def volunteer_scope(v: Volunteer, principal: Principal) -> dict[str, Any]:
    """A roster entry is seen by the volunteer and by those whose districts overlap a
    division they serve, either way round (a volunteer serving the whole city is seen by
    each district's coordinator): their divisions plus the caller's districts they serve."""
    reach = set(v.divisions) | {d for d in principal.districts if v.serves(d)}
    return {"division": reach, "volunteer": v.id}
