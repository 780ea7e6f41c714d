"""Fixtures of the identity API tests (real PostgreSQL)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from identity.service import definition
from svckit.service import ServiceContext
from svckit.testing import service_context


@pytest.fixture
def ctx(pg_url: str, keypair: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> ServiceContext:
    monkeypatch.setenv("IDENTITY_SIGNING_KEY", keypair[0])
    monkeypatch.setenv("IDENTITY_ACCOUNT_MAX_FAILURES", "3")
    monkeypatch.setenv("IDENTITY_CLIENT_MAX_FAILURES", "6")
    context = service_context(definition, pg_url, public_key=keypair[1])
    assert definition.seed is not None
    definition.seed(context)
    return context


@pytest.fixture
def client(ctx: ServiceContext) -> FlaskClient:
    return ctx.create_app().test_client()
