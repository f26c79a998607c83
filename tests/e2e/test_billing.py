"""Paying the annual fee in the browser (test mode, localstripe): a Lapsed member pays with the success card,
becomes Active and fetches the receipt; at a phone width, a 3-D Secure card fails authentication once and
then pays. localstripe also sends its webhooks to the live server, as Stripe would."""

import datetime
import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from billing import services
from billing.models import Invoice, Payment
from core import clock
from tests.billing import conftest as billing_conftest
from tests.e2e.helpers import PHONE, log_in
from tests.factories import MemberFactory, make_certification

localstripe = billing_conftest.localstripe  # the fixture, shared with the billing tests

pytestmark = pytest.mark.e2e


@pytest.fixture
def stripe_with_webhook(site, localstripe):
    """localstripe sending its events to the live server; afterwards, every delivery was accepted."""
    localstripe.register_webhook(site)
    yield localstripe
    localstripe.wait_for_webhooks()
    assert localstripe.deliveries(), "localstripe sent no webhook"
    refused = [delivery for delivery in localstripe.deliveries() if "failed" in delivery]
    assert not refused, localstripe.log()


def _lapsed_member_with_an_overdue_invoice(first_name: str, last_name: str):
    """Certified about 18 months ago and the annual fee due some months ago never paid: Lapsed (fees), with
    one open invoice for that fee year."""
    today = clock.today()
    member = MemberFactory(user__first_name=first_name, last_name=last_name)
    certification = make_certification(member, code="RMA", certified_on=today - datetime.timedelta(days=540))
    assert certification.status == "lapsed", "test data no longer gives a Lapsed certification"
    assert services.invoices_issue_due(today=today) == 1
    invoice = Invoice.objects.get(certification=certification)
    assert invoice.due_on < today
    return member, invoice


def _open_invoice_from_the_invoices_page(page, invoice: Invoice) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoices and payments")
    row = page.get_by_role("row").filter(has_text=invoice.number)
    expect(row.get_by_text("Open", exact=True)).to_be_visible()
    row.get_by_role("link", name=invoice.number, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Invoice {invoice.number}")


def _choose_card_and_pay(page, card_label: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay $50.00")
    page.get_by_role("radio", name=re.compile(rf"^{re.escape(card_label)}")).check()
    page.get_by_role("button", name="Pay $50.00").click()


def _expect_paid(page, invoice: Invoice) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Invoice {invoice.number}")
    expect(page.get_by_role("status")).to_contain_text(
        f"Thank you: $50.00 received for invoice {invoice.number}."
    )
    expect(page.get_by_role("main").get_by_text("Paid", exact=True).first).to_be_visible()  # the badge


def test_member_pays_an_overdue_fee_by_card_and_gets_a_receipt(page, stripe_with_webhook):
    member, invoice = _lapsed_member_with_an_overdue_invoice("Beatriz", "Nascimento-Farrow")

    log_in(page, member.user.email)
    rma = page.get_by_role("region", name="Registered Medical Assistant (RMA)")
    expect(rma.get_by_text("Lapsed (fees)", exact=True).first).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices", exact=True).click()
    _open_invoice_from_the_invoices_page(page, invoice)
    page.get_by_role("link", name="Pay $50.00 by card").click()
    expect(page.get_by_role("note")).to_contain_text("Test mode.")
    _choose_card_and_pay(page, "Visa, succeeds")

    _expect_paid(page, invoice)
    payment = Payment.objects.get(invoice=invoice)
    expect(page.get_by_role("main")).to_contain_text(
        f"by card (Visa ending 4242), receipt {payment.receipt_number}"
    )
    expect(page.get_by_role("link", name=re.compile(r"^Pay "))).to_have_count(0)

    receipt_link = page.get_by_role("link", name="Receipt (PDF)")
    response = page.request.get(receipt_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-")
    receipt = "\n".join(sheet.extract_text() or "" for sheet in PdfReader(io.BytesIO(body)).pages)
    lines = receipt.splitlines()
    for expected in (
        f"Receipt {payment.receipt_number}",
        "Received from Beatriz Nascimento-Farrow",
        f"Invoice {invoice.number}",  # a bare invoice number would also match the receipt number
        "Paid by Card (Visa ending 4242)",
        "Amount paid $50.00",
    ):
        assert expected in lines, receipt

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard", exact=True).click()
    rma = page.get_by_role("region", name="Registered Medical Assistant (RMA)")
    expect(rma.get_by_text("Active", exact=True).first).to_be_visible()
    expect(rma.get_by_text("Lapsed (fees)", exact=True)).to_have_count(0)


@pytest.mark.parametrize("viewport", [PHONE], indirect=True)
def test_3d_secure_card_fails_once_then_pays_on_a_phone(page, stripe_with_webhook):
    member, invoice = _lapsed_member_with_an_overdue_invoice("Kwame", "Osei-Lindqvist")

    log_in(page, member.user.email)
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices", exact=True).click()
    _open_invoice_from_the_invoices_page(page, invoice)
    page.get_by_role("link", name="Pay $50.00 by card").click()
    _choose_card_and_pay(page, "Visa, asks for 3-D Secure")

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the payment with your bank")
    expect(page.get_by_role("main")).to_contain_text(f"$50.00 for invoice {invoice.number}")
    page.get_by_role("button", name="Fail authentication").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Pay $50.00")
    expect(page.get_by_role("status")).to_contain_text(
        "Your bank did not confirm the payment (3-D Secure). Try again or use another card."
    )
    invoice.refresh_from_db()
    assert invoice.is_open

    _choose_card_and_pay(page, "Visa, asks for 3-D Secure")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the payment with your bank")
    page.get_by_role("button", name="Complete authentication").click()

    _expect_paid(page, invoice)
    # Nothing sticks out of a phone screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
