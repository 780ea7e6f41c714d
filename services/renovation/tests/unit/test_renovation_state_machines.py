"""Every legal transition of every state machine, through the aggregates' own methods,
and every illegal one refused with IllegalTransition (409) carrying the current state."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from renovation.domain.application import APPLICATION, DEVICE_REQUEST, Application
from renovation.domain.workorder import WORK_ORDER
from svckit.domain.errors import IllegalTransition
from svckit.domain.statemachine import StateMachine

if TYPE_CHECKING:
    from conftest import World


def complement(machine: StateMachine) -> list[tuple[str, str]]:
    return [(s, a) for s in machine.states for a in machine.actions if (s, a) not in machine.table]


def test_paths_reach_every_state(w: World) -> None:
    assert set(w.app_paths) == set(APPLICATION.states)
    assert set(w.order_paths) == set(WORK_ORDER.states)
    assert set(w.device_paths) == set(DEVICE_REQUEST.states)


# ---- application ---------------------------------------------------------------------


@pytest.mark.parametrize(("state", "action"), sorted(APPLICATION.table))
def test_application_legal(w: World, state: str, action: str) -> None:
    app = w.app_in(state)
    w.app_do(app, action)
    assert app.status == APPLICATION.table[(state, action)]


@pytest.mark.parametrize(("state", "action"), complement(APPLICATION))
def test_application_illegal(w: World, state: str, action: str) -> None:
    app = w.app_in(state)
    before = len(app.events)
    with pytest.raises(IllegalTransition) as err:
        w.app_do(app, action)
    assert err.value.current_state == state
    assert app.status == state
    assert len(app.events) == before


# ---- work order ----------------------------------------------------------------------


@pytest.mark.parametrize(("state", "action"), sorted(WORK_ORDER.table))
def test_work_order_legal(w: World, state: str, action: str) -> None:
    order = w.order_in(state)
    w.order_do(order, action)
    assert order.status == WORK_ORDER.table[(state, action)]


@pytest.mark.parametrize(("state", "action"), complement(WORK_ORDER))
def test_work_order_illegal(w: World, state: str, action: str) -> None:
    order = w.order_in(state)
    before = len(order.events)
    with pytest.raises(IllegalTransition) as err:
        w.order_do(order, action)
    assert err.value.current_state == state
    assert order.status == state
    assert len(order.events) == before


# ---- device request ------------------------------------------------------------------


def device_do(w: World, app: Application, action: str) -> None:
    assert app.plan is not None
    rid = app.plan.device_requests[0].id
    now = w.now()
    steps: dict[str, Callable[[], None]] = {
        "reserve": lambda: app.device_reserved(rid, "LC-0001", now),
        "deliver": lambda: app.device_delivered(rid, now),
        "mark_unavailable": lambda: app.device_unavailable(rid, "本站无库存", now),
        "rerequest": lambda: app.request_device_again(rid, now),
    }
    steps[action]()


def app_with_device_in(w: World, state: str) -> Application:
    app = w.app_in("plan_approved")
    for action in w.device_paths[state]:
        device_do(w, app, action)
    return app


def device_status(app: Application) -> str:
    assert app.plan is not None
    return app.plan.device_requests[0].status


@pytest.mark.parametrize(("state", "action"), sorted(DEVICE_REQUEST.table))
def test_device_request_legal(w: World, state: str, action: str) -> None:
    app = app_with_device_in(w, state)
    device_do(w, app, action)
    assert device_status(app) == DEVICE_REQUEST.table[(state, action)]
    assert app.events[-1].status == device_status(app)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("state", "action"), complement(DEVICE_REQUEST))
def test_device_request_illegal(w: World, state: str, action: str) -> None:
    app = app_with_device_in(w, state)
    with pytest.raises(IllegalTransition) as err:
        device_do(w, app, action)
    assert err.value.current_state == state
    assert device_status(app) == state
