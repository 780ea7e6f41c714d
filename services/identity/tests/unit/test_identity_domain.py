"""Identity domain rules with no I/O: scopes per role, passwords, token rotation,
login throttling."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from identity.domain.lockout import Failures, Limits, decide
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


LIMITS = Limits(pair_max=5, client_max=30, window=900.0, max_delay=300.0)


def f(pair: int = 0, since_pair: float = 0.0, client: int = 0, account: int = 0) -> Failures:
    """Counters ``since_pair`` seconds after this client's last failure on the account."""
    return Failures(pair, LIMITS.window - since_pair if pair else 0.0, client, 600.0, account)


def test_a_client_that_failed_an_account_too_often_is_blocked_for_it() -> None:
    blocked = decide(f(pair=5, since_pair=10, client=5, account=5), LIMITS)
    assert blocked is not None and blocked.reason == "account"
    assert blocked.retry_after == 890
    assert decide(f(pair=4, since_pair=10, client=4, account=4), LIMITS) is None


def test_a_client_that_failed_too_often_is_blocked_for_every_account() -> None:
    blocked = decide(f(client=30), LIMITS)
    assert blocked is not None and (blocked.reason, blocked.retry_after) == ("client", 600)


def test_a_much_failed_account_never_holds_back_a_client_that_has_not_failed_it() -> None:
    assert decide(f(account=1000), LIMITS) is None


def test_a_much_failed_account_slows_down_its_failed_clients_more_and_more() -> None:
    waits = [decide(f(pair=1, since_pair=0.5, account=n), LIMITS) for n in (5, 6, 8, 20)]
    assert [w.reason for w in waits if w] == ["slowdown"] * 4
    assert [w.wait for w in waits if w] == [0.5, 1.5, 7.5, 299.5]  # 1, 2, 8 s, then the cap
    assert decide(f(pair=1, since_pair=9, account=8), LIMITS) is None  # waited long enough
