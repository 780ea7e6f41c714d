"""What every use case shares: who the caller is (as a domain ``Actor``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from uuid import UUID

from svckit.auth.principal import Principal
from svckit.auth.principal import Role as PRole
from svckit.domain.errors import Forbidden, NotFound

from volunteer.domain.access import Actor, Role, can_view_task, coordinates
from volunteer.domain.tasks import Task
from volunteer.service_layer.uow import VolunteerUoW

#: Coordinators and staff are identified by the token's ``sub`` (any string); the domain
#: names people by UUID, so a non-UUID ``sub`` is mapped to a stable UUIDv5.
_SUB_NAMESPACE = uuid.UUID("6f1c9a52-3b0e-4c55-9d3e-6a1f4f2b7c11")


def person_id(sub: str) -> UUID:
    try:
        return UUID(sub)
    except ValueError:
        return uuid.uuid5(_SUB_NAMESPACE, sub)


def actor_of(principal: Principal) -> Actor:
    """The domain actor for a token; other roles (clerk, contractor...) have no business here."""
    if principal.role is PRole.COORDINATOR:
        return Actor(person_id(principal.sub), Role.COORDINATOR, frozenset(principal.districts))
    if principal.role is PRole.STAFF:
        return Actor(person_id(principal.sub), Role.STAFF, frozenset(principal.districts))
    if principal.role is PRole.VOLUNTEER:
        try:
            return Actor(UUID(str(principal.volunteer_id)), Role.VOLUNTEER)
        except ValueError:
            raise Forbidden("令牌缺少志愿者编号 (token has no volunteer_id)") from None
    raise Forbidden(f"角色 {principal.role.value} 无权使用志愿服务 (role not allowed)")


def scopes(actor: Actor) -> Sequence[str] | None:
    """Division scopes a list is limited to; None: everything (staff of the whole city)."""
    if actor.role is Role.STAFF and not actor.districts:
        return None
    return sorted(actor.districts)


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        raise Forbidden(f"角色 {actor.role.value} 无权执行此操作 (role not allowed)")


def visible_task(uow: VolunteerUoW, actor: Actor, task_id: UUID, *, lock: bool = False) -> Task:
    """The task, or 404 when the caller may not know it exists."""
    task = uow.tasks.lock(task_id) if lock else uow.tasks.get(task_id)
    if not can_view_task(actor, task):
        raise NotFound("task", task_id)
    return task


def coordinated_task(uow: VolunteerUoW, actor: Actor, task_id: UUID) -> Task:
    """Locked task the caller coordinates: 404 outside their view, 403 when they only read."""
    task = visible_task(uow, actor, task_id, lock=True)
    if not coordinates(actor, task.division):
        raise Forbidden("只有本区协调员可以调度该任务 (only the district's coordinator may)")
    return task
