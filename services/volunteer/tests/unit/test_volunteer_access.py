"""The volunteer service's policy (``service_layer.policy``): coordinators act within their
districts; staff read within theirs; volunteers see only their own offers, tasks, roster
entry and hours; addresses and phone numbers in full only for those entitled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from svckit.auth.principal import Principal, Role
from svckit.domain.errors import Forbidden
from volunteer.domain.hours import ServiceHourEntry
from volunteer.service_layer.policy import (
    POLICY,
    assignee_scope,
    hours_scope,
    task_scope,
    volunteer_scope,
)

T0 = datetime(2025, 6, 2, tzinfo=UTC)
H = timedelta(hours=1)
ADDRESS = "东昌府区柳园街道幸福小区3号楼2单元501"


def coordinator(*districts: str) -> Principal:
    return Principal(sub=f"coord-{uuid4()}", role=Role.COORDINATOR, districts=districts)


def staff(*districts: str) -> Principal:
    return Principal(sub="staff", role=Role.STAFF, districts=districts)


def as_principal(volunteer) -> Principal:
    return Principal(sub="v", role=Role.VOLUNTEER, volunteer_id=str(volunteer.id))


def test_coordinator_of_district_a_cannot_dispatch_in_district_b() -> None:
    a = coordinator("371502")
    POLICY.require(a, "task.dispatch", division="371502")
    with pytest.raises(Forbidden):
        POLICY.require(a, "task.dispatch", division="371503")


def test_city_coordinator_covers_its_districts_only() -> None:
    city = coordinator("371500")
    assert city.covers(division="371502")
    assert city.covers(division="371581")
    assert not city.covers(division="370702")


def test_only_coordinators_dispatch_and_other_roles_have_no_business_here() -> None:
    for role in (Role.VOLUNTEER, Role.STAFF, Role.CLERK, Role.CONTRACTOR, Role.INSPECTOR):
        p = Principal(sub="x", role=role, districts=("371502",))
        assert not POLICY.allows(p, "task.dispatch", division="371502")
    for role in (Role.CLERK, Role.SUPERVISOR, Role.CONTRACTOR, Role.INSPECTOR, Role.SERVICE):
        assert not POLICY.role_allows(Principal(sub="x", role=role), "task.read")


@pytest.fixture
def scene(make_task, make_volunteer, coordinator_id):
    """A task offered to ``offeree`` (declined), then accepted by ``assignee``."""
    task = make_task(address=ADDRESS)
    offeree, assignee, stranger = make_volunteer(), make_volunteer(), make_volunteer()
    task.offer(offeree, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    task.decline(offeree.id, now=T0)
    task.offer(assignee, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    task.accept(assignee, now=T0, busy=[])
    return task, offeree, assignee, stranger


def test_volunteer_sees_only_own_offers_and_tasks(scene) -> None:
    task, offeree, assignee, stranger = scene
    assert as_principal(assignee).covers(**task_scope(task))
    assert as_principal(offeree).covers(**task_scope(task))  # their own (declined) offer
    assert not as_principal(stranger).covers(**task_scope(task))
    assert coordinator("371502").covers(**task_scope(task))
    assert not coordinator("371503").covers(**task_scope(task))


def test_staff_read_within_their_scope_and_never_see_the_door(scene) -> None:
    task, *_ = scene
    assert staff().covers(**task_scope(task))
    assert not staff("371522").covers(**task_scope(task))
    assert not POLICY.allows(staff(), "task.read_address", **assignee_scope(task))


def test_the_full_address_is_for_the_assignee_and_the_division_s_coordinators(scene) -> None:
    task, offeree, assignee, stranger = scene
    can = [as_principal(assignee), coordinator("371500"), coordinator("371502")]
    cannot = [as_principal(stranger), as_principal(offeree), coordinator("370702")]
    for p in can:
        assert POLICY.allows(p, "task.read_address", **assignee_scope(task))
    for p in cannot:
        assert not POLICY.allows(p, "task.read_address", **assignee_scope(task))


def test_an_open_offer_shows_only_the_area(make_task, make_volunteer, coordinator_id) -> None:
    task, v = make_task(address=ADDRESS), make_volunteer()
    task.offer(v, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    assert not POLICY.allows(as_principal(v), "task.read_address", **assignee_scope(task))
    task.accept(v, now=T0, busy=[])
    assert POLICY.allows(as_principal(v), "task.read_address", **assignee_scope(task))


def test_former_assignee_loses_the_address_after_a_no_show(scene) -> None:
    task, _, assignee, _ = scene
    task.mark_no_show(assignee, now=T0 + 2 * H)
    assert not POLICY.allows(as_principal(assignee), "task.read_address",
                             **assignee_scope(task))


def _reads_phone(p: Principal, v) -> bool:
    return POLICY.allows(p, "volunteer.read_contact", **volunteer_scope(v, p))


def test_phone_in_full_for_themself_and_their_coordinators(make_volunteer) -> None:
    v = make_volunteer(phone="13812345678", divisions=["371502"])
    assert _reads_phone(coordinator("371502"), v)
    assert _reads_phone(coordinator("371500"), v)
    assert _reads_phone(as_principal(v), v)
    assert not _reads_phone(coordinator("371503"), v)
    assert not _reads_phone(as_principal(make_volunteer()), v)
    assert not _reads_phone(staff(), v)


def test_a_city_wide_volunteer_is_seen_by_a_district_coordinator(make_volunteer) -> None:
    v = make_volunteer(divisions=["371500"])
    assert coordinator("371502").covers(**volunteer_scope(v, coordinator("371502")))
    assert _reads_phone(coordinator("371502"), v)
    assert not _reads_phone(coordinator("370702"), v)
    assert staff("371522").covers(**volunteer_scope(v, staff("371522")))
    assert not staff("370702").covers(**volunteer_scope(v, staff("370702")))


def test_hours_visible_to_their_volunteer_and_district_coordinators(
    make_volunteer, coordinator_id, policy
) -> None:
    v, other = make_volunteer(), make_volunteer()
    entry = ServiceHourEntry.record_manual(
        v, coordinator_id=coordinator_id, division="371502", started_at=T0 - 3 * H,
        ended_at=T0 - H, note="助残日活动", now=T0, policy=policy,
    )
    assert as_principal(v).covers(**hours_scope(entry))
    assert not as_principal(other).covers(**hours_scope(entry))
    assert coordinator("371502").covers(**hours_scope(entry))
    assert not coordinator("371503").covers(**hours_scope(entry))
