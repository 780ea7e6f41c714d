"""The renovation unit of work: one repository on the session."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from svckit.uow import UnitOfWork

from renovation.adapters.repository import Repository


class RenovationUoW(UnitOfWork):
    repo: Repository

    def __enter__(self) -> Self:
        super().__enter__()
        self.repo = Repository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # A read-only use case leaves without commit: detach what it read first, so the
        # rollback does not expire the objects the view is about to dump (every
        # relationship is eagerly loaded). Nothing is written either way.
        if not self.committed and self._session is not None:
            self.session.expunge_all()
        super().__exit__(exc_type, exc, tb)
