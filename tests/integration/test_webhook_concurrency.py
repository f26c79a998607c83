"""Races on real PostgreSQL with localstripe: the same Stripe event delivered twice at the same moment, two
events for one payment at once, and two tabs opening the pay page at once.

Each thread has its own database connection (Django opens one per thread); data is committed, so the test
is transactional and re-seeds the configuration rows the flush removes.
"""

import time

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from billing import services
from billing.models import CardPaymentIntent, Invoice, InvoiceEvent, Payment, StripeEvent
from members.models import Notice
from tests.billing import conftest as billing_conftest
from tests.billing.conftest import (
    invoice_due_this_month,
    pay_at_stripe,
    payment_intent_event,
    stripe_signature,
)
from tests.factories import MemberFactory
from tests.integration.conftest import THREAD_TIMEOUT, at_once

localstripe = billing_conftest.localstripe  # the fixture, shared with the billing tests

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres", "seeded"),
]


def _delivery(payload: bytes, secret: str):
    def deliver():
        return (
            Client()
            .post(
                reverse("billing:stripe_webhook"),
                data=payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=stripe_signature(payload, secret),
            )
            .status_code
        )

    return deliver


@pytest.fixture
def paid_at_stripe(localstripe):
    invoice = invoice_due_this_month(MemberFactory())
    intent = services.payment_intent_for(invoice=invoice)
    pay_at_stripe(intent.stripe_id)
    return intent


def _assert_paid_once(invoice: Invoice):
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert InvoiceEvent.objects.filter(invoice=invoice, to_state=Invoice.State.PAID).count() == 1
    assert Notice.objects.filter(kind="receipt", key=invoice.number).count() == 1


@pytest.mark.parametrize("round_", range(3))
def test_the_same_event_delivered_twice_at_once_pays_once(localstripe, paid_at_stripe, round_):
    payload = payment_intent_event(f"evt_race_{round_}", "payment_intent.succeeded", paid_at_stripe.stripe_id)

    statuses = at_once(*[_delivery(payload, localstripe.webhook_secret)] * 2)

    assert statuses == [200, 200]
    _assert_paid_once(paid_at_stripe.invoice)
    assert StripeEvent.objects.filter(event_id=f"evt_race_{round_}").count() == 1


def test_two_events_and_the_return_page_for_one_payment_at_once_pay_once(localstripe, paid_at_stripe):
    first = payment_intent_event("evt_a", "payment_intent.succeeded", paid_at_stripe.stripe_id)
    second = payment_intent_event(
        "evt_b", "charge.succeeded", paid_at_stripe.stripe_id
    )  # not ours: stored, ignored
    third = payment_intent_event(
        "evt_c", "payment_intent.succeeded", paid_at_stripe.stripe_id
    )  # a re-sent copy

    def return_page():
        return services.payment_intent_sync(
            stripe_id=paid_at_stripe.stripe_id, today=paid_at_stripe.invoice.issued_on, source="return page"
        ).status

    results = at_once(
        _delivery(first, localstripe.webhook_secret),
        _delivery(second, localstripe.webhook_secret),
        _delivery(third, localstripe.webhook_secret),
        return_page,
    )

    assert results == [200, 200, 200, "succeeded"]
    _assert_paid_once(paid_at_stripe.invoice)
    outcomes = dict(StripeEvent.objects.values_list("event_id", "outcome"))
    assert outcomes["evt_a"] == outcomes["evt_c"] == "intent succeeded"
    assert outcomes["evt_b"].startswith("ignored")


def test_two_tabs_opening_the_pay_page_at_once_get_one_payment_intent(localstripe):
    invoice = invoice_due_this_month(MemberFactory())

    intents = at_once(*[lambda: services.payment_intent_for(invoice=invoice)] * 3)

    assert len({intent.stripe_id for intent in intents}) == 1
    assert CardPaymentIntent.objects.filter(invoice=invoice).count() == 1
    remote = localstripe.api().payment_intents.list(params={"limit": 100}).data
    assert [intent.id for intent in remote] == [intents[0].stripe_id]


def test_two_tabs_paying_at_once_charge_once(localstripe):
    invoice = invoice_due_this_month(MemberFactory())
    today = invoice.issued_on

    def pay():
        try:
            return services.card_pay_in_test_mode(invoice=invoice, card="success", today=today).status
        except ValidationError as refusal:  # the later tab may find the invoice paid already
            return refusal.messages[0]

    started = time.monotonic()
    results = at_once(pay, pay)

    assert "succeeded" in results, results
    assert set(results) <= {"succeeded", f"Invoice {invoice.number} is paid: nothing to pay."}, results
    assert time.monotonic() - started < THREAD_TIMEOUT
    _assert_paid_once(invoice)
    charges = localstripe.api().charges.list(params={"limit": 100}).data
    assert len(charges) == 1
