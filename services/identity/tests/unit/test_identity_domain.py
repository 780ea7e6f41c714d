"""Identity domain rules with no I/O: scopes per role, token rotation, lockout."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from identity.domain.lockout import decide
from identity.domain.tokens import RefreshToken, hash_token
from identity.domain.users import Scope, User, check_password_strength
from svckit.auth.principal import Role
from svckit.domain.errors import Conflict, ValidationFailed

NOW = datetime(2025, 5, 6, 9, 0, tzinfo=UTC)
S1 = str(uuid.uuid4())


@pytest.mark.parametrize(("role", "scope"), [
    (Role.CLERK, Scope()),
    (Role.CLERK, Scope(stations=(S1,), company=S1)),
    (Role.CONTRACTOR, Scope()),
    (Role.COORDINATOR, Scope(districts=("99999x",))),
    (Role.VOLUNTEER, Scope(volunteer_id="not-a-uuid")),
    (Role.SERVICE, Scope()),
])
def test_a_role_needs_exactly_its_scope(role: Role, scope: Scope) -> None:
    with pytest.raises(ValidationFailed):
        scope.check(role)


def test_user_principal_carries_role_and_scope() -> None:
    user = User.create(username="clerk-a", display_name="王芳", role=Role.CLERK,
                       scope=Scope(stations=(S1,)), password_hash="h", now=NOW)
    p = user.principal()
    assert (p.sub, p.role, p.stations) == ("clerk-a", Role.CLERK, (S1,))
    user.disable(now=NOW)
    with pytest.raises(Conflict):
        user.disable(now=NOW)


def test_password_strength() -> None:
    with pytest.raises(ValidationFailed):
        check_password_strength("short", "u")
    with pytest.raises(ValidationFailed):
        check_password_strength("xx-clerk-a-xx", "clerk-a")
    check_password_strength("a-long-enough-one", "clerk-a")


@pytest.mark.parametrize("common", [
    "1234567890", "woaini1314", "qwertyuiop", "password123", "Password123", "QWERTYUIOP",
    "5201314520", "1qaz2wsx3edc", "0987654321", "aaaaaaaaaa", "woaini5201314",
])
def test_common_passwords_are_refused(common: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_password_strength(common, "clerk-a")
    assert "password" in refused.value.errors


def test_the_demo_password_is_valid_by_the_rules() -> None:
    for username in ("clerk-dcf", "staff-zhao", "volunteer-1201"):
        check_password_strength("liaocheng-2025", username)


def test_refresh_token_is_stored_hashed_and_rotates_once() -> None:
    token, secret = RefreshToken.issue(uuid.uuid4(), now=NOW, ttl=timedelta(hours=1))
    assert token.token_hash == hash_token(secret) and secret not in token.token_hash
    assert token.usable(NOW) and not token.usable(NOW + timedelta(hours=1))
    token.rotate(NOW)
    assert token.reused and not token.usable(NOW)


def test_lockout_counts_failures_in_the_window() -> None:
    fails = [NOW - timedelta(minutes=m) for m in (3, 2, 1)]
    blocked = decide(account_failures=fails, client_failures=[], account_max=3, client_max=10,
                     lockout=timedelta(minutes=15), now=NOW)
    assert blocked is not None and blocked.reason == "account"
    assert blocked.retry_after(NOW) == 14 * 60 + 1
    assert decide(account_failures=fails[:2], client_failures=[], account_max=3,
                  client_max=10, lockout=timedelta(minutes=15), now=NOW) is None
    assert decide(account_failures=fails, client_failures=[], account_max=3, client_max=10,
                  lockout=timedelta(minutes=15), now=NOW + timedelta(minutes=15)) is None
