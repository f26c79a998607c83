"""Card payments through the real stripe SDK against localstripe: pay, decline and retry, 3-D Secure,
one intent per invoice, refund, the daily check after a lost webhook, and money for a voided invoice."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing import services, stripe_gateway
from billing.models import CardPaymentIntent, Invoice, Payment
from members.models import Notice
from tests.billing.conftest import FIXED_PAY_DAY, fixed_invoice, pay_at_stripe
from tests.factories import DEFAULT_PASSWORD, MemberFactory, make_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("localstripe")]

FEE_YEAR_END = datetime.date(2027, 4, 30)
PAID_THROUGH_BEFORE = datetime.date(2026, 4, 30)
DECLINED = "Your card was declined. Try another card, or ask your bank why."
NOT_AUTHENTICATED = "Your bank did not confirm the payment (3-D Secure). Try again or use another card."


@pytest.fixture
def member():
    return MemberFactory(user__first_name="Ada", last_name="Okafor")


@pytest.fixture
def invoice(member):
    return fixed_invoice(member)


@pytest.fixture
def pay(django_capture_on_commit_callbacks):
    """Pay with a test card as the pay page does; e-mails queued on commit are sent."""

    def pay(invoice: Invoice, card: str) -> CardPaymentIntent:
        with django_capture_on_commit_callbacks(execute=True):
            return services.card_pay_in_test_mode(invoice=invoice, card=card, today=FIXED_PAY_DAY)

    return pay


def _live_intents(invoice: Invoice):
    return CardPaymentIntent.objects.filter(invoice=invoice).exclude(status="canceled")


def _refunds(payment_intent_id: str) -> list:
    return list(stripe_gateway.client().v1.refunds.list(params={"payment_intent": payment_intent_id}).data)


def _assert_paid(invoice: Invoice, intent: CardPaymentIntent) -> Payment:
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID
    payment = Payment.objects.get(invoice=invoice)
    assert payment.method == Payment.Method.CARD
    assert payment.amount_cents == 5000
    assert payment.stripe_payment_intent_id == intent.stripe_id
    certification = invoice.certification
    certification.refresh_from_db()
    assert certification.paid_through == FEE_YEAR_END
    assert certification.status == "active"
    return payment


def test_success_card_pays_the_invoice_and_sends_one_receipt(invoice, member, pay):
    intent = pay(invoice, "success")

    assert intent.status == "succeeded"
    payment = _assert_paid(invoice, intent)
    assert payment.reference == "Visa ending 4242"
    assert payment.received_on == FIXED_PAY_DAY
    assert payment.receipt_number == f"R-{invoice.number}"
    assert stripe_gateway.client().v1.payment_intents.retrieve(intent.stripe_id).status == "succeeded"
    assert invoice.events.filter(to_state=Invoice.State.PAID).count() == 1
    assert Notice.objects.filter(member=member, kind="receipt").count() == 1
    [receipt] = mail.outbox
    assert receipt.to == [member.user.email]
    assert receipt.subject == f"Receipt R-{invoice.number}: $50.00 received for invoice {invoice.number}"
    assert f"Receipt:   R-{invoice.number}\n" in receipt.body
    assert "Amount:    $50.00\n" in receipt.body
    assert "Paid on:   April 10, 2026 (card, Visa ending 4242)\n" in receipt.body


def test_declined_card_leaves_the_invoice_open_and_a_retry_pays_with_one_live_intent(invoice, pay):
    with pytest.raises(ValidationError) as refusal:
        pay(invoice, "decline")

    assert refusal.value.messages == [DECLINED]
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.OPEN
    assert not Payment.objects.exists()
    declined = _live_intents(invoice).get()
    assert declined.status == "requires_payment_method"
    assert declined.last_error == "Your card was declined."  # Stripe's words, kept for staff only
    assert declined.last_error_code == "card_declined"
    assert len(mail.outbox) == 0

    intent = pay(invoice, "success")

    _assert_paid(invoice, intent)
    assert _live_intents(invoice).count() == 1
    assert _live_intents(invoice).get().stripe_id == intent.stripe_id
    # localstripe cannot confirm a declined intent again: that one was cancelled at Stripe, not abandoned.
    assert intent.stripe_id != declined.stripe_id
    remote_declined = stripe_gateway.client().v1.payment_intents.retrieve(declined.stripe_id)
    assert remote_declined.status == "canceled"
    assert Payment.objects.count() == 1
    assert len(mail.outbox) == 1


def test_two_declines_in_a_row_still_leave_one_live_intent(invoice, pay):
    for _ in range(2):
        with pytest.raises(ValidationError, match="Your card was declined. Try another card"):
            pay(invoice, "decline")

    assert _live_intents(invoice).count() == 1
    assert CardPaymentIntent.objects.filter(invoice=invoice).count() == 2
    invoice.refresh_from_db()
    assert invoice.is_open


def test_3d_secure_card_needs_authentication_then_pays(invoice, pay, django_capture_on_commit_callbacks):
    intent = pay(invoice, "3ds")

    assert intent.status == "requires_action"
    invoice.refresh_from_db()
    assert invoice.is_open

    with django_capture_on_commit_callbacks(execute=True):
        intent = services.card_complete_3d_secure(intent=intent, success=True, today=FIXED_PAY_DAY)

    assert intent.status == "succeeded"
    _assert_paid(invoice, intent)
    assert len(mail.outbox) == 1


def test_failed_3d_secure_leaves_the_invoice_open_with_the_reason_and_a_retry_pays(invoice, pay):
    intent = pay(invoice, "3ds")

    intent = services.card_complete_3d_secure(intent=intent, success=False, today=FIXED_PAY_DAY)

    assert intent.status == "requires_payment_method"
    assert intent.last_error == "The provided PaymentMethod has failed authentication."  # for staff
    assert intent.last_error_code == "payment_intent_authentication_failure"
    invoice.refresh_from_db()
    assert invoice.is_open
    assert not Payment.objects.exists()

    retried = pay(invoice, "success")

    _assert_paid(invoice, retried)
    assert _live_intents(invoice).count() == 1


def test_opening_the_pay_page_twice_reuses_one_intent_made_for_the_invoice(client, invoice, member):
    client.login(email=member.user.email, password=DEFAULT_PASSWORD)
    url = reverse("billing:pay", args=[invoice.number])

    first = client.get(url)
    second = client.get(url)

    assert first.status_code == second.status_code == 200
    intent = CardPaymentIntent.objects.get()
    assert first.context["intent"].stripe_id == second.context["intent"].stripe_id == intent.stripe_id
    remote = stripe_gateway.client().v1.payment_intents.retrieve(intent.stripe_id)
    assert remote.amount == invoice.amount_cents == 5000
    assert remote.currency == "usd"
    assert remote.status == "requires_payment_method"
    assert remote.metadata["invoice_number"] == invoice.number
    assert remote.metadata["member_number"] == member.member_number
    customer = stripe_gateway.client().v1.customers.retrieve(remote.customer)
    assert customer.email == member.user.email


def test_refund_returns_the_money_at_stripe_and_the_fee_year_is_owed_again(invoice, pay):
    intent = pay(invoice, "success")
    staff = make_staff("Billing staff")

    services.invoice_refund(invoice=invoice, reason="Paid twice by mistake", today=FIXED_PAY_DAY, actor=staff)

    refunds = _refunds(intent.stripe_id)
    assert len(refunds) == 1
    assert refunds[0].amount == 5000
    assert refunds[0].status == "succeeded"
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.REFUNDED
    assert invoice.state_reason == "Paid twice by mistake"
    payment = Payment.objects.get(invoice=invoice)
    assert payment.stripe_refund_id == refunds[0].id
    assert payment.refunded_on == FIXED_PAY_DAY
    invoice.certification.refresh_from_db()
    assert invoice.certification.paid_through == PAID_THROUGH_BEFORE
    with pytest.raises(ValidationError, match="is not paid"):
        services.invoice_refund(invoice=invoice, reason="again", today=FIXED_PAY_DAY, actor=staff)
    assert len(_refunds(intent.stripe_id)) == 1


def test_daily_check_pays_an_invoice_whose_webhook_never_came(invoice, django_capture_on_commit_callbacks):
    intent = services.payment_intent_for(invoice=invoice)
    assert pay_at_stripe(intent.stripe_id).status == "succeeded"  # no webhook is registered
    invoice.refresh_from_db()
    assert invoice.is_open

    with django_capture_on_commit_callbacks(execute=True):
        assert services.payment_intents_reconcile(today=FIXED_PAY_DAY) == 1

    _assert_paid(invoice, intent)
    assert Payment.objects.get().reference == "Visa ending 4242"
    assert len(mail.outbox) == 1
    assert services.payment_intents_reconcile(today=FIXED_PAY_DAY) == 0
    assert Payment.objects.count() == 1


def test_daily_check_leaves_an_unpaid_intent_open(invoice):
    intent = services.payment_intent_for(invoice=invoice)

    assert services.payment_intents_reconcile(today=FIXED_PAY_DAY) == 0

    intent.refresh_from_db()
    assert intent.status == "requires_payment_method"
    invoice.refresh_from_db()
    assert invoice.is_open


def test_money_arriving_for_an_invoice_voided_meanwhile_goes_straight_back(invoice):
    intent = services.payment_intent_for(invoice=invoice)
    services.invoice_void(
        invoice=invoice, reason="issued in error", today=FIXED_PAY_DAY, actor=None, source="test"
    )
    pay_at_stripe(intent.stripe_id)  # the member's tab was still open on the pay page

    synced = services.payment_intent_sync(stripe_id=intent.stripe_id, today=FIXED_PAY_DAY, source="test")

    assert synced.status == "succeeded"
    assert synced.last_error == "Refunded: the invoice was void when the payment arrived."
    refunds = _refunds(intent.stripe_id)
    assert len(refunds) == 1
    assert refunds[0].amount == 5000
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.VOID
    assert not Payment.objects.exists()
    invoice.certification.refresh_from_db()
    assert invoice.certification.paid_through == PAID_THROUGH_BEFORE

    # The webhook and the return page read it again: the money is returned once, not once per read.
    services.payment_intent_sync(stripe_id=intent.stripe_id, today=FIXED_PAY_DAY, source="test")
    assert len(_refunds(intent.stripe_id)) == 1


def test_a_paid_invoice_has_nothing_to_pay(invoice, pay):
    pay(invoice, "success")

    with pytest.raises(ValidationError, match="is paid: nothing to pay"):
        services.payment_intent_for(invoice=invoice)
    with pytest.raises(ValidationError, match="is paid: nothing to pay"):
        services.card_pay_in_test_mode(invoice=invoice, card="success", today=FIXED_PAY_DAY)
    assert Payment.objects.count() == 1


def test_leaving_the_3d_secure_page_and_paying_with_another_card_pays(invoice, pay):
    abandoned = pay(invoice, "3ds")  # the member goes back instead of answering the bank

    intent = pay(invoice, "success")

    _assert_paid(invoice, intent)
    assert _live_intents(invoice).count() == 1
    remote_abandoned = stripe_gateway.client().v1.payment_intents.retrieve(abandoned.stripe_id)
    assert remote_abandoned.status == "canceled"


def test_paying_in_a_second_tab_after_the_first_paid_does_not_charge_twice(invoice, pay):
    intent = services.payment_intent_for(invoice=invoice)
    first_charge = pay_at_stripe(intent.stripe_id).latest_charge  # tab 1 paid; no webhook yet

    again = pay(invoice, "success")  # tab 2, still showing the pay page

    assert again.stripe_id == intent.stripe_id
    _assert_paid(invoice, intent)
    remote = stripe_gateway.client().v1.payment_intents.retrieve(intent.stripe_id)
    assert remote.latest_charge == first_charge
    charges = stripe_gateway.client().v1.charges.list(params={"customer": remote.customer}).data
    assert len(charges) == 1


def test_daily_check_records_a_success_whose_recording_was_lost(invoice, django_capture_on_commit_callbacks):
    """Given the test-mode payment stored the intent as succeeded and the process died before recording
    the payment (and the webhook was lost), then the daily check still pays the invoice."""
    intent = services.payment_intent_for(invoice=invoice)
    pay_at_stripe(intent.stripe_id)
    CardPaymentIntent.objects.filter(pk=intent.pk).update(status="succeeded")  # the crash, as it left rows

    with django_capture_on_commit_callbacks(execute=True):
        assert services.payment_intents_reconcile(today=FIXED_PAY_DAY) == 1

    _assert_paid(invoice, intent)
    assert len(mail.outbox) == 1


def test_voiding_an_invoice_cancels_its_payment_intent(django_capture_on_commit_callbacks):
    # Given a member who opened the pay page (a live PaymentIntent)
    invoice = fixed_invoice(MemberFactory())
    intent = services.payment_intent_for(invoice=invoice)

    # When staff void the invoice
    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_void(
            invoice=invoice,
            reason="issued in error",
            today=FIXED_PAY_DAY,
            actor=make_staff("Billing staff"),
            source="staff void",
        )

    # Then the intent is cancelled at Stripe and here: the page left open can take no money
    assert stripe_gateway.client().v1.payment_intents.retrieve(intent.stripe_id).status == "canceled"
    assert CardPaymentIntent.objects.get(pk=intent.pk).status == "canceled"
    assert Invoice.objects.get(pk=invoice.pk).state == Invoice.State.VOID
