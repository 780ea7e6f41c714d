"""Every date and time the renovation API takes has a declared range: what it accepts is
never refused by the event catalogue nor overflows in a time-zone conversion (422 at every
boundary, never 500, never an event that cannot travel)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from svckit.domain.clock import china_date

PAST_AND_FAR = [
    "9999-12-31T23:59:59-12:00",  # overflows when converted to UTC
    "0001-01-01T00:00:00+14:00",  # underflows when converted to UTC
    "2020-06-01T09:00:00+08:00",  # in the past
    "2100-12-31T23:30:00+00:00",  # within the system's years, its visit window is not
]


def _far_future() -> str:
    return (datetime.now(UTC) + timedelta(days=400)).isoformat()


@pytest.mark.parametrize("at", [*PAST_AND_FAR, "far-future"])
def test_assessment_time_outside_the_horizon_is_422(world: Any, client: Any, auth: Any,
                                                    at: str) -> None:
    app = world.application()
    world.drive(app.id, "accepted")
    r = client.put(f"/applications/{app.id}/assessment", headers=auth(world.approver),
                   json={"scheduled_at": _far_future() if at == "far-future" else at})
    assert r.status_code == 422, r.json
    assert r.headers["Content-Type"] == "application/problem+json"
    assert "scheduled_at" in r.json["errors"], r.json
    assert world.outbox("renovation.assessment_requested") == []


def test_assessment_within_the_horizon_is_scheduled(world: Any, client: Any,
                                                    auth: Any) -> None:
    app = world.application()
    world.drive(app.id, "accepted")
    at = (datetime.now(UTC) + timedelta(days=300)).isoformat()
    r = client.put(f"/applications/{app.id}/assessment", headers=auth(world.approver),
                   json={"scheduled_at": at})
    assert r.status_code == 200, r.json


def _window(kind: str) -> tuple[str, str, str]:
    """(start_on, end_on, the field refused)."""
    today = china_date(datetime.now(UTC))
    return {
        "2020": ("2020-06-01", "2020-06-05", "start_on"),
        "year-9999": ("9999-12-30", "9999-12-31", "start_on"),
        "year-1": ("0001-01-01", "0001-01-02", "start_on"),
        "end-before-start": (str(today + timedelta(days=3)), str(today + timedelta(days=1)),
                             "end_on"),
        "beyond-horizon": (str(today), str(today + timedelta(days=400)), "end_on"),
    }[kind]


@pytest.mark.parametrize("kind", ["2020", "year-9999", "year-1", "end-before-start",
                                  "beyond-horizon"])
def test_works_dates_outside_their_range_are_422(world: Any, client: Any, auth: Any,
                                                 kind: str) -> None:
    order = world.order("accepted")
    start, end, field = _window(kind)
    r = client.post(f"/work-orders/{order.id}/schedule", headers=auth(world.crew_a),
                    json={"start_on": start, "end_on": end})
    assert r.status_code == 422, r.json
    assert field in r.json["errors"], r.json
    today = china_date(datetime.now(UTC))
    r = client.post(f"/work-orders/{order.id}/schedule", headers=auth(world.crew_a),
                    json={"start_on": str(today), "end_on": str(today + timedelta(days=5))})
    assert r.status_code == 200, r.json


@pytest.mark.parametrize("year", [1, 1999, 2101, 9999])
def test_programme_year_outside_the_system_years_is_422(world: Any, client: Any, auth: Any,
                                                        year: int) -> None:
    r = client.post("/programmes", headers=auth(world.approver), json={
        "year": year, "name": f"{year}年改造", "division_scope": "371500",
        "household_cap_fen": 300_000, "target_homes": 10, "total_budget_fen": 1_000_000})
    assert r.status_code == 422 and "year" in r.json["errors"], r.json


def test_the_ranges_are_declared_in_the_openapi(client: Any) -> None:
    spec = client.get("/openapi.json").json["components"]["schemas"]
    assert "365" in spec["ScheduleAssessmentIn"]["properties"]["scheduled_at"]["description"]
    schedule = spec["ScheduleIn"]["properties"]
    assert "China" in schedule["start_on"]["description"]
    assert "start_on" in schedule["end_on"]["description"]
    year = spec["ProgrammeIn"]["properties"]["year"]
    assert (year["minimum"], year["maximum"]) == (2000, 2100)
