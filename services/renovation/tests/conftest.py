"""Make the service package importable when it is not installed (``pip install -e``), and
the fixtures of the integration and API tests (real PostgreSQL via svckit.testing)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

_HERE = Path(__file__).resolve().parent
for _p in (str(_HERE.parent), str(_HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from renovation_testkit import World  # noqa: E402
from svckit.auth.principal import Principal  # noqa: E402


@pytest.fixture
def ctx(pg_url: str, keypair: tuple[str, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Any:
    from renovation.service import definition
    from svckit.testing import service_context

    monkeypatch.setenv("RENOVATION_PHOTO_DIR", str(tmp_path / "photos"))
    return service_context(definition, pg_url, public_key=keypair[1])


@pytest.fixture
def world(ctx: Any) -> World:
    return World(ctx)


@pytest.fixture
def client(ctx: Any) -> Any:
    return ctx.create_app().test_client()


@pytest.fixture
def auth(token_for: Callable[..., str]) -> Callable[..., dict[str, str]]:
    """``auth(principal)`` → the Authorization header of a token for that principal."""

    def make(p: Principal) -> dict[str, str]:
        scope: dict[str, Any] = {"name": p.name}
        if p.company:
            scope["company"] = p.company
        if p.districts:
            scope["districts"] = list(p.districts)
        return {"Authorization": f"Bearer {token_for(p.role.value, sub=p.sub, **scope)}"}

    return make
