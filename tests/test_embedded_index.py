"""The root page of ``make run``: a browser gets a page linking to the console and to every
service's API docs (all of which answer); an API client keeps the JSON index."""

from __future__ import annotations

import re
from pathlib import Path

from svckit.config import PlatformSettings
from svckit.embedded import EmbeddedSystem
from svckit.service import discover
from werkzeug.test import Client


def test_the_root_page_links_to_the_console_and_every_services_docs(tmp_path: Path) -> None:
    system = EmbeddedSystem(PlatformSettings(var_dir=tmp_path, bus_url="memory://"))  # type: ignore[arg-type]
    client = Client(system.wsgi("http://127.0.0.1:8000"))
    names = {d.name for d in discover()}

    page = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "业务工作台" in html
    links = re.findall(r'href="([^"]+)"', html)
    assert "/console/" in links
    assert {f"/{n}/docs" for n in names} <= set(links)
    assert {f"/{n}/openapi.json" for n in names} <= set(links)
    for link in links:  # every link answers (the console with its sign-in page)
        answer = client.get(link, follow_redirects=True)
        assert answer.status_code == 200, (link, answer.status_code)

    # API clients (curl's */*, or JSON by name) keep the JSON index
    for accept in ("*/*", "application/json"):
        index = client.get("/", headers={"Accept": accept})
        assert index.mimetype == "application/json", accept
        body = index.get_json()
        assert set(body["services"]) == names
        assert body["apps"] == {"console": "/console/"}
