"""Billing in the admin: configuration is edited by administrators; invoices and payments are read-only."""

import datetime
import re

import pytest
from django.urls import reverse

from billing import services
from billing.models import (
    BillingPolicy,
    CardPaymentIntent,
    Invoice,
    RenewalNoticeStep,
    StripeCustomer,
    StripeEvent,
)
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 4, 1)


@pytest.fixture
def admin_client(client):
    client.force_login(make_staff("Administrator"))
    return client


@pytest.fixture
def paid_invoice():
    certification = make_certification(
        MemberFactory(last_name="Lee"),
        certified_on=datetime.date(2019, 5, 14),
        today=datetime.date(2026, 3, 1),
        paid_through=datetime.date(2026, 4, 30),
    )
    services.invoices_issue_due(today=DAY)
    invoice = Invoice.objects.get(certification=certification)
    services.invoice_record_check(
        invoice=invoice, check_number="1001", received_on=DAY, today=DAY, actor=make_staff("Billing staff")
    )
    return invoice


def page_text(response) -> str:
    """What a person reads on the page: the HTML without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def stripe_rows(paid_invoice):
    """The Stripe bookkeeping rows as the payment paths and the webhook write them (no Stripe call: the
    admin only shows them)."""
    member = paid_invoice.certification.member
    StripeCustomer.objects.create(member=member, stripe_id="cus_lee")
    CardPaymentIntent.objects.create(
        invoice=paid_invoice,
        stripe_id="pi_lee",
        client_secret="pi_lee_secret_never_shown",
        amount_cents=5000,
        status="canceled",
    )
    StripeEvent.objects.create(
        event_id="evt_lee", type="payment_intent.canceled", object_id="pi_lee", payload={}, outcome="ignored"
    )
    return paid_invoice


def expected_rows(model: str, invoice: Invoice) -> list[str]:
    """What each list shows of the fixture's rows, a row's cells as the page reads them."""
    payment = invoice.payment
    return {
        "billingpolicy": ["Invoices issued 60 days before the due date 60"],
        "renewalnoticestep": [
            "1 Renewal notice (at issue) at-issue",
            "2 Reminder 30 days before the due date before-due",
            "3 Final reminder on the due date due-date",
            "4 Lapse notice lapse",
        ],
        "invoice": [f"{invoice.number} {invoice.certification.member} RMA", "Paid", "1 invoice"],
        "invoiceevent": [
            f"Invoice {invoice.number} April 1, 2026 - open issued - daily invoice job",
            f"Invoice {invoice.number} April 1, 2026 open paid Check payment check no. 1001 "
            "billing-staff@staff.example.org offline payment",
        ],
        "payment": [
            f"{payment.receipt_number} Invoice {invoice.number} Check $50.00 April 1, 2026 check no. 1001"
        ],
        "cardpaymentintent": [f"pi_lee Invoice {invoice.number} canceled 5000"],
        "stripeevent": ["evt_lee payment_intent.canceled pi_lee"],
        "stripecustomer": [f"cus_lee {invoice.certification.member}"],
    }[model]


@pytest.mark.parametrize(
    "model",
    [
        "billingpolicy",
        "renewalnoticestep",
        "invoice",
        "invoiceevent",
        "payment",
        "cardpaymentintent",
        "stripeevent",
        "stripecustomer",
    ],
)
def test_every_billing_list_shows_its_rows_to_an_administrator(admin_client, stripe_rows, model):
    response = admin_client.get(reverse(f"admin:billing_{model}_changelist"))

    text = page_text(response)
    for row in expected_rows(model, stripe_rows):
        assert row in text, row
    assert "pi_lee_secret_never_shown" not in response.content.decode()


def test_invoices_are_listed_searched_and_shown_read_only(admin_client, paid_invoice):
    other = make_certification(
        MemberFactory(last_name="Ray"),
        certified_on=datetime.date(2019, 5, 14),
        today=datetime.date(2026, 3, 1),
        paid_through=datetime.date(2026, 4, 30),
    )
    services.invoices_issue_due(today=DAY)
    other_number = Invoice.objects.get(certification=other).number
    everything = admin_client.get(reverse("admin:billing_invoice_changelist")).content.decode()
    listing = admin_client.get(reverse("admin:billing_invoice_changelist"), {"q": "lee"}).content.decode()
    change = admin_client.get(reverse("admin:billing_invoice_change", args=[paid_invoice.pk]))

    assert paid_invoice.number in everything and other_number in everything
    assert paid_invoice.number in listing and other_number not in listing  # the search found Lee only
    assert change.status_code == 200
    html = change.content.decode()
    assert "check no. 1001" in html and "daily invoice job" in html  # the payment and the history inlines
    assert 'name="_save"' not in html
    assert admin_client.get(reverse("admin:billing_invoice_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:billing_invoice_delete", args=[paid_invoice.pk])).status_code == 403
    )


def test_a_post_to_an_invoice_changes_nothing(admin_client, paid_invoice):
    response = admin_client.post(
        reverse("admin:billing_invoice_change", args=[paid_invoice.pk]), {"state": "open", "amount_cents": 1}
    )

    assert response.status_code == 403
    paid_invoice.refresh_from_db()
    assert (paid_invoice.state, paid_invoice.amount_cents) == (Invoice.State.PAID, 5000)


def test_payments_are_read_only(admin_client, paid_invoice):
    payment = paid_invoice.payment

    html = admin_client.get(reverse("admin:billing_payment_change", args=[payment.pk])).content.decode()

    assert payment.receipt_number in html and 'name="_save"' not in html
    assert admin_client.get(reverse("admin:billing_payment_add")).status_code == 403


def test_an_administrator_changes_the_billing_policy_and_a_notice_step(admin_client):
    policy = BillingPolicy.current()
    step = RenewalNoticeStep.objects.get(code="before-due")

    admin_client.post(
        reverse("admin:billing_billingpolicy_change", args=[policy.pk]), {"issue_days_before_due": 45}
    )
    admin_client.post(
        reverse("admin:billing_renewalnoticestep_change", args=[step.pk]),
        {
            "code": "before-due",
            "name": "Reminder 21 days before the due date",
            "position": step.position,
            "anchor": "due",
            "offset_days": -21,
            "by_email": "on",
            "by_letter": "on",
        },
    )

    policy.refresh_from_db()
    step.refresh_from_db()
    assert policy.issue_days_before_due == 45
    assert (step.offset_days, step.by_letter) == (-21, True)
    assert admin_client.get(reverse("admin:billing_billingpolicy_add")).status_code == 403
