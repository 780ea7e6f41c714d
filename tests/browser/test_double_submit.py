"""A form being sent cannot be sent again: its submit button is disabled until the answer
comes (static/console.js), so a second click or Enter posts nothing more.

Its own console (no service behind it: the sign-in form's answer is the 503 page), whose
POSTs wait until the test lets them through, so the page stays while the request is
under way."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_kit import audit
from console.app import create_app
from console.config import ConsoleSettings
from playwright.sync_api import ConsoleMessage, Page
from waitress.server import create_server


class Held:
    """The console's WSGI app, every POST held until :attr:`release` is set."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.release = threading.Event()
        self.posts: list[str] = []

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "POST":
            self.posts.append(environ["PATH_INFO"])
            self.release.wait(30)
        result: Iterable[bytes] = self.app(environ, start_response)
        return result


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[str, Held]]:
    app = Held(create_app(ConsoleSettings(var_dir=tmp_path, api_base="http://127.0.0.1:9",
                                          redis_url=None)))
    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="console-held")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", app
    finally:
        app.release.set()
        server.close()
        thread.join(timeout=5)


def test_a_form_being_sent_cannot_be_sent_again(page: Page,
                                                held: tuple[str, Held]) -> None:
    base, app = held
    page.goto(f"{base}/login")
    audit(page)
    states: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if message.text.startswith("submit-button-disabled:"):
            states.append(message.text.split(":", 1)[1])

    page.on("console", seen)
    # what the button is just after the submit (the document stays while the POST waits)
    page.evaluate("""() => {
      const form = document.querySelector("main form");
      form.addEventListener("submit", () => setTimeout(() => console.log(
        "submit-button-disabled:" + form.querySelector("button").disabled), 50));
    }""")
    page.get_by_label("用户名").fill("clerk-dcf")
    page.get_by_label("密码").fill("not-the-password")
    box = page.get_by_role("button", name="登录").bounding_box()
    assert box is not None
    page.get_by_role("button", name="登录").click(no_wait_after=True)
    page.wait_for_timeout(500)
    assert states == ["true"]
    # a second click and an Enter while the first POST is under way send nothing (the
    # mouse and keyboard, not locators: those wait for the pending navigation)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    assert app.posts == ["/login"]
    with page.expect_navigation():
        app.release.set()
    audit(page)
    assert app.posts == ["/login"]
