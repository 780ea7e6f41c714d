"""The identity service's unit of work: repositories on the session."""

from __future__ import annotations

from typing import Any, Self

from svckit.uow import UnitOfWork

from identity.adapters.repository import TokenRepository, UserRepository
from identity.config import IdentitySettings


class IdentityUoW(UnitOfWork):
    users: UserRepository
    tokens: TokenRepository

    def __init__(self, *args: Any, settings: IdentitySettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings

    def __enter__(self) -> Self:
        super().__enter__()
        self.users = UserRepository(self.session)
        self.tokens = TokenRepository(self.session)
        return self
