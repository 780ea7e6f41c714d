"""The service-hours ledger (志愿服务记录): manual records, approval by the recorder (a
flagged entry: by a second coordinator of the division or staff), totals per volunteer and
per team. Each use case that adds or approves an entry locks the volunteer's row first, so
their entries of a day are checked against each other one writer at a time."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from svckit.auth.principal import Principal, Role
from svckit.domain.errors import NotFound

from volunteer.domain.hours import HourStatus, ServiceHourEntry, check_span
from volunteer.service_layer.common import division_arg, me
from volunteer.service_layer.policy import POLICY, hours_scope
from volunteer.service_layer.uow import VolunteerUoW


def record_manual(uow: VolunteerUoW, principal: Principal, volunteer_id: UUID, *,
                  division: str, started_at: datetime, ended_at: datetime, note: str,
                  now: datetime) -> ServiceHourEntry:
    division = division_arg("division", division)
    POLICY.require(principal, "hours.record", division=division)
    start, end = check_span(started_at, ended_at, now=now)
    with uow:
        v = uow.volunteers.lock(volunteer_id)
        entry = ServiceHourEntry.record_manual(
            v, coordinator_id=me(principal), division=division, started_at=start,
            ended_at=end, note=note, now=now, policy=uow.settings.policy,
            others=uow.hours.on_days_of(v.id, start, end),
        )
        uow.hours.add(entry)
        uow.commit()
    return entry


def _decided(uow: VolunteerUoW, principal: Principal, entry_id: UUID) -> ServiceHourEntry:
    """The entry, locked after its volunteer (the lock order of every hours writer)."""
    POLICY.require_role(principal, "hours.decide")
    entry = uow.hours.get(entry_id)
    if not principal.covers(**hours_scope(entry)):
        raise NotFound("service_hours", entry_id)
    uow.volunteers.lock(entry.volunteer_id)
    return uow.hours.lock(entry_id)


def approve(uow: VolunteerUoW, principal: Principal, entry_id: UUID, *,
            now: datetime) -> ServiceHourEntry:
    with uow:
        entry = _decided(uow, principal, entry_id)
        entry.approve(me(principal), now=now, approved=uow.hours.on_days_of(
            entry.volunteer_id, entry.started_at, entry.ended_at,
            statuses=(HourStatus.APPROVED,)))
        uow.commit()
    return entry


def reject(uow: VolunteerUoW, principal: Principal, entry_id: UUID, reason: str, *,
           now: datetime) -> ServiceHourEntry:
    with uow:
        entry = _decided(uow, principal, entry_id)
        entry.reject(me(principal), now=now, reason=reason)
        uow.commit()
    return entry


def _own(principal: Principal) -> UUID | None:
    """A volunteer's lists are limited to themself."""
    return me(principal) if principal.role is Role.VOLUNTEER else None


def list_entries(uow: VolunteerUoW, principal: Principal, *, volunteer_id: UUID | None,
                 status: str | None, flagged: bool | None, page: int,
                 size: int) -> tuple[list[ServiceHourEntry], int]:
    POLICY.require_role(principal, "hours.list")
    with uow:
        return uow.hours.search(scopes=principal.division_filter(),
                                volunteer_id=_own(principal) or volunteer_id, status=status,
                                flagged=flagged, page=page, size=size)


def totals(uow: VolunteerUoW, principal: Principal, *, group: str,
           statuses: list[HourStatus], start: datetime | None,
           end: datetime | None) -> list[tuple[UUID, str, int, int]]:
    """``(id, name, minutes, entries)`` per volunteer or per team, biggest first. A
    volunteer sees only their own total."""
    POLICY.require_role(principal, "hours.totals" if group == "volunteer"
                        else "hours.team_totals")
    with uow:
        rows = [(k, m, n) for k, m, n in uow.hours.totals(
            group=group, scopes=principal.division_filter(), volunteer_id=_own(principal),
            statuses=[str(s) for s in statuses], start=start, end=end) if k is not None]
        ids = {k for k, _, _ in rows}
        if group == "team":
            names = {t.id: t.name for t in uow.teams.all() if t.id in ids}
        else:
            names = {v.id: v.real_name for v in uow.volunteers.many(ids)}
        return [(k, names.get(k, ""), m, n) for k, m, n in rows]
