"""Scope rules as pure predicates: a coordinator acts within their districts; a volunteer
sees only their own offers and tasks, and a task's full address only once it is theirs.

An ``Actor`` of role volunteer carries the volunteer's id as ``id``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from svckit.domain.certificate import mask_phone
from svckit.domain.division import is_within, name_of
from svckit.domain.errors import Forbidden

from .hours import ServiceHourEntry
from .tasks import Task
from .volunteers import Volunteer


class Role(StrEnum):
    COORDINATOR = "coordinator"
    VOLUNTEER = "volunteer"
    #: federation staff: read everything within ``districts`` (empty: the whole city),
    #: act only to register volunteers (the roster import), and see personal data masked
    #: (they do not need the door or the number)
    STAFF = "staff"


@dataclass(frozen=True)
class Actor:
    id: UUID
    role: Role
    districts: frozenset[str] = frozenset()  # a coordinator's scope (district or city codes)


def reads(actor: Actor, division: str) -> bool:
    """Staff reading within their scope (no districts: everywhere)."""
    return actor.role is Role.STAFF and (
        not actor.districts or any(is_within(division, d) for d in actor.districts)
    )


def coordinates(actor: Actor, division: str) -> bool:
    """True when ``actor`` is a coordinator whose districts include ``division``."""
    return actor.role is Role.COORDINATOR and any(is_within(division, d) for d in actor.districts)


def require_coordinator_in(actor: Actor, division: str) -> None:
    """Raise ``Forbidden`` unless ``actor`` coordinates ``division`` (dispatch, approve...)."""
    if not coordinates(actor, division):
        raise Forbidden(
            f"无权管理{name_of(division)}的志愿服务 (not a coordinator of division {division})"
        )


def _coordinates_any(actor: Actor, divisions: Iterable[str]) -> bool:
    """A coordinator whose scope overlaps any of ``divisions`` (either way round)."""
    return actor.role is Role.COORDINATOR and any(
        is_within(code, d) or is_within(d, code) for code in divisions for d in actor.districts
    )


def can_view_task(actor: Actor, task: Task) -> bool:
    """Coordinators of its division; a volunteer only if it is offered or assigned to them."""
    if actor.role is Role.VOLUNTEER:
        return task.assignee_id == actor.id or any(o.volunteer_id == actor.id for o in task.offers)
    return coordinates(actor, task.division) or reads(actor, task.division)


def visible_address(actor: Actor, task: Task) -> str:
    """The full address for the assignee and the division's coordinators; otherwise the
    district name only (an offeree decides on the area, sees the door once it accepts)."""
    if coordinates(actor, task.division) or (
        actor.role is Role.VOLUNTEER and task.assignee_id == actor.id
    ):
        return task.address
    return f"{name_of(task.division)}（接受任务后可查看详细地址）"


def visible_phone(actor: Actor, volunteer: Volunteer) -> str:
    """The full number for the volunteer themself and coordinators of a division they
    serve; masked (``138****5678``) for everyone else."""
    if actor.id == volunteer.id or _coordinates_any(actor, volunteer.divisions):
        return volunteer.phone
    return mask_phone(volunteer.phone)


def can_view_hours(actor: Actor, entry: ServiceHourEntry) -> bool:
    """A volunteer sees their own entries; a coordinator those of their districts."""
    if actor.role is Role.VOLUNTEER:
        return entry.volunteer_id == actor.id
    return coordinates(actor, entry.division) or reads(actor, entry.division)
