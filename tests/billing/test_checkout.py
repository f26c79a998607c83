"""'Pay all open fees': one card payment (one PaymentIntent for the sum) paying several invoices, each with
its own receipt; a refund of one invoice returns its amount only; an invoice settled meanwhile gets its share
back."""

import datetime
import json
import time

import pytest
from django.urls import reverse

from billing import services, stripe_gateway
from billing.models import CardPaymentIntent, Invoice, Payment
from tests.billing.conftest import FIXED_PAY_DAY, pay_at_stripe, payment_intent_event, stripe_signature
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("localstripe")]


@pytest.fixture
def member():
    return MemberFactory(user__first_name="Ada", last_name="Okafor")


@pytest.fixture
def invoices(member):
    """Two open $50.00 invoices of the member (two certifications on DOMAIN.md's fixed dates)."""
    for code in ("RMA", "RPT"):
        make_certification(
            member,
            code=code,
            certified_on=datetime.date(2019, 5, 14),
            today=datetime.date(2026, 3, 1),
            paid_through=datetime.date(2026, 4, 30),
        )
    services.invoices_issue_due(today=datetime.date(2026, 4, 1))
    found = list(Invoice.objects.filter(certification__member=member).order_by("pk"))
    assert len(found) == 2 and all(invoice.is_open for invoice in found)
    return found


def _pay_all(member, card="success"):
    return services.checkout_pay_in_test_mode(member=member, card=card, today=FIXED_PAY_DAY)


def _refunds(payment_intent_id: str) -> list:
    return list(stripe_gateway.client().v1.refunds.list(params={"payment_intent": payment_intent_id}).data)


def test_paying_all_open_fees_is_one_intent_for_the_sum_and_pays_each_invoice_with_its_receipt(
    member, invoices, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        intent = _pay_all(member)

    assert intent.status == "succeeded"
    remote = stripe_gateway.client().v1.payment_intents.retrieve(intent.stripe_id)
    assert remote.amount == 10000
    assert remote.metadata["invoice_numbers"] == ",".join(invoice.number for invoice in invoices)
    assert CardPaymentIntent.objects.count() == 1
    payments = list(Payment.objects.order_by("invoice_id"))
    assert [payment.invoice_id for payment in payments] == [invoice.pk for invoice in invoices]
    assert {payment.stripe_payment_intent_id for payment in payments} == {intent.stripe_id}
    assert [payment.amount_cents for payment in payments] == [5000, 5000]
    assert [payment.receipt_number for payment in payments] == [f"R-{invoice.number}" for invoice in invoices]
    for invoice in invoices:
        invoice.refresh_from_db()
        invoice.certification.refresh_from_db()
        assert invoice.state == Invoice.State.PAID
        assert invoice.certification.paid_through == datetime.date(2027, 4, 30)
    # Read again (webhook, return page, daily check): nothing is recorded twice.
    services.payment_intent_sync(stripe_id=intent.stripe_id, today=FIXED_PAY_DAY, source="test")
    assert services.payment_intents_reconcile(today=FIXED_PAY_DAY) == 0
    assert Payment.objects.count() == 2


def test_refunding_one_invoice_returns_its_amount_only_and_leaves_the_other_paid(member, invoices):
    intent = _pay_all(member)
    staff = make_staff("Billing staff")
    first, second = invoices

    services.invoice_refund(invoice=first, reason="Paid twice by mistake", today=FIXED_PAY_DAY, actor=staff)

    [refund] = _refunds(intent.stripe_id)
    assert refund.amount == 5000
    assert refund.metadata["invoice_number"] == first.number
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == Invoice.State.REFUNDED
    assert second.state == Invoice.State.PAID
    # The other invoice's refund is its own, not the first one reused.
    services.invoice_refund(invoice=second, reason="Also returned", today=FIXED_PAY_DAY, actor=staff)
    refunds = _refunds(intent.stripe_id)
    assert sorted(r.metadata["invoice_number"] for r in refunds) == sorted([first.number, second.number])
    assert [r.amount for r in refunds] == [5000, 5000]
    assert Payment.objects.get(invoice=second).stripe_refund_id not in ("", refund.id)


def test_an_invoice_voided_meanwhile_gets_its_share_back_and_the_other_is_paid(member, invoices):
    intent = services.checkout_intent_for(member=member)
    first, second = invoices
    services.invoice_void(
        invoice=first, reason="issued in error", today=FIXED_PAY_DAY, actor=None, source="t"
    )
    pay_at_stripe(intent.stripe_id)  # the member's tab was still open on the pay page

    synced = services.payment_intent_sync(stripe_id=intent.stripe_id, today=FIXED_PAY_DAY, source="test")

    assert synced.status == "succeeded"
    [refund] = _refunds(intent.stripe_id)
    assert refund.amount == 5000
    assert refund.metadata["invoice_number"] == first.number
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == Invoice.State.VOID
    assert second.state == Invoice.State.PAID
    assert list(Payment.objects.values_list("invoice_id", flat=True)) == [second.pk]
    # Read again: the share goes back once.
    services.payment_intent_sync(stripe_id=intent.stripe_id, today=FIXED_PAY_DAY, source="test")
    assert services.payment_intents_reconcile(today=FIXED_PAY_DAY) == 0
    assert len(_refunds(intent.stripe_id)) == 1


def test_double_click_or_two_tabs_get_one_intent_and_no_invoice_has_two_live_intents(member, invoices):
    first_click = services.checkout_intent_for(member=member)
    second_click = services.checkout_intent_for(member=member)
    assert first_click.pk == second_click.pk

    # Paying one invoice on its own cancels the payment of all; paying all again cancels the single one.
    single = services.payment_intent_for(invoice=invoices[0])
    first_click.refresh_from_db()
    assert first_click.status == "canceled"
    again = services.checkout_intent_for(member=member)
    single.refresh_from_db()
    assert single.status == "canceled"
    assert again.pk != first_click.pk
    live = CardPaymentIntent.objects.exclude(status="canceled")
    assert list(live) == [again]
    assert stripe_gateway.client().v1.payment_intents.retrieve(first_click.stripe_id).status == "canceled"


def test_webhook_delivery_records_the_payment_of_all_once(client, member, invoices, settings):
    intent = services.checkout_intent_for(member=member)
    pay_at_stripe(intent.stripe_id)
    payload = payment_intent_event("evt_all_1", "payment_intent.succeeded", intent.stripe_id)
    url = reverse("billing:stripe_webhook")
    for _ in range(2):
        signature = stripe_signature(payload, settings.STRIPE_WEBHOOK_SECRET, timestamp=int(time.time()))
        response = client.post(
            url, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
        assert response.status_code == 200
    assert Payment.objects.count() == 2
    assert set(Invoice.objects.values_list("state", flat=True)) == {Invoice.State.PAID}
    assert json.loads(response.content) == {"received": True}


def test_pages_offer_paying_all_open_fees_and_3d_secure_then_pay(client, member, invoices):
    client.force_login(member.user)
    page = client.get(reverse("billing:invoices")).content.decode()
    assert "Pay all open fees ($100.00)" in page

    pay_page = client.get(reverse("billing:pay_all"))
    assert pay_page.status_code == 200
    text = pay_page.content.decode()
    assert "Pay all open fees: $100.00" in text
    assert all(invoice.number in text for invoice in invoices)

    response = client.post(reverse("billing:pay_all"), {"card": "3ds"})
    assert response.url == reverse("billing:pay_all_authenticate")
    auth_page = client.get(response.url).content.decode()
    assert "$100.00" in auth_page and invoices[1].number in auth_page
    response = client.post(reverse("billing:pay_all_authenticate"), {"outcome": "approve"})
    assert response.url == reverse("billing:pay_all_return")
    response = client.get(response.url, follow=True)
    assert "Thank you: $100.00 received for invoices" in response.content.decode()
    assert Payment.objects.count() == 2
    assert "Pay all open fees" not in client.get(reverse("billing:invoices")).content.decode()
