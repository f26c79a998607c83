"""The member's billing pages: the invoices list, an invoice, paying it in test mode, the PDFs, and what
another member or an anonymous visitor gets."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils.dateformat import format as date_format
from pypdf import PdfReader

from billing import services
from billing.models import CardPaymentIntent, Invoice, InvoiceEvent, StripeCustomer
from tests.billing.conftest import FIXED_ISSUE_DAY, FIXED_PAY_DAY, _free_port, fixed_invoice
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db

MEMBER_PAGES = ["invoice", "pay", "pay_authenticate", "pay_return", "invoice_pdf", "receipt_pdf"]


def _text(response) -> str:
    """The page's text with tags removed and white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def _record_check(invoice: Invoice, number: str = "1001"):
    staff = make_staff("Billing staff", email=f"billing-{invoice.pk}@staff.example.org")
    return services.invoice_record_check(
        invoice=invoice, check_number=number, received_on=FIXED_PAY_DAY, today=FIXED_PAY_DAY, actor=staff
    )


@pytest.fixture
def member():
    return MemberFactory(user__first_name="Ada", last_name="Okafor")


@pytest.fixture
def invoice(member):
    return fixed_invoice(member)


@pytest.fixture
def signed_in(client, member):
    client.force_login(member.user)
    return client


@pytest.fixture
def two_fee_years(member):
    """Certified in May 2024, fee of 2025-26 unpaid (open, due May 31, 2025); 2026-27 was paid by check."""
    make_certification(member, certified_on=datetime.date(2024, 5, 14), today=datetime.date(2026, 3, 1))
    assert services.invoices_issue_due(today=FIXED_ISSUE_DAY) == 2
    older, newer = Invoice.objects.order_by("due_on")
    _record_check(newer)
    return older, newer


# --- invoices and one invoice ------------------------------------------------------------------------


def test_invoices_list_shows_open_invoices_first_with_a_pay_button(signed_in, two_fee_years):
    open_invoice, paid_invoice = two_fee_years

    response = signed_in.get(reverse("billing:invoices"))

    assert response.status_code == 200
    assert [invoice.number for invoice in response.context["invoices"]] == [
        open_invoice.number,
        paid_invoice.number,
    ]
    text = _text(response)
    assert text.index(open_invoice.number) < text.index(paid_invoice.number)
    page = response.content.decode()
    assert f'href="{reverse("billing:pay", args=[open_invoice.number])}"' in page
    assert f"Pay $50.00 for invoice {open_invoice.number}" in text
    assert reverse("billing:pay", args=[paid_invoice.number]) not in page
    assert f'href="{reverse("billing:receipt_pdf", args=[paid_invoice.number])}"' in page
    assert f"R-{paid_invoice.number}" in text  # the payment history


def test_invoices_list_without_invoices_or_certifications_says_so(signed_in):
    response = signed_in.get(reverse("billing:invoices"))

    text = _text(response)
    assert "You have no invoices." in text
    assert "No certification is on file for your account yet." in text
    assert "No payments yet." in text


def test_a_new_certification_without_invoices_says_when_its_first_invoice_comes(
    signed_in, member, time_machine
):
    # Given an RMA certified on February 10, 2026: the fee year Feb 2026 - Jan 2027 is covered by the exam fee
    time_machine.move_to(datetime.datetime(2026, 3, 2, 16, tzinfo=datetime.UTC), tick=False)
    make_certification(member, certified_on=datetime.date(2026, 2, 10))

    # When the member opens the invoices page
    text = _text(signed_in.get(reverse("billing:invoices")))

    # Then it says when the first invoice is issued and why there is none yet
    assert (
        "Your first RMA annual invoice is issued on December 30, 2026, 60 days before its fee is due on "
        "February 28, 2027. The fee year Feb 1, 2026 to Jan 31, 2027 is covered by your exam fee."
    ) in text


def test_a_certification_that_must_recertify_says_no_invoices_are_issued_and_recertification_is_the_way_back(
    signed_in, member, time_machine
):
    # Given an RPT certified in 2016 whose fees went unpaid from 2017 on: Must recertify, no invoice on file
    time_machine.move_to(datetime.datetime(2026, 3, 2, 16, tzinfo=datetime.UTC), tick=False)
    certification = make_certification(member, code="RPT", certified_on=datetime.date(2016, 5, 17))
    assert certification.status == "must_recertify"

    # When the member opens the invoices page
    response = signed_in.get(reverse("billing:invoices"))

    # Then it says what is true: no invoices while not active, recertification is the way back
    text = _text(response)
    assert (
        "Your RPT certification is Must recertify: no annual invoices are issued while it is not active. "
        "The way back is recertification."
    ) in text
    assert "annual invoice is issued" not in text and "You have no invoices yet" not in text
    assert f'href="{reverse("members:certification", args=[certification.pk])}"' in response.content.decode()


def test_a_member_with_a_new_and_a_lapsed_for_good_certification_reads_one_line_for_each(
    signed_in, member, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 16, tzinfo=datetime.UTC), tick=False)
    make_certification(member, code="RMA", certified_on=datetime.date(2026, 2, 10))
    make_certification(member, code="CMLA", certified_on=datetime.date(2012, 7, 9))  # unpaid since 2013

    text = _text(signed_in.get(reverse("billing:invoices")))

    assert "Your first RMA annual invoice is issued on December 30, 2026" in text
    assert (
        "Your CMLA certification is Exam required: no annual invoices are issued while it is not active. "
        "The way back is recertification by exam."
    ) in text


def test_invoice_page_shows_the_invoice_and_its_history(signed_in, two_fee_years):
    _, paid_invoice = two_fee_years

    response = signed_in.get(reverse("billing:invoice", args=[paid_invoice.number]))

    assert response.status_code == 200
    text = _text(response)
    assert f"Invoice {paid_invoice.number}" in text
    assert "Registered Medical Assistant (RMA)" in text
    assert "$50.00" in text
    assert "Due May 31, 2026" in text
    assert f"April 10, 2026 by check (check no. 1001), receipt R-{paid_invoice.number}" in text
    history = re.search(r"History(.*)$", text).group(1)
    assert "Apr 1, 2026: Open" in history
    assert "Apr 10, 2026: Paid: Check payment check no. 1001" in history
    assert history.index("Open") < history.index("Paid")
    assert "Receipt (PDF)" in text
    assert "by card" not in text  # no pay button on a paid invoice


def test_an_open_invoice_page_offers_to_pay(signed_in, invoice):
    response = signed_in.get(invoice.get_absolute_url())

    assert f'href="{reverse("billing:pay", args=[invoice.number])}"' in response.content.decode()
    assert "Pay $50.00 by card" in _text(response)
    assert "Receipt (PDF)" not in _text(response)


@pytest.mark.parametrize("page", MEMBER_PAGES)
def test_another_members_invoice_is_not_found(client, invoice, page):
    _record_check(invoice)  # paid, so even its receipt exists
    client.force_login(MemberFactory().user)

    response = client.get(reverse(f"billing:{page}", args=[invoice.number]))

    assert response.status_code == 404
    assert not CardPaymentIntent.objects.exists()


def test_another_members_invoice_cannot_be_paid(client, invoice):
    client.force_login(MemberFactory().user)

    response = client.post(reverse("billing:pay", args=[invoice.number]), {"card": "success"})

    assert response.status_code == 404
    invoice.refresh_from_db()
    assert invoice.is_open


@pytest.mark.parametrize("page", ["invoices", *MEMBER_PAGES])
def test_anonymous_visitors_are_sent_to_sign_in(client, invoice, page):
    url = reverse(f"billing:{page}", args=[] if page == "invoices" else [invoice.number])

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "next=" in response.url


# --- PDFs --------------------------------------------------------------------------------------------


def test_invoice_pdf_has_the_number_and_amount(signed_in, invoice, member):
    response = signed_in.get(reverse("billing:invoice_pdf", args=[invoice.number]))

    assert response.status_code == 200
    assert invoice.number in response["Content-Disposition"]
    # Whole lines, not bare numbers: the invoice number contains the member number, and the pay link the
    # invoice number, so a bare `in` would match them anywhere.
    lines = _pdf_text(response).splitlines()
    assert f"Invoice {invoice.number}" in lines
    assert f"Member number {member.member_number}" in lines
    assert "Amount due $50.00" in lines
    assert "Status Open" in lines


def test_receipt_pdf_has_the_number_and_amount(signed_in, invoice):
    payment = _record_check(invoice)

    response = signed_in.get(reverse("billing:receipt_pdf", args=[invoice.number]))

    assert response.status_code == 200
    assert payment.receipt_number in response["Content-Disposition"]
    lines = _pdf_text(response).splitlines()
    assert f"Receipt {payment.receipt_number}" in lines
    assert f"Invoice {invoice.number}" in lines  # the receipt number alone contains the invoice number
    assert "Amount paid $50.00" in lines
    assert "Paid by Check (check no. 1001)" in lines


def test_an_unpaid_invoice_has_no_receipt(signed_in, invoice):
    assert signed_in.get(reverse("billing:receipt_pdf", args=[invoice.number])).status_code == 404


# --- paying ------------------------------------------------------------------------------------------


def test_pay_page_in_test_mode_offers_the_three_test_cards(signed_in, invoice, localstripe):
    response = signed_in.get(reverse("billing:pay", args=[invoice.number]))

    assert response.status_code == 200
    text = _text(response)
    assert "Pay $50.00" in text
    assert "Test mode." in text
    page = response.content.decode()
    assert re.findall(r'name="card" id="card-(\w+)"', page) == ["success", "decline", "3ds"]
    for label in ("Visa, succeeds (4242)", "Visa, declined by the bank (0341)", "Visa, asks for 3-D Secure"):
        assert label in text
    assert "js.stripe.com" not in page  # test mode never loads Stripe.js
    assert CardPaymentIntent.objects.filter(invoice=invoice).count() == 1


def test_paying_with_the_success_card_shows_the_invoice_paid(signed_in, invoice, localstripe):
    response = signed_in.post(reverse("billing:pay", args=[invoice.number]), {"card": "success"}, follow=True)

    assert response.redirect_chain[-1][0] == invoice.get_absolute_url()
    text = _text(response)
    assert f"Thank you: $50.00 received for invoice {invoice.number}." in text
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID
    receipt = f"R-{invoice.number}"
    assert f"Invoice {invoice.number} Paid" in text  # the heading and its state badge
    paid_on = date_format(invoice.payment.received_on, "F j, Y")
    assert f"Paid {paid_on} by card (Visa ending 4242), receipt {receipt}" in text
    assert "Receipt (PDF)" in text
    assert "Pay $50.00 by card" not in text


def test_a_declined_card_shows_the_reason_on_the_pay_page(signed_in, invoice, localstripe):
    response = signed_in.post(reverse("billing:pay", args=[invoice.number]), {"card": "decline"})

    assert response.status_code == 400
    text = _text(response)
    assert "Your card was declined. Try another card, or ask your bank why." in text
    assert "The payment did not go through" not in text
    assert (
        CardPaymentIntent.objects.get().last_error == "Your card was declined."
    )  # staff read Stripe's words
    assert "Visa, succeeds" in _text(response)  # the member can try another card at once
    invoice.refresh_from_db()
    assert invoice.is_open


def _checked_cards(response) -> list[str]:
    return re.findall(r'<input[^>]*name="card"[^>]*value="(\w+)"[^>]*checked', response.content.decode())


def test_the_pay_page_first_offers_the_success_card(signed_in, invoice, localstripe):
    assert _checked_cards(signed_in.get(reverse("billing:pay", args=[invoice.number]))) == ["success"]


def test_after_a_decline_the_pay_page_keeps_the_card_the_member_chose(signed_in, invoice, localstripe):
    # Given a member who chose the card the bank declines
    response = signed_in.post(reverse("billing:pay", args=[invoice.number]), {"card": "decline"})

    # Then the form comes back with that card still chosen, under the reason
    assert response.status_code == 400
    assert "Your card was declined." in _text(response)
    assert _checked_cards(response) == ["decline"]


def test_after_a_failed_3d_secure_check_the_pay_page_keeps_the_3d_secure_card(
    signed_in, invoice, localstripe
):
    signed_in.post(reverse("billing:pay", args=[invoice.number]), {"card": "3ds"})

    response = signed_in.post(
        reverse("billing:pay_authenticate", args=[invoice.number]), {"outcome": "fail"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("billing:pay", args=[invoice.number])
    assert "Your bank did not confirm the payment (3-D Secure)." in _text(response)
    assert _checked_cards(response) == ["3ds"]


def test_an_unknown_card_is_refused_and_the_first_card_is_chosen_again(signed_in, invoice, localstripe):
    response = signed_in.post(reverse("billing:pay", args=[invoice.number]), {"card": "nonsense"})

    assert response.status_code == 400
    assert "Choose one of the test cards." in _text(response)
    assert _checked_cards(response) == ["success"]


def test_3d_secure_goes_through_the_authenticate_page(signed_in, invoice, localstripe):
    response = signed_in.post(reverse("billing:pay", args=[invoice.number]), {"card": "3ds"})

    authenticate = reverse("billing:pay_authenticate", args=[invoice.number])
    assert response.status_code == 302
    assert response.url == authenticate
    page = signed_in.get(authenticate)
    assert "Your bank asks you to confirm the payment of $50.00" in _text(page)

    response = signed_in.post(authenticate, {"outcome": "approve"}, follow=True)

    assert f"Thank you: $50.00 received for invoice {invoice.number}." in _text(response)
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID


def test_failed_3d_secure_returns_to_the_pay_page_with_the_reason(signed_in, invoice, localstripe):
    signed_in.post(reverse("billing:pay", args=[invoice.number]), {"card": "3ds"})

    response = signed_in.post(
        reverse("billing:pay_authenticate", args=[invoice.number]), {"outcome": "fail"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("billing:pay", args=[invoice.number])
    text = _text(response)
    assert "Your bank did not confirm the payment (3-D Secure). Try again or use another card." in text
    assert "PaymentMethod" not in text  # Stripe's own words are for staff
    intent = CardPaymentIntent.objects.get(invoice=invoice)
    assert intent.last_error == "The provided PaymentMethod has failed authentication."
    invoice.refresh_from_db()
    assert invoice.is_open


def test_a_paid_invoice_has_nothing_to_pay(signed_in, invoice):
    _record_check(invoice)

    response = signed_in.get(reverse("billing:pay", args=[invoice.number]), follow=True)

    assert response.redirect_chain[-1][0] == invoice.get_absolute_url()
    assert f"Invoice {invoice.number} is paid: nothing to pay." in _text(response)


def test_pay_page_says_card_payments_are_unavailable_when_stripe_does_not_answer(
    signed_in, invoice, settings
):
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    settings.STRIPE_SECRET_KEY = "sk_test_unreachable"

    response = signed_in.get(reverse("billing:pay", args=[invoice.number]))

    assert response.status_code == 503
    text = _text(response)
    assert "Card payments are unavailable" in text
    assert "The payment service did not answer." in text
    assert f"Your invoice {invoice.number} ($50.00, due May 31, 2026) stays open." in text
    assert not CardPaymentIntent.objects.exists()
    assert not StripeCustomer.objects.exists()


def test_pay_page_says_card_payments_are_unavailable_without_a_stripe_key(signed_in, invoice, settings):
    settings.STRIPE_SECRET_KEY = ""

    response = signed_in.get(reverse("billing:pay", args=[invoice.number]))

    assert response.status_code == 503
    assert "Card payments are not available at the moment." in _text(response)
    assert not CardPaymentIntent.objects.exists()


def test_stripe_stopping_between_the_page_and_the_click_says_unavailable(
    signed_in, invoice, localstripe, settings
):
    assert signed_in.get(reverse("billing:pay", args=[invoice.number])).status_code == 200
    localstripe.process.terminate()
    localstripe.process.wait(timeout=5)

    response = signed_in.post(reverse("billing:pay", args=[invoice.number]), {"card": "success"})

    assert response.status_code == 503
    assert "The payment service did not answer." in _text(response)
    invoice.refresh_from_db()
    assert invoice.is_open


# --- query counts ------------------------------------------------------------------------------------


def _member_with_invoices(count: int, *, paid: int):
    """A member with one annual invoice and count - 1 recertification fees; the first `paid` paid by check."""
    member = MemberFactory()
    invoices = [fixed_invoice(member)]
    certification = invoices[0].certification
    for index in range(1, count):
        invoices.append(
            services.invoice_issue_recertification_fee(
                certification=certification,
                kind=Invoice.Kind.RECERT_EXAM,
                amount_cents=12500,
                description="Recertification by exam",
                reference=f"{index:03d}",
                today=FIXED_ISSUE_DAY,
                source="test",
            )
        )
    for invoice in invoices[:paid]:
        _record_check(invoice, number=str(invoice.pk))
    return member


def _add_history(invoice: Invoice, count: int = 30) -> None:
    """`count` more history rows ("Note no. N"), as invoice_move writes them: the budgets are about reading
    many rows, not about how they came to be. They follow the invoice's latest row, in its present state."""
    invoice.refresh_from_db()
    latest = invoice.events.latest("at").at
    InvoiceEvent.objects.bulk_create(
        InvoiceEvent(
            invoice=invoice,
            from_state=invoice.state,
            to_state=invoice.state,
            reason=f"Note no. {number}",
            effective_on=FIXED_PAY_DAY,
            source="test",
            at=latest + datetime.timedelta(minutes=number + 1),
        )
        for number in range(count)
    )


# Absolute budgets, measured with many rows: a query that grows with the rows fails them.
INVOICES_PAGE_QUERIES = 5
INVOICE_PAGE_QUERIES = 5  # with 32 history rows
INVOICE_PDF_QUERIES = 4  # with 31 history rows
RECEIPT_PDF_QUERIES = 4  # with 32 history rows
PAY_PAGE_QUERIES = 9  # with 31 history rows and 30 cancelled card attempts (a savepoint and its release
# among them: the invoice is locked while its live intent is looked up)


def test_the_invoices_page_makes_a_fixed_number_of_queries_with_50_invoices_and_20_payments(
    client, django_assert_num_queries
):
    member = _member_with_invoices(50, paid=20)
    client.force_login(member.user)
    client.get(reverse("billing:invoices"))  # warms the per-process caches

    with django_assert_num_queries(INVOICES_PAGE_QUERIES):
        response = client.get(reverse("billing:invoices"))

    text = _text(response)
    assert text.count("Pay $") == 30  # the open ones
    assert text.count("Receipt for invoice") == 20
    assert text.count("Check (check no. ") == 20  # the payment history


def test_the_invoice_page_makes_a_fixed_number_of_queries_with_32_history_rows(
    signed_in, two_fee_years, django_assert_num_queries
):
    # Given a paid invoice (issued, paid by check) with 30 more history rows
    _, paid_invoice = two_fee_years
    _add_history(paid_invoice)
    url = reverse("billing:invoice", args=[paid_invoice.number])
    signed_in.get(url)  # warms the per-process caches

    with django_assert_num_queries(INVOICE_PAGE_QUERIES):
        response = signed_in.get(url)

    text = _text(response)
    assert "Apr 10, 2026: Paid: Check payment check no. 1001" in text
    assert text.count("Apr 10, 2026: Paid: Note no. ") == 30


def test_the_invoice_pdf_makes_a_fixed_number_of_queries_with_31_history_rows(
    signed_in, invoice, django_assert_num_queries
):
    _add_history(invoice)
    url = reverse("billing:invoice_pdf", args=[invoice.number])
    signed_in.get(url)  # warms the per-process caches

    with django_assert_num_queries(INVOICE_PDF_QUERIES):
        response = signed_in.get(url)

    lines = _pdf_text(response).splitlines()
    assert f"Invoice {invoice.number}" in lines
    assert "Amount due $50.00" in lines


def test_the_receipt_pdf_makes_a_fixed_number_of_queries_with_32_history_rows(
    signed_in, invoice, django_assert_num_queries
):
    payment = _record_check(invoice)
    _add_history(invoice)
    url = reverse("billing:receipt_pdf", args=[invoice.number])
    signed_in.get(url)  # warms the per-process caches

    with django_assert_num_queries(RECEIPT_PDF_QUERIES):
        response = signed_in.get(url)

    lines = _pdf_text(response).splitlines()
    assert f"Receipt {payment.receipt_number}" in lines
    assert "Paid by Check (check no. 1001)" in lines


def test_the_pay_page_makes_a_fixed_number_of_queries_with_31_history_rows_and_30_card_attempts(
    signed_in, invoice, localstripe, django_assert_num_queries
):
    # Given an open invoice with 30 more history rows and 30 earlier card attempts, cancelled (rows as the
    # webhook writes them)
    _add_history(invoice)
    CardPaymentIntent.objects.bulk_create(
        CardPaymentIntent(
            invoice=invoice,
            stripe_id=f"pi_old_{number:03d}",
            client_secret=f"pi_old_{number:03d}_secret",
            amount_cents=5000,
            status="canceled",
        )
        for number in range(30)
    )
    url = reverse("billing:pay", args=[invoice.number])
    signed_in.get(url)  # warms the per-process caches; makes the Stripe customer and the live intent

    with django_assert_num_queries(PAY_PAGE_QUERIES):
        response = signed_in.get(url)

    assert response.status_code == 200
    text = _text(response)
    assert "Pay $50.00" in text
    assert "Visa, succeeds (4242)" in text
    assert CardPaymentIntent.objects.filter(invoice=invoice).exclude(status="canceled").count() == 1


# --- paying one of several fees ------------------------------------------------------------------------

STILL_LAPSED = "Your certification stays Lapsed (fees) until the fee due {} is paid too."


@pytest.fixture
def two_overdue_fees(member, time_machine):
    """Certified in May 2023, on September 1, 2025 the fees due May 31, 2024 and May 31, 2025 are both
    unpaid: Lapsed (fees), two open invoices (member03 of the demo data)."""
    time_machine.move_to(datetime.datetime(2025, 9, 1, 12, tzinfo=datetime.UTC))
    certification = make_certification(
        member, certified_on=datetime.date(2023, 5, 14), today=datetime.date(2025, 9, 1)
    )
    assert services.invoices_issue_due(today=datetime.date(2025, 9, 1)) == 2
    certification.refresh_from_db()
    assert certification.status == "lapsed"
    older, newer = Invoice.objects.order_by("due_on")
    assert (older.due_on, newer.due_on) == (datetime.date(2024, 5, 31), datetime.date(2025, 5, 31))
    return certification, older, newer


def test_paying_the_newer_of_two_overdue_fees_says_the_older_keeps_the_status_lapsed(
    signed_in, two_overdue_fees, localstripe
):
    certification, older, newer = two_overdue_fees
    still_lapsed = STILL_LAPSED.format("May 31, 2024")

    # Given the pay page of the newer fee: it says which fee keeps the certification lapsed
    page = signed_in.get(reverse("billing:pay", args=[newer.number]))
    assert still_lapsed in _text(page)

    # When the member pays it, the page after payment says it again
    paid = signed_in.post(reverse("billing:pay", args=[newer.number]), {"card": "success"}, follow=True)

    text = _text(paid)
    assert f"Thank you: $50.00 received for invoice {newer.number}." in text
    assert still_lapsed in text
    certification.refresh_from_db()
    assert certification.status == "lapsed"

    # And paying the older one, the last overdue fee, makes it Active with no such word
    page = signed_in.get(reverse("billing:pay", args=[older.number]))
    assert "stays Lapsed" not in _text(page)
    paid = signed_in.post(reverse("billing:pay", args=[older.number]), {"card": "success"}, follow=True)
    assert f"Thank you: $50.00 received for invoice {older.number}." in _text(paid)
    assert "stays Lapsed" not in _text(paid)
    certification.refresh_from_db()
    assert certification.status == "active"


def test_paying_the_older_of_two_overdue_fees_says_the_newer_keeps_the_status_lapsed(
    signed_in, two_overdue_fees, localstripe
):
    certification, older, newer = two_overdue_fees

    paid = signed_in.post(reverse("billing:pay", args=[older.number]), {"card": "success"}, follow=True)

    assert STILL_LAPSED.format("May 31, 2025") in _text(paid)
    certification.refresh_from_db()
    assert certification.status == "lapsed"


def test_paying_the_only_fee_of_an_active_certification_says_nothing_of_lapsing(
    signed_in, invoice, localstripe
):
    page = signed_in.get(reverse("billing:pay", args=[invoice.number]))

    assert "stays Lapsed" not in _text(page)
