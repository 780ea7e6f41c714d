"""Identity domain: users and scopes, refresh tokens, login throttling."""
