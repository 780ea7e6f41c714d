"""The inventory unit of work: the repository on the session, state and outbox in one commit."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from svckit.uow import UnitOfWork

from inventory.adapters.repository import Repository


class InventoryUoW(UnitOfWork):
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
        # A read-only block ends with a rollback, which would expire what it loaded; detach
        # the objects first so that the caller can still read (and dump) them.
        if self._session is not None and not self.committed:
            self._session.expunge_all()
        super().__exit__(exc_type, exc, tb)
