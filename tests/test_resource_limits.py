"""OWASP API4 across every service: the body-size limit, page-size caps on every list and
the report rate limit apply to all of them (they come from svckit, not from each service)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from svckit.auth.tokens import TokenVerifier, generate_keypair
from svckit.config import Config, PlatformSettings, ServiceSettings
from svckit.http.pagination import MAX_PAGE_SIZE
from svckit.service import ServiceContext, discover

DEFINITIONS = {d.name: d for d in discover()}
_, PUBLIC = generate_keypair()


def _app(name: str, tmp_path: Path, **platform: Any) -> Any:
    config = Config(name, PlatformSettings(var_dir=tmp_path, **platform),
                    ServiceSettings(database_url=f"sqlite:///{tmp_path}/{name}.db"))  # type: ignore[arg-type]
    return ServiceContext(DEFINITIONS[name], config,
                          verifier=TokenVerifier(public_key=PUBLIC)).create_app()


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_body_limit_and_report_limit_reach_every_service(name: str, tmp_path: Path) -> None:
    app = _app(name, tmp_path, max_body_bytes=4096, report_rate_limit="7/minute")
    assert app.config["MAX_CONTENT_LENGTH"] == 4096
    assert app.config["RATE_LIMIT_REPORTS"] == "7/minute"
    big = app.test_client().post("/anything", data=b"x" * 5000,
                                 headers={"Content-Type": "application/json"})
    assert big.status_code in (401, 413)  # refused before any view reads it


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_every_list_caps_its_page_size(name: str, tmp_path: Path) -> None:
    spec = _app(name, tmp_path).test_client().get("/openapi.json").get_json()
    lists = 0
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if not isinstance(op, dict):
                continue
            for param in op.get("parameters", []):
                if param.get("name") == "page_size":
                    lists += 1
                    assert param["schema"].get("maximum", 10**9) <= MAX_PAGE_SIZE, (
                        f"{name} {method.upper()} {path}: page_size not capped")
    if name != "console":  # the web console (if installed) has no API lists
        assert lists, f"{name} has no paginated list?"
