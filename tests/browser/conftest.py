"""Chromium through Playwright: one browser per session, a new context per test, real HTTP to live_server."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
MISSING = "browser tests skipped: Debian's chromium is not installed (apt-get install chromium)"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(autouse=True)
def connection_per_request():
    """Close the database connection after each request the live server answers, as with DJANGO_CONN_MAX_AGE=0.

    The live server answers each browser connection in a thread of its own, and Chromium's keep-alive connections
    leave those threads waiting when the server stops: a connection kept for the next request would outlive the
    test database. A gunicorn worker, one thread, keeps its one connection.
    """
    from django.db import connections

    kept = connections.settings["default"]["CONN_MAX_AGE"]
    connections.settings["default"]["CONN_MAX_AGE"] = 0
    yield
    connections.settings["default"]["CONN_MAX_AGE"] = kept


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(MISSING, pytrace=False)
        pytest.skip(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# The screen sizes a page is checked at: a common laptop and the smallest screen we support.
SCREEN_SIZES = {"1440x900": {"width": 1440, "height": 900}, "1024x768": {"width": 1024, "height": 768}}


@pytest.fixture
def screenshots(artifacts):
    """Return shoot(page, name): save test-artifacts/<name>-1440x900.png and -1024x768.png, kept by CI."""

    def shoot(page, name, *, full_page=False):
        before = page.viewport_size
        for size, viewport in SCREEN_SIZES.items():
            page.set_viewport_size(viewport)
            page.screenshot(path=artifacts / f"{name}-{size}.png", full_page=full_page)
        page.set_viewport_size(before)

    return shoot


def watch_csp(page):
    """Collect the page's Content-Security-Policy violations, from the console and from the DOM event, in page.csp."""
    page.csp = []
    page.on("console", lambda message: page.csp.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.expose_function("cspViolation", lambda text: page.csp.append(text))
    page.add_init_script("document.addEventListener('securitypolicyviolation', (e) => window.cspViolation("
                         "`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));")


@pytest.fixture
def login(browser, live_server):
    """Return a function that opens a new browser context, logs a user in through the login form, returns the page."""
    contexts = []

    def log_in(username, password=None):
        context = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        watch_csp(page)
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password or f"pw-{username}")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield log_in
    violations = [text for context in contexts for page in context.pages for text in page.csp]
    for context in contexts:
        context.close()
    assert violations == [], "Content-Security-Policy violations"
