"""Auth primitives: verify RS256 bearer tokens; the principal and its scope."""

from svckit.auth.principal import Principal, Role
from svckit.auth.tokens import TokenError, TokenVerifier, generate_keypair, mint

__all__ = ["Principal", "Role", "TokenError", "TokenVerifier", "generate_keypair", "mint"]
