"""The renovation unit of work: one repository on the session."""

from __future__ import annotations

from typing import Self

from svckit.uow import UnitOfWork

from renovation.adapters.repository import Repository


class RenovationUoW(UnitOfWork):
    repo: Repository

    def __enter__(self) -> Self:
        super().__enter__()
        self.repo = Repository(self.session)
        return self
