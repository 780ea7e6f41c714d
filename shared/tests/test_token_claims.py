"""Issuer and audience are always set and always checked (ADR 0012): a token signed by the
right key but issued by someone else, or for another application, is refused. And
``svckit-token`` signs with the service's key or not at all."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from svckit.auth.principal import Principal, Role
from svckit.auth.tokens import (
    DEFAULT_AUDIENCE,
    DEFAULT_ISSUER,
    TokenError,
    TokenVerifier,
    ensure_dev_keypair,
    generate_keypair,
    mint,
)
from svckit.config import PlatformSettings

WHO = Principal(sub="staff-zhao", role=Role.STAFF)


def test_platform_defaults_name_an_issuer_and_an_audience() -> None:
    settings = PlatformSettings()
    assert settings.auth_issuer == DEFAULT_ISSUER == "urn:zhucan:identity"
    assert settings.auth_audience == DEFAULT_AUDIENCE == "urn:zhucan:api"


def test_minted_tokens_carry_issuer_and_audience() -> None:
    private, public = generate_keypair()
    claims = jwt.decode(mint(WHO, private), options={"verify_signature": False})
    assert (claims["iss"], claims["aud"]) == (DEFAULT_ISSUER, DEFAULT_AUDIENCE)
    assert TokenVerifier(public_key=public).verify(mint(WHO, private)).sub == "staff-zhao"


@pytest.mark.parametrize("claims", [
    {"issuer": "https://evil.example/", "audience": "another-app"},
    {"issuer": "https://evil.example/", "audience": DEFAULT_AUDIENCE},
    {"issuer": DEFAULT_ISSUER, "audience": "another-app"},
])
def test_a_right_key_with_a_foreign_issuer_or_audience_is_refused(
        claims: dict[str, str]) -> None:
    private, public = generate_keypair()
    with pytest.raises(TokenError):
        TokenVerifier(public_key=public).verify(mint(WHO, private, **claims))


def test_a_token_without_issuer_or_audience_is_refused() -> None:
    private, public = generate_keypair()
    bare = jwt.encode({**WHO.to_claims(), "exp": 2**31}, private, algorithm="RS256")
    with pytest.raises(TokenError):
        TokenVerifier(public_key=public).verify(bare)


def test_token_cli_refuses_to_invent_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from svckit.auth.cli import main

    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("IDENTITY_SIGNING_KEY", raising=False)
    assert main(["--role", "staff"]) != 0
    assert "key" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no key was made


def test_token_cli_signs_with_the_services_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from svckit.auth.cli import main

    private, public = generate_keypair()
    key = tmp_path / "signing.pem"
    key.write_text(private)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("IDENTITY_SIGNING_KEY", str(key))
    assert main(["--role", "clerk", "--station", "s1"]) == 0
    who = TokenVerifier(public_key=public).verify(capsys.readouterr().out.strip())
    assert (who.role, who.stations) == (Role.CLERK, ("s1",))
    # the embedded mode's key, once that mode made it
    monkeypatch.delenv("IDENTITY_SIGNING_KEY")
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    _priv, pub = ensure_dev_keypair(tmp_path / "var")
    assert main(["--role", "staff"]) == 0
    assert TokenVerifier(public_key=str(pub)).verify(capsys.readouterr().out.strip()).sub
