"""Browser-test fixtures: one headless Debian Chromium per session, a fresh context and page per test.

Chromium is Debian's (/usr/bin/chromium): Playwright's own browser downloads are not used. Without it the
e2e tests are skipped with a visible reason, except in CI (REQUIRE_SERVICES=1), where they fail instead.
"""

import contextlib
import os
import re
from pathlib import Path

import pytest

from tests.e2e.accessibility import AxeAudit
from tests.e2e.helpers import DESKTOP

# Playwright's sync API runs an event loop in the test thread; the ORM calls made there by fixtures and
# factories would otherwise raise SynchronousOnlyOperation.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
TIMEOUT_MS = 10_000
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM_PATH):
        reason = f"e2e: Chromium not found at {CHROMIUM_PATH} (install Debian's chromium package)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}; REQUIRE_SERVICES=1 requires it", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def viewport(request):
    """Desktop, unless a test asks: `@pytest.mark.parametrize("viewport", [PHONE], indirect=True)`."""
    return getattr(request, "param", DESKTOP)


@pytest.fixture
def site(live_server, seeded):
    """The live server's base URL, with the configuration data (credentials, roles) seeded again."""
    return live_server.url


@pytest.fixture
def page(request, browser, viewport, site):
    context = browser.new_context(viewport=viewport, base_url=site, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    accessibility = AxeAudit(context)
    page = context.new_page()
    # Whatever the Content-Security-Policy blocks (an inline script or style left in a template) is a bug.
    blocked: list[str] = []

    def note_blocked(message):
        if "Content Security Policy" in message.text:
            blocked.append(message.text)

    page.on("console", note_blocked)
    try:
        yield page
        assert blocked == [], blocked
        if getattr(request.node, "rep_call", None) and request.node.rep_call.passed:
            accessibility.check(page)
            if accessibility.report():
                pytest.fail(accessibility.report(), pytrace=False)
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            RESULTS_DIR.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
            with contextlib.suppress(Exception):  # a screenshot must never hide the real failure
                page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
        context.close()


@pytest.fixture
def ccp_seeded(site):
    """Kept for the CCP tests' readability: the shared `seeded` fixture (via `site`) re-seeds the CCP
    categories too."""
    return site
