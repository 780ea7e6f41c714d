"""Who may do what in the notifications service: the one policy declaration (ADR 0011).

The inbox is per role and scope: every staff role reads the messages addressed to its
role within its scope (staff, inspectors, coordinators: their districts; clerks and
supervisors: their stations' division is not known here, so they read their role's
city-wide messages). The delivery log and the recipients' opt-outs are for staff."""

from __future__ import annotations

from svckit.auth.policy import Policy
from svckit.auth.principal import Role

INBOX_ROLES = frozenset({Role.STAFF, Role.SUPERVISOR, Role.CLERK, Role.CONTRACTOR,
                         Role.INSPECTOR, Role.COORDINATOR})

POLICY = Policy("notify", {
    "inbox.read": INBOX_ROLES,
    "delivery.list": {Role.STAFF},
    "recipient.opt_out": {Role.STAFF, Role.SUPERVISOR, Role.CLERK},
})
