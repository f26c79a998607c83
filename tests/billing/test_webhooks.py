"""The Stripe webhook: localstripe delivering to the live server, then hand-signed deliveries through the
test client (duplicates, out of order, bad or stale signatures, events that are not ours)."""

import json
import time

import pytest
from django.urls import reverse

from billing import services
from billing.models import CardPaymentIntent, Invoice, InvoiceEvent, Payment, StripeEvent
from members.models import Notice
from tests.billing.conftest import (
    invoice_due_this_month,
    pay_at_stripe,
    payment_intent_event,
    stripe_signature,
)
from tests.factories import MemberFactory

DELIVERY_TIMEOUT = 10  # seconds: localstripe sends each event once, about a second after it happened
WEBHOOK_URL = reverse("billing:stripe_webhook")


def _deliver(client, payload: bytes, signature: str):
    return client.post(
        WEBHOOK_URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


# --- localstripe -> live server ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_localstripe_webhook_marks_the_invoice_paid(seeded, live_server, localstripe):
    localstripe.register_webhook(live_server.url)
    invoice = invoice_due_this_month(MemberFactory())
    intent = services.payment_intent_for(invoice=invoice)

    # Paid at Stripe (as Stripe.js does in the browser): nobody here calls sync; only the webhook can tell.
    assert pay_at_stripe(intent.stripe_id).status == "succeeded"

    # The event is stored after the payment is recorded (and its receipt sent): wait for both
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while not (
        Invoice.objects.filter(pk=invoice.pk, state=Invoice.State.PAID).exists()
        and StripeEvent.objects.filter(type="payment_intent.succeeded").exists()
    ):
        assert time.monotonic() < deadline, f"no webhook paid the invoice:\n{localstripe.log()}"
        time.sleep(0.1)
    event = StripeEvent.objects.get(type="payment_intent.succeeded")
    assert event.object_id == intent.stripe_id
    assert event.outcome == "intent succeeded"
    payment = Payment.objects.get(invoice=invoice)
    assert payment.stripe_payment_intent_id == intent.stripe_id
    assert payment.reference == "Visa ending 4242"
    assert Notice.objects.filter(kind="receipt", key=invoice.number).count() == 1
    assert CardPaymentIntent.objects.get().status == "succeeded"
    localstripe.wait_for_webhooks()
    assert 'webhook "payment_intent.succeeded" successfully delivered' in localstripe.deliveries()
    assert not [delivery for delivery in localstripe.deliveries() if "failed" in delivery], localstripe.log()


# --- hand-signed deliveries through the test client --------------------------------------------------


@pytest.fixture
def paid_at_stripe(db, localstripe):
    """An open invoice whose intent succeeded at Stripe, before any webhook reached the portal."""
    invoice = invoice_due_this_month(MemberFactory())
    intent = services.payment_intent_for(invoice=invoice)
    pay_at_stripe(intent.stripe_id)
    return intent


def test_the_same_event_twice_pays_once(
    client, localstripe, paid_at_stripe, django_capture_on_commit_callbacks
):
    payload = payment_intent_event(
        "evt_same", "payment_intent.succeeded", paid_at_stripe.stripe_id, status="succeeded"
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = _deliver(client, payload, stripe_signature(payload, localstripe.webhook_secret))
        second = _deliver(client, payload, stripe_signature(payload, localstripe.webhook_secret))

    assert first.status_code == second.status_code == 200
    assert first.json() == {"received": True}
    invoice = paid_at_stripe.invoice
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert InvoiceEvent.objects.filter(invoice=invoice, to_state=Invoice.State.PAID).count() == 1
    assert Notice.objects.filter(kind="receipt", key=invoice.number).count() == 1
    event = StripeEvent.objects.get()
    assert (event.event_id, event.outcome) == ("evt_same", "intent succeeded")


def test_payment_failed_arriving_after_succeeded_changes_nothing(client, localstripe, paid_at_stripe):
    succeeded = payment_intent_event(
        "evt_1", "payment_intent.succeeded", paid_at_stripe.stripe_id, status="succeeded"
    )
    failed = payment_intent_event(
        "evt_0",
        "payment_intent.payment_failed",
        paid_at_stripe.stripe_id,
        status="requires_payment_method",
        last_payment_error={"code": "card_declined", "message": "Your card was declined."},
    )
    assert (
        _deliver(client, succeeded, stripe_signature(succeeded, localstripe.webhook_secret)).status_code
        == 200
    )
    payment = Payment.objects.get()

    response = _deliver(client, failed, stripe_signature(failed, localstripe.webhook_secret))

    assert response.status_code == 200
    invoice = paid_at_stripe.invoice
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID
    assert list(Payment.objects.all()) == [payment]
    assert InvoiceEvent.objects.filter(invoice=invoice, to_state=Invoice.State.PAID).count() == 1
    intent = CardPaymentIntent.objects.get()
    assert (intent.status, intent.last_error) == ("succeeded", "")
    assert StripeEvent.objects.get(event_id="evt_0").outcome == "intent succeeded"


def test_a_bad_signature_is_refused_and_nothing_is_written(client, localstripe, paid_at_stripe):
    payload = payment_intent_event("evt_forged", "payment_intent.succeeded", paid_at_stripe.stripe_id)

    wrong_secret = _deliver(client, payload, stripe_signature(payload, "whsec_not_ours"))
    no_signature = _deliver(client, payload, "")
    tampered = _deliver(
        client,
        payload.replace(b"evt_forged", b"evt_forgex"),
        stripe_signature(payload, localstripe.webhook_secret),
    )

    for response in (wrong_secret, no_signature, tampered):
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_signature"
    assert not StripeEvent.objects.exists()
    assert not Payment.objects.exists()
    paid_at_stripe.invoice.refresh_from_db()
    assert paid_at_stripe.invoice.is_open


def test_an_old_timestamp_is_refused_and_nothing_is_written(client, localstripe, paid_at_stripe):
    payload = payment_intent_event("evt_replayed", "payment_intent.succeeded", paid_at_stripe.stripe_id)
    stale = stripe_signature(payload, localstripe.webhook_secret, timestamp=int(time.time()) - 301)

    response = _deliver(client, payload, stale)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert not Payment.objects.exists()
    paid_at_stripe.invoice.refresh_from_db()
    assert paid_at_stripe.invoice.is_open


def test_a_signed_body_that_is_not_json_is_refused(client, localstripe, db):
    payload = b"not json"

    response = _deliver(client, payload, stripe_signature(payload, localstripe.webhook_secret))

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_an_event_for_an_unknown_payment_intent_is_stored_and_ignored(client, localstripe, db):
    payload = payment_intent_event(
        "evt_other_app", "payment_intent.succeeded", "pi_not_from_this_portal", status="succeeded"
    )

    response = _deliver(client, payload, stripe_signature(payload, localstripe.webhook_secret))

    assert response.status_code == 200
    event = StripeEvent.objects.get()
    assert (event.event_id, event.type, event.object_id) == (
        "evt_other_app",
        "payment_intent.succeeded",
        "pi_not_from_this_portal",
    )
    assert event.outcome.startswith("ignored")
    assert event.payload["data"]["object"]["id"] == "pi_not_from_this_portal"
    assert not Payment.objects.exists()


def test_a_webhook_is_refused_when_no_signing_secret_is_configured(db, client, settings):
    # Given no signing secret configured, and an event "signed" with that empty secret (anybody can)
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = payment_intent_event("evt_forged", "payment_intent.succeeded", "pi_forged", status="succeeded")

    response = client.post(
        reverse("billing:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(payload, ""),
    )

    # Then it is refused for the missing secret, not stored
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_signature",
        "detail": "No webhook signing secret is configured (STRIPE_WEBHOOK_SECRET).",
    }
    assert StripeEvent.objects.count() == 0


# --- Hostile deliveries (issue 12): correctly signed, each a 400 with nothing stored ------------------

HOSTILE_SECRET = "whsec_hostile_tests"


@pytest.fixture
def webhook_secret(db, settings):
    """No localstripe needed: none of these deliveries gets as far as re-reading a PaymentIntent."""
    settings.STRIPE_WEBHOOK_SECRET = HOSTILE_SECRET
    return HOSTILE_SECRET


def _event(**changes) -> dict:
    event = json.loads(payment_intent_event("evt_hostile", "payment_intent.succeeded", "pi_not_ours"))
    return event | changes


@pytest.mark.parametrize(
    "payload",
    [
        b"{}",
        json.dumps(_event(data={})).encode(),
        json.dumps(_event(data={"object": "pi_not_ours"})).encode(),
        json.dumps(_event(id="evt_" + "x" * 296)).encode(),
        json.dumps(_event(type="payment_intent." + "x" * 100)).encode(),
        json.dumps(_event(data={"object": {"id": "pi_" + "x" * 200}})).encode(),
        json.dumps(_event(id="evt_\x00")).encode(),
        json.dumps(_event(data={"object": {"id": "pi_not_ours", "note": "\ud800"}})).encode(),
        json.dumps(_event(data={"object": {"id": "pi_not_ours", "amount": float("nan")}})).encode(),
        b'{"id": "evt_deep", "type": "x", "data": {"object": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
        b'{"id": "evt_deep", "type": "x", "data": {"object": {"a": ' + b"[" * 500 + b"]" * 500 + b"}}}",
    ],
    ids=[
        "empty-object",
        "no-data-object",
        "data-object-not-an-object",
        "id-of-300-characters",
        "long-type",
        "long-object-id",
        "nul-in-id",
        "lone-surrogate",
        "nan",
        "nested-100000-deep",
        "nested-500-deep",
    ],
)
def test_a_signed_event_this_portal_cannot_store_is_refused(client, webhook_secret, payload):
    response = _deliver(client, payload, stripe_signature(payload, webhook_secret))

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_event"
    assert not StripeEvent.objects.exists()


def test_a_timestamp_six_minutes_ahead_is_refused_and_nothing_is_written(client, webhook_secret):
    payload = payment_intent_event("evt_future", "payment_intent.succeeded", "pi_not_ours")
    ahead = stripe_signature(payload, webhook_secret, timestamp=int(time.time()) + 360)

    response = _deliver(client, payload, ahead)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_signature"
    assert "ahead" in response.json()["detail"]
    assert not StripeEvent.objects.exists()


def test_a_timestamp_of_400_digits_is_refused(client, webhook_secret):
    payload = payment_intent_event("evt_far_future", "payment_intent.succeeded", "pi_not_ours")

    response = _deliver(client, payload, stripe_signature(payload, webhook_secret, timestamp=int("9" * 400)))

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_clock_a_little_behind_stripes_is_tolerated(client, webhook_secret):
    payload = payment_intent_event("evt_near_future", "payment_intent.succeeded", "pi_not_ours")
    slightly_ahead = stripe_signature(payload, webhook_secret, timestamp=int(time.time()) + 30)

    response = _deliver(client, payload, slightly_ahead)

    assert response.status_code == 200
    assert StripeEvent.objects.get().event_id == "evt_near_future"
