"""Scope: coordinators act within their districts; volunteers see only their own offers
and tasks; addresses and phone numbers are shown in full only to those entitled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from svckit.domain.errors import Forbidden
from volunteer.domain.access import (
    Actor,
    Role,
    can_view_hours,
    can_view_task,
    coordinates,
    require_coordinator_in,
    visible_address,
    visible_phone,
)
from volunteer.domain.hours import ServiceHourEntry

T0 = datetime(2025, 6, 2, tzinfo=UTC)
H = timedelta(hours=1)
ADDRESS = "东昌府区柳园街道幸福小区3号楼2单元501"


def coordinator(*districts: str) -> Actor:
    return Actor(uuid4(), Role.COORDINATOR, frozenset(districts))


def as_actor(volunteer) -> Actor:
    return Actor(volunteer.id, Role.VOLUNTEER)


def test_coordinator_of_district_a_cannot_dispatch_in_district_b() -> None:
    a = coordinator("371502")
    require_coordinator_in(a, "371502")
    with pytest.raises(Forbidden) as exc:
        require_coordinator_in(a, "371503")
    assert "茌平区" in exc.value.detail


def test_city_coordinator_covers_its_districts_only() -> None:
    city = coordinator("371500")
    assert coordinates(city, "371502")
    assert coordinates(city, "371581")
    assert not coordinates(city, "370702")


def test_a_volunteer_is_never_a_coordinator() -> None:
    assert not coordinates(Actor(uuid4(), Role.VOLUNTEER, frozenset({"371502"})), "371502")


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
    assert can_view_task(as_actor(assignee), task)
    assert can_view_task(as_actor(offeree), task)  # their own (declined) offer
    assert not can_view_task(as_actor(stranger), task)
    assert can_view_task(coordinator("371502"), task)
    assert not can_view_task(coordinator("371503"), task)


def test_a_volunteer_cannot_read_another_volunteers_task_address(scene) -> None:
    task, offeree, assignee, stranger = scene
    assert visible_address(as_actor(assignee), task) == ADDRESS
    assert visible_address(coordinator("371500"), task) == ADDRESS
    for actor in (as_actor(stranger), as_actor(offeree), coordinator("370702")):
        shown = visible_address(actor, task)
        assert "幸福小区" not in shown
        assert shown.startswith("东昌府区")


def test_an_open_offer_shows_only_the_area(make_task, make_volunteer, coordinator_id) -> None:
    task, v = make_task(address=ADDRESS), make_volunteer()
    task.offer(v, by=coordinator_id, now=T0, expires_at=T0 + H, busy=[])
    assert "幸福小区" not in visible_address(as_actor(v), task)
    task.accept(v, now=T0, busy=[])
    assert visible_address(as_actor(v), task) == ADDRESS


def test_former_assignee_loses_the_address_after_a_no_show(scene) -> None:
    task, _, assignee, _ = scene
    task.mark_no_show(assignee, now=T0 + 2 * H)
    assert "幸福小区" not in visible_address(as_actor(assignee), task)


def test_phone_is_masked_outside_the_coordinators_view(make_volunteer) -> None:
    v = make_volunteer(phone="13812345678", divisions=["371502"])
    assert visible_phone(coordinator("371502"), v) == "13812345678"
    assert visible_phone(coordinator("371500"), v) == "13812345678"
    assert visible_phone(as_actor(v), v) == "13812345678"
    assert visible_phone(coordinator("371503"), v) == "138****5678"
    assert visible_phone(as_actor(make_volunteer()), v) == "138****5678"


def test_city_wide_volunteer_phone_visible_to_a_district_coordinator(make_volunteer) -> None:
    v = make_volunteer(divisions=["371500"])
    assert visible_phone(coordinator("371502"), v) == v.phone
    assert visible_phone(coordinator("370702"), v) == "138****5678"


def test_hours_visible_to_their_volunteer_and_district_coordinators(
    make_volunteer, coordinator_id, policy
) -> None:
    v, other = make_volunteer(), make_volunteer()
    entry = ServiceHourEntry.record_manual(
        v, coordinator_id=coordinator_id, division="371502", started_at=T0 - 3 * H,
        ended_at=T0 - H, note="助残日活动", now=T0, policy=policy,
    )
    assert can_view_hours(as_actor(v), entry)
    assert not can_view_hours(as_actor(other), entry)
    assert can_view_hours(coordinator("371502"), entry)
    assert not can_view_hours(coordinator("371503"), entry)
