"""What every use case shares: who the caller is (as a domain ``Actor``) and how domain
events become integration events in the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from uuid import UUID

from svckit.auth.principal import Principal
from svckit.auth.principal import Role as PRole
from svckit.domain.errors import Forbidden, NotFound

from volunteer.domain import events as ev
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


def publish(uow: VolunteerUoW, task: Task) -> None:
    """Turn the task's domain events into integration events (then clear them)."""
    assert task.source is not None
    base = {
        "task_id": task.id,
        "task_type": str(task.type),
        "source": {"service": task.source.service, "kind": task.source.kind,
                   "id": task.source.id},
        "division_code": task.division,
    }
    sid = str(task.id)
    for e in task.events:
        if isinstance(e, ev.TaskOffered):
            uow.add_event("volunteer.task_offered",
                          {**base, "volunteer_id": e.volunteer_id, "expires_at": e.expires_at},
                          subject_id=sid)
        elif isinstance(e, ev.TaskAssigned):
            uow.add_event("volunteer.task_assigned",
                          {**base, "volunteer_id": e.volunteer_id, "by_hand": e.by_hand},
                          subject_id=sid)
        elif isinstance(e, ev.TaskCompleted):
            result = task.result.as_dict() if task.result else {}
            uow.add_event("volunteer.task_completed", {
                **base, "volunteer_id": e.volunteer_id, "completed_at": e.checked_out_at,
                "outcome": e.outcome, "result": result,
            }, subject_id=sid)
        elif isinstance(e, ev.TaskFailed):
            uow.add_event("volunteer.task_failed",
                          {**base, "reason": e.reason[:500], "failed_at": e.occurred_at},
                          subject_id=sid)
    task.events.clear()
