"""The roster: teams and volunteers, kept by the coordinators of their districts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from svckit import pipl
from svckit.auth.principal import Principal
from svckit.domain.division import is_within
from svckit.domain.errors import Forbidden, NotFound

from volunteer.domain.access import (
    Actor,
    Role,
    coordinates,
    reads,
    require_coordinator_in,
    visible_phone,
)
from volunteer.domain.volunteers import AvailabilityWindow, Team, Volunteer
from volunteer.service_layer.common import require_role, scopes
from volunteer.service_layer.uow import VolunteerUoW


def can_view_volunteer(actor: Actor, v: Volunteer) -> bool:
    """Themself; coordinators and staff whose scope overlaps a division they serve (a
    volunteer serving the whole city is seen by each district's coordinator)."""
    if actor.role is Role.VOLUNTEER:
        return actor.id == v.id
    if actor.role is Role.STAFF and not actor.districts:
        return True
    return any(is_within(c, d) or is_within(d, c) for c in v.divisions for d in actor.districts)


def list_teams(uow: VolunteerUoW, actor: Actor) -> list[tuple[Team, int]]:
    require_role(actor, Role.COORDINATOR, Role.STAFF)
    with uow:
        counts = uow.volunteers.active_by_team()
        return [(t, counts.get(t.id, 0)) for t in uow.teams.all()
                if coordinates(actor, t.division) or reads(actor, t.division)]


def get_volunteer(uow: VolunteerUoW, actor: Actor, volunteer_id: UUID) -> Volunteer:
    with uow:
        v = uow.volunteers.get(volunteer_id)
        if not can_view_volunteer(actor, v):
            raise NotFound("volunteer", volunteer_id)
        return v


def list_volunteers(uow: VolunteerUoW, actor: Actor, *, team_id: UUID | None,
                    skill: str | None, active: bool | None, page: int,
                    size: int) -> tuple[list[Volunteer], int]:
    require_role(actor, Role.COORDINATOR, Role.STAFF)
    with uow:
        return uow.volunteers.search(scopes=scopes(actor), team_id=team_id, skill=skill,
                                     active=active, page=page, size=size)


@dataclass(frozen=True)
class VolunteerFields:
    real_name: str | None = None
    phone: str | None = None
    divisions: Sequence[str] | None = None
    skills: Sequence[str] | None = None
    availability: Sequence[AvailabilityWindow] | None = None
    team_id: UUID | None = None
    #: register: must be true; update: true records it now, false withdraws it
    consent: bool | None = None


def _team_in_scope(uow: VolunteerUoW, actor: Actor, team_id: UUID, *,
                   staff: bool = False) -> Team:
    team = uow.teams.get(team_id)
    if not (coordinates(actor, team.division) or (staff and reads(actor, team.division))):
        raise NotFound("team", team_id)
    return team


def register(uow: VolunteerUoW, actor: Actor, f: VolunteerFields, *,
             now: datetime) -> Volunteer:
    """A coordinator in their districts; federation staff too (the bulk import of the
    roster from a spreadsheet), within their scope."""
    require_role(actor, Role.COORDINATOR, Role.STAFF)
    for code in f.divisions or ():
        if actor.role is Role.STAFF:
            if not reads(actor, code):
                raise Forbidden(f"无权登记该区划的志愿者 (division {code} outside your scope)")
        else:
            require_coordinator_in(actor, code)
    with uow:
        team = _team_in_scope(uow, actor, f.team_id, staff=True) if f.team_id else None
        v = Volunteer.register(
            real_name=f.real_name or "", phone=f.phone or "", divisions=f.divisions or (),
            skills=f.skills or (), availability=f.availability or (), now=now, team=team,
            consent=f.consent is True,
        )
        uow.volunteers.add(v)
        uow.commit()
    return v


def _coordinated(uow: VolunteerUoW, actor: Actor, volunteer_id: UUID) -> Volunteer:
    require_role(actor, Role.COORDINATOR)
    v = uow.volunteers.lock(volunteer_id)
    if not can_view_volunteer(actor, v):
        raise NotFound("volunteer", volunteer_id)
    for code in v.divisions:
        require_coordinator_in(actor, code)
    return v


def update(uow: VolunteerUoW, actor: Actor, volunteer_id: UUID, f: VolunteerFields, *,
           now: datetime) -> Volunteer:
    for code in f.divisions or ():
        require_coordinator_in(actor, code)
    with uow:
        v = _coordinated(uow, actor, volunteer_id)
        v.update(real_name=f.real_name, phone=f.phone, divisions=f.divisions,
                 skills=f.skills, availability=f.availability)
        if f.consent is True and v.consent_at is None:
            v.record_consent(now)
        elif f.consent is False:
            v.withdraw_consent()
        if f.team_id is not None:
            v.join_team(_team_in_scope(uow, actor, f.team_id))
        uow.commit()
    return v


def set_active(uow: VolunteerUoW, actor: Actor, volunteer_id: UUID, active: bool, *,
               now: datetime) -> Volunteer:
    with uow:
        v = _coordinated(uow, actor, volunteer_id)
        if active:
            v.activate()
        else:
            v.deactivate()
        uow.commit()
    return v


def read_contact(uow: VolunteerUoW, actor: Actor, principal: Principal, volunteer_id: UUID,
                 purpose: str, *, now: datetime) -> Volunteer:
    """The volunteer's phone in full, for themself and the coordinators of a division they
    serve; the read is recorded in the access log with its purpose (svckit.pipl)."""
    purpose = pipl.check_purpose(purpose)
    with uow:
        v = uow.volunteers.get(volunteer_id)
        if not can_view_volunteer(actor, v):
            raise NotFound("volunteer", volunteer_id)
        if visible_phone(actor, v) != v.phone:
            raise Forbidden("仅本人或所在区协调员可查看完整电话 "
                            "(only the volunteer and their coordinators)")
        pipl.record_read(uow, principal, record_type="volunteer", record_id=v.id,
                         fields=("phone",), purpose=purpose, at=now)
        uow.commit()
        return v
