"""Browser tests of the console: Debian's Chromium driven by Playwright, axe-core in the
page (axe-playwright-python bundles it), screenshots into docs/screenshots/.

Every document the browser loads must be checked by :func:`audit` before the test ends
(the ``page`` fixture fails the test otherwise), so "axe-core reports no serious or
critical violation on any page the tests visit" holds by construction.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"
PASSWORD = os.environ.get("IDENTITY_SEED_PASSWORD", "liaocheng-2025")

#: the flags a root user's headless Chromium needs on a machine with no outside network
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError(
            "Debian's chromium is not installed: `make browser` (apt-get install chromium "
            "fonts-noto-cjk) or set CHROMIUM to a Chromium binary")
    return path


_AXE = Axe()
SEVERE = ("serious", "critical")


@dataclass
class Tracker:
    """Documents loaded by one page, and how many of them axe has checked."""

    loads: list[str] = field(default_factory=list)
    audited: int = 0
    checked_urls: list[str] = field(default_factory=list)


def track(page: Page) -> Tracker:
    tracker = Tracker()
    page.on("load", lambda p: tracker.loads.append(p.url))
    setattr(page, "_a11y_tracker", tracker)  # noqa: B010
    return tracker


#: what no page of the console may show: a bare server error page, and on a Chinese page
#: a service's English validator text, an enum repr, a raw field name as a prefix or an
#: ISO timestamp
NEVER = re.compile(r"Not Found|Method Not Allowed|Internal Server Error|Bad Request")
NEVER_ON_CHINESE = re.compile(
    r"Missing data for required field|Not a valid \w+|Field may not be (null|blank)"
    r"|Length must be|Must be (one of|greater|less)|Unknown field|(Shorter|Longer) than"
    r"|<\w+\.\w+: '|\b[a-z]+(_[a-z]+)+: |\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def shown_properly(page: Page) -> None:
    """No bare error page; on a Chinese page, nothing of a service's raw English."""
    text = page.locator("body").inner_text()
    found = NEVER.search(text)
    assert found is None, f"{page.url} shows {found.group(0)!r}:\n{text[:800]}"
    if page.locator("html").get_attribute("lang") == "zh-CN":
        found = NEVER_ON_CHINESE.search(text)
        assert found is None, f"{page.url} shows {found.group(0)!r}:\n{text[:800]}"


def audit(page: Page) -> None:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the current document; fail on any
    serious or critical violation, naming the rule and the elements; and check that the
    page shows no bare error page or raw service text (:func:`shown_properly`)."""
    page.wait_for_load_state("load")
    shown_properly(page)
    result = _AXE.run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
    severe = [v for v in result.response["violations"] if v.get("impact") in SEVERE]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(str(n.get("target")) for n in v.get("nodes", [])[:5])
        for v in severe)
    assert not severe, f"axe-core on {page.url}:\n{details}"
    tracker: Tracker | None = getattr(page, "_a11y_tracker", None)
    if tracker is not None:
        tracker.audited = len(tracker.loads)
        tracker.checked_urls.append(page.url)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, by keyboard (type, Enter), and check both pages."""
    page.goto(f"{base}/login")
    audit(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_label("密码").press("Enter")
    audit(page)
    assert "/login" not in page.url, f"sign-in as {username} failed: {flashes(page)}"
    expect(page.locator("main h1")).to_be_visible()


def submit(page: Page, button: str, **kw: Any) -> None:
    """Click the button named ``button``, wait for the next document, audit it."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, **kw).click()
    audit(page)


def flashes(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(".flash").all_inner_texts()]


PHONE = {"width": 390, "height": 844}


def screenshots(page: Page, name: str) -> tuple[Path, Path]:
    """The page at the desktop width (``<name>.png``) and at a phone's 390 px
    (``<name>-phone.png``), then back to the page's own size."""
    desktop = screenshot(page, name)
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        phone = screenshot(page, f"{name}-phone")
    finally:
        if size:
            page.set_viewport_size(size)
    return desktop, phone


def pdf_qr_codes(page: Page, url: str) -> list[str]:
    """What a phone camera reads off a PDF the console serves (fetched with the page's
    session): its first page rendered at 200 dpi (pypdfium2), the codes decoded (zxing-cpp)."""
    from urllib.parse import urljoin

    import pypdfium2
    import zxingcpp

    resp = page.request.get(urljoin(page.url, url))
    assert resp.status == 200, f"{url} -> {resp.status}"
    assert resp.headers["content-type"].startswith("application/pdf")
    image = pypdfium2.PdfDocument(resp.body())[0].render(scale=200 / 72).to_pil()
    return [found.text for found in zxingcpp.read_barcodes(image)]


def pdf_text(page: Page, url: str) -> str:
    """The text of a PDF the console serves (fetched with the page's session), whitespace
    removed: CJK text extracted from a PDF has no spaces to trust."""
    import io
    from urllib.parse import urljoin

    import pypdf

    resp = page.request.get(urljoin(page.url, url))
    assert resp.status == 200, f"{url} -> {resp.status}"
    assert resp.headers["content-type"].startswith("application/pdf")
    reader = pypdf.PdfReader(io.BytesIO(resp.body()))
    return "".join("".join(p.extract_text().split()) for p in reader.pages)
