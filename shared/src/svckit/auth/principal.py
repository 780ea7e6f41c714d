"""Who is calling, in which role, over which scope.

Token claims: ``sub`` (user id), ``name``, ``role`` and the scope of the role:
``stations`` (clerk, supervisor), ``company`` (contractor), ``districts`` (coordinator,
and optionally staff/inspectors limited to part of the city), ``volunteer_id``
(volunteer). A division scope is a GB/T 2260 code; a city code covers its counties.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from svckit.domain.division import is_within
from svckit.domain.errors import Forbidden


class Role(enum.StrEnum):
    STAFF = "staff"  # 残联工作人员: assess, approve, read everything
    SUPERVISOR = "supervisor"  # station supervisor: a clerk who may override
    CLERK = "clerk"  # 租赁站工作人员
    CONTRACTOR = "contractor"  # 施工单位
    INSPECTOR = "inspector"  # 验收人员
    COORDINATOR = "coordinator"  # 志愿服务协调员
    VOLUNTEER = "volunteer"  # 志愿者
    SERVICE = "service"  # another service calling with its own token


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    name: str = ""
    stations: tuple[str, ...] = ()
    company: str | None = None
    districts: tuple[str, ...] = ()
    volunteer_id: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        return cls(
            sub=str(claims["sub"]),
            role=Role(claims["role"]),
            name=str(claims.get("name") or ""),
            stations=tuple(str(s) for s in claims.get("stations") or ()),
            company=(str(claims["company"]) if claims.get("company") else None),
            districts=tuple(str(d) for d in claims.get("districts") or ()),
            volunteer_id=(str(claims["volunteer_id"]) if claims.get("volunteer_id") else None),
            claims=dict(claims),
        )

    def to_claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": self.sub, "role": self.role.value}
        if self.name:
            claims["name"] = self.name
        if self.stations:
            claims["stations"] = list(self.stations)
        if self.company:
            claims["company"] = self.company
        if self.districts:
            claims["districts"] = list(self.districts)
        if self.volunteer_id:
            claims["volunteer_id"] = self.volunteer_id
        return claims

    # -- checks -----------------------------------------------------------------
    def is_(self, *roles: Role) -> bool:
        return self.role in roles

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            raise Forbidden(f"角色 {self.role.value} 无权执行此操作 (role not allowed)")

    def covers_station(self, station_id: object) -> bool:
        """Staff see every station; clerks and supervisors only their own."""
        if self.role is Role.STAFF:
            return True
        return self.role in (Role.CLERK, Role.SUPERVISOR) and str(station_id) in self.stations

    def covers_division(self, code: str) -> bool:
        """Within one of the caller's districts (staff/inspectors without districts: anywhere)."""
        if self.role in (Role.STAFF, Role.INSPECTOR) and not self.districts:
            return True
        return any(is_within(code, scope) for scope in self.districts)

    def covers_company(self, company_id: object) -> bool:
        return self.role is Role.CONTRACTOR and self.company == str(company_id)

    def require_station(self, station_id: object) -> None:
        if not self.covers_station(station_id):
            raise Forbidden("无权操作其他站点的数据 (not your station)")

    def require_division(self, code: str) -> None:
        if not self.covers_division(code):
            raise Forbidden("无权操作辖区以外的数据 (outside your districts)")

    def station_filter(self) -> Iterable[str] | None:
        """Stations a list should be limited to, or None for all."""
        return None if self.role is Role.STAFF else self.stations
