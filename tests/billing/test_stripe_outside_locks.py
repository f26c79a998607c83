"""No Stripe call while the portal holds database locks: the webhook, the return page and the refunds read
from (or write to) Stripe first, and only then lock rows and write. A slow or hanging Stripe would otherwise
keep invoice rows locked and stall every other payment, notice and batch that touches them.

The tests are transactional, so `connection.in_atomic_block` is true exactly while the portal holds a
transaction open (and with it its row locks); every request the real SDK sends to localstripe is recorded
with that flag. The money paths are the real ones, through the pages and the webhook.
"""

import contextlib
import datetime
from unittest import mock

import pytest
import stripe
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from billing import services
from billing.models import CardPaymentIntent, Invoice, Payment
from billing.services.refunds import REFUND_CLAIM_TIMEOUT
from core import clock
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
    other_click = clock.now() - datetime.timedelta(minutes=1)
    Payment.objects.filter(invoice=invoice).update(refund_claimed_at=other_click)

    with pytest.raises(ValidationError, match="A refund of this payment is already under way."):
        services.invoice_refund(invoice=invoice, reason="twice", today=invoice.issued_on, actor=staff)
    assert localstripe_refunds(intent.stripe_id) == []
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.refund_claimed_at, payment.stripe_refund_id) == (other_click, "")
    assert payment.refunded_on is None

    made = billing_conftest.stripe_gateway.client().v1.refunds.create(
        params={"payment_intent": intent.stripe_id}
    )
    crashed = clock.now() - REFUND_CLAIM_TIMEOUT - datetime.timedelta(seconds=1)
    Payment.objects.filter(pk=payment.pk).update(refund_claimed_at=crashed)

    services.invoice_refund(invoice=invoice, reason="twice", today=invoice.issued_on, actor=staff)

    payment.refresh_from_db()
    assert (payment.stripe_refund_id, payment.refunded_on, payment.refund_claimed_at) == (
        made.id,
        invoice.issued_on,
        None,
    )
    assert Invoice.objects.get(pk=invoice.pk).state == Invoice.State.REFUNDED
    assert [refund.id for refund in localstripe_refunds(intent.stripe_id)] == [made.id]


def test_a_failed_stripe_refund_releases_the_claim_and_a_retry_refunds_once(invoice, settings):
    """Given Stripe not answering, when staff refund, then the refund fails, nothing is recorded and the claim
    is released; the next click (Stripe back) refunds at once, once."""
    intent = services.card_pay_in_test_mode(invoice=invoice, card="success", today=invoice.issued_on)
    staff = make_staff("Billing staff")

    with stripe_not_answering(), pytest.raises(stripe.APIConnectionError):
        services.invoice_refund(invoice=invoice, reason="twice", today=invoice.issued_on, actor=staff)
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.refund_claimed_at, payment.stripe_refund_id, payment.refunded_on) == (None, "", None)
    assert Invoice.objects.get(pk=invoice.pk).state == Invoice.State.PAID

    services.invoice_refund(invoice=invoice, reason="twice", today=invoice.issued_on, actor=staff)

    payment.refresh_from_db()
    assert [refund.id for refund in localstripe_refunds(intent.stripe_id)] == [payment.stripe_refund_id]
    assert payment.refund_claimed_at is None


def test_money_being_returned_by_another_read_is_not_returned_twice(voided_after_payment):
    """Given money for a voided invoice that another read is returning (a fresh claim on the intent), when
    the webhook reads it too, then no refund is made; once that claim is stale (a crash), the daily check
    takes it over and returns the money once."""
    intent, invoice = voided_after_payment
    other_read = clock.now() - datetime.timedelta(minutes=1)
    CardPaymentIntent.objects.filter(pk=intent.pk).update(refund_claimed_at=other_read)

    services.payment_intent_sync(stripe_id=intent.stripe_id, today=invoice.issued_on, source="test")

    assert localstripe_refunds(intent.stripe_id) == []
    assert CardPaymentIntent.objects.get(pk=intent.pk).refund_claimed_at == other_read

    crashed = clock.now() - REFUND_CLAIM_TIMEOUT - datetime.timedelta(seconds=1)
    CardPaymentIntent.objects.filter(pk=intent.pk).update(refund_claimed_at=crashed)
    services.payment_intents_reconcile(today=invoice.issued_on)

    stored = CardPaymentIntent.objects.get(pk=intent.pk)
    assert (stored.status, stored.refund_claimed_at) == ("succeeded", None)
    assert stored.last_error == "Refunded: the invoice was void when the payment arrived."
    assert len(localstripe_refunds(intent.stripe_id)) == 1


def test_money_for_a_voided_invoice_whose_refund_failed_goes_back_on_the_daily_check(voided_after_payment):
    """Given Stripe not answering while money for a voided invoice goes back, then the claim is released and
    the intent is not stored as succeeded, so the daily check returns the money once Stripe answers."""
    intent, invoice = voided_after_payment

    with stripe_not_answering(), pytest.raises(stripe.APIConnectionError):
        services.payment_intent_sync(stripe_id=intent.stripe_id, today=invoice.issued_on, source="test")
    # The read before the refund was made while Stripe answered: only the refund failed.
    stored = CardPaymentIntent.objects.get(pk=intent.pk)
    assert (stored.status != "succeeded", stored.refund_claimed_at) == (True, None)

    services.payment_intents_reconcile(today=invoice.issued_on)

    stored.refresh_from_db()
    assert (stored.status, stored.refund_claimed_at) == ("succeeded", None)
    assert len(localstripe_refunds(intent.stripe_id)) == 1


@pytest.fixture
def voided_after_payment(invoice):
    """The member paid from a pay page left open while staff voided the invoice: the money must go back."""
    intent = services.payment_intent_for(invoice=invoice)
    pay_at_stripe(intent.stripe_id)
    services.invoice_void(
        invoice=invoice, reason="issued in error", today=invoice.issued_on, actor=None, source="test"
    )
    return intent, invoice


@contextlib.contextmanager
def stripe_not_answering():
    """Refund requests fail as when Stripe does not answer (reads still reach localstripe)."""
    send = stripe._api_requestor._APIRequestor.request_raw

    def failing(self, method, url, *args, **kwargs):
        if url.startswith("/v1/refunds"):
            raise stripe.APIConnectionError("Stripe did not answer (test).")
        return send(self, method, url, *args, **kwargs)

    with mock.patch.object(stripe._api_requestor._APIRequestor, "request_raw", failing):
        yield


def localstripe_refunds(payment_intent_id: str) -> list:
    api = billing_conftest.stripe_gateway.client().v1
    return list(api.refunds.list(params={"payment_intent": payment_intent_id}).data)
