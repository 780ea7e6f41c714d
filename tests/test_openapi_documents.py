"""Every service's OpenAPI document is valid OpenAPI 3 (openapi-spec-validator), and its
browsable docs (``/<service>/docs``) load Swagger UI from the service itself, from the
installed swagger-ui-bundle package: nothing from another host, so the page works offline."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from openapi_spec_validator import validate
from svckit.auth.tokens import generate_keypair
from svckit.service import discover
from svckit.testing import service_context

SERVICES = {d.name: d for d in discover()}
_PRIVATE, PUBLIC = generate_keypair()


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_the_openapi_document_is_valid_openapi_3(name: str, tmp_path: Path) -> None:
    ctx = service_context(SERVICES[name], f"sqlite:///{tmp_path}/{name}.db", public_key=PUBLIC)
    spec = ctx.create_app().test_client().get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    validate(spec)  # raises with the path of the first error
    # the refusals are documented in the service's own content type
    assert any("application/problem+json" in (r.get("content") or {})
               for ops in spec["paths"].values() for op in ops.values() if isinstance(op, dict)
               for r in op.get("responses", {}).values())
    ctx.engine.dispose()


def test_the_validator_catches_what_it_is_here_for() -> None:
    """The check can fail: a form parameter (``in: formData``, Swagger 2) is refused."""
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    bad = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/p": {"post": {
        "parameters": [{"name": "photo", "in": "formData", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok"}}}}}}
    with pytest.raises(OpenAPIValidationError):
        validate(bad)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_the_docs_page_loads_swagger_ui_from_the_service(name: str, tmp_path: Path) -> None:
    ctx = service_context(SERVICES[name], f"sqlite:///{tmp_path}/{name}.db", public_key=PUBLIC)
    client = ctx.create_app().test_client()
    # mounted as in `make run` (/<service>/docs): relative links must stay under the mount
    mount = f"/{name}"
    page = client.get("/docs", environ_base={"SCRIPT_NAME": mount}, base_url=f"http://h{mount}/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {"swagger-ui.css", "swagger-ui-bundle.js"} <= {u.rsplit("/", 1)[-1] for u in links}
    assert "cdn" not in html.lower() and "//" not in "".join(links), links
    for link in links:
        url = urljoin(f"http://h{mount}/docs", link)
        path = urlsplit(url).path
        assert path.startswith(f"{mount}/docs-assets/"), (link, path)
        # no bearer token: the docs and their files are public
        asset = client.get(path.removeprefix(mount))
        assert asset.status_code == 200, (path, asset.status_code)
        assert len(asset.data) > 1000
        assert asset.mimetype in ("text/css", "text/javascript", "application/javascript")
    spec_url = re.search(r'url: "([^"]+)"', html)
    assert spec_url is not None and spec_url.group(1) == f"{mount}/openapi.json"
    ctx.engine.dispose()
