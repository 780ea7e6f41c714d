"""The service-hours ledger (志愿服务记录): manual records, approval by the recorder,
totals per volunteer and per team."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from svckit.domain.errors import NotFound

from volunteer.domain.access import Actor, Role, can_view_hours, require_coordinator_in
from volunteer.domain.hours import HourStatus, ServiceHourEntry
from volunteer.service_layer.common import require_role, scopes
from volunteer.service_layer.uow import VolunteerUoW


def record_manual(uow: VolunteerUoW, actor: Actor, volunteer_id: UUID, *, division: str,
                  started_at: datetime, ended_at: datetime, note: str,
                  now: datetime) -> ServiceHourEntry:
    require_role(actor, Role.COORDINATOR)
    require_coordinator_in(actor, division)
    with uow:
        v = uow.volunteers.get(volunteer_id)
        entry = ServiceHourEntry.record_manual(
            v, coordinator_id=actor.id, division=division, started_at=started_at,
            ended_at=ended_at, note=note, now=now, policy=uow.settings.policy,
        )
        uow.hours.add(entry)
        uow.commit()
    return entry


def _visible(uow: VolunteerUoW, actor: Actor, entry_id: UUID) -> ServiceHourEntry:
    entry = uow.hours.lock(entry_id)
    if not can_view_hours(actor, entry):
        raise NotFound("service_hours", entry_id)
    return entry


def approve(uow: VolunteerUoW, actor: Actor, entry_id: UUID, *,
            now: datetime) -> ServiceHourEntry:
    require_role(actor, Role.COORDINATOR)
    with uow:
        entry = _visible(uow, actor, entry_id)
        entry.approve(actor.id, now=now)
        uow.commit()
    return entry


def reject(uow: VolunteerUoW, actor: Actor, entry_id: UUID, reason: str, *,
           now: datetime) -> ServiceHourEntry:
    require_role(actor, Role.COORDINATOR)
    with uow:
        entry = _visible(uow, actor, entry_id)
        entry.reject(actor.id, now=now, reason=reason)
        uow.commit()
    return entry


def list_entries(uow: VolunteerUoW, actor: Actor, *, volunteer_id: UUID | None,
                 status: str | None, flagged: bool | None, page: int,
                 size: int) -> tuple[list[ServiceHourEntry], int]:
    with uow:
        if actor.role is Role.VOLUNTEER:
            return uow.hours.search(scopes=None, volunteer_id=actor.id, status=status,
                                    flagged=flagged, page=page, size=size)
        return uow.hours.search(scopes=scopes(actor), volunteer_id=volunteer_id,
                                status=status, flagged=flagged, page=page, size=size)


def totals(uow: VolunteerUoW, actor: Actor, *, group: str, statuses: list[HourStatus],
           start: datetime | None, end: datetime | None) -> list[tuple[UUID | None, int, int]]:
    """Minutes per volunteer or per team. A volunteer sees only their own total."""
    with uow:
        if actor.role is Role.VOLUNTEER:
            if group != "volunteer":
                require_role(actor, Role.COORDINATOR, Role.STAFF)
            return uow.hours.totals(group=group, scopes=None, volunteer_id=actor.id,
                                    statuses=[str(s) for s in statuses], start=start, end=end)
        return uow.hours.totals(group=group, scopes=scopes(actor), volunteer_id=None,
                                statuses=[str(s) for s in statuses], start=start, end=end)
