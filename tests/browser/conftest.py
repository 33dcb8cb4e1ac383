"""Browser fixtures: Debian's chromium driven by the sync Playwright API against the live
server, with the Sanggau demo loaded.

The tests are skipped when /usr/bin/chromium is missing (``apt-get install -y chromium``);
CI installs it. Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# The sync Playwright API runs an event loop in this thread; Django's ORM then refuses
# queries from the test thread (fixtures, assertions) unless told that this is deliberate.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the browser tests with a clear reason when Debian's chromium is not installed."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless chromium for the whole session."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    """Folder for one screenshot per flow (outside the repository)."""
    folder = Path(
        os.environ.get("SINERGI_BROWSER_SHOTS") or tempfile.mkdtemp(prefix="sinergi-shots-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class PageProblems:
    """Console errors, CSP violations and failed requests seen by a page."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.requests: list[str] = []
        self.failed: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.console_errors.append(f"pageerror: {exc}"))
        page.on("request", lambda req: self.requests.append(req.url))
        page.on("requestfailed", self._failed)

    def _failed(self, request: Any) -> None:
        # ERR_ABORTED is the browser dropping a fetch (favicon, schema) when the test navigates.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.failed.append(f"{request.url} {request.failure}")

    def _console(self, msg: Any) -> None:
        text = msg.text
        if msg.type == "error" or "Content Security Policy" in text or "Refused" in text:
            self.console_errors.append(f"{msg.type}: {text}")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Hash with MD5 while the demo is loaded and users log in: Argon2 costs about 0.2 s per
    hash, 13 demo users per test. Argon2 stays second so hashes made earlier still verify.
    Autouse, so it runs before the ``demo`` fixture creates the users."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


@pytest.fixture
def problems() -> PageProblems:
    """Filled by the ``page`` fixture: what went wrong in the browser during the test."""
    return PageProblems()


@pytest.fixture
def page(browser: Any, live_server: Any, demo: None, problems: PageProblems) -> Iterator[Any]:
    """A fresh 1280x800 browser context and page (no cookies) against the live server."""
    context = browser.new_context(viewport=DESKTOP, locale="id-ID", base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems.attach(page)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: Any, live_server: Any, demo: None, problems: PageProblems) -> Iterator[Any]:
    """A fresh 360x740 touch phone context and page against the live server."""
    context = browser.new_context(
        viewport=PHONE,
        locale="id-ID",
        base_url=live_server.url,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems.attach(page)
    yield page
    context.close()


@pytest.fixture
def login() -> Callable[..., None]:
    """``login(page, "kadinkes")`` signs in through the login form and waits for home."""
    from tests.conftest import PASSWORD

    def do(page: Any, username: str, password: str = PASSWORD) -> None:
        page.goto("/masuk/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert "/masuk/" not in page.url, f"login as {username} failed"

    return do


@pytest.fixture
def sign_in(live_server: Any) -> Callable[..., None]:
    """``sign_in(page, "kadinkes")`` gives the browser a session cookie without the login form
    (the form has its own tests); the page itself is not loaded."""
    from django.conf import settings
    from django.test import Client

    from sinergi.accounts.models import User

    def do(page: Any, username: str) -> None:
        client = Client()
        client.force_login(User.objects.get(username=username))
        name = settings.SESSION_COOKIE_NAME
        cookie = {"name": name, "value": client.cookies[name].value, "url": live_server.url}
        page.context.add_cookies([cookie])

    return do
