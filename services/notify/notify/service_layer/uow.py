"""The notifications service's unit of work: repositories on the session."""

from __future__ import annotations

from typing import Any, Self

from svckit.uow import UnitOfWork

from notify.adapters.repository import NotificationRepository, RecipientRepository
from notify.config import NotifySettings


class NotifyUoW(UnitOfWork):
    recipients: RecipientRepository
    notifications: NotificationRepository

    def __init__(self, *args: Any, settings: NotifySettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings

    def __enter__(self) -> Self:
        super().__enter__()
        self.recipients = RecipientRepository(self.session)
        self.notifications = NotificationRepository(self.session)
        return self
