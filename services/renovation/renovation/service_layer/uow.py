"""The renovation unit of work: one repository on the session."""

from __future__ import annotations

from typing import Any, Self

from svckit.uow import UnitOfWork

from renovation.adapters.repository import Repository
from renovation.settings import RenovationSettings


class RenovationUoW(UnitOfWork):
    repo: Repository

    def __init__(self, *args: Any, settings: RenovationSettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings

    def __enter__(self) -> Self:
        super().__enter__()
        self.repo = Repository(self.session)
        return self
