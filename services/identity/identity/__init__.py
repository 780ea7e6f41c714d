"""Identity service: users, login, rotating refresh tokens, JWKS."""
