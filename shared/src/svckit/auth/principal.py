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

    # -- who --------------------------------------------------------------------
    @property
    def person(self) -> str:
        """The person or body the caller acts for: a volunteer's id, a contractor's
        company, else the user (token subject)."""
        if self.role is Role.VOLUNTEER and self.volunteer_id:
            return self.volunteer_id
        if self.role is Role.CONTRACTOR and self.company:
            return self.company
        return self.sub

    @property
    def label_zh(self) -> str:
        return ROLE_ZH[self.role]

    # -- scope ------------------------------------------------------------------
    def covers(
        self,
        *,
        station: Scope = None,
        division: Scope = None,
        company: Scope = None,
        volunteer: Scope = None,
    ) -> bool:
        """Does the caller's scope reach an object with these attributes?

        Give every scope attribute the object has; the caller's role picks the one that
        applies (a value may be a collection: any member matches):

        - staff and inspectors: the division, within their districts (no districts: the
          whole city, whatever the object);
        - clerks and supervisors: the station, one of theirs;
        - contractors: the company, theirs;
        - coordinators: the division, within their districts;
        - volunteers: the volunteer, themselves;
        - another service: everything.
        """
        match self.role:
            case Role.SERVICE:
                return True
            case Role.STAFF | Role.INSPECTOR:
                if not self.districts:
                    return True
                return any(is_within(code, d) for code in _values(division)
                           for d in self.districts)
            case Role.CLERK | Role.SUPERVISOR:
                return bool(_values(station) & set(self.stations))
            case Role.CONTRACTOR:
                return self.company is not None and self.company in _values(company)
            case Role.COORDINATOR:
                return any(is_within(code, d) for code in _values(division)
                           for d in self.districts)
            case Role.VOLUNTEER:
                return self.volunteer_id is not None and self.volunteer_id in _values(volunteer)
        return False  # pragma: no cover - every role is matched above

    def is_(self, *roles: Role) -> bool:
        return self.role in roles

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            raise Forbidden(role_refusal(self.role))

    def covers_station(self, station_id: object, division: str | None = None) -> bool:
        return self.covers(station=station_id, division=division)

    def covers_division(self, code: str) -> bool:
        return self.covers(division=code)

    def covers_company(self, company_id: object) -> bool:
        return self.covers(company=company_id)

    def require_station(self, station_id: object, division: str | None = None) -> None:
        if not self.covers_station(station_id, division):
            raise Forbidden(SCOPE_REFUSAL)

    def require_division(self, code: str) -> None:
        if not self.covers_division(code):
            raise Forbidden(SCOPE_REFUSAL)

    def station_filter(self) -> Iterable[str] | None:
        """Stations a list should be limited to, or None for no station limit."""
        return self.stations if self.role in (Role.CLERK, Role.SUPERVISOR) else None

    def division_filter(self) -> tuple[str, ...] | None:
        """Districts a list should be limited to, or None for no district limit."""
        if self.role in (Role.SERVICE, Role.CLERK, Role.SUPERVISOR, Role.CONTRACTOR,
                         Role.VOLUNTEER):
            return None
        if self.role in (Role.STAFF, Role.INSPECTOR) and not self.districts:
            return None
        return self.districts


Scope = object | Iterable[object] | None

ROLE_ZH: dict[Role, str] = {
    Role.STAFF: "残联工作人员",
    Role.SUPERVISOR: "站长",
    Role.CLERK: "租赁站工作人员",
    Role.CONTRACTOR: "施工单位",
    Role.INSPECTOR: "验收人员",
    Role.COORDINATOR: "志愿服务协调员",
    Role.VOLUNTEER: "志愿者",
    Role.SERVICE: "系统服务",
}

SCOPE_REFUSAL = "该记录不在您的管辖范围内 (outside your stations, districts or assignments)"


def role_refusal(role: Role) -> str:
    return f"{ROLE_ZH[role]}无权执行此操作 (the role {role.value} may not do this)"


def _values(value: Scope) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str) or not isinstance(value, Iterable):
        return {str(value)}
    return {str(v) for v in value if v is not None}
