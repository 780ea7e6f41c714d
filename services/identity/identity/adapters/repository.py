"""Queries of the identity service."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from svckit import audit
from svckit.domain.division import is_within

from identity.adapters.orm import refresh_tokens, users
from identity.domain.tokens import RefreshToken
from identity.domain.users import User


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, user: User) -> None:
        self.session.add(user)

    def get(self, user_id: uuid.UUID, *, lock: bool = False) -> User | None:
        return self.session.get(User, user_id, with_for_update=lock)

    def by_username(self, username: str) -> User | None:
        return self.session.scalars(sa.select(User).where(users.c.username == username)).first()

    def page(self, *, role: str | None, offset: int, limit: int, division: str | None = None,
             active: bool | None = None) -> tuple[list[User], int]:
        """A page of users by username. ``division``: only those whose districts cover it
        (no districts: the whole city); ``active``: only enabled (True) or disabled users.
        The division test runs here, on the role's users (a few dozen at most)."""
        q = sa.select(User)
        if role:
            q = q.where(users.c.role == role)
        if active is not None:
            q = q.where(users.c.disabled.is_(not active))
        if division is None:
            total = self.session.scalar(sa.select(sa.func.count()).select_from(q.subquery())) or 0
            rows = self.session.scalars(q.order_by(users.c.username).offset(offset).limit(limit))
            return list(rows), total
        found = [u for u in self.session.scalars(q.order_by(users.c.username))
                 if not u.districts or any(is_within(division, d) for d in u.districts)]
        return found[offset:offset + limit], len(found)


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token: RefreshToken) -> None:
        self.session.add(token)

    def by_hash(self, token_hash: str) -> RefreshToken | None:
        return self.session.scalars(
            sa.select(RefreshToken).where(refresh_tokens.c.token_hash == token_hash)
            .with_for_update()).first()

    def revoke_family(self, family_id: uuid.UUID, now: datetime, *,
                      user_id: uuid.UUID) -> int:
        result = self.session.execute(
            sa.update(refresh_tokens).where(refresh_tokens.c.family_id == family_id,
                                            refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now))
        n = int(result.rowcount or 0)  # type: ignore[attr-defined]
        self._audit_revoked(user_id, n, family=family_id)
        return n

    def revoke_user(self, user_id: uuid.UUID, now: datetime) -> int:
        result = self.session.execute(
            sa.update(refresh_tokens).where(refresh_tokens.c.user_id == user_id,
                                            refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now))
        n = int(result.rowcount or 0)  # type: ignore[attr-defined]
        self._audit_revoked(user_id, n)
        return n

    def _audit_revoked(self, user_id: uuid.UUID, n: int, *,
                       family: uuid.UUID | None = None) -> None:
        """A bulk UPDATE is invisible to the ORM audit: note it on the user's audit entry."""
        if not n:
            return
        changes: dict[str, tuple[object, object]] = {"refresh_tokens_revoked": (None, n)}
        if family is not None:
            changes["refresh_token_family"] = (None, str(family))
        audit.note(self.session, "user", user_id, changes)

    def prune(self, before: datetime) -> int:
        result = self.session.execute(
            sa.delete(refresh_tokens).where(refresh_tokens.c.expires_at < before))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
