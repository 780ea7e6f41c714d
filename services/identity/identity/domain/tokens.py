"""Refresh tokens: opaque, stored hashed, rotated on every use; reuse revokes the family."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(eq=False)
class RefreshToken:
    id: uuid.UUID
    family_id: uuid.UUID
    user_id: uuid.UUID
    token_hash: str
    issued_at: datetime
    expires_at: datetime
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None

    @classmethod
    def issue(cls, user_id: uuid.UUID, *, now: datetime, ttl: timedelta,
              family_id: uuid.UUID | None = None) -> tuple[RefreshToken, str]:
        """A new token and its secret value (only the hash is stored)."""
        secret = secrets.token_urlsafe(32)
        return cls(id=uuid.uuid4(), family_id=family_id or uuid.uuid4(), user_id=user_id,
                   token_hash=hash_token(secret), issued_at=now, expires_at=now + ttl), secret

    @property
    def reused(self) -> bool:
        """Presented again after it was rotated: someone else holds a copy."""
        return self.rotated_at is not None

    def usable(self, now: datetime) -> bool:
        return self.rotated_at is None and self.revoked_at is None and now < self.expires_at

    def rotate(self, now: datetime) -> None:
        self.rotated_at = now

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now
