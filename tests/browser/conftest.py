"""One running system for all browser tests (native topology: gunicorn APIs, relays,
consumers on PostgreSQL and RabbitMQ), the console mounted at ``/console`` as ``make run``
serves it, and a Chromium per session."""

from __future__ import annotations

import secrets
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console.app import create_app
from console.config import SERVICES, ConsoleSettings
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from waitress.server import create_server
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))

from browser_kit import CHROMIUM_ARGS, chromium_path, track
from e2e_kit import System, running_cluster


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    # the services as the native topology runs them; the console itself is mounted below
    with running_cluster(tmp_path_factory.mktemp("console-cluster")) as cluster:
        yield System(cluster)


#: where ``make run`` mounts the console (svckit.embedded)
MOUNT = "/console"


@pytest.fixture(scope="package")
def console(system: System, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console's base URL: mounted at ``/console`` by werkzeug's DispatcherMiddleware
    and served by waitress, as ``make run`` does (``SCRIPT_NAME=/console``), calling the
    cluster's services. Links that forget the script root end on a 404 here."""
    settings = ConsoleSettings(
        var_dir=tmp_path_factory.mktemp("console"), secret_key=secrets.token_urlsafe(32),
        **{f"{svc}_url": system.cluster.base_url(svc) for svc in SERVICES})
    app = DispatcherMiddleware(NotFound(), {MOUNT: create_app(settings)})
    server = create_server(app, host="127.0.0.1", port=0, threads=8, ident="console-tests")
    thread = threading.Thread(target=server.run, name="console", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}{MOUNT}"  # type: ignore[union-attr]
    finally:
        server.close()
        thread.join(timeout=5)


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _open(browser: Browser, request: pytest.FixtureRequest, **options: Any) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", **options)
    context.set_default_timeout(15_000)
    p = context.new_page()
    tracker = track(p)
    try:
        yield p
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:  # what the browser showed, for the log
            shot = request.config._tmp_path_factory.getbasetemp() / f"{request.node.name}.png"
            p.screenshot(path=str(shot), full_page=True)
            text = p.locator("body").inner_text()[:1500]
            print(f"\n[browser] failed at {p.url}; screenshot {shot}\n{text}")
    finally:
        context.close()
    unchecked = tracker.loads[tracker.audited:]
    assert not unchecked, f"pages loaded but never checked by axe-core: {unchecked}"


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context (own cookies) at a desktop size; fails the test if a
    document it loaded was never checked by axe-core (browser_kit.audit)."""
    yield from _open(browser, request, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """Like ``page`` at a phone's size (contractors work on phones first)."""
    yield from _open(browser, request, viewport={"width": 390, "height": 844},
                     is_mobile=True, has_touch=True, device_scale_factor=2)
