"""Who may do what to which object: each service declares its policy, once.

The one access model (ADR 0011): the token gives a :class:`~svckit.auth.principal.Principal`
(role + scope: stations, districts, company, volunteer id); a service declares a
:class:`Policy`, a table of actions and the roles allowed each; a use case checks the
action on the object it loaded, passing the object's scope attributes::

    POLICY = Policy("inventory", {
        "rental.check_out": {Role.CLERK, Role.SUPERVISOR, Role.STAFF},
        ...
    })

    POLICY.require(actor, "rental.check_out", station=unit.station_id,
                   division=station.division_code)

The role must be allowed the action *and* the principal's scope must cover the object
(:meth:`Principal.covers`). Lists check the role with :meth:`Policy.require_role` and
filter by :meth:`Principal.station_filter` / :meth:`Principal.division_filter`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from svckit.auth.principal import SCOPE_REFUSAL, Principal, Role, Scope, role_refusal
from svckit.domain.errors import Forbidden


class Policy:
    def __init__(self, service: str, rules: Mapping[str, Iterable[Role]]) -> None:
        self.service = service
        self.rules: dict[str, frozenset[Role]] = {a: frozenset(r) for a, r in rules.items()}

    def roles(self, action: str) -> frozenset[Role]:
        try:
            return self.rules[action]
        except KeyError:
            raise KeyError(f"{self.service}: no rule for action {action!r}") from None

    def role_allows(self, principal: Principal, action: str) -> bool:
        return principal.role in self.roles(action)

    def allows(
        self,
        principal: Principal,
        action: str,
        *,
        station: Scope = None,
        division: Scope = None,
        company: Scope = None,
        volunteer: Scope = None,
    ) -> bool:
        return self.role_allows(principal, action) and principal.covers(
            station=station, division=division, company=company, volunteer=volunteer
        )

    def require_role(self, principal: Principal, action: str) -> None:
        if not self.role_allows(principal, action):
            raise Forbidden(role_refusal(principal.role), action=action)

    def require(
        self,
        principal: Principal,
        action: str,
        *,
        station: Scope = None,
        division: Scope = None,
        company: Scope = None,
        volunteer: Scope = None,
    ) -> None:
        """``Forbidden`` unless the role may do ``action`` and its scope covers the object."""
        self.require_role(principal, action)
        if not principal.covers(station=station, division=division, company=company,
                                volunteer=volunteer):
            raise Forbidden(SCOPE_REFUSAL, action=action)
