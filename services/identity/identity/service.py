"""The identity service's definition: what svckit needs to run every process."""

from __future__ import annotations

from pathlib import Path

from svckit.service import ServiceDefinition

from identity import jobs, seed
from identity.adapters import orm
from identity.config import IdentitySettings
from identity.entrypoints import api, commands, handlers
from identity.service_layer.uow import IdentityUoW

definition = ServiceDefinition(
    name="identity",
    title="身份认证 Identity API",
    description=(
        "Users with a role and its scope, login (Argon2id passwords, throttling and lockout), "
        "short-lived RS256 access tokens, rotating refresh tokens with reuse detection, the "
        "JWKS the other services verify against, staff-only user administration."
    ),
    metadata=orm.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=api.blueprints,
    handlers=handlers.handlers,
    start_mappers=orm.start_mappers,
    uow_class=IdentityUoW,
    seed=seed.seed,
    jobs=jobs.JOBS,
    public_paths=api.PUBLIC_PATHS,
    slot=3,
    processes=("api", "scheduler"),  # it neither publishes nor consumes events
    settings=IdentitySettings,
    # the console runs on the same host: its X-Forwarded-For names the browser
    local_env={"IDENTITY_TRUSTED_PROXIES": '["127.0.0.1/32"]'},
    commands=commands.COMMANDS,
    extra={"token_hints": seed.token_hints},
)
