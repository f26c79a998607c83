"""Browser-test fixtures: one headless Debian Chromium per session, a fresh context and page per test.

Chromium is Debian's (/usr/bin/chromium): Playwright's own browser downloads are not used. Without it the
e2e tests are skipped with a visible reason, except in CI (REQUIRE_SERVICES=1), where they fail instead.
"""

import os

import pytest

from tests.e2e.helpers import DESKTOP, checked_page

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
    with checked_page(request, browser, site, viewport) as page:
        yield page


@pytest.fixture
def ccp_seeded(site):
    """Kept for the CCP tests' readability: the shared `seeded` fixture (via `site`) re-seeds the CCP
    categories too."""
    return site
