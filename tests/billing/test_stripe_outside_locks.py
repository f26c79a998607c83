"""No Stripe call while the portal holds database locks: the webhook, the return page and the refunds read
from (or write to) Stripe first, and only then lock rows and write. A slow or hanging Stripe would otherwise
keep invoice rows locked and stall every other payment, notice and batch that touches them.

The tests are transactional, so `connection.in_atomic_block` is true exactly while the portal holds a
transaction open (and with it its row locks); every request the real SDK sends to localstripe is recorded
with that flag. The money paths are the real ones, through the pages and the webhook.
"""

import pytest
import stripe
from django.db import connection
from django.urls import reverse

from billing import services
from billing.models import Invoice, Payment
from tests.billing import conftest as billing_conftest
from tests.billing.conftest import (
    invoice_due_this_month,
    pay_at_stripe,
    payment_intent_event,
    stripe_signature,
)
from tests.factories import MemberFactory, make_staff

localstripe = billing_conftest.localstripe

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]


@pytest.fixture
def stripe_calls(monkeypatch):
    """Every request the SDK sends, as (method, path, whether a database transaction was open)."""
    calls: list[tuple[str, str, bool]] = []
    send = stripe._api_requestor._APIRequestor.request_raw

    def recorded(self, method, url, *args, **kwargs):
        calls.append((method, url, connection.in_atomic_block))
        return send(self, method, url, *args, **kwargs)

    monkeypatch.setattr(stripe._api_requestor._APIRequestor, "request_raw", recorded)
    return calls


def _made_in_a_transaction(calls) -> list[str]:
    return [f"{method.upper()} {url}" for method, url, in_transaction in calls if in_transaction]


@pytest.fixture
def member():
    return MemberFactory()


@pytest.fixture
def invoice(localstripe, member):
    return invoice_due_this_month(member)


@pytest.fixture
def paid_at_stripe(invoice):
    """The member paid in the browser (Stripe.js): the portal has not heard of it yet."""
    intent = services.payment_intent_for(invoice=invoice)
    pay_at_stripe(intent.stripe_id)
    return intent


def test_the_webhook_reads_stripe_before_locking_the_invoice(
    client, localstripe, paid_at_stripe, stripe_calls
):
    payload = payment_intent_event("evt_outside", "payment_intent.succeeded", paid_at_stripe.stripe_id)

    response = client.post(
        reverse("billing:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(payload, localstripe.webhook_secret),
    )

    assert response.status_code == 200
    assert Invoice.objects.get(pk=paid_at_stripe.invoice_id).state == Invoice.State.PAID
    assert any(url.endswith(paid_at_stripe.stripe_id) for _, url, _ in stripe_calls)
    assert _made_in_a_transaction(stripe_calls) == []


def test_the_return_page_reads_stripe_before_locking_the_invoice(
    client, member, paid_at_stripe, stripe_calls
):
    client.force_login(member.user)

    response = client.get(reverse("billing:pay_return", args=[paid_at_stripe.invoice.number]), follow=True)

    assert "Thank you" in response.content.decode()
    assert Invoice.objects.get(pk=paid_at_stripe.invoice_id).state == Invoice.State.PAID
    assert stripe_calls
    assert _made_in_a_transaction(stripe_calls) == []


def test_money_for_a_voided_invoice_goes_back_with_no_lock_held(invoice, stripe_calls):
    intent = services.payment_intent_for(invoice=invoice)
    pay_at_stripe(intent.stripe_id)  # from a pay page left open, as staff void the invoice
    services.invoice_void(
        invoice=invoice, reason="issued in error", today=invoice.issued_on, actor=None, source="test"
    )
    stripe_calls.clear()

    synced = services.payment_intent_sync(stripe_id=intent.stripe_id, today=invoice.issued_on, source="test")
    services.payment_intent_sync(stripe_id=intent.stripe_id, today=invoice.issued_on, source="test")

    assert synced.last_error == "Refunded: the invoice was void when the payment arrived."
    assert len(localstripe_refunds(intent.stripe_id)) == 1
    assert [url for method, url, _ in stripe_calls if method == "post"] == ["/v1/refunds"]
    assert _made_in_a_transaction(stripe_calls) == []


def test_a_staff_refund_is_made_at_stripe_with_no_lock_held(client, invoice, stripe_calls):
    intent = services.card_pay_in_test_mode(invoice=invoice, card="success", today=invoice.issued_on)
    client.force_login(make_staff("Billing staff"))
    stripe_calls.clear()

    response = client.post(
        reverse("billing_staff:invoice_refund", args=[invoice.number]),
        {"refund-reason": "charged twice by mistake"},
        follow=True,
    )

    assert f"Card payment of invoice {invoice.number} refunded" in response.content.decode()
    payment = Payment.objects.get(invoice=invoice)
    assert [refund.id for refund in localstripe_refunds(intent.stripe_id)] == [payment.stripe_refund_id]
    assert ("post", "/v1/refunds", False) in stripe_calls
    assert _made_in_a_transaction(stripe_calls) == []


def test_a_refund_claimed_by_a_click_in_progress_is_not_made_twice(invoice):
    """Given a refund under way (claimed, not finished: another click), when staff click again, then it is
    refused and Stripe is not asked for a second refund; after a crash the stale claim is taken over and the
    refund made by the crashed attempt is reused."""
    intent = services.card_pay_in_test_mode(invoice=invoice, card="success", today=invoice.issued_on)
    staff = make_staff("Billing staff")
    payment = Payment.objects.get(invoice=invoice)
    payment.stripe_refund_id = "claimed at 2999-01-01T00:00:00+00:00"  # still fresh
    payment.save(update_fields=["stripe_refund_id"])

    with pytest.raises(Exception, match="already under way"):
        services.invoice_refund(invoice=invoice, reason="twice", today=invoice.issued_on, actor=staff)
    assert localstripe_refunds(intent.stripe_id) == []

    made = billing_conftest.stripe_gateway.client().v1.refunds.create(
        params={"payment_intent": intent.stripe_id}
    )
    Payment.objects.filter(pk=payment.pk).update(stripe_refund_id="claimed at 2000-01-01T00:00:00+00:00")

    services.invoice_refund(invoice=invoice, reason="twice", today=invoice.issued_on, actor=staff)

    payment.refresh_from_db()
    assert payment.stripe_refund_id == made.id
    assert [refund.id for refund in localstripe_refunds(intent.stripe_id)] == [made.id]


def localstripe_refunds(payment_intent_id: str) -> list:
    api = billing_conftest.stripe_gateway.client().v1
    return list(api.refunds.list(params={"payment_intent": payment_intent_id}).data)
