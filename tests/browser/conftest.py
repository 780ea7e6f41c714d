"""One running system for all browser tests (native topology: gunicorn APIs, relays,
consumers on PostgreSQL and RabbitMQ), the console mounted at ``/console`` as ``make run``
serves it, and a Chromium per session.

The notifications service sends its SMS to a local dev gateway (``sms_gateway``; the
tests read what a phone would receive there), with no quiet hours and no daily cap in the
way, and links them to this console (``NOTIFY_CONSOLE_URL``): the console's server is
bound before the services start, so its address is known to them. The services and the
console share one ``LINK_KEYS`` (the offer SMS's link, the sheets' check-in QR code)."""

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
from notify.adapters.dev_sms_gateway import DevSmsGateway
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from pydantic import SecretStr
from waitress.server import create_server
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))

from browser_kit import CHROMIUM_ARGS, chromium_path, track
from e2e_kit import System, running_cluster

#: where ``make run`` mounts the console (svckit.embedded)
MOUNT = "/console"
#: the signed links' key of this run, shared by the services and the console
LINK_KEYS = f"browser={secrets.token_urlsafe(32)}"


class _Later:
    """A WSGI app set once the services it calls are up (404 until then)."""

    def __init__(self) -> None:
        self.app: Any = NotFound()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.app(environ, start_response)


@pytest.fixture(scope="package")
def console_server() -> Iterator[tuple[str, _Later]]:
    """The console's server, bound first (its address goes into the services' settings),
    its app mounted by ``console`` once the services are up."""
    later = _Later()
    server = create_server(later, host="127.0.0.1", port=0, threads=8, ident="console-tests")
    thread = threading.Thread(target=server.run, name="console", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}{MOUNT}", later  # type: ignore[union-attr]
    finally:
        server.close()
        thread.join(timeout=5)


@pytest.fixture(scope="package")
def sms_gateway() -> Iterator[DevSmsGateway]:
    """What the volunteers' phones receive (notify's SMS, recorded by the dev gateway)."""
    with DevSmsGateway() as gateway:
        yield gateway


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory, console_server: tuple[str, _Later],
           sms_gateway: DevSmsGateway) -> Iterator[System]:
    # the services as the native topology runs them; the console itself is mounted below
    env = {"NOTIFY_SMS_ENDPOINT": sms_gateway.url, "NOTIFY_CONSOLE_URL": console_server[0],
           "NOTIFY_QUIET_START_HOUR": "0", "NOTIFY_QUIET_END_HOUR": "0",
           "NOTIFY_DAILY_CAP": "100", "LINK_KEYS": LINK_KEYS}
    with running_cluster(tmp_path_factory.mktemp("console-cluster"), extra_env=env) as cluster:
        yield System(cluster)


@pytest.fixture(scope="package")
def console(system: System, console_server: tuple[str, _Later],
            tmp_path_factory: pytest.TempPathFactory) -> str:
    """The console's base URL: mounted at ``/console`` by werkzeug's DispatcherMiddleware
    and served by waitress, as ``make run`` does (``SCRIPT_NAME=/console``), calling the
    cluster's services. Links that forget the script root end on a 404 here."""
    settings = ConsoleSettings(
        var_dir=tmp_path_factory.mktemp("console"), secret_key=secrets.token_urlsafe(32),
        link_keys=SecretStr(LINK_KEYS),
        **{f"{svc}_url": system.cluster.base_url(svc) for svc in SERVICES})
    url, later = console_server
    later.app = DispatcherMiddleware(NotFound(), {MOUNT: create_app(settings)})
    return url


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
