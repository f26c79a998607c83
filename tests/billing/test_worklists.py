"""Billing staff's work lists: open and overdue invoices, failed card payments, letters waiting for an
address, and the payments export for accounting: each filter, bad filters said in the page, the exports read
back (CSV and XLSX rows equal the list, formula-safe), who may open them, and the queries a page takes.

Card payments that failed or were refunded are written as the Stripe bookkeeping rows they leave (Stripe
itself is exercised against localstripe in test_payments/test_checkout); the rest goes through the services.
"""

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from billing import services
from billing.models import CardPaymentIntent, Invoice, Payment
from members.models import Notice
from members.services.mail_batch import NO_ADDRESS, mail_batch_build
from tests.factories import MemberFactory, make_certification, make_staff
from tests.pages import (
    assert_forbidden,
    assert_sign_in_asked,
    assert_two_factor_setup_asked,
    get_in_queries,
    page_text,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 10)
EVIL = '=HYPERLINK("http://evil.example","click")'

OPEN_INVOICES = reverse("billing_staff:open_invoices")
FAILED = reverse("billing_staff:failed_payments")
EXCEPTIONS = reverse("billing_staff:address_exceptions")
PAYMENTS = reverse("billing_staff:payments_export")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 10, 15, tzinfo=datetime.UTC))


@pytest.fixture
def clerk(client):
    user = make_staff("Billing staff")
    client.force_login(user)
    return user


def certified(member, *, code: str, month: int):
    """A certification of `code` whose fee year starts in `month`, paid up to the year before this one's
    fee: its next fee falls due at the end of `month` 2026."""
    certified_on = datetime.date(2019, month, 14)
    paid_through = datetime.date(2026, month, 1) - datetime.timedelta(days=1)
    return make_certification(
        member,
        code=code,
        certified_on=certified_on,
        today=datetime.date(2026, 2, 1),
        paid_through=paid_through,
    )


@pytest.fixture
def invoices():
    """Three open fees: Cy's RMA due April 30 (41 days overdue), Evil's RMA due May 31 (10 days), Di's MT due
    June 30 (not yet due; $90)."""
    cy = certified(MemberFactory(first_name="Cy", last_name="Ames"), code="RMA", month=4)
    evil = certified(MemberFactory(first_name=EVIL, last_name="Evans"), code="RMA", month=5)
    di = certified(MemberFactory(first_name="Di", last_name="Berg"), code="MT", month=6)
    for day in (datetime.date(2026, 3, 1), datetime.date(2026, 4, 1), datetime.date(2026, 5, 1)):
        services.invoices_issue_due(today=day)
    by = {
        name: Invoice.objects.get(certification=cert)
        for name, cert in (("cy", cy), ("evil", evil), ("di", di))
    }
    assert [by[name].due_on for name in ("cy", "evil", "di")] == [
        datetime.date(2026, 4, 30),
        datetime.date(2026, 5, 31),
        datetime.date(2026, 6, 30),
    ]
    return by


def listed(response) -> list[str]:
    """The invoice numbers a page lists, in order."""
    return re.findall(
        r'<th scope="row"><a href="/staff/billing/invoices/([^/]+)/">', response.content.decode()
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode())))


def xlsx_rows(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


# --- Open and overdue invoices --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["cy", "evil", "di"]),
        ("overdue_days=1", ["cy", "evil"]),
        ("overdue_days=20", ["cy"]),
        ("overdue_days=41", ["cy"]),
        ("overdue_days=42", []),
        ("due_from=2026-05-01&due_to=2026-06-30", ["evil", "di"]),
        ("due_to=2026-05-31", ["cy", "evil"]),
        ("credential=MT", ["di"]),
        ("amount_min=60", ["di"]),
        ("amount_max=50", ["cy", "evil"]),
        ("amount_min=50&amount_max=50&credential=RMA&overdue_days=5", ["cy", "evil"]),
    ],
)
def test_each_filter_of_the_open_invoices(client, clerk, invoices, query, expected):
    response = client.get(f"{OPEN_INVOICES}?{query}")
    assert response.status_code == 200
    assert listed(response) == [invoices[name].number for name in expected]


def test_the_open_invoices_page_reads_as_a_list_of_work(client, clerk, invoices):
    text = page_text(client.get(OPEN_INVOICES))
    assert "3 open invoices, earliest due first" in text
    cy = invoices["cy"]
    assert f"{cy.number} Ames, Cy ({cy.certification.member.member_number}) RMA Annual renewal fee" in text
    assert "Apr 30, 2026 41 $50.00" in text
    assert "Jun 30, 2026 not yet due $90.00" in text


def test_paid_invoices_leave_the_list(client, clerk, invoices):
    services.invoice_record_check(
        invoice=invoices["cy"], check_number="77", received_on=TODAY, today=TODAY, actor=clerk
    )
    assert listed(client.get(OPEN_INVOICES)) == [invoices["evil"].number, invoices["di"].number]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("due_from=yesterday", "Due from: enter a date as YYYY-MM-DD."),
        ("due_from=2026-06-01&due_to=2026-05-01", "The due date range ends before it starts."),
        ("amount_min=abc", "Enter a number."),
        ("amount_min=90&amount_max=10", "The amount range ends below where it starts."),
        ("overdue_days=-3", "Ensure this value is greater than or equal to 0."),
        ("credential=XYZ", "Select a valid choice. XYZ is not one of the available choices."),
    ],
)
def test_a_bad_filter_is_said_in_the_page(client, clerk, invoices, query, message):
    response = client.get(f"{OPEN_INVOICES}?{query}")
    assert response.status_code == 400
    text = page_text(response)
    assert message in text
    assert "The list is not shown until the filters above are corrected." in text
    assert listed(response) == []
    # nor is a bad filter exported
    assert client.get(f"{OPEN_INVOICES}?{query}&export=csv").status_code == 400


def test_the_exports_hold_the_filtered_list_formula_safe(client, clerk, invoices):
    # given the list of overdue invoices, one of a member named like a formula
    query = "overdue_days=1"
    page = listed(client.get(f"{OPEN_INVOICES}?{query}"))
    # when downloaded as CSV and as XLSX
    as_csv = client.get(f"{OPEN_INVOICES}?{query}&export=csv")
    as_xlsx = client.get(f"{OPEN_INVOICES}?{query}&export=xlsx")
    # then both are attachments with every row of the list, in its order
    assert as_csv["Content-Disposition"] == 'attachment; filename="open-invoices-2026-06-10.csv"'
    assert as_xlsx["Content-Disposition"] == 'attachment; filename="open-invoices-2026-06-10.xlsx"'
    rows, sheet = csv_rows(as_csv), xlsx_rows(as_xlsx)
    header = ["Invoice", "Member number", "Member", "Credential", "Fee", "Due", "Days overdue", "Amount"]
    assert rows[0] == sheet[0] == header
    assert [row[0] for row in rows[1:]] == [row[0] for row in sheet[1:]] == page
    evil = invoices["evil"]
    number = evil.certification.member.member_number
    assert rows[2] == [
        evil.number,
        number,
        "'" + EVIL + " Evans",
        "RMA",
        "Annual renewal fee",
        "2026-05-31",
        "10",
        "50.00",
    ]
    # the XLSX: the name is text (not a formula), the due date a date, the amount a number
    assert sheet[2][2] == rows[2][2]
    assert sheet[2][5].date() == datetime.date(2026, 5, 31)
    assert sheet[2][6:] == [10, 50]


def test_the_first_page_takes_the_same_queries_however_many_invoices(
    client, clerk, invoices, django_assert_num_queries
):
    # session, user, two-factor, permissions (2), the filter's credentials, the capped count, the page
    get_in_queries(client, OPEN_INVOICES, 8, django_assert_num_queries)
    certified(MemberFactory(), code="RMA", month=4)
    services.invoices_issue_due(today=datetime.date(2026, 3, 1))
    response = get_in_queries(
        client,
        f"{OPEN_INVOICES}?overdue_days=1&credential=RMA",
        9,
        django_assert_num_queries,  # + its id
    )
    assert len(listed(response)) == 3


# --- Failed card payments -------------------------------------------------------------------------------


def intent(invoice, stripe_id, **fields):
    return CardPaymentIntent.objects.create(
        invoice=invoice,
        stripe_id=stripe_id,
        client_secret=f"{stripe_id}_secret",
        amount_cents=invoice.amount_cents,
        **fields,
    )


@pytest.fixture
def intents(invoices):
    declined = intent(
        invoices["cy"],
        "pi_declined",
        status="requires_payment_method",
        last_error="Your card was declined.",
        last_error_code="card_declined",
    )
    intent(invoices["evil"], "pi_fresh", status="requires_payment_method")  # never tried
    intent(invoices["di"], "pi_later_paid", status="succeeded", last_error_code="card_declined")
    CardPaymentIntent.objects.filter(pk=declined.pk).update(
        updated_at=datetime.datetime(2026, 6, 2, 15, tzinfo=datetime.UTC)
    )
    return declined


def test_failed_card_payments_lists_declines_not_paid_since(client, clerk, invoices, intents):
    response = client.get(FAILED)
    text = page_text(response)
    assert "1 failed card payment, latest first" in text
    assert f"{invoices['cy'].number} (open) $50.00 Your card was declined. card_declined" in text
    assert "pi_fresh" not in text and invoices["di"].number not in text


def test_failed_card_payments_filters(client, clerk, invoices, intents):
    assert "1 failed card payment" in page_text(client.get(f"{FAILED}?since=2026-06-02&credential=RMA"))
    assert "No failed card payment matches" in page_text(client.get(f"{FAILED}?since=2026-06-03"))
    assert "No failed card payment matches" in page_text(client.get(f"{FAILED}?credential=MT"))
    bad = client.get(f"{FAILED}?since=2026-13-01")
    assert bad.status_code == 400 and "Failed on or after: enter a date as YYYY-MM-DD." in page_text(bad)


def test_failed_card_payments_export(client, clerk, invoices, intents):
    rows = csv_rows(client.get(f"{FAILED}?export=csv"))
    sheet = xlsx_rows(client.get(f"{FAILED}?export=xlsx"))
    assert len(rows) == len(sheet) == 2
    member = invoices["cy"].certification.member
    assert rows[1][1:] == [
        member.member_number,
        "Cy Ames",
        invoices["cy"].number,
        "Open",
        "50.00",
        "card_declined",
        "Your card was declined.",
        "pi_declined",
    ]
    assert sheet[1][1:] == [
        member.member_number,
        "Cy Ames",
        invoices["cy"].number,
        "Open",
        50,
        "card_declined",
        "Your card was declined.",
        "pi_declined",
    ]
    assert sheet[1][0].timetuple()[:5] == (2026, 6, 2, 10, 0)  # in Chicago


# --- Letters waiting for an address ---------------------------------------------------------------------


@pytest.fixture
def waiting():
    """Two renewal letters of members without a street address, listed by the batches of May 1 and 2."""
    first = MemberFactory(first_name="Bo", last_name="Ray", address_line1="")
    second = MemberFactory(first_name=EVIL, last_name="Ali", address_line1="")
    certified(first, code="RMA", month=6)
    services.invoices_issue_due(today=datetime.date(2026, 5, 1))
    services.renewal_notices_send(today=datetime.date(2026, 5, 1))
    mail_batch_build(day=datetime.date(2026, 5, 1))
    certified(second, code="RMA", month=7)
    services.invoices_issue_due(today=datetime.date(2026, 6, 1))
    services.renewal_notices_send(today=datetime.date(2026, 6, 1))
    mail_batch_build(day=datetime.date(2026, 6, 2))
    return first, second


def test_the_letters_waiting_are_listed_oldest_first_with_a_fix_link_back(client, clerk, waiting):
    first, second = waiting
    response = client.get(EXCEPTIONS)
    text = page_text(response)
    assert "2 letters waiting, longest waiting first" in text
    assert text.index("Bo Ray") < text.index(f"{EVIL} Ali")
    assert f"May 1, 2026 Bo Ray ({first.member_number})" in text and NO_ADDRESS in text
    fix = reverse("members:staff_fix_address", args=[first.member_number])
    assert f'href="{fix}?next=/staff/billing/letters-waiting-for-an-address/"' in response.content.decode()


def test_the_fix_link_fixes_and_the_letter_leaves_the_list_at_the_next_batch(client, clerk, waiting):
    first, _ = waiting
    fix = reverse("members:staff_fix_address", args=[first.member_number])
    response = client.post(
        f"{fix}?next={EXCEPTIONS}",
        {
            "address_line1": "3 Oak Road",
            "city": "Springfield",
            "state": "IL",
            "postal_code": "62701",
            "country": "US",
            "reason": "Member phoned",
            "next": EXCEPTIONS,
        },
    )
    assert response.status_code == 302 and response.url == EXCEPTIONS
    mail_batch_build(day=TODAY)
    assert Notice.objects.get(member=first, channel="letter").state == Notice.State.SENT
    text = page_text(client.get(EXCEPTIONS))
    assert "Address of Bo Ray saved. Letters waiting for it go out in the next mail batch." in text
    assert "1 letter waiting" in text and f"Bo Ray ({first.member_number})" not in text


def test_the_letters_waiting_filter_and_export(client, clerk, waiting):
    first, second = waiting
    text = page_text(client.get(f"{EXCEPTIONS}?search={second.member_number}"))
    assert "1 letter waiting" in text and "Bo Ray" not in text
    rows = csv_rows(client.get(f"{EXCEPTIONS}?export=csv"))
    sheet = xlsx_rows(client.get(f"{EXCEPTIONS}?export=xlsx"))
    assert (
        [row[1] for row in rows[1:]]
        == [row[1] for row in sheet[1:]]
        == [first.member_number, second.member_number]
    )
    assert rows[2][2] == sheet[2][2] == "'" + EVIL + " Ali"
    assert rows[1][0] == "2026-05-01" and sheet[1][0].date() == datetime.date(2026, 5, 1)
    assert rows[1][4] == sheet[1][4] == NO_ADDRESS


# --- Payments for accounting ----------------------------------------------------------------------------


@pytest.fixture
def payments(clerk, invoices):
    """A check for Cy's fee on June 1, and a card payment of Di's fee on June 5 refunded on June 8."""
    check = services.invoice_record_check(
        invoice=invoices["cy"],
        check_number="1001",
        received_on=datetime.date(2026, 6, 1),
        today=TODAY,
        actor=clerk,
    )
    card = Payment.objects.create(
        invoice=invoices["di"],
        receipt_number="R-CARD-1",
        method=Payment.Method.CARD,
        amount_cents=9000,
        received_on=datetime.date(2026, 6, 5),
        reference="Visa 4242",
        stripe_payment_intent_id="pi_paid",
        stripe_refund_id="re_1",
        refunded_on=datetime.date(2026, 6, 8),
    )
    return check, card


def test_the_payments_export_by_date_range(client, clerk, invoices, payments):
    rows = csv_rows(client.get(f"{PAYMENTS}?start=2026-06-01&end=2026-06-30&format=csv"))
    assert rows == [
        [
            "Date",
            "Member number",
            "Member",
            "Invoice",
            "Amount",
            "Method",
            "Reference",
            "Stripe id",
            "Refunded",
            "Refunded on",
        ],
        [
            "2026-06-01",
            invoices["cy"].certification.member.member_number,
            "Cy Ames",
            invoices["cy"].number,
            "50.00",
            "Check",
            "check no. 1001",
            "",
            "",
            "",
        ],
        [
            "2026-06-05",
            invoices["di"].certification.member.member_number,
            "Di Berg",
            invoices["di"].number,
            "90.00",
            "Card",
            "Visa 4242",
            "pi_paid",
            "90.00",
            "2026-06-08",
        ],
    ]
    response = client.get(f"{PAYMENTS}?start=2026-06-01&end=2026-06-30&format=xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="payments-2026-06-01-to-2026-06-30.xlsx"'
    sheet = xlsx_rows(response)
    assert [row[3] for row in sheet[1:]] == [row[3] for row in rows[1:]]
    assert sheet[2][4] == 90 and sheet[2][8] == 90 and sheet[2][9].date() == datetime.date(2026, 6, 8)
    # the range includes both days and nothing else
    only = csv_rows(client.get(f"{PAYMENTS}?start=2026-06-02&end=2026-06-05&format=csv"))
    assert [row[3] for row in only[1:]] == [invoices["di"].number]


def test_the_payments_export_asks_for_its_dates(client, clerk):
    assert "Every payment received in a date range" in page_text(client.get(PAYMENTS))
    bad = client.get(f"{PAYMENTS}?start=2026-06-30&end=2026-06-01&format=csv")
    assert bad.status_code == 400 and "The date range ends before it starts." in page_text(bad)
    missing = client.get(f"{PAYMENTS}?start=2026-06-01&format=csv")
    assert missing.status_code == 400 and "This field is required." in page_text(missing)


# --- Who may open them ----------------------------------------------------------------------------------

PAGES = [("get", OPEN_INVOICES), ("get", FAILED), ("get", EXCEPTIONS), ("get", PAYMENTS)]


def test_the_billing_lists_are_for_billing_staff_and_administrators(client):
    for role in ("Billing staff", "Administrator"):
        client.force_login(make_staff(role))
        for _, address in PAGES:
            assert client.get(address).status_code == 200, (role, address)


def test_reviewers_and_processors_may_not_open_the_billing_lists(client):
    users = [make_staff("Audit reviewer"), make_staff("Recertification processor")]
    assert_forbidden(client, users, [*PAGES, ("get", f"{OPEN_INVOICES}?export=xlsx")], {})


def test_members_may_not_open_them_and_visitors_sign_in(client):
    assert_sign_in_asked(client, PAGES)
    member = MemberFactory()
    client.force_login(member.user)
    for _, address in PAGES:
        assert client.get(address).status_code == 403


def test_staff_without_two_factor_set_it_up_first(client):
    client.force_login(make_staff("Billing staff", two_factor_secret=None))
    assert_two_factor_setup_asked(client, PAGES)
