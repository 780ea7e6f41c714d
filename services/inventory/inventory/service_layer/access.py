"""From the token's principal to the domain's actor, and the object-level scope checks."""

from __future__ import annotations

import uuid

from svckit.auth.principal import Principal
from svckit.auth.principal import Role as TokenRole
from svckit.domain.errors import Forbidden, NotFound

from inventory.domain.access import Actor, Role

_ROLES = {TokenRole.CLERK: Role.CLERK, TokenRole.SUPERVISOR: Role.SUPERVISOR,
          TokenRole.STAFF: Role.STAFF}


def actor_of(principal: Principal) -> Actor:
    """Clerks, supervisors (their stations) and federation staff (everywhere) use this
    service; every other role is refused."""
    role = _ROLES.get(principal.role)
    if role is None:
        raise Forbidden(f"角色 {principal.role.value} 无权使用辅具租赁服务 (role not allowed)")
    stations: set[uuid.UUID] = set()
    for raw in principal.stations:
        try:
            stations.add(uuid.UUID(raw))
        except ValueError:
            continue
    return Actor(user_id=principal.sub, role=role, station_ids=frozenset(stations))


def require_staff(actor: Actor) -> None:
    if actor.role != Role.STAFF:
        raise Forbidden("仅限残联工作人员 (federation staff only)")


def require_supervisor(actor: Actor) -> None:
    if not actor.may_override:
        raise Forbidden("仅限站长或残联工作人员 (supervisor or staff only)")


def ensure_visible(actor: Actor, station_id: uuid.UUID, kind: str, key: object) -> None:
    """An object of a station the caller does not serve is, to them, not there (404)."""
    if not actor.can_act_at(station_id):
        raise NotFound(kind, key)


def station_scope(actor: Actor) -> list[uuid.UUID] | None:
    """The stations a list is limited to (``None``: all, for staff)."""
    return None if actor.role == Role.STAFF else sorted(actor.station_ids)
