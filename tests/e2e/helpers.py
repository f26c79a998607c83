"""Helpers shared by the browser journeys."""

import contextlib
import datetime
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import totp_code
from tests.e2e.accessibility import AxeAudit
from tests.factories import DEFAULT_PASSWORD, STAFF_TOTP_SECRET, staff_named

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"
EMAIL_LABEL = re.compile(r"^e-?mail( address)?:?$", re.I)
PASSWORD_LABEL = re.compile(r"^password:?$", re.I)


def field(page, label: re.Pattern | str, name: str):
    """A form field by its accessible name or placeholder, else by its `name` attribute.

    The allauth templates are being restyled (labels and ids may change): never rely on CSS classes or ids.
    """
    return (
        page.get_by_label(label)
        .or_(page.get_by_placeholder(label))
        .or_(page.locator(f"input[name='{name}']"))
        .first
    )


def log_in(page, email: str, password: str = DEFAULT_PASSWORD) -> None:
    """Sign in through allauth's form (pressing Enter in the password field submits it)."""
    page.goto("/accounts/login/")
    field(page, EMAIL_LABEL, "login").fill(email)
    password_field = field(page, PASSWORD_LABEL, "password")
    password_field.fill(password)
    with page.expect_navigation():
        password_field.press("Enter")


@contextlib.contextmanager
def checked_page(request, browser, site: str, viewport: dict, *, screenshot_suffix: str = ""):
    """A page in a fresh browser context, checked after the test: whatever the Content-Security-Policy
    blocked (an inline script or style left in a template) is a bug, and so is any serious axe-core
    violation once the test passed; a failed test leaves a screenshot (`screenshot_suffix` names a second
    person's)."""
    # Reduced motion: Bootstrap then drops its colour transitions, so axe-core never reads a button's
    # contrast half-way through its hover or focus change (a clicked button measured mid-transition).
    context = browser.new_context(viewport=viewport, base_url=site, locale="en-US", reduced_motion="reduce")
    context.set_default_timeout(TIMEOUT_MS)
    accessibility = AxeAudit(context)
    page = context.new_page()
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
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150 + len(screenshot_suffix) :]
            with contextlib.suppress(Exception):  # a screenshot must never hide the real failure
                page.screenshot(path=str(RESULTS_DIR / f"{name}{screenshot_suffix}.png"), full_page=True)
        context.close()


def fresh_totp_code(secret: str) -> str:
    """The current code; waits for the next 30-second step when this one is about to end (tolerance 0)."""
    remaining = 30 - time.time() % 30
    if remaining < 4:
        time.sleep(remaining + 0.2)
    return totp_code(secret)


def staff_signs_in(page, role: str, first_name: str, last_name: str) -> None:
    """A staff member of `role`, made now with two-factor, signs in with the current TOTP code: the staff
    home. Once per browser context: a second sign-in in the same 30 seconds would reuse the code, which
    allauth refuses."""
    staff = staff_named(role, first_name, last_name, two_factor_secret=STAFF_TOTP_SECRET)
    log_in(page, staff.email)
    code = field(page, re.compile(r"code", re.I), "code")
    code.fill(fresh_totp_code(STAFF_TOTP_SECRET))
    with page.expect_navigation():
        code.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff home")


def long_date(day: datetime.date) -> str:
    """A date as the member pages print it (Django's "F j, Y", e.g. "May 31, 2026")."""
    return f"{day:%B} {day.day}, {day.year}"


def definition(scope, term: str):
    """The <dd> that follows the <dt> whose text is exactly `term`, inside `scope`."""
    return scope.locator("dt", has_text=re.compile(rf"^\s*{re.escape(term)}\s*$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def pdf_text(path) -> str:
    """The text of every page of a PDF file (e.g. a download's `path()`), joined by newlines."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
