"""Billing staff pages: invoice search, the staff invoice page and its actions, staff PDFs, mail batches;
who may open them and their query counts.

The real refund through Stripe is tested against localstripe elsewhere; here only its refusals (nothing
reaches Stripe).
"""

import csv
import datetime
import io
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from pypdf import PdfReader

from billing import services
from billing.models import CardPaymentIntent, Invoice, InvoiceEvent, Payment
from members import services as member_services
from members.models import MailBatch, MailBatchPart, MailBatchRun, Notice
from members.rules import Status
from members.services.mail_batch import NO_ADDRESS, mail_batch_build
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db

ISSUE_DAY = datetime.date(
    2026, 4, 1
)  # fee year 2026-05-01..2027-04-30, due 2026-05-31: issued 60 days before
TODAY = datetime.date(2026, 4, 10)


def page_text(response) -> str:
    """What a person reads on the page: the HTML without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def pdf_lines(content: bytes) -> list[str]:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).splitlines()


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 4, 10, 15, tzinfo=datetime.UTC))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Batch files in a folder of this test's own (other test runs share the configured one)."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def clerk(client):
    user = make_staff("Billing staff")
    client.force_login(user)
    return user


def issue_invoice(member=None) -> Invoice:
    member = member or MemberFactory()
    certification = make_certification(
        member,
        certified_on=datetime.date(2019, 5, 14),
        today=datetime.date(2026, 3, 1),
        paid_through=datetime.date(2026, 4, 30),
    )
    services.invoices_issue_due(today=ISSUE_DAY)
    return Invoice.objects.get(certification=certification)


def invoice_url(invoice: Invoice, name: str = "invoice") -> str:
    return reverse(f"billing_staff:{name}", args=[invoice.number])


def search(client, query: str):
    return client.get(reverse("billing_staff:invoice_search"), {"q": query})


# --- Who may open the pages -------------------------------------------------------------------------


def all_pages(invoice: Invoice, batch: MailBatch) -> list[tuple[str, str]]:
    day = batch.day.isoformat()
    return [
        ("get", reverse("billing_staff:invoice_search") + "?q=RMA"),
        ("get", invoice_url(invoice)),
        ("get", invoice_url(invoice, "invoice_pdf")),
        ("get", invoice_url(invoice, "receipt_pdf")),
        ("post", invoice_url(invoice, "invoice_record_check")),
        ("post", invoice_url(invoice, "invoice_waive")),
        ("post", invoice_url(invoice, "invoice_void")),
        ("post", invoice_url(invoice, "invoice_refund")),
        ("get", reverse("billing_staff:mail_batches")),
        ("post", reverse("billing_staff:mail_batch_build_today")),
        ("get", reverse("billing_staff:mail_batch", args=[day])),
        ("get", reverse("billing_staff:mail_batch_manifest", args=[day])),
        ("get", reverse("billing_staff:mail_batch_part", args=[day, 1])),
    ]


@pytest.mark.parametrize("role", ["Audit reviewer", "Recertification processor"])
def test_other_staff_roles_get_403_on_every_billing_staff_page(client, role):
    invoice = issue_invoice()
    batch = mail_batch_build(day=TODAY)
    client.force_login(make_staff(role))

    for method, url in all_pages(invoice, batch):
        assert getattr(client, method)(url).status_code == 403, url
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.OPEN
    assert MailBatch.objects.count() == 1


def test_a_member_gets_403_and_a_visitor_is_asked_to_sign_in(client):
    invoice = issue_invoice()
    batch = mail_batch_build(day=TODAY)
    pages = all_pages(invoice, batch)

    for method, url in pages:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith(reverse("account_login")), url
    client.force_login(invoice.certification.member.user)
    for method, url in pages:
        assert getattr(client, method)(url).status_code == 403, url


def test_billing_staff_without_two_factor_are_sent_to_set_it_up(client):
    client.force_login(make_staff("Billing staff", two_factor_secret=None))

    for name in ("billing_staff:invoice_search", "billing_staff:mail_batches"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url == reverse("mfa_activate_totp")


def test_staff_who_may_only_view_invoices_see_no_action_and_cannot_post_one(client):
    invoice = issue_invoice()
    viewer = make_staff("Billing staff")
    viewer.groups.clear()
    readers, _ = Group.objects.get_or_create(name="Invoice readers")
    readers.permissions.add(Permission.objects.get(codename="view_invoice"))
    viewer.groups.add(readers)
    client.force_login(viewer)

    text = page_text(client.get(invoice_url(invoice)))

    assert f"Invoice {invoice.number}" in text
    assert "Actions" not in text and "Record payment" not in text
    response = client.post(invoice_url(invoice, "invoice_waive"), {"waive-reason": "hardship"})
    assert response.status_code == 403
    assert client.get(reverse("billing_staff:mail_batches")).status_code == 403


# --- Search -------------------------------------------------------------------------------------------


def test_staff_find_invoices_by_number_member_number_or_last_name(client, clerk):
    ann = MemberFactory(first_name="Ann", last_name="Lee")
    invoice = issue_invoice(ann)
    issue_invoice(MemberFactory(first_name="Bo", last_name="Ray"))

    for query in (invoice.number[-10:], ann.member_number, "LEE"):
        text = page_text(search(client, query))
        assert "1 invoice found" in text
        assert (
            f"{invoice.number} Lee, Ann ({ann.member_number}) RMA "
            "Fee year 2026-05-01 to 2027-04-30 $50.00 2026-05-31 Open"
        ) in text
        assert "Ray" not in text


def test_a_result_links_to_the_staff_invoice_page(client, clerk):
    invoice = issue_invoice()

    html = search(client, invoice.number).content.decode()

    assert f'href="{invoice_url(invoice)}"' in html


def test_an_empty_search_shows_a_hint_and_no_match_says_so(client, clerk):
    issue_invoice()

    assert "Enter an invoice number" in page_text(search(client, ""))
    assert "No invoice matches “Nobody”." in page_text(search(client, "Nobody"))


SEARCH_QUERIES = 6  # absolute, measured with 30 invoices found


def test_the_search_page_makes_a_fixed_number_of_queries_with_30_invoices_found(
    client, clerk, django_assert_num_queries
):
    for _ in range(30):
        issue_invoice(MemberFactory(last_name="Lee"))
    search(client, "Lee")  # warm-up: session and permission caches

    with django_assert_num_queries(SEARCH_QUERIES):
        response = search(client, "Lee")

    text = page_text(response)
    assert "30 invoices found" in text
    assert text.count("Fee year 2026-05-01 to 2027-04-30 $50.00 2026-05-31 Open") == 30


# --- The invoice page -----------------------------------------------------------------------------------


def test_the_invoice_page_shows_the_member_history_and_the_actions_of_an_open_invoice(client, clerk):
    member = MemberFactory(first_name="Ann", last_name="Lee")
    invoice = issue_invoice(member)

    response = client.get(invoice_url(invoice))

    text = page_text(response)
    assert f"Invoice {invoice.number} Open" in text
    assert f"Member Ann Lee ({member.member_number}, {member.user.email})" in text
    assert "Certification RMA · Registered Medical Assistant, Active, paid through 2026-04-30" in text
    assert "Amount $50.00" in text and "Due 2026-05-31" in text
    assert "2026-04-01 — Open issued daily invoice job" in text
    assert "No payment." in text and "No card payment was attempted." in text
    assert "Record a check payment" in text and "Waive" in text and "Void (issued in error)" in text
    assert "Refund" not in text
    html = response.content.decode()
    assert f'href="{reverse("members:staff_member", args=[member.member_number])}"' in html
    assert 'value="2026-04-10"' in html  # the check date defaults to today


INVOICE_PAGE_QUERIES = 9  # absolute, measured with 30 history rows and 30 card payment attempts


def paid_by_check_with_30_notes(clerk) -> Invoice:
    """Ann Lee's invoice paid by check, with 30 more history rows by three staff members (rows as invoice_move
    writes them: the budgets are about reading many rows)."""
    invoice = issue_invoice(MemberFactory(first_name="Ann", last_name="Lee"))
    services.invoice_record_check(
        invoice=invoice, check_number="1001", received_on=TODAY, today=TODAY, actor=clerk
    )
    staff = [make_staff("Billing staff", email=f"staff{n}@staff.example.org") for n in range(3)]
    InvoiceEvent.objects.bulk_create(
        InvoiceEvent(
            invoice=invoice,
            from_state="paid",
            to_state="paid",
            reason=f"Note no. {number}",
            effective_on=TODAY,
            actor=staff[number % 3],
            source="test",
            at=datetime.datetime(2026, 4, 10, 16, number, tzinfo=datetime.UTC),
        )
        for number in range(30)
    )
    return invoice


def test_the_invoice_page_makes_a_fixed_number_of_queries_with_30_events_and_30_payment_attempts(
    client, clerk, django_assert_num_queries
):
    # Given a paid invoice with 30 more history rows by three staff members and 30 cancelled card attempts
    # (rows as invoice_move and the webhook write them: the budget is about reading many rows)
    invoice = paid_by_check_with_30_notes(clerk)
    CardPaymentIntent.objects.bulk_create(
        CardPaymentIntent(
            invoice=invoice,
            stripe_id=f"pi_{number:03d}",
            client_secret=f"pi_{number:03d}_secret",
            amount_cents=5000,
            status="canceled",
        )
        for number in range(30)
    )
    client.get(invoice_url(invoice))  # warm-up: session and permission caches

    with django_assert_num_queries(INVOICE_PAGE_QUERIES):
        response = client.get(invoice_url(invoice))

    text = page_text(response)
    assert text.count("Note no. ") == 30
    assert all(text.count(f"staff{n}@staff.example.org (test)") == 10 for n in range(3))
    assert text.count(" canceled ") == 30


PDF_QUERIES = 9  # absolute, measured with 31 history rows (3 of them prefetch the history and card
# attempts the PDFs do not show: the staff invoice selector is shared with the invoice page)


@pytest.mark.parametrize(
    ("route", "line"),
    [("invoice_pdf", "Status Paid on April 10, 2026"), ("receipt_pdf", "Paid by Check (check no. 1001)")],
)
def test_the_staff_pdfs_make_a_fixed_number_of_queries_with_31_history_rows(
    client, clerk, route, line, django_assert_num_queries
):
    # Given an invoice paid by check with 30 more history rows by three staff members
    invoice = paid_by_check_with_30_notes(clerk)
    client.get(invoice_url(invoice, route))  # warm-up: session and permission caches

    with django_assert_num_queries(PDF_QUERIES):
        response = client.get(invoice_url(invoice, route))

    lines = pdf_lines(body(response))
    assert f"Invoice {invoice.number}" in lines
    assert line in lines


def test_an_unknown_invoice_is_not_found(client, clerk):
    assert client.get(reverse("billing_staff:invoice", args=["RMA-0-000000"])).status_code == 404


def test_recording_a_check_pays_the_invoice_and_moves_paid_through(client, clerk):
    invoice = issue_invoice()

    response = client.post(
        invoice_url(invoice, "invoice_record_check"),
        {"check-check_number": "1001", "check-received_on": "2026-04-08"},
        follow=True,
    )

    payment = Payment.objects.get(invoice=invoice)
    assert (payment.method, payment.reference, payment.received_on, payment.recorded_by) == (
        Payment.Method.CHECK,
        "check no. 1001",
        datetime.date(2026, 4, 8),
        clerk,
    )
    certification = invoice.certification
    certification.refresh_from_db()
    assert certification.paid_through == datetime.date(2027, 4, 30)
    assert certification.status == Status.ACTIVE
    text = page_text(response)
    assert f"Check payment recorded for invoice {invoice.number}: receipt {payment.receipt_number}." in text
    assert f"Invoice {invoice.number} Paid" in text
    assert f"Receipt number {payment.receipt_number} Method Check Reference check no. 1001" in text
    assert f"2026-04-10 Open Paid Check payment check no. 1001 {clerk.email} (offline payment)" in text
    assert "paid through 2027-04-30" in text
    assert "Record a check payment" not in text and "Waive" not in text
    assert "Void (issued in error)" not in text and "Refund the card payment" not in text


@pytest.mark.parametrize(
    "data, message",
    [
        ({"check-check_number": "1001", "check-received_on": "2026-04-11"}, "cannot be in the future"),
        ({"check-check_number": "  ", "check-received_on": "2026-04-08"}, "Enter the check number."),
        ({"check-check_number": "1001", "check-received_on": ""}, "Enter the date the check was received."),
    ],
)
def test_a_wrong_check_shows_the_error_and_writes_nothing(client, clerk, data, message):
    invoice = issue_invoice()

    response = client.post(invoice_url(invoice, "invoice_record_check"), data)

    assert response.status_code == 400
    assert message in page_text(response)
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.OPEN
    assert InvoiceEvent.objects.filter(invoice=invoice).count() == 1


@pytest.mark.parametrize("action", ["waive", "void"])
def test_waiving_or_voiding_needs_a_reason(client, clerk, action):
    invoice = issue_invoice()

    response = client.post(invoice_url(invoice, f"invoice_{action}"), {f"{action}-reason": " "})

    assert response.status_code == 400
    assert "Give a reason" in page_text(response)
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.OPEN


def test_waiving_settles_the_fee_year_with_the_reason_in_the_history(client, clerk):
    invoice = issue_invoice()

    response = client.post(
        invoice_url(invoice, "invoice_waive"),
        {"waive-reason": "hardship, approved by the board"},
        follow=True,
    )

    text = page_text(response)
    assert f"Invoice {invoice.number} waived." in text
    assert f"2026-04-10 Open Waived hardship, approved by the board {clerk.email} (waiver)" in text
    invoice.refresh_from_db()
    assert (invoice.state, invoice.state_reason) == (Invoice.State.WAIVED, "hardship, approved by the board")
    assert invoice.certification.paid_through == datetime.date(2027, 4, 30)
    assert "Void (issued in error)" in text and "Waive the fee" not in text  # a waived invoice can be voided


def test_voiding_a_waived_invoice_makes_the_fee_year_owed_again(client, clerk):
    invoice = issue_invoice()
    services.invoice_waive(invoice=invoice, reason="hardship", today=TODAY, actor=clerk)

    response = client.post(
        invoice_url(invoice, "invoice_void"), {"void-reason": "waived in error"}, follow=True
    )

    text = page_text(response)
    assert f"Invoice {invoice.number} voided: the fee year is owed again." in text
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.VOID
    assert invoice.events.last().source == "staff void"
    assert invoice.certification.paid_through == datetime.date(2026, 4, 30)
    assert "Actions" not in text


def test_a_check_payment_is_not_refunded_here(client, clerk):
    invoice = issue_invoice()
    services.invoice_record_check(
        invoice=invoice, check_number="1001", received_on=TODAY, today=TODAY, actor=clerk
    )

    assert "Refund the card payment" not in page_text(client.get(invoice_url(invoice)))
    response = client.post(invoice_url(invoice, "invoice_refund"), {"refund-reason": "member asked"})

    assert response.status_code == 400
    assert "Only card payments are refunded here" in page_text(response)
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID
    assert Payment.objects.get().refunded_on is None


def test_an_unpaid_invoice_cannot_be_refunded(client, clerk):
    invoice = issue_invoice()

    response = client.post(invoice_url(invoice, "invoice_refund"), {"refund-reason": "member asked"})

    assert response.status_code == 400
    assert f"The invoice was not changed: Invoice {invoice.number} is not paid" in page_text(response)
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.OPEN


def test_an_action_the_state_no_longer_allows_says_why(client, clerk):
    invoice = issue_invoice()
    services.invoice_void(invoice=invoice, reason="issued in error", today=TODAY, actor=clerk, source="test")

    response = client.post(invoice_url(invoice, "invoice_waive"), {"waive-reason": "hardship"})

    assert response.status_code == 400
    assert f"The invoice was not changed: Invoice {invoice.number} is void: it cannot be waived." in (
        page_text(response)
    )


def test_a_card_payment_is_refunded_from_the_invoice_page(client, clerk, localstripe):
    """The whole refund, through the real SDK against localstripe (skipped when it cannot start)."""
    invoice = issue_invoice()
    intent = services.card_pay_in_test_mode(invoice=invoice, card="success", today=TODAY)

    page = page_text(client.get(invoice_url(invoice)))
    assert "Method Card" in page and f"{intent.stripe_id} succeeded" in page
    assert "Refund the card payment" in page and "Void (issued in error)" not in page
    response = client.post(
        invoice_url(invoice, "invoice_refund"), {"refund-reason": "charged twice by mistake"}, follow=True
    )

    text = page_text(response)
    assert f"Card payment of invoice {invoice.number} refunded: the fee year is owed again." in text
    assert f"2026-04-10 Paid Refunded charged twice by mistake {clerk.email} (refund)" in text
    invoice.refresh_from_db()
    payment = invoice.payment
    assert invoice.state == Invoice.State.REFUNDED
    assert payment.refunded_on == TODAY and payment.stripe_refund_id.startswith("re_")
    assert f"Refunded on 2026-04-10 (Stripe refund {payment.stripe_refund_id}" in text
    assert invoice.certification.paid_through == datetime.date(2026, 4, 30)


def test_staff_download_the_invoice_and_receipt_pdfs(client, clerk):
    invoice = issue_invoice()
    assert client.get(invoice_url(invoice, "receipt_pdf")).status_code == 404  # not paid yet
    services.invoice_record_check(
        invoice=invoice, check_number="1001", received_on=TODAY, today=TODAY, actor=clerk
    )

    texts = {}
    for name in ("invoice_pdf", "receipt_pdf"):
        response = client.get(invoice_url(invoice, name))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        texts[name] = pdf_lines(body(response))
    assert f"Invoice {invoice.number}" in texts["invoice_pdf"]
    assert "Status Paid on April 10, 2026" in texts["invoice_pdf"]
    assert "Total $50.00" in texts["invoice_pdf"]
    assert f"Receipt R-{invoice.number}" in texts["receipt_pdf"]
    assert f"Invoice {invoice.number}" in texts["receipt_pdf"]
    assert "Paid by Check (check no. 1001)" in texts["receipt_pdf"]
    assert "Amount paid $50.00" in texts["receipt_pdf"]


# --- Mail batches ---------------------------------------------------------------------------------------


def batch_with_a_letter_and_an_exception():
    """Two renewal letters written at issue: one printed, one for a member without a street address."""
    printed = MemberFactory(first_name="Ann", last_name="Lee")
    missing = MemberFactory(first_name="Bo", last_name="Ray", address_line1="")
    issue_invoice(printed)
    issue_invoice(missing)
    services.renewal_notices_send(today=ISSUE_DAY)
    return mail_batch_build(day=TODAY), printed, missing


def test_the_batch_page_lists_the_print_files_and_the_exceptions(client, clerk):
    batch, printed, missing = batch_with_a_letter_and_an_exception()
    letter = Notice.objects.get(member=missing, channel=Notice.Channel.LETTER)

    response = client.get(reverse("billing_staff:mail_batch", args=["2026-04-10"]))

    text = page_text(response)
    assert "Mail batch of April 10, 2026" in text
    assert "Letters printed 1" in text and "Exceptions 1" in text
    size = batch.parts.get().pdf_bytes
    assert f"1 1–1 (1 letter) {' '.join(filesizeformat(size).split())}" in text  # "NN.N KB"
    assert "Part 1 (PDF)" in text and "Manifest for the mail house (CSV)" in text
    assert f"{missing.member_number} Bo Ray {letter.subject} 2026-04-10 {NO_ADDRESS}" in text
    assert "printed in the next day's batch" in text
    assert printed.member_number not in text
    html = response.content.decode()
    assert f'href="{reverse("members:staff_member", args=[missing.member_number])}"' in html


def test_an_exception_is_printed_in_the_next_day_s_batch_once_the_address_is_fixed(client, clerk):
    _, _, missing = batch_with_a_letter_and_an_exception()
    member_services.member_update_profile(
        member=missing, changed_by=missing.user, fields={"address_line1": "3 Oak Road"}
    )
    mail_batch_build(day=datetime.date(2026, 4, 11))

    earlier = page_text(client.get(reverse("billing_staff:mail_batch", args=["2026-04-10"])))
    later = page_text(client.get(reverse("billing_staff:mail_batch", args=["2026-04-11"])))

    # The earlier batch still lists its exception as it was; the later one printed the letter
    assert "Exceptions 1" in earlier and f"{missing.member_number} Bo Ray" in earlier
    assert "Letters printed 1 Exceptions 0" in later and "No exceptions." in later


def test_staff_download_the_print_file_and_the_manifest(client, clerk):
    _, printed, _ = batch_with_a_letter_and_an_exception()

    pdf = client.get(reverse("billing_staff:mail_batch_part", args=["2026-04-10", 1]))
    manifest = client.get(reverse("billing_staff:mail_batch_manifest", args=["2026-04-10"]))

    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="letters-2026-04-10-part-001.pdf"'
    [letter] = PdfReader(io.BytesIO(body(pdf))).pages
    text = letter.extract_text()
    for line in printed.address_lines:  # the letter of the member with an address, not the exception's
        assert line in text, line
    assert f"Member {printed.member_number}" in text and "Bo Ray" not in text
    assert manifest["Content-Type"] == "text/csv; charset=utf-8"
    assert manifest["Content-Disposition"] == 'attachment; filename="manifest-2026-04-10.csv"'
    rows = list(csv.DictReader(io.StringIO(body(manifest).decode())))
    assert [(row["sequence"], row["member_number"], row["name"]) for row in rows] == [
        ("1", printed.member_number, "Ann Lee")
    ]


def test_a_missing_file_or_part_or_day_is_not_found(client, clerk):
    batch, _, _ = batch_with_a_letter_and_an_exception()
    default_storage.delete(batch.parts.get().pdf)

    assert client.get(reverse("billing_staff:mail_batch_part", args=["2026-04-10", 1])).status_code == 404
    assert client.get(reverse("billing_staff:mail_batch_part", args=["2026-04-10", 2])).status_code == 404
    assert client.get(reverse("billing_staff:mail_batch", args=["2026-04-11"])).status_code == 404
    assert client.get(reverse("billing_staff:mail_batch", args=["not-a-day"])).status_code == 404


def test_building_today_s_batch_now_prints_the_waiting_letters(client, clerk):
    member = MemberFactory()
    issue_invoice(member)
    services.renewal_notices_send(today=ISSUE_DAY)

    response = client.post(reverse("billing_staff:mail_batch_build_today"), follow=True)

    assert response.redirect_chain == [(reverse("billing_staff:mail_batch", args=["2026-04-10"]), 302)]
    text = page_text(response)
    assert "Mail batch of April 10, 2026 built: 1 letter, 0 exceptions." in text
    assert "Mail batch of April 10, 2026 Built by Pat Doe at 2026-04-10 10:00." in text
    batch = MailBatch.objects.get()
    assert (batch.day, batch.letter_count, batch.built_by) == (TODAY, 1, clerk)
    assert Notice.objects.get(member=member, channel=Notice.Channel.LETTER).state == Notice.State.SENT
    assert client.get(reverse("billing_staff:mail_batch_build_today")).status_code == 405


def test_the_list_and_the_batch_page_say_who_built_each_batch(client, clerk):
    # Given yesterday's batch built by the nightly job and today's built by the clerk
    mail_batch_build(day=datetime.date(2026, 4, 9))
    client.post(reverse("billing_staff:mail_batch_build_today"))

    # When the clerk builds yesterday's again (restoring files), it stays the nightly job's
    mail_batch_build(day=datetime.date(2026, 4, 9), built_by=clerk)

    listed = page_text(client.get(reverse("billing_staff:mail_batches")))
    yesterday = page_text(client.get(reverse("billing_staff:mail_batch", args=["2026-04-09"])))
    assert "Completed Who built it" in listed
    assert re.search(r"2026-04-10 0 0 2026-04-10 10:0\d Built by Pat Doe at 2026-04-10 10:00", listed)
    assert re.search(r"2026-04-09 0 0 2026-04-10 10:0\d Built by the nightly job", listed)
    assert "Mail batch of April 9, 2026 Built by the nightly job." in yesterday
    # and each build of it is listed with who ran it and what it did
    assert (
        "Builds 2026-04-10 10:00 · the nightly job · Built: 0 letter(s) in 0 file(s), 0 exception(s) "
        "2026-04-10 10:00 · Pat Doe · Already built: files checked, no file was missing"
    ) in yesterday
    assert [(run.run_by, run.outcome) for run in MailBatchRun.objects.filter(batch__day=TODAY)] == [
        (clerk, "Built: 0 letter(s) in 0 file(s), 0 exception(s)")
    ]


MAIL_BATCHES_QUERIES = 7  # absolute, measured with 40 batches (a full page of 40 rows)
MAIL_BATCH_QUERIES = 8  # absolute, measured with 30 print files, 30 exceptions and 30 builds


def test_the_batch_list_makes_a_fixed_number_of_queries_with_40_batches(
    client, clerk, django_assert_num_queries
):
    # Given 40 batches, every other one built by hand by one of two clerks (rows as the build writes them)
    clerks = [clerk, make_staff("Billing staff", email="other@staff.example.org")]
    MailBatch.objects.bulk_create(
        MailBatch(
            day=datetime.date(2026, 2, 1) + datetime.timedelta(days=offset),
            cutoff=datetime.datetime(2026, 2, 1, 15, tzinfo=datetime.UTC) + datetime.timedelta(days=offset),
            letter_count=offset,
            built_by=clerks[offset % 4 // 2] if offset % 2 else None,
        )
        for offset in range(40)
    )
    client.get(reverse("billing_staff:mail_batches"))  # warm-up: session and permission caches

    with django_assert_num_queries(MAIL_BATCHES_QUERIES):
        response = client.get(reverse("billing_staff:mail_batches"))

    text = page_text(response)
    assert text.count("Built by the nightly job") == 20
    assert text.count("Built by Pat Doe at ") == 20


def test_the_batch_page_makes_a_fixed_number_of_queries_with_30_parts_and_30_exceptions(
    client, clerk, django_assert_num_queries
):
    # Given a batch of 30 print files and 30 exceptions (rows as the build writes them)
    batch = MailBatch.objects.create(
        day=TODAY,
        cutoff=datetime.datetime(2026, 4, 10, 15, tzinfo=datetime.UTC),
        letter_count=300,
        built_by=clerk,
        exceptions=[
            {
                "member_number": f"9{number:05d}",
                "name": f"Member {number}",
                "subject": "Your RMA annual fee",
                "waiting_since": "2026-04-09",
                "reason": NO_ADDRESS,
            }
            for number in range(30)
        ],
    )
    MailBatchPart.objects.bulk_create(
        MailBatchPart(batch=batch, number=n + 1, first_sequence=10 * n + 1, letter_count=10, pdf=f"p{n}.pdf")
        for n in range(30)
    )
    MailBatchRun.objects.bulk_create(
        MailBatchRun(
            batch=batch,
            run_by=clerk if n % 2 else None,
            run_at=datetime.datetime(2026, 4, 10, 15, n, tzinfo=datetime.UTC),
            outcome="Already built: files checked, no file was missing",
        )
        for n in range(30)
    )
    url = reverse("billing_staff:mail_batch", args=["2026-04-10"])
    client.get(url)  # warm-up: session and permission caches

    with django_assert_num_queries(MAIL_BATCH_QUERIES):
        response = client.get(url)

    text = page_text(response)
    assert "Built by Pat Doe at 2026-04-10 10:00." in text
    assert text.count(" letters) ") == 30  # one row per print file
    assert text.count(NO_ADDRESS) == 30
    assert text.count("· Pat Doe · Already built") == 15 and text.count("· the nightly job · Already") == 15


def test_the_batch_list_shows_days_newest_first_50_a_page(client, clerk):
    first = datetime.date(2026, 1, 1)
    for offset in range(51):
        MailBatch.objects.create(
            day=first + datetime.timedelta(days=offset),
            cutoff=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
            letter_count=offset,
            exceptions=[{"notice_id": offset}],
        )

    text = page_text(client.get(reverse("billing_staff:mail_batches")))
    older = page_text(client.get(reverse("billing_staff:mail_batches"), {"page": 2}))

    assert "page 1 of 2" in text
    assert text.index("2026-02-20 50 1") < text.index("2026-02-19 49 1")
    assert "2026-01-01" not in text
    assert "2026-01-01 0 1 not finished" in older
