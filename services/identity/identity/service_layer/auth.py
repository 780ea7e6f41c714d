"""Login, refresh (rotating, with reuse detection) and logout."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from svckit import context
from svckit.domain.errors import DomainError

from identity.adapters.throttle import LoginThrottle
from identity.domain.lockout import decide
from identity.domain.tokens import RefreshToken, hash_token
from identity.keys import SigningKey
from identity.service_layer import passwords
from identity.service_layer.uow import IdentityUoW

log = logging.getLogger(__name__)


class LoginFailed(DomainError):
    """Wrong credentials, a disabled user, or a refresh token that is not (or no longer)
    valid: always the same answer (401), so nothing is learnt about which."""

    code = "unauthorized"
    title = "认证失败"


class TooManyAttempts(DomainError):
    code = "too-many-requests"
    title = "尝试次数过多"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Issued:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    username: str


@dataclass(frozen=True)
class TokenOptions:
    key: SigningKey
    issuer: str
    audience: str


def _issue(uow: IdentityUoW, opts: TokenOptions, user_id: object, *, now: datetime,
           family: RefreshToken | None = None) -> Issued:
    user = uow.users.get(user_id)  # type: ignore[arg-type]
    assert user is not None
    s = uow.settings
    token, secret = RefreshToken.issue(user.id, now=now, ttl=s.refresh_ttl,
                                       family_id=family.family_id if family else None)
    uow.tokens.add(token)
    access = opts.key.sign(user.principal(), ttl=s.access_ttl_seconds, issuer=opts.issuer,
                           audience=opts.audience)
    return Issued(access, s.access_ttl_seconds, secret,
                  int(s.refresh_ttl.total_seconds()), user.username)


def login(uow: IdentityUoW, opts: TokenOptions, throttle: LoginThrottle, *, username: str,
          password: str, client: str, now: datetime) -> Issued:
    username = username.strip().lower()
    blocked = decide(throttle.failures(username, client), throttle.limits)
    if blocked is not None:
        log.warning("login blocked (%s)", blocked.reason,
                    extra={"account": username, "client": client})
        raise TooManyAttempts(
            "登录失败次数过多，请稍后再试 (too many failed logins; try again later)",
            blocked.retry_after)
    with uow:
        user = uow.users.by_username(username)
        ok = passwords.verify(user.password_hash if user else None, password)
        if user is None or not ok or user.disabled:
            throttle.failed(username, client)
            log.info("login failed", extra={"account": username, "client": client})
            raise LoginFailed("用户名或密码错误 (wrong username or password)")
        # the audit trail names the user as the author of their token (and of a rehash)
        with context.acting(user.username, user.role.value):
            if passwords.needs_rehash(user.password_hash):
                user.set_password_hash(passwords.hash_password(password), now=now)
            issued = _issue(uow, opts, user.id, now=now)
            uow.commit()
    throttle.succeeded(username, client)
    log.info("login", extra={"account": username, "client": client})
    return issued


def refresh(uow: IdentityUoW, opts: TokenOptions, *, refresh_token: str,
            now: datetime) -> Issued:
    with uow:
        token = uow.tokens.by_hash(hash_token(refresh_token))
        if token is None:
            raise LoginFailed("刷新令牌无效 (invalid refresh token)")
        if token.reused and token.revoked_at is None:
            # a rotated token presented again: a copy is in someone else's hands
            with context.acting("system:refresh-reuse"):
                revoked = uow.tokens.revoke_family(token.family_id, now, user_id=token.user_id)
                uow.commit()
            log.warning("refresh token reuse: family revoked",
                        extra={"family_id": str(token.family_id), "revoked": revoked})
            raise LoginFailed("刷新令牌已被使用，已全部注销 (refresh token reused; signed out)")
        if not token.usable(now):
            raise LoginFailed("刷新令牌无效 (invalid refresh token)")
        user = uow.users.get(token.user_id)
        if user is None or user.disabled:
            with context.acting("system:refresh-disabled"):
                uow.tokens.revoke_family(token.family_id, now, user_id=token.user_id)
                uow.commit()
            raise LoginFailed("用户已停用 (user disabled)")
        with context.acting(user.username, user.role.value):
            token.rotate(now)
            issued = _issue(uow, opts, user.id, now=now, family=token)
            uow.commit()
    return issued


def logout(uow: IdentityUoW, *, refresh_token: str, now: datetime) -> None:
    with uow:
        token = uow.tokens.by_hash(hash_token(refresh_token))
        if token is not None:
            user = uow.users.get(token.user_id)
            who = (user.username, user.role.value) if user else ("system:logout", "system")
            with context.acting(*who):
                uow.tokens.revoke_family(token.family_id, now, user_id=token.user_id)
                uow.commit()


def prune(uow: IdentityUoW, *, now: datetime) -> int:
    """Drop refresh tokens expired for more than a day (failure counters expire by
    themselves)."""
    with uow:
        n = uow.tokens.prune(now - timedelta(days=1))
        uow.commit()
    return n
