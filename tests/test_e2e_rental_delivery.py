"""Flow 1, across processes: a rental with home delivery → a delivery task → a volunteer is
offered it, accepts, checks in, completes → the rental shows delivered. Then flow 4: the
same with the inventory consumer killed mid-flow and restarted."""

from __future__ import annotations

import signal

from e2e_kit import (
    DONGCHANGFU,
    System,
    dispatch_and_complete,
    poll,
    rent_with_delivery,
    task_for,
)


def test_rental_with_home_delivery_ends_delivered(system: System) -> None:
    rental_id, clerk = rent_with_delivery(system)
    coordinator = system.client("volunteer", "coordinator", districts=[DONGCHANGFU])
    task = poll(lambda: task_for(coordinator, rental_id), what="the delivery task")
    assert task["type"] == "deliver_device"
    assert task["source"] == {"service": "inventory", "kind": "rental_delivery", "id": rental_id}
    dispatch_and_complete(system, task)
    rental = poll(lambda: (r := clerk.get(f"/rentals/{rental_id}"))["logistics"] == "delivered"
                  and r, what="the rental to show delivered")
    assert rental["status"] == "active"


def test_consumer_killed_mid_flow_completes_once(system: System) -> None:
    cluster = system.cluster
    # The inventory consumer dies before the volunteer finishes: the completion waits in
    # its queue and is applied once when it comes back.
    cluster.kill("inventory-consumer", signal.SIGKILL)
    rental_id, clerk = rent_with_delivery(system)
    coordinator = system.client("volunteer", "coordinator", districts=[DONGCHANGFU])
    task = poll(lambda: task_for(coordinator, rental_id), what="the delivery task")
    dispatch_and_complete(system, task)
    assert clerk.get(f"/rentals/{rental_id}")["logistics"] == "delivery_requested"
    cluster.start("inventory", "consumer")
    cluster.wait_consumers()
    poll(lambda: clerk.get(f"/rentals/{rental_id}")["logistics"] == "delivered",
         what="the rental to show delivered after the restart")
    # Killed again right after, and restarted: nothing is applied twice.
    cluster.kill("inventory-consumer", signal.SIGKILL)
    cluster.start("inventory", "consumer")
    cluster.wait_consumers()
    detail = clerk.get(f"/rentals/{rental_id}")
    assert detail["logistics"] == "delivered"
    assert [v["task_id"] for v in detail["visits"]] == [task["id"]]  # recorded exactly once
