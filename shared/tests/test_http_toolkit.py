"""The HTTP edge: problem+json, auth, request ids, health, OpenAPI (probe app on SQLite)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import probe
import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from svckit.auth.principal import Principal, Role
from svckit.auth.tokens import TokenVerifier, ensure_dev_keypair, generate_keypair, mint
from svckit.config import Config, PlatformSettings, ServiceSettings
from svckit.service import ServiceContext


@pytest.fixture
def ctx(tmp_path: Path, keypair: tuple[str, str]) -> Iterator[ServiceContext]:
    c = ServiceContext(
        probe.definition,
        Config("probe", PlatformSettings(var_dir=tmp_path, log_json=False),
               ServiceSettings(database_url=f"sqlite:///{tmp_path}/probe.db")),  # type: ignore[arg-type]
        verifier=TokenVerifier(public_key=keypair[1]),
    )
    probe.metadata.create_all(c.engine)
    yield c
    c.engine.dispose()


@pytest.fixture
def client(ctx: ServiceContext) -> FlaskClient:
    return ctx.create_app().test_client()


@pytest.fixture
def staff(token_for: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('staff')}"}


def test_validation_errors_are_problem_json_field_by_field(
    client: FlaskClient, staff: dict[str, str]
) -> None:
    r = client.post("/things", json={"name": "", "colour": "red"}, headers=staff)
    assert r.status_code == 422
    assert r.mimetype == "application/problem+json"
    body = r.get_json()
    assert body["type"] == "/problems/validation-failed"
    assert set(body["errors"]) == {"name", "colour"}  # unknown fields are refused too
    assert body["title"] == "输入校验失败"
    en = client.post("/things", json={}, headers={**staff, "Accept-Language": "en"})
    assert en.get_json()["title"] == "Validation failed"


def test_not_json_and_too_large_bodies(client: FlaskClient, staff: dict[str, str]) -> None:
    r = client.post("/things", data="{oops", headers={**staff, "Content-Type": "application/json"})
    assert r.status_code in (400, 422) and r.mimetype == "application/problem+json"
    big = client.post("/things", json={"name": "x" * 2_000_000}, headers=staff)
    assert big.status_code == 413 and big.mimetype == "application/problem+json"


def test_404_and_409_with_current_state(client: FlaskClient, staff: dict[str, str]) -> None:
    assert client.get("/things/nope", headers=staff).get_json()["status"] == 404
    tid = client.post("/things", json={"name": "a"}, headers=staff).get_json()["id"]
    assert client.post(f"/things/{tid}/close", headers=staff).status_code == 200
    r = client.post(f"/things/{tid}/close", headers=staff)
    assert r.status_code == 409
    assert r.get_json()["current_state"] == "closed"
    assert client.delete("/things", headers=staff).status_code == 405


def test_a_token_is_required_and_checked(client: FlaskClient, keypair: tuple[str, str]) -> None:
    r = client.get("/things/x")
    assert r.status_code == 401 and "Bearer" in r.headers["WWW-Authenticate"]
    foreign = mint(Principal(sub="u", role=Role.STAFF), generate_keypair()[0])
    assert client.get("/things/x", headers={"Authorization": f"Bearer {foreign}"}).status_code == 401
    expired = mint(Principal(sub="u", role=Role.STAFF), keypair[0], ttl=-60)
    assert client.get("/things/x", headers={"Authorization": f"Bearer {expired}"}).status_code == 401


def test_role_checks_are_403(client: FlaskClient, token_for: Callable[..., str]) -> None:
    r = client.post("/things", json={"name": "a"},
                    headers={"Authorization": f"Bearer {token_for('volunteer')}"})
    assert r.status_code == 403 and r.mimetype == "application/problem+json"


def test_invalid_event_fails_the_use_case_and_writes_nothing(
    client: FlaskClient, staff: dict[str, str], ctx: ServiceContext
) -> None:
    tid = client.post("/things", json={"name": "break-the-event"}, headers=staff).get_json()["id"]
    r = client.post(f"/things/{tid}/close", headers=staff)
    # the caller's input (the API let it through, the catalogue refused it): 422, not 500
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert r.get_json()["errors"] == {"name": ["长度应为1至50个字符"]}
    assert r.get_json()["error_codes"] == {"name": ["length"]}
    assert "Traceback" not in r.get_data(as_text=True)
    with ctx.engine.connect() as conn:
        state = conn.execute(select(probe.things.c.state).where(probe.things.c.id == tid)).scalar()
        outbox = conn.execute(select(func.count()).select_from(ctx.tables.outbox)).scalar()
    assert state == "open"  # the state change was rolled back with the event
    assert outbox == 1  # only the creation's event


def test_request_id_is_echoed_and_made(client: FlaskClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["X-Request-ID"] != "bad id with spaces"


def test_health_readiness_and_openapi(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz").get_json()
    assert ready["checks"] == {"database": "ok", "broker": "ok"}  # memory bus
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    post = spec["paths"]["/things"]["post"]
    assert "requestBody" in post and "201" in post["responses"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_request_id_becomes_the_events_correlation_id(
    client: FlaskClient, staff: dict[str, str], ctx: ServiceContext
) -> None:
    import json

    client.post("/things", json={"name": "a"}, headers={**staff, "X-Request-ID": "req-42"})
    with ctx.engine.connect() as conn:
        body = conn.execute(select(ctx.tables.outbox.c.body)).scalar_one()
    assert json.loads(body)["correlation_id"] == "req-42"
    # ...and the consumer's logs carry it while it handles (here: parks) the event.
    import logging

    from svckit.logs import ContextFilter

    seen: list[str | None] = []

    class Grab(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(getattr(record, "correlation_id", None))

    handler = Grab()
    handler.addFilter(ContextFilter("probe"))
    logger = logging.getLogger("svckit.messaging.consumer")
    logger.addHandler(handler)
    try:
        bad = json.loads(body)
        bad["type"], bad["payload"] = "probe.pinged", {"n": -1}
        outcome = ctx.processor().process(json.dumps(bad), {})
    finally:
        logger.removeHandler(handler)
    assert outcome.action == "park"
    assert seen == ["req-42"]


def test_token_cli_mints_a_verifiable_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from svckit.auth.cli import main

    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("IDENTITY_SIGNING_KEY", raising=False)
    ensure_dev_keypair(tmp_path)  # what the embedded mode makes on its first start
    assert main(["--role", "clerk", "--station", "s1", "--name", "王芳"]) == 0
    token = capsys.readouterr().out.strip()
    verifier = TokenVerifier(public_key=str(tmp_path / "dev-jwt-public.pem"))
    who = verifier.verify(token)
    assert (who.role, who.stations, who.name) == (Role.CLERK, ("s1",), "王芳")
