"""Identity's audit trail over HTTP (real PostgreSQL): disabling a user, changing a role and
setting a password leave an audit row naming the staff member, with before -> after; secrets
(password and refresh-token hashes) appear only as "[redacted]"; only city-wide staff and
inspectors read ``GET /audit`` and ``GET /access-log``."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from identity import seed as identity_seed
from identity.adapters import orm
from svckit.auth.principal import Principal, Role
from svckit.auth.tokens import mint
from svckit.service import ServiceContext

PASSWORD = "liaocheng-2025"
AUDIT = orm.metadata.tables["audit_log"]


def _login(client: FlaskClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    resp = client.post("/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": "10.1.0.1"})
    assert resp.status_code == 200, resp.json
    return dict(resp.json)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _ctx(client: FlaskClient) -> ServiceContext:
    ctx: ServiceContext = client.application.extensions["svckit.context"]
    return ctx


def _rows(client: FlaskClient, **where: str) -> list[sa.RowMapping]:
    q = sa.select(AUDIT).order_by(AUDIT.c.id)
    for k, v in where.items():
        q = q.where(AUDIT.c[k] == v)
    with _ctx(client).engine.connect() as conn:
        return list(conn.execute(q).mappings())


def _user_id(client: FlaskClient, staff: str, username: str) -> str:
    users = client.get("/users?page_size=100", headers=_bearer(staff)).json["items"]
    return str(next(u["id"] for u in users if u["username"] == username))


def test_disabling_a_user_is_audited_with_the_staff_member_before_and_after(
        client: FlaskClient) -> None:
    staff = _login(client, "staff-zhao")["access_token"]
    _login(client, "volunteer-1201")  # a refresh token that disabling revokes
    uid = _user_id(client, staff, "volunteer-1201")
    resp = client.post(f"/users/{uid}/disable", headers=_bearer(staff))
    assert resp.status_code == 200
    seeded, row = _rows(client, object_type="user", object_id=uid)
    assert (seeded["action"], seeded["actor"]) == ("create", "system")
    assert (row["actor"], row["actor_role"], row["action"]) == ("staff-zhao", "staff", "update")
    assert row["request_id"] == resp.headers["X-Request-ID"]
    changes = row["changes"]
    assert changes["disabled"] == [False, True]
    assert changes["disabled_at"][0] is None and changes["disabled_at"][1]
    # the refresh tokens revoked by a bulk UPDATE are noted on the user's row
    assert changes["refresh_tokens_revoked"] == [None, 1]
    # enabling again: a second row; staff read both through GET /audit, newest first
    assert client.post(f"/users/{uid}/enable", headers=_bearer(staff)).status_code == 200
    page = client.get(f"/audit?object_type=user&object_id={uid}", headers=_bearer(staff))
    assert page.status_code == 200 and page.json["total"] == 3
    newest, oldest, _seeded = page.json["items"]
    assert newest["changes"]["disabled"] == [True, False] and newest["actor"] == "staff-zhao"
    assert oldest["changes"]["disabled"] == [False, True]


def test_a_role_change_is_audited_with_role_and_scope_before_and_after(
        client: FlaskClient) -> None:
    staff = _login(client, "staff-zhao")["access_token"]
    uid = _user_id(client, staff, "clerk-yg")
    resp = client.patch(f"/users/{uid}", headers=_bearer(staff),
                        json={"role": "coordinator", "districts": ["371521"]})
    assert resp.status_code == 200, resp.json
    [row] = _rows(client, object_type="user", object_id=uid, action="update")
    assert row["actor"] == "staff-zhao"
    assert row["changes"]["role"] == ["clerk", "coordinator"]
    assert row["changes"]["stations"] == [[identity_seed.station("YG")], []]
    assert row["changes"]["districts"] == [[], ["371521"]]


def test_a_password_change_is_audited_as_redacted_never_the_hash(client: FlaskClient) -> None:
    staff = _login(client, "staff-zhao")["access_token"]
    own = _login(client, "clerk-dcf")
    uid = _user_id(client, staff, "clerk-dcf")
    ok = client.post(f"/users/{uid}/password", headers=_bearer(own["access_token"]),
                     json={"password": "another-long-one", "current_password": PASSWORD})
    assert ok.status_code == 204
    reset = client.post(f"/users/{uid}/password", headers=_bearer(staff),
                        json={"password": "reset-by-staff-1"})
    assert reset.status_code == 204
    mine, by_staff = _rows(client, object_type="user", object_id=uid, action="update")
    assert mine["actor"] == "clerk-dcf" and by_staff["actor"] == "staff-zhao"
    for row in (mine, by_staff):
        assert row["changes"]["password_hash"] == ["[redacted]", "[redacted]"]
        assert row["changes"]["password_changed_at"][1]
    assert mine["changes"]["refresh_tokens_revoked"] == [None, 1]
    # a new user: the hash is "[redacted]" from the start
    new = {"username": "clerk-audit", "display_name": "审计店员", "role": "clerk",
           "stations": [identity_seed.station("CP")], "password": "a-long-password-1"}
    created = client.post("/users", json=new, headers=_bearer(staff))
    assert created.status_code == 201
    [row] = _rows(client, object_type="user", object_id=created.json["id"])
    assert row["action"] == "create" and row["changes"]["password_hash"] == [None, "[redacted]"]
    # login issued refresh tokens: audited with their owner as author, hash redacted
    tokens = _rows(client, object_type="refresh_token")
    assert tokens and all(r["changes"]["token_hash"] == [None, "[redacted]"]
                          for r in tokens if r["action"] == "create")
    assert {r["actor"] for r in tokens} >= {"staff-zhao", "clerk-dcf"}
    # nothing of any stored hash, nor a password, is anywhere in the audit trail
    with _ctx(client).engine.connect() as conn:
        secrets = [r[0] for r in conn.execute(sa.select(orm.users.c.password_hash))]
        secrets += [r[0] for r in conn.execute(sa.select(orm.refresh_tokens.c.token_hash))]
    stored = json.dumps([dict(r) for r in _rows(client)], default=str)
    assert "$argon2" not in stored
    for secret in [*secrets, "another-long-one", "reset-by-staff-1", own["refresh_token"]]:
        assert secret not in stored


def test_only_city_wide_staff_and_inspectors_read_the_records(
        client: FlaskClient, keypair: tuple[str, str]) -> None:
    staff = _login(client, "staff-zhao")["access_token"]
    uid = _user_id(client, staff, "clerk-dcf")
    audit_url = f"/audit?object_type=user&object_id={uid}"
    log_url = f"/access-log?record_id={uid}"
    inspector = _login(client, "inspector-sun")["access_token"]
    for token in (staff, inspector):
        assert client.get(audit_url, headers=_bearer(token)).status_code == 200
        assert client.get(log_url, headers=_bearer(token)).status_code == 200
    district_staff = mint(Principal(sub="staff-li", role=Role.STAFF, districts=("371502",)),
                          keypair[0])
    others = [_login(client, u)["access_token"]
              for u in ("clerk-dcf", "coordinator-371502", "volunteer-1201", "contractor-anju")]
    for token in (*others, district_staff):
        for url in (audit_url, log_url):
            refused = client.get(url, headers=_bearer(token))
            assert refused.status_code == 403
            assert refused.headers["Content-Type"] == "application/problem+json"
    assert client.get(audit_url).status_code == 401
