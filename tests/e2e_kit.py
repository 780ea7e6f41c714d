"""Helpers of the cross-service tests: the flow building blocks; the running cluster,
tokens, HTTP clients and polling are ``bench.topology``'s (shared with the year
simulation)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bench.topology import REPO, Client, System, poll, running_cluster

__all__ = ["REPO", "Client", "System", "poll", "running_cluster"]

#: lines tests want printed at the end of the run (the authorization matrix's count):
#: ``request.config.stash.setdefault(SUMMARY, []).append(line)``
SUMMARY = pytest.StashKey[list[str]]()


# -- flow 1 building blocks ----------------------------------------------------------
DONGCHANGFU = "371502"
WHEELCHAIR = "12 22 03"


def find(items: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    for item in items:
        if all(item.get(k) == v for k, v in match.items()):
            return item
    raise AssertionError(f"nothing matches {match} in {items[:3]}...")


def rent_with_delivery(system: System) -> tuple[str, Client]:
    """A clerk of the Dongchangfu station registers a wheelchair (so the test does not
    depend on the seed's stock) and lends it with home delivery."""
    from datetime import date, timedelta

    staff = system.client("inventory", "staff")
    station = find(staff.get("/stations?page_size=100")["items"], division_code=DONGCHANGFU)
    wheelchair = find(staff.get("/device-types?page_size=100")["items"], iso_code=WHEELCHAIR)
    clerk = system.client("inventory", "clerk", stations=[station["id"]], name="王芳")
    tag = f"E2E-{uuid.uuid4().hex[:8].upper()}"
    unit = clerk.post("/units", {
        "asset_tag": tag, "serial": tag, "type_id": wheelchair["id"],
        "station_id": station["id"], "condition": "A", "acquisition": "donation",
        "acquired_on": date.today().isoformat(), "cost_fen": 0,
    })
    refusals = []
    for borrower in staff.get("/borrowers?page_size=100")["items"]:
        if borrower["division_code"] != DONGCHANGFU:
            continue
        r = clerk.session.post(clerk.base + "/rentals", timeout=30, json={
            "station_id": station["id"], "borrower_id": borrower["id"],
            "unit_id": unit["id"], "home_delivery": True,
            "due_on": (date.today() + timedelta(days=14)).isoformat(),
        })
        if r.status_code == 201:
            return r.json()["id"], clerk
        assert r.status_code == 409, r.text  # e.g. a borrower with an overdue rental
        refusals.append(r.json().get("detail"))
    raise AssertionError(f"no borrower could rent the wheelchair: {refusals}")


def task_for(coordinator: Client, source_id: str) -> dict[str, Any] | None:
    for task in coordinator.get("/tasks?page_size=100")["items"]:
        if task["source"]["id"] == source_id:
            return dict(task)
    return None


def dispatch_and_complete(system: System, task: dict[str, Any],
                          result: dict[str, Any] | None = None) -> str:
    """Coordinator offers to the best candidate; the volunteer accepts, checks in, checks out."""
    coordinator = system.client("volunteer", "coordinator", districts=[task["division"]],
                                sub=f"coordinator-{task['division']}")
    offered = coordinator.post(f"/tasks/{task['id']}/offer", {})
    volunteer_id = offered["offers"][-1]["volunteer_id"]
    volunteer = system.client("volunteer", "volunteer", volunteer_id=volunteer_id)
    volunteer.post(f"/tasks/{task['id']}/accept")
    volunteer.post(f"/tasks/{task['id']}/check-in")
    volunteer.post(f"/tasks/{task['id']}/check-out", {"result": result} if result else {})
    return str(volunteer_id)


# -- renovation building blocks ------------------------------------------------------
def next_weekday_morning_utc(hour_local: int = 9) -> str:
    """The next Monday-Friday at ``hour_local`` o'clock in Asia/Shanghai, as UTC ISO."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    day = datetime.now(tz) + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.replace(hour=hour_local, minute=0, second=0, microsecond=0).astimezone(UTC).isoformat()


def new_certificate(seq: int) -> str:
    from svckit.domain.certificate import make_certificate

    return make_certificate(f"371502196{seq % 10}0101{seq % 1000:03d}"[:17], 4, 1)


class Renovation:
    """The renovation actors of one household's case."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.assessor = system.client("renovation", "staff", sub="staff-li", name="李评估员")
        self.approver = system.client("renovation", "staff", sub="staff-zhao", name="赵主任")
        self.inspector = system.client("renovation", "inspector", sub="inspector-sun")
        self.programme = self.approver.get("/programmes")["items"][0]
        self.contractor = self.approver.get("/contractors")["items"][0]
        self.contractor_client = system.client("renovation", "contractor",
                                               company=self.contractor["id"])

    def apply(self, seq: int) -> str:
        app = self.approver.post("/applications", {
            "programme_id": self.programme["id"], "certificate": new_certificate(seq),
            "holder_name": "张桂兰", "address": f"聊城市东昌府区古楼街道光岳路{seq}号",
            "division": DONGCHANGFU, "phone": "13806350000", "hardship": "dibao",
            "consent": True,
        })
        self.approver.post(f"/applications/{app['id']}/accept", {})
        return str(app["id"])

    def schedule_assessment(self, app_id: str) -> dict[str, Any]:
        return dict(self.assessor.call("PUT", f"/applications/{app_id}/assessment", json={
            "assessor": "staff-li", "scheduled_at": next_weekday_morning_utc(8)}))

    def assess_and_plan(self, app_id: str, lines: list[dict[str, str]]) -> dict[str, Any]:
        self.assessor.post(f"/applications/{app_id}/assessment/complete", {
            "findings": {"bathroom": "蹲便，无扶手", "entrance": "门口有15厘米台阶"},
            "checklist": {a["code"]: {f["code"]: "no" for f in a["findings"]}
                          for a in self.assessor.get("/catalogue/checklist")["areas"]},
            "needs": ["如厕安全", "轮椅出入"]})
        self.assessor.call("PUT", f"/applications/{app_id}/plan", json={"lines": lines})
        self.assessor.post(f"/applications/{app_id}/plan/confirm", {"signatory": "张桂兰"})
        return dict(self.approver.post(f"/applications/{app_id}/plan/approve", {}))

    def application(self, app_id: str) -> dict[str, Any]:
        return dict(self.approver.get(f"/applications/{app_id}"))
