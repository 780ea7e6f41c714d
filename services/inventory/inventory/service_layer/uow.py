"""The inventory unit of work: the repository on the session, state and outbox in one commit."""

from __future__ import annotations

from typing import Self

from svckit.uow import UnitOfWork

from inventory.adapters.repository import Repository


class InventoryUoW(UnitOfWork):
    repo: Repository

    def __enter__(self) -> Self:
        super().__enter__()
        self.repo = Repository(self.session)
        return self
