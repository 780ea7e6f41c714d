"""Who may do what in renovation: the one policy (svckit's access model, ADR 0011).

- staff (残联工作人员): everything inside their districts (none: the whole city);
- inspector (验收人员): reads applications and work orders in their districts, inspects;
  never work done by their own company (``company`` claim; the domain refuses it);
- contractor (施工单位): only its own company's work orders;
- volunteer, coordinator, clerk, supervisor: nothing here (their services get events).

Use cases check the role with :data:`POLICY` and the scope on the object they loaded
(``principal.covers(division=..., company=...)``). An application or work order outside
the caller's scope is a 404, so its existence does not leak.
"""

from __future__ import annotations

import uuid

from svckit.auth.policy import Policy
from svckit.auth.principal import Principal, Role
from svckit.domain.errors import Forbidden

STAFF = {Role.STAFF}
READERS = {Role.STAFF, Role.INSPECTOR}
ORDER_READERS = {Role.STAFF, Role.INSPECTOR, Role.CONTRACTOR}

POLICY = Policy("renovation", {
    "programme.read": READERS,
    "programme.create": STAFF,
    "programme.change": STAFF,  # edit, year-end close
    "catalogue.read": set(Role),  # contractors quote against the price list
    "catalogue.change": STAFF,
    "contractor.read": READERS,
    "contractor.create": STAFF,
    "contractor.change": STAFF,  # edit, suspend, blacklist, reinstate
    "application.read": READERS,
    "application.submit": STAFF,
    "application.decide": STAFF,  # accept, refuse, withdraw
    "application.consent": STAFF,
    "application.contact": STAFF,  # the full name, address and phone (logged)
    "application.assess": STAFF,  # schedule, complete
    "application.plan": STAFF,  # draft, confirm, revise
    "application.approve": STAFF,
    "application.defect": STAFF,  # the household's defect report opens a warranty order
    "application.photo": STAFF,
    "work_order.read": ORDER_READERS,
    "work_order.overdue": READERS,
    "work_order.assign": STAFF,
    "work_order.cancel": STAFF,
    "work_order.terminate": STAFF,  # end an order in progress (bankruptcy, breach, ...)
    "work_order.satisfaction": STAFF,  # record the visit's result or why there is none
    # the assigned contractor: the site's full address and the household's phone, from
    # accepting the order until its closure (the domain checks the company and the state)
    "work_order.contact": {Role.CONTRACTOR},
    "work_order.respond": {Role.CONTRACTOR},  # accept, decline, schedule, progress, complete
    "work_order.inspect": {Role.INSPECTOR},
    "work_order.photo": {Role.CONTRACTOR, Role.INSPECTOR},
    "photo.read": ORDER_READERS,
    "report.read": STAFF,
})


def company_of(principal: Principal) -> uuid.UUID | None:
    """The caller's company as an id (a contractor's always: 403 without one)."""
    try:
        company = uuid.UUID(principal.company) if principal.company else None
    except ValueError:
        company = None
    if principal.role is Role.CONTRACTOR and company is None:
        raise Forbidden("施工单位令牌缺少单位 (contractor token without a company)")
    return company
