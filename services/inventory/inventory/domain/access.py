"""Who may act where: clerks and supervisors at their own stations, federation staff anywhere."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field

from svckit.domain.errors import Forbidden


class Role(enum.StrEnum):
    CLERK = "clerk"  # 租赁站工作人员
    SUPERVISOR = "supervisor"  # 站长: a clerk who may also override the overdue block
    STAFF = "staff"  # 残联工作人员: sees and acts at every station


@dataclass(frozen=True)
class Actor:
    user_id: str  # the token's subject (not necessarily a UUID)
    role: Role
    station_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    def can_act_at(self, station_id: uuid.UUID) -> bool:
        return self.role == Role.STAFF or station_id in self.station_ids

    def ensure_can_act_at(self, station_id: uuid.UUID) -> None:
        """Object-level check every use case runs on the station the object belongs to."""
        if not self.can_act_at(station_id):
            raise Forbidden("只能操作本人所属站点的业务 (you may act only at your own stations)")

    @property
    def may_override(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.STAFF)
