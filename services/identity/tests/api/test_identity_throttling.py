"""Login throttling over HTTP (conftest: 3 failures per account and client, 6 per client):
an attacker cannot lock the owner out, cannot escape the count with X-Forwarded-For, and
cannot lock out everyone behind the console; staff can unlock, a new password unlocks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from identity.service import definition
from svckit.service import ServiceContext
from svckit.testing import service_context

PASSWORD = "liaocheng-2025"


def login(client: FlaskClient, username: str, password: str = PASSWORD, ip: str = "10.0.0.1",
          forwarded_for: str | None = None) -> Any:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip}, headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_id(client: FlaskClient, staff: str, username: str) -> str:
    items = client.get("/users?page_size=100", headers=bearer(staff)).json["items"]
    (user,) = [u for u in items if u["username"] == username]
    return str(user["id"])


def test_failures_from_many_addresses_do_not_lock_the_owner_out(client: FlaskClient) -> None:
    # 5 wrong passwords from each of 6 addresses
    for n in range(6):
        for _ in range(5):
            assert login(client, "clerk-yg", "wrong-password", ip=f"10.6.0.{n}").status_code in (
                401, 429)
    # the owner's right password from a seventh address: in at once
    assert login(client, "clerk-yg", ip="10.6.0.99").status_code == 200
    # an address that failed the account too often stays blocked for that account only
    blocked = login(client, "clerk-yg", ip="10.6.0.0")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 60
    assert login(client, "clerk-szx", ip="10.6.0.0").status_code == 200


def test_a_much_failed_account_slows_down_the_clients_that_failed_it(
        client: FlaskClient) -> None:
    # one failure from each of 5 addresses: the account has failed 5 times in all
    for n in range(5):
        assert login(client, "clerk-dcf", "wrong-password", ip=f"10.7.0.{n}").status_code == 401
    waits = []
    for n in range(3):  # more failures: a client that just failed waits, longer each time
        # (its retry follows its own failure at once: the delay, seconds, holds however
        # slow the machine is; the password hash alone can take a second under load)
        ip = f"10.7.1.{n}"
        assert login(client, "clerk-dcf", "wrong-password", ip=ip).status_code == 401
        resp = login(client, "clerk-dcf", "wrong-password", ip=ip)
        assert resp.status_code == 429
        waits.append(int(resp.headers["Retry-After"]))
    assert waits == sorted(waits) and waits[-1] > waits[0], waits
    # ... and never the owner at an address that has not failed
    assert login(client, "clerk-dcf", ip="10.7.9.9").status_code == 200


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(client: FlaskClient) -> None:
    """The default trusts no proxy: a local process cycling the header is one client."""
    codes = [login(client, f"guess-{i}", "wrong-password", ip="127.0.0.1",
                   forwarded_for=f"198.51.100.{i}").status_code for i in range(40)]
    assert codes[:6] == [401] * 6 and set(codes[6:]) == {429}
    assert login(client, "staff-li", ip="127.0.0.1", forwarded_for="192.0.2.1").status_code == 429


@pytest.fixture
def console_trusted(ctx: ServiceContext, pg_url: str, keypair: tuple[str, str],
                    monkeypatch: pytest.MonkeyPatch) -> Iterator[FlaskClient]:
    """An identity process configured to trust the console's network (settings are read
    once per process: a context of its own, on the seeded database)."""
    monkeypatch.setenv("IDENTITY_TRUSTED_PROXIES", '["10.80.0.0/24"]')
    trusting = service_context(definition, pg_url, public_key=keypair[1])
    try:
        yield trusting.create_app().test_client()
    finally:
        trusting.engine.dispose()


def test_failures_through_the_console_block_only_their_browser(
        console_trusted: FlaskClient) -> None:
    client, console = console_trusted, "10.80.0.5"
    for i in range(31):
        login(client, f"guess-{i}", "wrong-password", ip=console, forwarded_for="203.0.113.66")
    assert login(client, "staff-li", ip=console,
                 forwarded_for="203.0.113.66").status_code == 429
    # everyone else behind the console signs in
    assert login(client, "staff-li", ip=console, forwarded_for="203.0.113.7").status_code == 200
    # a client outside the trusted network is its own peer address, whatever it claims
    for i in range(6):
        login(client, f"guess-{i}", "wrong-password", ip="10.99.0.1",
              forwarded_for=f"203.0.113.{100 + i}")
    assert login(client, "staff-li", ip="10.99.0.1",
                 forwarded_for="203.0.113.200").status_code == 429


def test_staff_unlock_an_account_and_it_is_audited(client: FlaskClient) -> None:
    staff = login(client, "staff-zhao", ip="10.0.0.250").json["access_token"]
    for _ in range(3):
        login(client, "volunteer-1201", "wrong-password", ip="10.8.0.1")
    assert login(client, "volunteer-1201", ip="10.8.0.1").status_code == 429
    uid = user_id(client, staff, "volunteer-1201")
    # only staff unlock (others: 403)
    clerk = login(client, "clerk-dcf", ip="10.0.0.251").json["access_token"]
    assert client.post(f"/users/{uid}/unlock", headers=bearer(clerk)).status_code == 403
    assert login(client, "volunteer-1201", ip="10.8.0.1").status_code == 429
    resp = client.post(f"/users/{uid}/unlock", headers=bearer(staff))
    assert resp.status_code == 200 and resp.json["username"] == "volunteer-1201"
    assert login(client, "volunteer-1201", ip="10.8.0.1").status_code == 200
    trail = client.get(f"/audit?object_type=user&object_id={uid}", headers=bearer(staff)).json
    unlocks = [e for e in trail["items"] if "login_failures_cleared" in e["changes"]]
    assert len(unlocks) == 1 and unlocks[0]["actor"] == "staff-zhao"
    assert unlocks[0]["changes"]["login_failures_cleared"][1] >= 2  # the pair and the account


def test_a_password_reset_clears_the_failures(client: FlaskClient) -> None:
    staff = login(client, "staff-zhao", ip="10.0.0.250").json["access_token"]
    for _ in range(3):
        login(client, "inspector-sun", "wrong-password", ip="10.8.0.2")
    assert login(client, "inspector-sun", ip="10.8.0.2").status_code == 429
    uid = user_id(client, staff, "inspector-sun")
    assert client.post(f"/users/{uid}/password", headers=bearer(staff),
                       json={"password": "sun-new-secret-9"}).status_code == 204
    assert login(client, "inspector-sun", "sun-new-secret-9", ip="10.8.0.2").status_code == 200


def test_two_instances_share_the_failure_counts_through_redis(
        pg_url: str, keypair: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """With REDIS_URL, a client blocked by one API instance is blocked by the other (in
    memory each would count alone); the counters are under the configured key prefix."""
    import uuid

    import redis
    from identity.service import definition
    from svckit.testing import service_context

    monkeypatch.setenv("IDENTITY_SIGNING_KEY", keypair[0])
    monkeypatch.setenv("IDENTITY_ACCOUNT_MAX_FAILURES", "3")
    url, prefix = "redis://127.0.0.1:6379/0", f"test-{uuid.uuid4().hex}:"
    ctx = service_context(definition, pg_url, public_key=keypair[1], redis_url=url,
                          redis_prefix=prefix)
    assert definition.seed is not None
    definition.seed(ctx)
    one, two = ctx.create_app().test_client(), ctx.create_app().test_client()
    server = redis.Redis.from_url(url)
    try:
        for client in (one, two, one):
            assert login(client, "clerk-dcf", "wrong-password", ip="10.5.0.1").status_code == 401
        for client in (one, two):
            assert login(client, "clerk-dcf", ip="10.5.0.1").status_code == 429
        assert login(two, "clerk-dcf", ip="10.5.0.2").status_code == 200
        assert server.get(f"{prefix}identity:login:pair:clerk-dcf|10.5.0.1|") == b"3"
    finally:
        keys = list(server.scan_iter(match=f"{prefix}*"))
        if keys:
            server.delete(*keys)
        ctx.engine.dispose()


def test_without_redis_identity_answers_503_not_500(
        pg_url: str, keypair: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from identity.service import definition
    from svckit.testing import service_context

    monkeypatch.setenv("IDENTITY_SIGNING_KEY", keypair[0])
    # nothing listens on port 1: the counters cannot be read
    ctx = service_context(definition, pg_url, public_key=keypair[1],
                          redis_url="redis://127.0.0.1:1/0")
    resp = login(ctx.create_app().test_client(), "clerk-dcf")
    assert resp.status_code == 503 and int(resp.headers["Retry-After"]) > 0
    assert resp.headers["Content-Type"] == "application/problem+json"
    ctx.engine.dispose()
