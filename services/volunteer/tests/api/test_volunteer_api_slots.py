"""The booking slot over HTTP: TaskOut shows the duration and the slot, the candidates
show each one's slot, a manual task takes its duration from the coordinator."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from volunteer_testkit import A, request_event, soon, source_of, task_id_for


@pytest.fixture
def client(ctx):
    return ctx.create_app().test_client()


@pytest.fixture
def coord_a(token_for) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('coordinator', sub='coord-a', districts=[A])}"}


def _task(ctx, kind: str = "rental_delivery", **kw: Any) -> str:
    body = request_event(kind, **kw)
    assert ctx.processor().process(body, {}).applied == 1
    return str(task_id_for(ctx, source_of(body)["id"]))


def test_candidates_and_the_task_show_the_slot(ctx, client, add_volunteer, token_for,
                                               coord_a) -> None:
    v = add_volunteer()
    start = soon(3)
    tid = _task(ctx, start=start, hours=48)
    r = client.get(f"/tasks/{tid}", headers=coord_a)
    assert r.json["duration_minutes"] == 120
    assert (r.json["slot_start"], r.json["slot_end"]) == (None, None)

    r = client.get(f"/tasks/{tid}/candidates", headers=coord_a)
    (c,) = r.json["candidates"]
    slot_start = datetime.fromisoformat(c["slot_start"])
    assert slot_start == start
    assert datetime.fromisoformat(c["slot_end"]) - slot_start == timedelta(hours=2)
    assert c["slot_label"] in " ".join(c["reasons"])
    assert any(x.startswith("可于 ") and x.split(" ")[3] == "上门" for x in c["reasons"])

    r = client.post(f"/tasks/{tid}/offer", json={}, headers=coord_a)
    assert (r.json["slot_start"], r.json["slot_end"]) == (c["slot_start"], c["slot_end"])
    me = {"Authorization": f"Bearer {token_for('volunteer', volunteer_id=str(v.id))}"}
    r = client.post(f"/tasks/{tid}/accept", json={}, headers=me)
    assert r.status_code == 200, r.json
    assert (r.json["slot_start"], r.json["slot_end"]) == (c["slot_start"], c["slot_end"])


def test_a_manual_task_takes_the_coordinators_duration(client, coord_a) -> None:
    start = soon(5)
    body = {"type": "manual", "division": A, "address": "东昌府区古楼街道南关社区3号院",
            "window_start": start.isoformat(),
            "window_end": (start + timedelta(hours=6)).isoformat(),
            "note": "陪同就医", "duration_minutes": 45}
    r = client.post("/tasks", json=body, headers=coord_a)
    assert (r.status_code, r.json["duration_minutes"]) == (201, 45), r.json
    del body["duration_minutes"]
    r = client.post("/tasks", json=body, headers=coord_a)
    assert r.json["duration_minutes"] == 60
    r = client.post("/tasks", json={**body, "duration_minutes": 1}, headers=coord_a)
    assert r.status_code == 422
