"""Factories for the volunteer domain tests.

Clock: T0 = 2025-06-02 00:00 UTC = Monday 08:00 in Asia/Shanghai. The default task
window is T0+2h .. T0+4h (Monday 10:00-12:00 local).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from volunteer.domain.events import SourceRef
from volunteer.domain.tasks import CheckInPolicy, Task, TaskType
from volunteer.domain.volunteers import AvailabilityWindow, Skill, Volunteer

T0 = datetime(2025, 6, 2, 0, 0, tzinfo=UTC)
H = timedelta(hours=1)

VolunteerFactory = Callable[..., Volunteer]
TaskFactory = Callable[..., Task]


def every_day(start: time = time(8), end: time = time(20)) -> list[AvailabilityWindow]:
    return [AvailabilityWindow(day, start, end) for day in range(7)]


@pytest.fixture
def t0() -> datetime:
    return T0


@pytest.fixture
def policy() -> CheckInPolicy:
    return CheckInPolicy(open_limit=timedelta(hours=8), capped_duration=timedelta(hours=2))


@pytest.fixture
def coordinator_id() -> UUID:
    return uuid4()


@pytest.fixture
def make_volunteer() -> VolunteerFactory:
    def make(**overrides: Any) -> Volunteer:
        values: dict[str, Any] = {
            "real_name": "张志愿",
            "phone": "13812345678",
            "divisions": ["371502"],
            "skills": list(Skill),
            "availability": every_day(),
            "now": T0,
            "consent": True,
        }
        values.update(overrides)
        return Volunteer.register(**values)

    return make


@pytest.fixture
def make_task() -> TaskFactory:
    def make(**overrides: Any) -> Task:
        values: dict[str, Any] = {
            "type": TaskType.DELIVER_DEVICE,
            "division": "371502",
            "address": "东昌府区柳园街道幸福小区3号楼2单元501",
            "window_start": T0 + 2 * H,
            "window_end": T0 + 4 * H,
            "now": T0,
            "source": SourceRef("inventory", "rental", "r-1"),
        }
        values.update(overrides)
        return Task.create(**values)

    return make
