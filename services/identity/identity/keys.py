"""The signing key: ``IDENTITY_SIGNING_KEY`` (a PEM or a path), else the embedded mode's dev
key in ``VAR_DIR`` (the key the other services already trust there). Its public half is
served as a JWKS with a ``kid`` (the RFC 7638 thumbprint)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from svckit.auth.principal import Principal
from svckit.auth.tokens import ensure_dev_keypair, mint
from svckit.service import ServiceContext

from identity.config import IdentitySettings

log = logging.getLogger(__name__)


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    private_pem: str

    @cached_property
    def _public(self) -> rsa.RSAPublicKey:
        key = serialization.load_pem_private_key(self.private_pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("IDENTITY_SIGNING_KEY must be an RSA private key")
        return key.public_key()

    @cached_property
    def public_pem(self) -> str:
        return self._public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    @cached_property
    def kid(self) -> str:
        numbers = self._public.public_numbers()
        canonical = json.dumps({"e": _b64(numbers.e), "kty": "RSA", "n": _b64(numbers.n)},
                               separators=(",", ":"), sort_keys=True)
        return base64.urlsafe_b64encode(
            hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()

    def jwk(self) -> dict[str, Any]:
        numbers = self._public.public_numbers()
        return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                "n": _b64(numbers.n), "e": _b64(numbers.e)}

    def sign(self, principal: Principal, *, ttl: int, issuer: str, audience: str) -> str:
        return mint(principal, self.private_pem, ttl=ttl, issuer=issuer, audience=audience,
                    kid=self.kid)


def load(settings: IdentitySettings, var_dir: Path) -> SigningKey:
    if settings.signing_key is not None:
        value = settings.signing_key.get_secret_value()
        return SigningKey(value if "-----BEGIN" in value else Path(value).read_text())
    log.warning("IDENTITY_SIGNING_KEY unset: signing with the development key in %s", var_dir)
    return SigningKey(ensure_dev_keypair(var_dir)[0].read_text())


_KEYS: WeakKeyDictionary[ServiceContext, SigningKey] = WeakKeyDictionary()


def of(ctx: ServiceContext) -> SigningKey:
    """The context's signing key (loaded once per context)."""
    key = _KEYS.get(ctx)
    if key is None:
        key = _KEYS[ctx] = load(ctx.settings, ctx.config.platform.var_dir)
    return key
