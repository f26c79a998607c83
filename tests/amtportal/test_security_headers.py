"""Headers every page sends: private pages and files are never cached (Cache-Control: no-store), and every
HTML page carries a Content-Security-Policy with nothing inline allowed, so the templates hold no inline
script, style or event handler."""

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from ccp import services as ccp_services
from ccp.models import ActivityCategory, ActivityDocument, Cycle
from tests.billing.conftest import fixed_invoice
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db

# Inline code a Content-Security-Policy without 'unsafe-inline' refuses. A <script type="application/json">
# is data (json_script, allauth's onload blocks): never run, so the policy does not apply to it.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+=", re.I)
WEB_TEMPLATES = Path(settings.BASE_DIR) / "templates"
NOT_WEB_PAGES = {"email", "pdf"}  # mail clients and WeasyPrint need their inline styles


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 15, tzinfo=datetime.UTC), tick=False)
    return datetime.date(2026, 3, 2)


@pytest.fixture
def member(today):
    return MemberFactory(first_name="Ann", last_name="Lee")


@pytest.fixture
def invoice(member):
    """Certified May 14, 2019; the open fee of 2026-27 (the certification's cycle is open)."""
    return fixed_invoice(member)


@pytest.fixture
def certification(member, invoice):
    """An RDA certification of May 14, 2025: its first CCP cycle is open."""
    return make_certification(member, code="RDA", certified_on=datetime.date(2025, 5, 14))


def a_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def document(client, member, certification, settings, tmp_path):
    """A PDF the member attached to an activity, through the upload page."""
    settings.MEDIA_ROOT = tmp_path
    activity = ccp_services.activity_record(
        certification=certification,
        today=datetime.date(2026, 3, 2),
        recorded_by=None,
        category=ActivityCategory.objects.get(code="professional-education"),
        title="Webinar",
        quantity=Decimal("1"),
        helps_job=True,
        completed_on=datetime.date(2026, 2, 10),
    )
    client.force_login(member.user)
    client.post(
        reverse("ccp:document_upload", args=[activity.pk]),
        {"file": SimpleUploadedFile("certificate.pdf", a_pdf(), content_type="application/pdf")},
    )
    return ActivityDocument.objects.get(activity=activity)


def assert_no_store(response):
    assert response.status_code == 200, response.status_code
    assert "no-store" in response["Cache-Control"]


def assert_strict_csp(response):
    """A Content-Security-Policy that loads only from the portal and allows nothing inline, and a page
    that needs nothing inline (so the policy breaks nothing)."""
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy
    page = response.content.decode()
    assert not INLINE_SCRIPT.search(page), INLINE_SCRIPT.search(page)
    assert not INLINE_STYLE.search(page), INLINE_STYLE.search(page)
    assert not INLINE_HANDLER.search(page), INLINE_HANDLER.search(page)


def member_pages(certification, invoice) -> list[str]:
    cycle = Cycle.objects.get(certification=certification)
    return [
        reverse("home"),
        reverse("members:profile"),
        reverse("members:certification", args=[certification.pk]),
        reverse("ccp:overview"),
        reverse("ccp:certification", args=[certification.pk]),
        reverse("ccp:cycle", args=[cycle.pk]),
        reverse("ccp:attest", args=[cycle.pk]),
        reverse("ccp:activity_add", args=[certification.pk]),
        reverse("billing:invoices"),
        reverse("billing:invoice", args=[invoice.number]),
        reverse("account_change_password"),
    ]


def test_every_member_page_is_not_stored_and_has_a_strict_policy(client, member, certification, invoice):
    client.force_login(member.user)

    for url in member_pages(certification, invoice):
        response = client.get(url)
        assert_no_store(response)
        assert_strict_csp(response)


def test_every_staff_page_is_not_stored_and_has_a_strict_policy(client, member, invoice):
    client.force_login(make_staff("Administrator"))
    pages = [
        reverse("staff_home"),
        reverse("members:staff_member_search") + "?q=Lee",
        reverse("members:staff_member", args=[member.member_number]),
        reverse("ccp:staff_member_ccp", args=[member.member_number]),
        reverse("billing_staff:invoice_search") + f"?q={invoice.number}",
        reverse("billing_staff:invoice", args=[invoice.number]),
        reverse("billing_staff:mail_batches"),
    ]

    for url in pages:
        response = client.get(url)
        assert_no_store(response)
        assert_strict_csp(response)


def test_pdfs_are_not_stored(client, member, certification, invoice):
    client.force_login(member.user)
    cycle = Cycle.objects.get(certification=certification)

    for url in (
        reverse("billing:invoice_pdf", args=[invoice.number]),
        reverse("ccp:transcript", args=[cycle.pk]),
    ):
        response = client.get(url)
        assert response["Content-Type"] == "application/pdf"
        assert_no_store(response)
        assert "private" in response["Cache-Control"]


def test_a_document_download_is_not_stored(client, member, document):
    client.force_login(member.user)

    response = client.get(reverse("ccp:document_download", args=[document.pk]))

    assert_no_store(response)
    assert response["Content-Disposition"].startswith("attachment;")


def test_public_pages_have_the_policy_and_keep_their_caching(client, member):
    for url in (reverse("members:verify"), reverse("account_login"), reverse("account_reset_password")):
        response = client.get(url)
        assert response.status_code == 200
        assert_strict_csp(response)

    # The public status check sets no caching of its own and gets none added for an anonymous visitor
    assert "Cache-Control" not in client.get(reverse("members:verify"))


def test_no_web_template_has_inline_script_style_or_event_handler():
    offenders = []
    for path in sorted(WEB_TEMPLATES.rglob("*.html")):
        if path.relative_to(WEB_TEMPLATES).parts[0] in NOT_WEB_PAGES:
            continue
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER):
            offenders += [f"{path.relative_to(WEB_TEMPLATES)}: {match}" for match in pattern.findall(text)]

    assert offenders == []
