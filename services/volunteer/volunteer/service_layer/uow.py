"""The volunteer service's unit of work: repositories on the session."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from svckit.uow import UnitOfWork

from volunteer.adapters.repository import (
    HoursRepository,
    TaskRepository,
    TeamRepository,
    VolunteerRepository,
)
from volunteer.config import VolunteerSettings, settings


class VolunteerUoW(UnitOfWork):
    teams: TeamRepository
    volunteers: VolunteerRepository
    tasks: TaskRepository
    hours: HoursRepository

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings: VolunteerSettings = settings()

    def __enter__(self) -> Self:
        super().__enter__()
        self.teams = TeamRepository(self.session)
        self.volunteers = VolunteerRepository(self.session)
        self.tasks = TaskRepository(self.session)
        self.hours = HoursRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Detach what was loaded before the rollback of a read-only (or failed) unit of
        work, so the objects a query use case returns stay readable (a rollback would
        expire them)."""
        if self._session is not None and not self.committed:
            self._session.expunge_all()
        super().__exit__(exc_type, exc, tb)
