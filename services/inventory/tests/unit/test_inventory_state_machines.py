"""Every legal transition of every state machine, driven through the domain methods, and
every illegal (state, action) pair refused with IllegalTransition and nothing changed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from itertools import product

import pytest
from inventory.domain.maintenance import TICKET_MACHINE, MaintenanceTicket
from inventory.domain.rentals import LOGISTICS_MACHINE, RENTAL_MACHINE, Rental
from inventory.domain.reservations import RESERVATION_MACHINE, Reservation
from inventory.domain.transfers import TRANSFER_MACHINE, Transfer
from inventory.domain.units import UNIT_MACHINE, ConditionGrade, Unit
from inventory_builders import NOW, TODAY, borrower, station, unit, wheelchair
from svckit.domain.errors import IllegalTransition
from svckit.domain.statemachine import StateMachine

LATER = NOW + timedelta(days=3)
HOME = station()
OTHER = station("阳谷县辅具租赁站", "371521")
TYPE = wheelchair()


def legal(machine: StateMachine) -> list[tuple[str, str, str]]:
    return [(s, a, n) for (s, a), n in machine.table.items()]


def illegal(machine: StateMachine) -> list[tuple[str, str]]:
    return [(s, a) for s, a in product(machine.states, machine.actions)
            if (s, a) not in machine.table]


# -- unit ------------------------------------------------------------------------------

def unit_in(status: str) -> Unit:
    u = unit(TYPE, HOME)
    ref = uuid.uuid4()
    steps: dict[str, Callable[[], None]] = {
        "available": lambda: None,
        "reserved": lambda: u.reserve(NOW, ref),
        "rented": lambda: u.check_out(NOW, ref),
        "cleaning": lambda: (u.check_out(NOW, ref),
                             u.check_in(NOW, ref, ConditionGrade.B, timedelta(hours=24))),
        "maintenance": lambda: u.send_to_maintenance(NOW, ref, "刹车失灵"),
        "in_transit": lambda: u.dispatch(NOW, ref),
        "allocated": lambda: u.allocate(NOW, ref),
        "written_off": lambda: u.write_off(NOW, "报废"),
    }
    steps[status]()
    assert u.status == status
    return u


UNIT_ACTIONS: dict[str, Callable[[Unit], None]] = {
    "reserve": lambda u: u.reserve(LATER, uuid.uuid4()),
    "release": lambda u: u.release(LATER, uuid.uuid4(), "cancelled"),
    "check_out": lambda u: u.check_out(LATER, uuid.uuid4()),
    "check_in": lambda u: u.check_in(LATER, uuid.uuid4(), ConditionGrade.B, timedelta(hours=1)),
    "check_in_damaged": lambda u: u.check_in(LATER, uuid.uuid4(), ConditionGrade.D,
                                             timedelta(hours=1)),
    "lose": lambda u: u.lose(LATER, uuid.uuid4(), "借用人搬家后失联"),
    "finish_cleaning": lambda u: u.finish_cleaning(LATER),
    "send_to_maintenance": lambda u: u.send_to_maintenance(LATER, uuid.uuid4(), "异响"),
    "finish_repair": lambda u: u.finish_repair(LATER, uuid.uuid4(), ConditionGrade.B),
    "dispatch": lambda u: u.dispatch(LATER, uuid.uuid4()),
    "receive": lambda u: u.receive(LATER, uuid.uuid4(), OTHER.id),
    "allocate": lambda u: u.allocate(LATER, uuid.uuid4()),
    "write_off": lambda u: u.write_off(LATER, "无法修复"),
    "swap_out": lambda u: u.swap_out(LATER, uuid.uuid4(), "气囊漏气"),
    "swap_in": lambda u: u.swap_in(LATER, uuid.uuid4()),
    "repair_on_loan": lambda u: u.repair_on_loan(LATER, uuid.uuid4(), "阀门松动"),
    "back_on_loan": lambda u: u.back_on_loan(LATER, uuid.uuid4(), ConditionGrade.B),
    "reclaim": lambda u: u.reclaim(LATER, uuid.uuid4(), ConditionGrade.B, timedelta(hours=1),
                                   "家属交回"),
    "reclaim_damaged": lambda u: u.reclaim(LATER, uuid.uuid4(), ConditionGrade.D,
                                           timedelta(hours=1), "家属交回"),
    "relocate": lambda u: u.relocate(LATER, OTHER.id, "盘点发现在他站"),
}


def test_unit_actions_cover_the_table() -> None:
    assert set(UNIT_ACTIONS) == set(UNIT_MACHINE.actions)


@pytest.mark.parametrize(("state", "action", "new"), legal(UNIT_MACHINE))
def test_unit_legal_transition_moves_and_records(state: str, action: str, new: str) -> None:
    u = unit_in(state)
    before = list(u.movements)
    UNIT_ACTIONS[action](u)
    assert u.status == new
    assert u.movements[:-1] == before  # append-only: history kept as it was
    last = u.movements[-1]
    assert (last.action, last.from_status, last.to_status, last.at) == (action, state, new, LATER)


@pytest.mark.parametrize(("state", "action"), illegal(UNIT_MACHINE))
def test_unit_illegal_transition_refused(state: str, action: str) -> None:
    u = unit_in(state)
    moves = len(u.movements)
    with pytest.raises(IllegalTransition) as exc:
        UNIT_ACTIONS[action](u)
    assert exc.value.current_state == state
    assert u.status == state
    assert len(u.movements) == moves


# -- reservation -----------------------------------------------------------------------

B = borrower()


def reservation_in(status: str) -> tuple[Reservation, Unit]:
    u = unit(TYPE, HOME)
    b = B
    r = Reservation.place(unit=u, station=HOME, now=NOW, expires_at=LATER, borrower=b)
    if status == "fulfilled":
        r.fulfil(u, NOW, b)
    elif status == "cancelled":
        r.cancel(u, NOW)
    elif status == "expired":
        r.expire(u, LATER)
    assert r.status == status
    return r, u


RESERVATION_ACTIONS: dict[str, Callable[[Reservation, Unit], None]] = {
    "fulfil": lambda r, u: r.fulfil(u, NOW + timedelta(hours=1), B),
    "cancel": lambda r, u: r.cancel(u, NOW + timedelta(hours=1)),
    "expire": lambda r, u: r.expire(u, LATER + timedelta(hours=1)),
}


@pytest.mark.parametrize(("state", "action", "new"), legal(RESERVATION_MACHINE))
def test_reservation_legal_transition(state: str, action: str, new: str) -> None:
    r, u = reservation_in(state)
    RESERVATION_ACTIONS[action](r, u)
    assert r.status == new
    assert r.closed_at is not None


@pytest.mark.parametrize(("state", "action"), illegal(RESERVATION_MACHINE))
def test_reservation_illegal_transition(state: str, action: str) -> None:
    r, u = reservation_in(state)
    with pytest.raises(IllegalTransition) as exc:
        RESERVATION_ACTIONS[action](r, u)
    assert exc.value.current_state == state


# -- rental and its logistics ----------------------------------------------------------

def active_rental() -> tuple[Rental, Unit]:
    u = unit(TYPE, HOME)
    rental = Rental.check_out(unit=u, device_type=TYPE, station=HOME, borrower=borrower(),
                              due_on=TODAY + timedelta(days=30), now=NOW, borrower_rentals=[])
    return rental, u


def rental_in(status: str) -> tuple[Rental, Unit]:
    rental, u = active_rental()
    if status == "returned":
        rental.return_(unit=u, device_type=TYPE, now=NOW, condition=ConditionGrade.B)
    elif status == "lost":
        rental.report_lost(unit=u, now=NOW, reason="丢失")
    assert rental.status == status
    return rental, u


RENTAL_ACTIONS: dict[str, Callable[[Rental, Unit], None]] = {
    "extend": lambda r, u: r.extend(TODAY + timedelta(days=60), NOW),
    "return": lambda r, u: r.return_(unit=u, device_type=TYPE, now=LATER,
                                     condition=ConditionGrade.A),
    "report_lost": lambda r, u: r.report_lost(unit=u, now=LATER, reason="丢失"),
    "swap": lambda r, u: r.swap(old=u, new=unit(TYPE, HOME), device_type=TYPE, now=LATER,
                                fault="气囊漏气"),
    "report_repair": lambda r, u: r.report_repair(unit=u),
}


@pytest.mark.parametrize(("state", "action", "new"), legal(RENTAL_MACHINE))
def test_rental_legal_transition(state: str, action: str, new: str) -> None:
    r, u = rental_in(state)
    RENTAL_ACTIONS[action](r, u)
    assert r.status == new


@pytest.mark.parametrize(("state", "action"), illegal(RENTAL_MACHINE))
def test_rental_illegal_transition(state: str, action: str) -> None:
    r, u = rental_in(state)
    unit_status = u.status
    with pytest.raises(IllegalTransition) as exc:
        RENTAL_ACTIONS[action](r, u)
    assert exc.value.current_state == state
    assert u.status == unit_status


def rental_with_logistics(state: str) -> Rental:
    r, _ = active_rental()
    path = {
        "none": [],
        "delivery_requested": ["request_delivery"],
        "delivered": ["request_delivery", "confirm_delivery"],
        "pickup_requested": ["request_pickup"],
        "picked_up": ["request_pickup", "confirm_pickup"],
        "delivery_failed": ["request_delivery", "not_dispatched"],
        "pickup_failed": ["request_pickup", "not_dispatched"],
    }[state]
    for step in path:
        LOGISTICS_ACTIONS[step](r)
    assert r.logistics == state
    return r


LOGISTICS_ACTIONS: dict[str, Callable[[Rental], None]] = {
    "request_delivery": lambda r: r.request_delivery(LATER),
    "cancel_delivery": lambda r: r.cancel_delivery(LATER, "借用人自取"),
    "confirm_delivery": lambda r: r.confirm_delivery(),
    "request_pickup": lambda r: r.request_pickup(LATER),
    "confirm_pickup": lambda r: r.confirm_pickup(),
    "not_dispatched": lambda r: r.not_dispatched(),
}
#: what each logistics step tells the volunteers (a confirmation comes from them)
LOGISTICS_EVENTS = {"request_delivery": 1, "cancel_delivery": 1, "confirm_delivery": 0,
                    "request_pickup": 1, "confirm_pickup": 0, "not_dispatched": 0}


@pytest.mark.parametrize(("state", "action", "new"), legal(LOGISTICS_MACHINE))
def test_logistics_legal_transition(state: str, action: str, new: str) -> None:
    r = rental_with_logistics(state)
    events = len(r.events)
    LOGISTICS_ACTIONS[action](r)
    assert r.logistics == new
    assert len(r.events) == events + LOGISTICS_EVENTS[action]


@pytest.mark.parametrize(("state", "action"), illegal(LOGISTICS_MACHINE))
def test_logistics_illegal_transition(state: str, action: str) -> None:
    r = rental_with_logistics(state)
    with pytest.raises(IllegalTransition) as exc:
        LOGISTICS_ACTIONS[action](r)
    assert exc.value.current_state == state


# -- transfer --------------------------------------------------------------------------

def test_transfer_table_is_dispatch_then_receive_once() -> None:
    assert TRANSFER_MACHINE.table == {("in_transit", "receive"): "received",
                                      ("in_transit", "lose"): "lost"}
    u = unit(TYPE, HOME)
    t = Transfer.dispatch(unit=u, from_station=HOME, to_station=OTHER, now=NOW)
    t.receive(unit=u, at_station_id=OTHER.id, now=LATER)
    assert t.status == "received"
    with pytest.raises(IllegalTransition) as exc:
        t.receive(unit=u, at_station_id=OTHER.id, now=LATER)
    assert exc.value.current_state == "received"
    lost = Transfer.dispatch(unit=(u2 := unit(TYPE, HOME)), from_station=HOME,
                             to_station=OTHER, now=NOW)
    lost.lose(unit=u2, now=LATER, reason="物流丢件")
    assert (lost.status, u2.status) == ("lost", "written_off")
    with pytest.raises(IllegalTransition) as exc:
        lost.receive(unit=u2, at_station_id=OTHER.id, now=LATER)
    assert "运输中丢失" in exc.value.detail and "lost in transit" in exc.value.detail


# -- maintenance ticket ----------------------------------------------------------------

def ticket_in(state: str) -> tuple[MaintenanceTicket, Unit]:
    u = unit(TYPE, HOME)
    t = MaintenanceTicket.open(unit=u, now=NOW, fault="刹车失灵")
    if state in ("in_repair", "resolved"):
        t.start_repair()
    if state == "resolved":
        t.resolve(unit=u, now=NOW, condition=ConditionGrade.B)
    if state == "written_off":
        t.write_off(unit=u, now=NOW, reason="车架断裂")
    assert t.status == state
    return t, u


TICKET_ACTIONS: dict[str, Callable[[MaintenanceTicket, Unit], None]] = {
    "start_repair": lambda t, u: t.start_repair(),
    "resolve": lambda t, u: t.resolve(unit=u, now=LATER, condition=ConditionGrade.B,
                                      repair_cost_fen=3_000),
    "write_off": lambda t, u: t.write_off(unit=u, now=LATER, reason="无法修复"),
}


@pytest.mark.parametrize(("state", "action", "new"), legal(TICKET_MACHINE))
def test_ticket_legal_transition(state: str, action: str, new: str) -> None:
    t, u = ticket_in(state)
    TICKET_ACTIONS[action](t, u)
    assert t.status == new


@pytest.mark.parametrize(("state", "action"), illegal(TICKET_MACHINE))
def test_ticket_illegal_transition(state: str, action: str) -> None:
    t, u = ticket_in(state)
    unit_status = u.status
    with pytest.raises(IllegalTransition) as exc:
        TICKET_ACTIONS[action](t, u)
    assert exc.value.current_state == state
    assert u.status == unit_status
