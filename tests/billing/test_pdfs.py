"""Invoice and receipt PDFs as the member downloads them, and the renewal letter as printed in the mail batch,
read back with pypdf: the text a person sees and where the address sits for the window envelope."""

import datetime
import io

import pytest
import time_machine
from django.core.files.storage import default_storage
from pypdf import PdfReader

from billing import services
from billing.models import Invoice
from members.services.mail_batch import mail_batch_build
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db

D = datetime.date
ISSUE_DAY = D(2026, 4, 1)
INCH = 72  # PDF points


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def member(db):
    return MemberFactory(
        first_name="Maria",
        middle_name="Luisa",
        last_name="Gonzalez",
        address_line1="400 Lake Shore Drive",
        address_line2="Apt 12B",
        city="Chicago",
        state="IL",
        postal_code="60611",
    )


@pytest.fixture
def invoice(member):
    make_certification(member, certified_on=D(2019, 5, 14), today=D(2026, 3, 1), paid_through=D(2026, 4, 30))
    services.invoices_issue_due(today=ISSUE_DAY)
    return Invoice.objects.get()


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def download(client, member, path: str) -> bytes:
    client.force_login(member.user)
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_the_invoice_pdf_of_an_open_invoice(client, member, invoice):
    pages, text = pdf_text(download(client, member, f"/invoices/{invoice.number}/invoice.pdf"))

    assert pages == 1
    for expected in [
        f"Invoice {invoice.number}",
        "Maria Luisa Gonzalez",
        "400 Lake Shore Drive",
        "Apt 12B",
        "Chicago, IL 60611",
        f"Member number {member.member_number}",
        "RMA (Registered Medical Assistant)",
        "Invoice date April 1, 2026",
        "Due date May 31, 2026",
        "Status Open",
        "RMA annual fee, May 1, 2026 to Apr 30, 2027",
        "Amount due $50.00",
        f"http://127.0.0.1:8000/invoices/{invoice.number}/pay/",
    ]:
        assert expected in text, expected


def test_the_invoice_and_receipt_pdfs_of_a_paid_invoice(client, member, invoice):
    services.invoice_record_check(
        invoice=invoice, check_number="2044", received_on=D(2026, 4, 3), today=D(2026, 4, 6),
        actor=make_staff("Billing staff"),
    )  # fmt: skip

    _, invoice_text = pdf_text(download(client, member, f"/invoices/{invoice.number}/invoice.pdf"))
    assert "Status Paid on April 6, 2026" in invoice_text
    assert "Total $50.00" in invoice_text
    assert "Amount due" not in invoice_text and "How to pay" not in invoice_text

    pages, text = pdf_text(download(client, member, f"/invoices/{invoice.number}/receipt.pdf"))
    assert pages == 1
    for expected in [
        f"Receipt R-{invoice.number}",
        "Received from Maria Luisa Gonzalez",
        f"Member number {member.member_number}",
        f"Invoice {invoice.number}",
        "Paid on April 3, 2026",
        "Paid by Check (check no. 2044)",
        "RMA annual fee, May 1, 2026 to Apr 30, 2027",
        "Amount paid $50.00",
    ]:
        assert expected in text, expected


def test_an_open_invoice_has_no_receipt_and_another_members_invoice_is_not_found(client, member, invoice):
    client.force_login(member.user)
    assert client.get(f"/invoices/{invoice.number}/receipt.pdf").status_code == 404
    client.force_login(MemberFactory().user)
    assert client.get(f"/invoices/{invoice.number}/invoice.pdf").status_code == 404


def test_the_renewal_letter_page_has_the_address_in_the_envelope_window(media, member, invoice):
    """The at-issue letter as printed: one page, the recipient block 2 in from the top and 7/8 in from the
    left (the window of a #10 envelope), then the letter text with the amount, due date and how to pay."""
    with time_machine.travel(datetime.datetime(2026, 4, 1, 15, tzinfo=datetime.UTC)):
        services.renewal_notices_send(today=ISSUE_DAY)
        batch = mail_batch_build(day=ISSUE_DAY)
    reader = PdfReader(default_storage.open(batch.parts.get().pdf))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    positions: dict[str, tuple[float, float]] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            positions.setdefault(text.strip(), (tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    text = page.extract_text(visitor_text=visit)
    height = float(page.mediabox.height)
    assert (float(page.mediabox.width), height) == (8.5 * INCH, 11 * INCH)
    name_x, name_y = positions["Maria Luisa Gonzalez"]
    assert 0.8 * INCH < name_x < 1.0 * INCH
    assert 2 * INCH < height - name_y < 3 * INCH  # inside the 1 in high window that starts 2 in from the top
    for line in ("400 Lake Shore Drive", "Apt 12B", "Chicago, IL 60611"):
        assert 2 * INCH < height - positions[line][1] < 3 * INCH, line

    # White space collapsed: the boxed amount lines come out of pypdf with label padding.
    words = " ".join(text.split())
    for expected in [
        "Your RMA annual fee of $50.00 is due May 31, 2026",
        "Dear Maria Gonzalez,",
        "certification is due on May 31, 2026.",
        # The amount box; the invoice number alone would also match the pay link and the page footer.
        f"Invoice {invoice.number} For RMA annual fee, May 1, 2026 to Apr 30, 2027 Amount due $50.00 "
        "Due date May 31, 2026",
        f"Pay online by card at http://127.0.0.1:8000/invoices/{invoice.number}/pay/",
        f"Or pay by check for $50.00, payable to American Medical Technologists. Write your member number "
        f"{member.member_number} and the invoice number {invoice.number} on the check and mail it to "
        "American Medical Technologists, Annual fees, PO Box 1000, Springfield, IL 62701.",
        "Questions? Contact member services: memberservices@portal.example.org, (800) 555-0142.",
        f"April 1, 2026 Member {member.member_number} Letter 1",  # the batch day, beside the address
    ]:
        assert expected in words, expected


# --- The organization profile on every PDF (issue 12) ---------------------------------------------------


@pytest.fixture
def organization(settings):
    """Another body's profile: every PDF must print these settings, not words written into a template."""
    settings.ORGANIZATION_NAME = "Board of Allied Health (BAH)"
    settings.ORGANIZATION_EMAIL = "help@bah.example.org"
    settings.ORGANIZATION_PHONE = "(312) 555-0177"
    settings.ORGANIZATION_ADDRESS = ["200 Main Street", "Suite 4", "Evanston, IL 60201"]
    settings.ORGANIZATION_CHECK_PAYEE = "BAH Renewals"
    settings.ORGANIZATION_CHECK_ADDRESS = ["Lockbox 77", "Chicago, IL 60680"]


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_invoice_pdf_is_headed_by_the_body_and_says_whom_to_pay_by_check_and_where_to_mail_it(
    client, member, invoice, organization
):
    _, text = pdf_text(download(client, member, f"/invoices/{invoice.number}/invoice.pdf"))

    text = words(text)
    for expected in [
        "Board of Allied Health (BAH)",
        "help@bah.example.org · (312) 555-0177 200 Main Street, Suite 4, Evanston, IL 60201",
        f"By check for $50.00, payable to BAH Renewals, with member number {member.member_number} and "
        f"invoice number {invoice.number} written on it, mailed to: "
        "BAH Renewals Lockbox 77 Chicago, IL 60680",
        "Questions about this invoice? Contact member services: help@bah.example.org, (312) 555-0177.",
    ]:
        assert expected in text, expected
    for stale in ["AMT Member Portal", "certifying body", "American Medical Technologists"]:
        assert stale not in text, stale


def test_the_receipt_pdf_is_headed_by_the_body_with_member_services_contact(
    client, member, invoice, organization
):
    services.invoice_record_check(
        invoice=invoice, check_number="2044", received_on=D(2026, 4, 3), today=D(2026, 4, 6),
        actor=make_staff("Billing staff"),
    )  # fmt: skip

    _, text = pdf_text(download(client, member, f"/invoices/{invoice.number}/receipt.pdf"))

    text = words(text)
    assert "Board of Allied Health (BAH)" in text
    assert "help@bah.example.org · (312) 555-0177 200 Main Street, Suite 4, Evanston, IL 60201" in text
    assert "AMT Member Portal" not in text


def test_the_renewal_letter_names_the_payee_the_check_address_and_member_services(
    media, member, invoice, organization
):
    with time_machine.travel(datetime.datetime(2026, 4, 1, 15, tzinfo=datetime.UTC)):
        services.renewal_notices_send(today=ISSUE_DAY)
        batch = mail_batch_build(day=ISSUE_DAY)

    text = words(PdfReader(default_storage.open(batch.parts.get().pdf)).pages[0].extract_text())

    assert (
        "Or pay by check for $50.00, payable to BAH Renewals. Write your member number "
        f"{member.member_number} and the invoice number {invoice.number} on the check and mail it to "
        "BAH Renewals, Lockbox 77, Chicago, IL 60680."
    ) in text
    assert "Questions? Contact member services: help@bah.example.org, (312) 555-0177." in text
    assert "Board of Allied Health (BAH) · member services help@bah.example.org, (312) 555-0177" in text
    assert "certifying body" not in text and "AMT Member Portal" not in text
