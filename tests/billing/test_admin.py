"""Billing in the admin: configuration is edited by administrators; invoices and payments are read-only."""

import datetime

import pytest
from django.urls import reverse

from billing import services
from billing.models import BillingPolicy, Invoice, RenewalNoticeStep
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
def test_every_billing_list_loads_for_an_administrator(admin_client, paid_invoice, model):
    assert admin_client.get(reverse(f"admin:billing_{model}_changelist")).status_code == 200


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
