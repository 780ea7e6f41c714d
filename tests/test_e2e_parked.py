"""A parked message is never silent, across real processes: the volunteer consumer cannot
apply a delivery request (its tasks table is gone: a fault an operator can fix), parks it
after its retries, `/readyz` and `/parked` show it to staff, the producer (inventory) is
told by `platform.event_parked`; once the fault is fixed, a replay applies it once."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from e2e_kit import DONGCHANGFU, System, poll, rent_with_delivery, task_for
from svckit.db import make_engine


def _alter(system: System, sql: str) -> None:
    engine = make_engine(system.cluster.database_url("volunteer"))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("SET lock_timeout = '20s'"))
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()


def _parked(system: System) -> int:
    ready: dict[str, Any] = system.client("volunteer", "staff").get("/readyz")
    return int(ready["detail"]["parked"])


def test_an_unappliable_event_is_parked_shown_and_replayed_once(system: System) -> None:
    staff = system.client("volunteer", "staff")
    assert _parked(system) == 0
    _alter(system, "ALTER TABLE tasks RENAME TO tasks_moved_away")
    try:
        rental_id, _clerk = rent_with_delivery(system)
        # retries at 0.2, 0.5 and 1 s (the test cluster's), then parked
        poll(lambda: _parked(system) == 1, what="the delivery request parked")
        (item,) = staff.get("/parked")["items"]
        assert item["event_type"] == "rental.delivery_requested"
        assert item["subject_id"] == rental_id
        assert item["reason"] == "retries-exhausted" and "tasks" in item["error"]
        shown = staff.get(f"/parked/{item['event_id']}")
        assert shown["envelope"]["payload"]["rental_id"] == rental_id
        assert not shown["envelope"]["payload"]["address"].startswith("聊城")  # sealed
    finally:
        _alter(system, "ALTER TABLE tasks_moved_away RENAME TO tasks")  # the fix
    coordinator = system.client("volunteer", "coordinator", districts=[DONGCHANGFU])
    assert task_for(coordinator, rental_id) is None
    assert staff.post(f"/parked/{item['event_id']}/replay") == {"replayed": 1}
    poll(lambda: task_for(coordinator, rental_id), what="the replayed delivery task")
    poll(lambda: _parked(system) == 0, what="the parking emptied")
    # applied once: one task for the rental, and a second replay finds nothing to replay
    tasks = [t for t in coordinator.get("/tasks?page_size=100")["items"]
             if t["source"]["id"] == rental_id]
    assert len(tasks) == 1
    staff.call("POST", f"/parked/{item['event_id']}/replay", expect=404)
