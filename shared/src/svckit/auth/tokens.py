"""RS256 tokens: verification (public key or JWKS URL) and minting (dev CLI, tests)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from svckit.auth.principal import Principal

#: the ``iss`` the identity service puts in its tokens and every verifier expects, unless
#: ``AUTH_ISSUER`` names another (an OIDC provider's); likewise ``aud`` / ``AUTH_AUDIENCE``
DEFAULT_ISSUER = "urn:zhucan:identity"
DEFAULT_AUDIENCE = "urn:zhucan:api"


class TokenError(Exception):
    """The token is missing, malformed, expired, or not signed by a trusted key."""


def _pem(value: str) -> str:
    """A PEM given inline, or a path to a file holding one."""
    if "-----BEGIN" in value:
        return value
    return Path(value).read_text()


#: verified tokens kept per verifier (a token is a few hundred bytes)
_VERIFIED_CACHE_SIZE = 4096


def _public_key(pem: str) -> Any:
    """The PEM parsed once: given a string, PyJWT parses it on every ``decode`` (and tries
    it as a private key first), ~0.3 ms per request. A PEM that is not a public key is
    passed on as text, so ``decode`` reports the problem as before."""
    try:
        return serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError):
        return pem


class TokenVerifier:
    def __init__(
        self,
        *,
        public_key: str | None = None,
        jwks_url: str | None = None,
        issuer: str = DEFAULT_ISSUER,
        audience: str = DEFAULT_AUDIENCE,
        leeway: int = 10,
    ) -> None:
        if not public_key and not jwks_url:
            raise ValueError("configure AUTH_PUBLIC_KEY or AUTH_JWKS_URL")
        self._key = _public_key(_pem(public_key)) if public_key and not jwks_url else None
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300) if jwks_url else None
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        #: token -> (principal, exp): a client sends the same token with every request
        self._verified: dict[str, tuple[Principal, float]] = {}

    def verify(self, token: str) -> Principal:
        """The token's principal. A token verified before is not verified again until it
        expires (its signature and claims cannot have changed); only the expiry is checked."""
        hit = self._verified.get(token)
        if hit is not None and time.time() <= hit[1] + self.leeway:
            return hit[0]
        principal = self._verify(token)
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            self._verified.clear()  # bounded; a rare full re-verification is cheap enough
        self._verified[token] = (principal, float(principal.claims["exp"]))
        return principal

    def _verify(self, token: str) -> Principal:
        try:
            key: Any = self._key
            if self._jwks is not None:
                key = self._jwks.get_signing_key_from_jwt(token).key
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
            return Principal.from_claims(claims)
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            raise TokenError(str(exc)) from exc


def generate_keypair() -> tuple[str, str]:
    """A new 2048-bit RSA key pair as (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private, public


def ensure_dev_keypair(var_dir: Path) -> tuple[Path, Path]:
    """The embedded mode's development key pair, made once in ``var_dir``."""
    var_dir.mkdir(parents=True, exist_ok=True)
    priv, pub = var_dir / "dev-jwt-private.pem", var_dir / "dev-jwt-public.pem"
    if not priv.exists() or not pub.exists():
        private, public = generate_keypair()
        priv.write_text(private)
        priv.chmod(0o600)
        pub.write_text(public)
    return priv, pub


def mint(
    principal: Principal,
    private_key: str,
    *,
    ttl: int = 3600,
    issuer: str = DEFAULT_ISSUER,
    audience: str = DEFAULT_AUDIENCE,
    kid: str | None = None,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {**principal.to_claims(), "iat": now, "exp": now + ttl,
                              "jti": uuid.uuid4().hex, "iss": issuer, "aud": audience}
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, _pem(private_key), algorithm="RS256", headers=headers)
