"""The volunteer service's unit of work: repositories on the session."""

from __future__ import annotations

from typing import Any, Self

from svckit.uow import UnitOfWork

from volunteer.adapters.repository import (
    CertificateRepository,
    HoursRepository,
    TaskRepository,
    TeamRepository,
    VolunteerRepository,
)
from volunteer.config import VolunteerSettings


class VolunteerUoW(UnitOfWork):
    teams: TeamRepository
    volunteers: VolunteerRepository
    tasks: TaskRepository
    hours: HoursRepository
    certificates: CertificateRepository

    def __init__(self, *args: Any, settings: VolunteerSettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings

    def __enter__(self) -> Self:
        super().__enter__()
        self.teams = TeamRepository(self.session)
        self.volunteers = VolunteerRepository(self.session)
        self.tasks = TaskRepository(self.session)
        self.hours = HoursRepository(self.session)
        self.certificates = CertificateRepository(self.session)
        return self
