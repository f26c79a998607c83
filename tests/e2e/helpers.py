"""Helpers shared by the browser journeys."""

import datetime
import re
import time

from tests.conftest import totp_code
from tests.factories import DEFAULT_PASSWORD

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
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


def fresh_totp_code(secret: str) -> str:
    """The current code; waits for the next 30-second step when this one is about to end (tolerance 0)."""
    remaining = 30 - time.time() % 30
    if remaining < 4:
        time.sleep(remaining + 0.2)
    return totp_code(secret)


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
