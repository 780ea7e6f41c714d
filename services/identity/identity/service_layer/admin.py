"""User administration (staff only) and a user's own password."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from svckit import audit
from svckit.auth.principal import Principal, Role
from svckit.domain.errors import NotFound, ValidationFailed

from identity.adapters.throttle import LoginThrottle
from identity.domain.users import Scope, User, check_password_strength
from identity.service_layer import passwords
from identity.service_layer.uow import IdentityUoW


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    role: Role
    scope: Scope
    password: str


def create_user(uow: IdentityUoW, actor: Principal, cmd: NewUser, *, now: datetime) -> User:
    actor.require(Role.STAFF)
    check_password_strength(cmd.password, cmd.username)
    with uow:
        if uow.users.by_username(cmd.username.lower()) is not None:
            raise ValidationFailed.field("username", "用户名已存在 (username taken)")
        user = User.create(username=cmd.username.lower(), display_name=cmd.display_name,
                           role=cmd.role, scope=cmd.scope,
                           password_hash=passwords.hash_password(cmd.password), now=now)
        uow.users.add(user)
        uow.commit()
        return user


def create_first_admin(uow: IdentityUoW, *, username: str, display_name: str, password: str,
                       now: datetime) -> User:
    """A staff administrator made by the operator on the host (``python -m identity
    create-admin``): the first real user, before anyone can sign in to make others. Same
    rules as :func:`create_user` (username, password strength); no principal, since access to
    the service's database is the authority here."""
    check_password_strength(password, username)
    with uow:
        if uow.users.by_username(username.lower()) is not None:
            raise ValidationFailed.field("username", "用户名已存在 (username taken)")
        user = User.create(username=username.lower(), display_name=display_name,
                           role=Role.STAFF, scope=Scope(),
                           password_hash=passwords.hash_password(password), now=now)
        uow.users.add(user)
        uow.commit()
        return user


def _get(uow: IdentityUoW, user_id: uuid.UUID, *, lock: bool = False) -> User:
    user = uow.users.get(user_id, lock=lock)
    if user is None:
        raise NotFound("user", user_id)
    return user


def get_user(uow: IdentityUoW, actor: Principal, user_id: uuid.UUID) -> User:
    with uow:
        user = uow.users.get(user_id)
        # a user may read themself; anyone else's record only staff (404: no probing)
        if user is None or not (actor.is_(Role.STAFF) or user.username == actor.sub):
            raise NotFound("user", user_id)
        return user


def list_users(uow: IdentityUoW, actor: Principal, *, role: str | None, page: int,
               page_size: int, division: str | None = None,
               active: bool | None = None) -> tuple[list[User], int]:
    """The user directory: staff administer it; inspectors read it (the names of the staff
    and contractors on the cases they inspect). ``division``: the users whose districts
    cover it, e.g. the assessors a district's case may be given to."""
    actor.require(Role.STAFF, Role.INSPECTOR)
    with uow:
        return uow.users.page(role=role, offset=(page - 1) * page_size, limit=page_size,
                              division=division, active=active)


def update_user(uow: IdentityUoW, actor: Principal, user_id: uuid.UUID, *,
                display_name: str | None, role: Role | None, scope: Scope | None,
                now: datetime) -> User:
    actor.require(Role.STAFF)
    with uow:
        user = _get(uow, user_id, lock=True)
        if display_name is not None:
            user.display_name, user.updated_at = display_name, now
        if role is not None or scope is not None:
            user.change_role(role or user.role, scope or Scope(), now=now)
            # the new scope must not ride on refresh tokens minted for the old one
            uow.tokens.revoke_user(user.id, now)
        uow.commit()
        return user


def set_disabled(uow: IdentityUoW, actor: Principal, user_id: uuid.UUID, disabled: bool, *,
                 now: datetime) -> User:
    actor.require(Role.STAFF)
    with uow:
        user = _get(uow, user_id, lock=True)
        if disabled:
            if user.username == actor.sub:
                raise ValidationFailed.field("id", "不能停用自己 (cannot disable yourself)")
            user.disable(now=now)
            uow.tokens.revoke_user(user.id, now)
        else:
            user.enable(now=now)
        uow.commit()
        return user


def unlock(uow: IdentityUoW, throttle: LoginThrottle, actor: Principal, user_id: uuid.UUID, *,
           now: datetime) -> User:
    """Forget the account's failed logins (staff): every client may try again at once. The
    audit trail records who did it and how many counters were cleared."""
    actor.require(Role.STAFF)
    with uow:
        user = _get(uow, user_id, lock=True)
        cleared = throttle.clear(user.username)
        audit.note(uow.session, "user", user.id, {"login_failures_cleared": (None, cleared)})
        uow.commit()
    return user


def set_password(uow: IdentityUoW, throttle: LoginThrottle, actor: Principal,
                 user_id: uuid.UUID, *, password: str, current_password: str | None,
                 now: datetime) -> User:
    with uow:
        user = uow.users.get(user_id, lock=True)
        own = user is not None and user.username == actor.sub
        if user is None or not (own or actor.is_(Role.STAFF)):
            raise NotFound("user", user_id)
        if own and not passwords.verify(user.password_hash, current_password or ""):
            raise ValidationFailed.field("current_password", "当前密码不正确")
        check_password_strength(password, user.username)
        user.set_password_hash(passwords.hash_password(password), now=now)
        uow.tokens.revoke_user(user.id, now)
        uow.commit()
    # the failures were guesses at the old password
    throttle.clear(user.username)
    return user
