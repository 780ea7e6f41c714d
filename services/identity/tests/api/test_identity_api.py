"""Identity over HTTP (Flask test client, real PostgreSQL): login, refresh rotation and reuse,
disabling, lockout, JWKS, staff-only administration; tokens the other services accept."""

from __future__ import annotations

import uuid
from typing import Any

import jwt
import pytest
from flask.testing import FlaskClient
from identity import seed as identity_seed
from svckit.auth.principal import Principal, Role
from svckit.auth.tokens import TokenError, TokenVerifier, generate_keypair, mint
from svckit.service import ServiceContext

PASSWORD = "liaocheng-2025"


def login(client: FlaskClient, username: str, password: str = PASSWORD,
          ip: str = "10.0.0.1") -> Any:
    return client.post("/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_login_issues_a_short_lived_rs256_token_the_other_services_accept(
        client: FlaskClient, keypair: tuple[str, str]) -> None:
    resp = login(client, "clerk-dcf")
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["token_type"] == "Bearer" and 300 <= body["expires_in"] <= 900
    # what inventory/renovation/volunteer do with AUTH_PUBLIC_KEY
    principal = TokenVerifier(public_key=keypair[1]).verify(body["access_token"])
    assert principal.role is Role.CLERK
    assert principal.stations == (identity_seed.station("DCF"),)
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == body["expires_in"]
    # ... and with AUTH_JWKS_URL: the JWKS holds the key named by the token's kid
    jwks = client.get("/.well-known/jwks.json").json
    header = jwt.get_unverified_header(body["access_token"])
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    key = jwt.PyJWK(jwk).key
    assert jwt.decode(body["access_token"], key, algorithms=["RS256"],
                      audience="urn:zhucan:api")["sub"] == "clerk-dcf"
    # the refresh token is stored hashed, never in clear
    with ctx_of(client).engine.connect() as conn:
        stored = [r[0] for r in conn.exec_driver_sql("SELECT token_hash FROM refresh_tokens")]
    assert body["refresh_token"] not in stored and len(stored) == 1


def ctx_of(client: FlaskClient) -> ServiceContext:
    ctx: ServiceContext = client.application.extensions["svckit.context"]
    return ctx


def test_wrong_password_and_unknown_user_get_the_same_401(client: FlaskClient) -> None:
    a = login(client, "clerk-dcf", "wrong-password")
    b = login(client, "nobody-here", "wrong-password")
    assert a.status_code == b.status_code == 401
    assert a.json["detail"] == b.json["detail"]


def test_refresh_rotates_and_reuse_revokes_the_family(client: FlaskClient) -> None:
    first = login(client, "coordinator-371502").json
    second = client.post("/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    newer = second.json
    assert newer["refresh_token"] != first["refresh_token"]
    # the rotated token presented again: refused, and the family (the newer token) dies too
    reuse = client.post("/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    assert client.post("/refresh", json={"refresh_token": newer["refresh_token"]}).status_code == 401
    # a fresh login is a new family and works
    assert login(client, "coordinator-371502").status_code == 200


def test_disabling_a_user_stops_its_refresh_at_once(client: FlaskClient) -> None:
    staff = login(client, "staff-zhao").json["access_token"]
    vol = login(client, "volunteer-1201").json
    users = client.get("/users?role=volunteer", headers=bearer(staff)).json["items"]
    (user,) = [u for u in users if u["username"] == "volunteer-1201"]
    resp = client.post(f"/users/{user['id']}/disable", headers=bearer(staff))
    assert resp.status_code == 200 and resp.json["disabled"] is True
    assert client.post("/refresh", json={"refresh_token": vol["refresh_token"]}).status_code == 401
    assert login(client, "volunteer-1201").status_code == 401
    client.post(f"/users/{user['id']}/enable", headers=bearer(staff))
    assert login(client, "volunteer-1201").status_code == 200


def test_logout_ends_the_refresh_family(client: FlaskClient) -> None:
    tokens = login(client, "inspector-sun").json
    assert client.post("/logout", json={"refresh_token": tokens["refresh_token"]}).status_code == 204
    assert client.post("/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401


def test_expired_or_foreign_signed_tokens_are_refused(client: FlaskClient,
                                                      keypair: tuple[str, str]) -> None:
    staff = Principal(sub="staff-zhao", role=Role.STAFF)
    expired = mint(staff, keypair[0], ttl=-60)
    foreign = mint(staff, generate_keypair()[0], ttl=600)
    for token in (expired, foreign):
        assert client.get("/users", headers=bearer(token)).status_code == 401
    verifier = TokenVerifier(public_key=keypair[1])
    for token in (expired, foreign):
        with pytest.raises(TokenError):
            verifier.verify(token)


def test_user_administration_is_staff_only(client: FlaskClient) -> None:
    clerk = login(client, "clerk-dcf").json["access_token"]
    staff = login(client, "staff-zhao").json["access_token"]
    assert client.get("/users", headers=bearer(clerk)).status_code == 403
    new = {"username": "clerk-new", "display_name": "新店员", "role": "clerk",
           "stations": [identity_seed.station("CP")], "password": "a-long-password-1"}
    assert client.post("/users", json=new, headers=bearer(clerk)).status_code == 403
    created = client.post("/users", json=new, headers=bearer(staff))
    assert created.status_code == 201, created.json
    uid = created.json["id"]
    # a role without its scope is refused
    bad = {**new, "username": "coord-x", "role": "coordinator"}
    assert client.post("/users", json=bad, headers=bearer(staff)).status_code == 422
    # the new user logs in; reads themself, not others (404: nothing leaks)
    own = login(client, "clerk-new", "a-long-password-1").json["access_token"]
    assert client.get(f"/users/{uid}", headers=bearer(own)).status_code == 200
    other = client.get("/users", headers=bearer(staff)).json["items"][0]["id"]
    assert client.get(f"/users/{other}", headers=bearer(own)).status_code == 404
    assert client.post(f"/users/{other}/disable", headers=bearer(own)).status_code == 403
    # changing one's password needs the current one
    bad_pw = client.post(f"/users/{uid}/password", headers=bearer(own),
                         json={"password": "another-long-one", "current_password": "nope"})
    assert bad_pw.status_code == 422
    ok = client.post(f"/users/{uid}/password", headers=bearer(own),
                     json={"password": "another-long-one",
                           "current_password": "a-long-password-1"})
    assert ok.status_code == 204
    assert login(client, "clerk-new", "another-long-one").status_code == 200
    assert client.get(f"/users/{uuid.uuid4()}", headers=bearer(staff)).status_code == 404


def test_seeded_scopes_match_the_other_services_seeds() -> None:
    from inventory.seed import station_ids
    from renovation.seed import CONTRACTORS
    from renovation.seed import _id as renovation_id
    from volunteer.seed import volunteer_id

    users = {u: scope for u, _n, _r, scope in identity_seed.USERS}
    assert users["clerk-dcf"].stations == (str(station_ids()["DCF"]),)
    assert users["clerk-yg"].stations == (str(station_ids()["YG"]),)
    assert users["contractor-anju"].company == str(renovation_id(f"contractor-{CONTRACTORS[0][0]}"))
    assert users["contractor-yiju"].company == str(renovation_id(f"contractor-{CONTRACTORS[1][0]}"))
    assert users["volunteer-1201"].volunteer_id == str(volunteer_id("13806351201"))
    roles = {r for _u, _n, r, _s in identity_seed.USERS}
    assert roles == {r for r in Role if r is not Role.SERVICE}


def test_tokens_name_the_platform_issuer_and_audience_and_others_are_refused(
        client: FlaskClient, keypair: tuple[str, str]) -> None:
    token = login(client, "staff-zhao").json["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["iss"], claims["aud"]) == ("urn:zhucan:identity", "urn:zhucan:api")
    assert client.get("/users", headers=bearer(token)).status_code == 200
    staff = Principal(sub="staff-zhao", role=Role.STAFF)
    forged = mint(staff, keypair[0], issuer="https://evil.example/", audience="another-app")
    wrong_aud = mint(staff, keypair[0], audience="another-app")
    for bad in (forged, wrong_aud):
        assert client.get("/users", headers=bearer(bad)).status_code == 401


def test_a_common_password_is_refused_when_creating_or_setting_one(client: FlaskClient) -> None:
    staff = login(client, "staff-zhao").json["access_token"]
    new = {"username": "clerk-common", "display_name": "新店员", "role": "clerk",
           "stations": [identity_seed.station("CP")], "password": "1234567890"}
    refused = client.post("/users", json=new, headers=bearer(staff))
    assert refused.status_code == 422 and "password" in refused.json["errors"]
    created = client.post("/users", json={**new, "password": "zhucan-clerk-7"},
                          headers=bearer(staff))
    assert created.status_code == 201
    uid = created.json["id"]
    for weak in ("woaini1314", "qwertyuiop", "password123", "xx-clerk-common"):
        resp = client.post(f"/users/{uid}/password", json={"password": weak},
                           headers=bearer(staff))
        assert resp.status_code == 422, weak


def test_the_user_directory_lists_a_districts_assessors_and_inspectors_read_it(
        client: FlaskClient) -> None:
    staff = login(client, "staff-zhao").json["access_token"]
    # a district's own staff member, one of another district and a disabled one
    made = {}
    for username, name, districts in (("staff-dcf", "东昌府评估员", ["371502"]),
                                      ("staff-yg", "阳谷评估员", ["371521"]),
                                      ("staff-gone", "已离职", [])):
        resp = client.post("/users", headers=bearer(staff), json={
            "username": username, "display_name": name, "role": "staff",
            "districts": districts, "password": "Liaocheng-dir-2026!"})
        assert resp.status_code == 201, resp.json
        made[username] = resp.json["id"]
    client.post(f"/users/{made['staff-gone']}/disable", headers=bearer(staff))

    resp = client.get("/users?role=staff&division=371502&active=true&page_size=100",
                      headers=bearer(staff))
    assert resp.status_code == 200, resp.json
    names = {u["username"] for u in resp.json["items"]}
    # city-wide staff (no districts) cover every county; the other county's do not
    assert {"staff-zhao", "staff-li", "staff-dcf"} <= names
    assert "staff-yg" not in names and "staff-gone" not in names
    assert resp.json["total"] == len(names)
    # an inspector reads the directory; a clerk does not; a bad division is a field error
    inspector = login(client, "inspector-sun").json["access_token"]
    assert client.get("/users?role=staff", headers=bearer(inspector)).status_code == 200
    clerk = login(client, "clerk-dcf").json["access_token"]
    assert client.get("/users", headers=bearer(clerk)).status_code == 403
    bad = client.get("/users?division=37", headers=bearer(staff))
    assert bad.status_code == 422 and "division" in str(bad.json)
