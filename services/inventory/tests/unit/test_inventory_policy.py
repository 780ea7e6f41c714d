"""The service's one access policy (service_layer/policy.py): who may do what where."""

from __future__ import annotations

import uuid

import pytest
from inventory.service_layer.policy import POLICY
from svckit.auth.principal import Principal, Role
from svckit.domain.errors import Forbidden

DCF, YG = uuid.uuid4(), uuid.uuid4()  # stations in 371502 and 371521
AT_DCF = {"station": DCF, "division": "371502"}
AT_YG = {"station": YG, "division": "371521"}


def who(role: Role, *stations: uuid.UUID, districts: tuple[str, ...] = ()) -> Principal:
    return Principal(sub=f"{role}-1", role=role, stations=tuple(map(str, stations)),
                     districts=districts)


def test_clerks_act_only_at_their_stations_and_may_not_override() -> None:
    clerk = who(Role.CLERK, DCF)
    assert POLICY.allows(clerk, "rental.check_out", **AT_DCF)
    assert not POLICY.allows(clerk, "rental.check_out", **AT_YG)
    assert not POLICY.allows(clerk, "rental.override_overdue", **AT_DCF)
    assert not POLICY.allows(clerk, "unit.write_off", **AT_DCF)
    with pytest.raises(Forbidden):
        POLICY.require_role(clerk, "station.create")


def test_supervisors_override_and_write_off_at_their_stations() -> None:
    supervisor = who(Role.SUPERVISOR, DCF)
    for action in ("rental.override_overdue", "unit.write_off", "ticket.write_off"):
        assert POLICY.allows(supervisor, action, **AT_DCF)
        assert not POLICY.allows(supervisor, action, **AT_YG)


def test_staff_act_everywhere_unless_limited_to_districts() -> None:
    staff = who(Role.STAFF)
    assert POLICY.allows(staff, "rental.override_overdue", **AT_YG)
    assert POLICY.allows(staff, "station.create")
    yanggu = who(Role.STAFF, districts=("371521",))
    assert POLICY.allows(yanggu, "rental.check_out", **AT_YG)
    assert not POLICY.allows(yanggu, "rental.check_out", **AT_DCF)
    city = who(Role.STAFF, districts=("371500",))  # a city code covers its counties
    assert POLICY.allows(city, "rental.check_out", **AT_DCF)


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.CONTRACTOR, Role.COORDINATOR,
                                  Role.VOLUNTEER])
def test_other_roles_are_refused_every_action(role: Role) -> None:
    principal = who(role, DCF, districts=("371502",))
    assert not [a for a in POLICY.rules if POLICY.role_allows(principal, a)]


def test_staff_may_do_everything_the_service_offers() -> None:
    assert all(Role.STAFF in roles for roles in POLICY.rules.values())
