"""What every use case shares: the caller's id in the domain and loading a task with the
caller's view of it checked (``service_layer.policy``)."""

from __future__ import annotations

import uuid
from uuid import UUID

from svckit.auth.principal import Principal, Role
from svckit.domain.division import validate_division
from svckit.domain.errors import Forbidden, NotFound, ValidationFailed

from volunteer.domain.tasks import Task
from volunteer.service_layer.policy import POLICY, task_scope
from volunteer.service_layer.uow import VolunteerUoW

#: Coordinators and staff are identified by the token's ``sub`` (any string); the domain
#: names people by UUID, so a non-UUID ``sub`` is mapped to a stable UUIDv5.
_SUB_NAMESPACE = uuid.UUID("6f1c9a52-3b0e-4c55-9d3e-6a1f4f2b7c11")


def person_id(sub: str) -> UUID:
    try:
        return UUID(sub)
    except ValueError:
        return uuid.uuid5(_SUB_NAMESPACE, sub)


def me(principal: Principal) -> UUID:
    """The caller as the domain names them: a volunteer's id, else the person's UUID."""
    if principal.role is Role.VOLUNTEER:
        try:
            return UUID(str(principal.volunteer_id))
        except ValueError:
            raise Forbidden("令牌缺少志愿者编号 (token has no volunteer_id)") from None
    return person_id(principal.sub)


def division_arg(field: str, raw: str) -> str:
    """A division code the caller gave, normalised and validated (422) before it is
    checked against their scope."""
    try:
        return validate_division(raw)
    except ValueError as exc:
        raise ValidationFailed.field(field, str(exc)) from None


def visible_task(uow: VolunteerUoW, principal: Principal, task_id: UUID, *,
                 lock: bool = False) -> Task:
    """The task, or 404 when the caller may not know it exists."""
    POLICY.require_role(principal, "task.read")
    task = uow.tasks.lock(task_id) if lock else uow.tasks.get(task_id)
    if not principal.covers(**task_scope(task)):
        raise NotFound("task", task_id)
    return task


def coordinated_task(uow: VolunteerUoW, principal: Principal, task_id: UUID) -> Task:
    """Locked task the caller dispatches: 404 outside their view, 403 when they only read."""
    task = visible_task(uow, principal, task_id, lock=True)
    POLICY.require(principal, "task.dispatch", division=task.division)
    return task
