"""Fixtures of the volunteer integration and API tests (real PostgreSQL)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from svckit.service import ServiceContext
from svckit.testing import service_context
from volunteer.domain.volunteers import AvailabilityWindow, Team, Volunteer
from volunteer.service import definition
from volunteer.service_layer.uow import VolunteerUoW

sys.path.insert(0, str(Path(__file__).parent))

from volunteer_testkit import ALL_DAY, A, next_phone, uow_of


@pytest.fixture
def ctx(pg_url: str, keypair: tuple[str, str]) -> ServiceContext:
    return service_context(definition, pg_url, public_key=keypair[1])


@pytest.fixture
def uow(ctx: ServiceContext) -> VolunteerUoW:
    return uow_of(ctx)


@pytest.fixture
def add_team(ctx: ServiceContext) -> Callable[[str], Team]:
    def make(division: str) -> Team:
        uow = uow_of(ctx)
        with uow:
            team = uow.teams.by_division(division)
            if team is None:
                team = Team.create(f"{division}绿挎包志愿服务队", division)
                uow.teams.add(team)
                uow.commit()
            return team

    return make


@pytest.fixture
def add_volunteer(ctx: ServiceContext, add_team: Callable[[str], Team]) -> Callable[..., Volunteer]:
    def make(division: str = A, skills: tuple[str, ...] = ("delivery", "driving",
             "home_visit", "phone_followup", "accompany_assessor"),
             availability: list[AvailabilityWindow] | None = None, name: str = "测试志愿者",
             ) -> Volunteer:
        team = add_team(division)
        uow = uow_of(ctx)
        with uow:
            v = Volunteer.register(real_name=name, phone=next_phone(),
                                   divisions=[division], skills=skills,
                                   availability=ALL_DAY if availability is None else availability,
                                   now=datetime.now(UTC), team=team, consent=True)
            uow.volunteers.add(v)
            uow.commit()
        return v

    return make
