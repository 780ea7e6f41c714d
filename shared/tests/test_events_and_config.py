"""Envelope, catalogue, configuration and tokens."""

from __future__ import annotations

import uuid

import pytest
from marshmallow import Schema, fields
from svckit.auth.principal import Principal, Role
from svckit.auth.tokens import TokenError, TokenVerifier, generate_keypair, mint
from svckit.config import Config, PlatformSettings, ServiceSettings
from svckit.domain.errors import Forbidden
from svckit.events.catalogue import Catalogue, InvalidEvent, UnknownEvent, load_all
from svckit.events.envelope import Envelope, EnvelopeError


def test_envelope_round_trip() -> None:
    env = Envelope(type="rental.checked_out", version=1, producer="inventory",
                   subject_id="r1", payload={"a": 1}, correlation_id="c1", causation_id="e0")
    back = Envelope.from_json(env.to_json())
    assert back == env
    assert back.occurred_at.tzinfo is not None


@pytest.mark.parametrize("raw", ["{", "[]", '{"id": "x"}', b"\xff"])
def test_unreadable_envelopes_are_refused(raw: str | bytes) -> None:
    with pytest.raises(EnvelopeError):
        Envelope.from_json(raw)


def test_catalogue_validates_and_versions() -> None:
    cat = Catalogue()

    @cat.register("x.happened", 1, "x", "v1")
    class V1(Schema):
        n = fields.Integer(required=True)

    @cat.register("x.happened", 2, "x", "v2")
    class V2(Schema):
        n = fields.Integer(required=True)
        who = fields.String(required=True)

    assert cat.get("x.happened").version == 2
    spec, data = cat.serialise("x.happened", 1, {"n": 3})
    assert (spec.version, data) == (1, {"n": 3})
    with pytest.raises(InvalidEvent):
        cat.serialise("x.happened", None, {"n": 3})  # v2 needs who
    with pytest.raises(InvalidEvent):
        cat.load("x.happened", 1, {"n": 3, "extra": 1})  # unknown fields are refused
    with pytest.raises(UnknownEvent):
        cat.get("x.happened", 3)
    with pytest.raises(ValueError, match="twice"):
        cat.register("x.happened", 1, "x", "again")(V1)


def test_platform_catalogue_loads() -> None:
    assert load_all() is load_all()


def test_secrets_do_not_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUS_URL", "amqp://user:s3cret@broker:5672/")
    monkeypatch.setenv("INVENTORY_DATABASE_URL", "postgresql://u:hunter2@db/inventory")
    cfg = Config("inventory")
    assert cfg.database_url.endswith("@db/inventory")
    assert "s3cret" not in repr(cfg) and "hunter2" not in repr(cfg)
    assert "s3cret" not in str(cfg.platform)


def test_service_settings_are_prefixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENOVATION_DATABASE_URL", "sqlite:///x.db")
    assert ServiceSettings.load("inventory").database_url is None
    assert ServiceSettings.load("renovation").database_url is not None
    monkeypatch.setenv("RETRY_DELAYS_MS", "[10, 20]")
    assert PlatformSettings().retry_delays_ms == (10, 20)


def test_tokens_verify_and_refuse() -> None:
    private, public = generate_keypair()
    other_private, _ = generate_keypair()
    verifier = TokenVerifier(public_key=public)
    who = Principal(sub="u1", role=Role.CLERK, stations=("s1",))
    assert verifier.verify(mint(who, private)) == who
    with pytest.raises(TokenError):
        verifier.verify(mint(who, other_private))  # foreign-signed
    with pytest.raises(TokenError):
        verifier.verify(mint(who, private, ttl=-60))  # expired
    with pytest.raises(TokenError):
        verifier.verify("not-a-token")


def test_principal_scopes() -> None:
    clerk = Principal(sub="c", role=Role.CLERK, stations=("s1",))
    assert clerk.covers_station("s1") and not clerk.covers_station("s2")
    with pytest.raises(Forbidden):
        clerk.require_station("s2")
    coord = Principal(sub="k", role=Role.COORDINATOR, districts=("371502",))
    assert coord.covers_division("371502") and not coord.covers_division("371503")
    city_staff = Principal(sub="s", role=Role.STAFF, districts=("371500",))
    assert city_staff.covers_division("371503") and not city_staff.covers_division("370702")
    assert Principal(sub="s", role=Role.STAFF).covers_division("370702")
    contractor = Principal(sub="x", role=Role.CONTRACTOR, company=str(uuid.UUID(int=1)))
    assert contractor.covers_company(uuid.UUID(int=1))
    assert not contractor.covers_company(uuid.UUID(int=2))
