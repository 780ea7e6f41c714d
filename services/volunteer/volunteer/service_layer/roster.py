"""The roster: teams and volunteers, kept by the coordinators of their districts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from svckit import pipl
from svckit.auth.principal import Principal
from svckit.domain.errors import NotFound

from volunteer.domain.volunteers import AvailabilityWindow, Team, Volunteer
from volunteer.service_layer.common import division_arg
from volunteer.service_layer.policy import POLICY, volunteer_scope
from volunteer.service_layer.uow import VolunteerUoW


def _seen(uow: VolunteerUoW, principal: Principal, volunteer_id: UUID, *,
          lock: bool = False) -> Volunteer:
    """The volunteer, or 404 when the caller may not know them (themself; coordinators and
    staff whose scope overlaps a division they serve)."""
    POLICY.require_role(principal, "volunteer.read")
    v = uow.volunteers.lock(volunteer_id) if lock else uow.volunteers.get(volunteer_id)
    if not principal.covers(**volunteer_scope(v, principal)):
        raise NotFound("volunteer", volunteer_id)
    return v


def list_teams(uow: VolunteerUoW, principal: Principal) -> list[tuple[Team, int]]:
    POLICY.require_role(principal, "team.list")
    with uow:
        counts = uow.volunteers.active_by_team()
        return [(t, counts.get(t.id, 0)) for t in uow.teams.all()
                if principal.covers(division=t.division)]


def get_volunteer(uow: VolunteerUoW, principal: Principal, volunteer_id: UUID) -> Volunteer:
    with uow:
        return _seen(uow, principal, volunteer_id)


def list_volunteers(uow: VolunteerUoW, principal: Principal, *, team_id: UUID | None,
                    skill: str | None, active: bool | None, page: int,
                    size: int) -> tuple[list[Volunteer], int]:
    POLICY.require_role(principal, "volunteer.list")
    with uow:
        return uow.volunteers.search(scopes=principal.division_filter(), team_id=team_id,
                                     skill=skill, active=active, page=page, size=size)


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


def _team(uow: VolunteerUoW, principal: Principal, team_id: UUID) -> Team:
    team = uow.teams.get(team_id)
    if not principal.covers(division=team.division):
        raise NotFound("team", team_id)
    return team


def register(uow: VolunteerUoW, principal: Principal, f: VolunteerFields, *,
             now: datetime) -> Volunteer:
    """A coordinator in their districts; federation staff too (the bulk import of the
    roster from a spreadsheet), within their scope."""
    POLICY.require_role(principal, "volunteer.register")
    for code in f.divisions or ():
        POLICY.require(principal, "volunteer.register", division=division_arg("divisions", code))
    with uow:
        team = _team(uow, principal, f.team_id) if f.team_id else None
        v = Volunteer.register(
            real_name=f.real_name or "", phone=f.phone or "", divisions=f.divisions or (),
            skills=f.skills or (), availability=f.availability or (), now=now, team=team,
            consent=f.consent is True,
        )
        uow.volunteers.add(v)
        uow.commit()
    return v


def _edited(uow: VolunteerUoW, principal: Principal, volunteer_id: UUID) -> Volunteer:
    """Locked volunteer the caller keeps: a coordinator of every division they serve."""
    POLICY.require_role(principal, "volunteer.edit")
    v = _seen(uow, principal, volunteer_id, lock=True)
    for code in v.divisions:
        POLICY.require(principal, "volunteer.edit", division=code)
    return v


def update(uow: VolunteerUoW, principal: Principal, volunteer_id: UUID, f: VolunteerFields, *,
           now: datetime) -> Volunteer:
    POLICY.require_role(principal, "volunteer.edit")
    for code in f.divisions or ():
        POLICY.require(principal, "volunteer.edit", division=division_arg("divisions", code))
    with uow:
        v = _edited(uow, principal, volunteer_id)
        v.update(real_name=f.real_name, phone=f.phone, divisions=f.divisions,
                 skills=f.skills, availability=f.availability)
        if f.consent is True and v.consent_at is None:
            v.record_consent(now)
        elif f.consent is False:
            v.withdraw_consent()
        if f.team_id is not None:
            v.join_team(_team(uow, principal, f.team_id))
        uow.commit()
    return v


def set_active(uow: VolunteerUoW, principal: Principal, volunteer_id: UUID,
               active: bool) -> Volunteer:
    with uow:
        v = _edited(uow, principal, volunteer_id)
        if active:
            v.activate()
        else:
            v.deactivate()
        uow.commit()
    return v


def read_contact(uow: VolunteerUoW, principal: Principal, volunteer_id: UUID, purpose: str, *,
                 now: datetime) -> Volunteer:
    """The volunteer's phone in full, for themself and the coordinators of a division they
    serve; the read is recorded in the access log with its purpose (svckit.pipl)."""
    purpose = pipl.check_purpose(purpose)
    with uow:
        v = _seen(uow, principal, volunteer_id)
        POLICY.require(principal, "volunteer.read_contact", **volunteer_scope(v, principal))
        pipl.record_read(uow, principal, record_type="volunteer", record_id=v.id,
                         fields=("phone",), purpose=purpose, at=now)
        uow.commit()
        return v
