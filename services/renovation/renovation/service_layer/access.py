"""Who may see and do what, checked against the object (not only the role).

- staff (残联工作人员): everything inside their districts (no districts: the whole city);
- inspector (验收人员): reads applications and work orders in their districts, inspects;
  never work done by their own company (``company`` claim);
- contractor (施工单位): only its own company's work orders; a foreign order is a 404;
- volunteer, coordinator, clerk, supervisor: nothing here (their services get events).
"""

from __future__ import annotations

import uuid

from svckit.auth.principal import Principal, Role
from svckit.domain.division import is_within
from svckit.domain.errors import Forbidden, NotFound

from renovation.domain.application import Application
from renovation.domain.workorder import Actor, WorkOrder

STAFF = (Role.STAFF,)
READERS = (Role.STAFF, Role.INSPECTOR)


def require(principal: Principal, *roles: Role) -> None:
    principal.require(*roles)


def in_districts(principal: Principal, division: str) -> bool:
    """Staff and inspectors without districts cover the whole programme area."""
    if not principal.districts:
        return principal.role in READERS
    return any(is_within(division, d) for d in principal.districts)


def district_filter(principal: Principal) -> tuple[str, ...] | None:
    """Districts a list is limited to, or None for all."""
    return principal.districts or None


def company_of(principal: Principal) -> uuid.UUID | None:
    if not principal.company:
        return None
    try:
        return uuid.UUID(principal.company)
    except ValueError:
        return None


def actor(principal: Principal) -> Actor:
    """The domain's view of the caller. A contractor always has a company."""
    company = company_of(principal)
    if principal.role is Role.CONTRACTOR and company is None:
        raise Forbidden("施工单位令牌缺少单位 (contractor token without a company)")
    return Actor(principal.sub, company)


def see_application(principal: Principal, app: Application | None,
                    key: object) -> Application:
    """The application if the caller may read it; 404 otherwise (existence does not leak)."""
    if principal.role not in READERS:
        raise Forbidden(f"角色 {principal.role.value} 无权查看改造申请 (role not allowed)")
    if app is None or not in_districts(principal, app.division):
        raise NotFound("application", key)
    return app


def see_order(principal: Principal, order: WorkOrder | None, key: object) -> WorkOrder:
    """The work order if the caller may read it: contractors only their company's."""
    if principal.role is Role.CONTRACTOR:
        company = actor(principal).company_id
        if order is None or order.contractor_id != company:
            raise NotFound("work_order", key)
        return order
    if principal.role not in READERS:
        raise Forbidden(f"角色 {principal.role.value} 无权查看工单 (role not allowed)")
    if order is None or not in_districts(principal, order.division):
        raise NotFound("work_order", key)
    return order
