"""Card payments through Stripe PaymentIntents. Webhooks are the source of truth; the return page and a daily
job re-read open intents, so a lost webhook loses nothing. Every path ends in `payment_intent_sync`, which
reads the intent from the API and records the payment once."""

import datetime
import logging

import stripe
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from billing import rules, stripe_gateway
from billing.models import CardPaymentIntent, Invoice, Payment, StripeCustomer, StripeEvent
from billing.services.invoices import invoice_move, invoice_record_payment, require_reason
from members.models import Member, User

logger = logging.getLogger(__name__)

PAID_INTENT_STATUSES = {"succeeded", "processing"}


def _customer_id(member: Member) -> str:
    existing = StripeCustomer.objects.filter(member=member).values_list("stripe_id", flat=True).first()
    if existing:
        return existing
    customer = stripe_gateway.client().v1.customers.create(
        params={
            "email": member.user.email,
            "name": member.full_name,
            "metadata": {"member_number": member.member_number},
        }
    )
    try:
        with transaction.atomic():
            StripeCustomer.objects.create(member=member, stripe_id=customer.id)
    except IntegrityError:  # another payment of the same member made one at the same moment: use that one
        return StripeCustomer.objects.get(member=member).stripe_id
    return customer.id


def _create_intent(invoice: Invoice) -> CardPaymentIntent:
    member = invoice.certification.member
    intent = stripe_gateway.client().v1.payment_intents.create(
        params={
            "amount": invoice.amount_cents,
            "currency": invoice.currency.lower(),
            "customer": _customer_id(member),
            # Only card (localstripe refuses automatic_payment_methods); the SDK's types no longer list it.
            "payment_method_types": ["card"],  # type: ignore[typeddict-unknown-key]
            "metadata": {
                "invoice_number": invoice.number,
                "member_number": member.member_number,
                "credential": invoice.certification.credential.code,
            },
        }
    )
    return CardPaymentIntent.objects.create(
        invoice=invoice,
        stripe_id=intent.id,
        client_secret=intent.client_secret or "",
        amount_cents=invoice.amount_cents,
        status=intent.status,
    )


def _open_invoice(invoice: Invoice) -> Invoice:
    locked = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("certification__member__user", "certification__credential")
        .get(pk=invoice.pk)
    )
    if not locked.is_open:
        raise ValidationError(
            f"Invoice {locked.number} is {locked.get_state_display().lower()}: nothing to pay."
        )
    return locked


def payment_intent_for(*, invoice: Invoice) -> CardPaymentIntent:
    """The invoice's PaymentIntent: made once and reused while the invoice is open. The invoice row is locked
    while it is made, so a double click or two tabs get the same intent, never a second one."""
    if not stripe_gateway.is_configured():
        raise ValidationError("Card payments are not available at the moment. Please try again later.")
    with transaction.atomic():
        locked = _open_invoice(invoice)
        live = CardPaymentIntent.objects.filter(invoice=locked).exclude(status="canceled").first()
        return live or _create_intent(locked)


def _replace_spent_intent(intent: CardPaymentIntent) -> CardPaymentIntent:
    """localstripe cannot confirm an intent again after a declined charge or an abandoned 3-D Secure check
    (Stripe can): cancel it there and make the invoice's next one. The cancelled intent can never charge, so
    there is still one live intent. Any other intent is returned with its status as Stripe has it now."""
    remote = stripe_gateway.client().v1.payment_intents.retrieve(intent.stripe_id)
    declined = remote.status == "requires_payment_method" and getattr(remote, "latest_charge", None)
    if not declined and remote.status != "requires_action":
        intent.status = remote.status
        return intent
    stripe_gateway.client().v1.payment_intents.cancel(intent.stripe_id)
    intent.status = "canceled"
    intent.save(update_fields=["status", "updated_at"])
    return _create_intent(intent.invoice)


def _confirm_with_card(intent: CardPaymentIntent, number: str, today: datetime.date) -> str:
    """Confirm the intent with a test card number; returns the bank's message when it is declined."""
    api = stripe_gateway.client().v1
    method = api.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": today.year + 3, "cvc": "123"},
        }
    )
    api.payment_intents.update(intent.stripe_id, params={"payment_method": method.id})
    try:
        remote = api.payment_intents.confirm(intent.stripe_id)
    except stripe.CardError as error:
        intent.status, intent.last_error = "requires_payment_method", error.user_message or str(error)
    else:
        intent.status, intent.last_error = remote.status, ""
    intent.save(update_fields=["status", "last_error", "updated_at"])
    return intent.last_error


def card_pay_in_test_mode(*, invoice: Invoice, card: str, today: datetime.date) -> CardPaymentIntent:
    """Test mode only: confirm the invoice's intent with a test card through the same SDK calls Stripe.js
    makes. Returns the intent; a decline raises ValidationError with the bank's message."""
    if not stripe_gateway.is_test_mode():
        raise ValidationError("Test cards are accepted only in test mode.")
    if card not in stripe_gateway.TEST_CARDS:
        raise ValidationError("Choose one of the test cards.")
    number, _ = stripe_gateway.TEST_CARDS[card]
    with transaction.atomic():
        locked = _open_invoice(invoice)
        intent = CardPaymentIntent.objects.filter(invoice=locked).exclude(status="canceled").first()
        intent = _replace_spent_intent(intent) if intent else _create_intent(locked)
        # Paid meanwhile in another tab (not recorded yet): recorded below, never charged a second time.
        paid = intent.status in PAID_INTENT_STATUSES
        declined = "" if paid else _confirm_with_card(intent, number, today)
    if declined:
        raise ValidationError(f"The payment did not go through: {declined}")
    if intent.status == "succeeded":
        payment_intent_sync(stripe_id=intent.stripe_id, today=today, source="card payment")
    return intent


def card_complete_3d_secure(
    *, intent: CardPaymentIntent, success: bool, today: datetime.date
) -> CardPaymentIntent:
    """Test mode: the member passed (or failed) the bank's 3-D Secure check on localstripe's endpoint."""
    if not stripe_gateway.is_test_mode():
        raise ValidationError("3-D Secure is completed by Stripe's own page outside test mode.")
    try:
        stripe_gateway.complete_3d_secure(intent.stripe_id, intent.client_secret, success=success)
    except stripe.StripeError as error:
        raise ValidationError(
            f"The payment could not be authenticated: {error.user_message or error}"
        ) from error
    return payment_intent_sync(stripe_id=intent.stripe_id, today=today, source="card payment")


def _card_reference(remote) -> str:
    method_id = getattr(remote, "payment_method", None)
    if not method_id:
        return "card"
    method = stripe_gateway.client().v1.payment_methods.retrieve(method_id)
    card = getattr(method, "card", None)
    brand = str(getattr(card, "brand", None) or "card").title()
    last4 = getattr(card, "last4", None)
    return f"{brand} ending {last4}" if last4 else brand


def _refund_unexpected(intent: CardPaymentIntent, invoice: Invoice, today: datetime.date) -> None:
    """Money arrived for an invoice that is no longer open (voided meanwhile): it goes straight back."""
    if Payment.objects.filter(stripe_payment_intent_id=intent.stripe_id).exists():
        return
    # Every later read (webhook, return page, daily check) comes here again: return the money only once.
    # Stripe is asked, not our row, so a crash between the refund and the save below cannot refund twice.
    api = stripe_gateway.client().v1
    if api.refunds.list(params={"payment_intent": intent.stripe_id, "limit": 1}).data:
        return
    logger.warning(
        "Card payment %s for %s invoice %s: refunded", intent.stripe_id, invoice.state, invoice.number
    )
    api.refunds.create(
        params={"payment_intent": intent.stripe_id, "metadata": {"invoice_number": invoice.number}}
    )
    intent.last_error = (
        f"Refunded: the invoice was {invoice.get_state_display().lower()} when the payment arrived."
    )
    intent.save(update_fields=["last_error", "updated_at"])


def payment_intent_sync(*, stripe_id: str, today: datetime.date, source: str) -> CardPaymentIntent:
    """Read the intent from Stripe (never trust an event's copy: events may come twice or out of order) and
    record what it says: a succeeded intent pays its invoice exactly once."""
    remote = stripe_gateway.client().v1.payment_intents.retrieve(stripe_id)
    with transaction.atomic():
        # The invoice row first, as every other payment path locks it: one lock order, no deadlock.
        invoice_id = CardPaymentIntent.objects.values_list("invoice_id", flat=True).get(stripe_id=stripe_id)
        Invoice.objects.select_for_update().filter(pk=invoice_id).first()
        intent = (
            CardPaymentIntent.objects.select_for_update().select_related("invoice").get(stripe_id=stripe_id)
        )
        intent.status = remote.status
        error = getattr(remote, "last_payment_error", None)
        if error and remote.status != "succeeded":
            intent.last_error = getattr(error, "message", None) or intent.last_error
        intent.save(update_fields=["status", "last_error", "updated_at"])
        if remote.status != "succeeded":
            return intent
        invoice = intent.invoice
        if (
            invoice.state == Invoice.State.OPEN
            or Payment.objects.filter(stripe_payment_intent_id=stripe_id).exists()
        ):
            invoice_record_payment(
                invoice=invoice,
                method=Payment.Method.CARD,
                received_on=today,
                reference=_card_reference(remote),
                today=today,
                source=source,
                stripe_payment_intent_id=stripe_id,
            )
        else:
            _refund_unexpected(intent, invoice, today)
    return intent


def payment_intents_reconcile(*, today: datetime.date) -> int:
    """Daily (and after a lost webhook): re-read every intent of an open invoice; returns how many paid.
    An intent already stored as succeeded is read too: its invoice still open means the recording was lost
    (a crash after the test-mode confirm, before its sync), and this is the job that catches it."""
    # Also intents of invoices settled meanwhile that were not seen to succeed: a member who paid a voided
    # invoice from a page left open gets the money back even if that one webhook was lost.
    open_intents = CardPaymentIntent.objects.filter(
        Q(invoice__state=Invoice.State.OPEN) | ~Q(status="succeeded")
    ).exclude(status="canceled")
    paid = 0
    for stripe_id in open_intents.order_by("pk").values_list("stripe_id", flat=True):
        try:
            intent = payment_intent_sync(stripe_id=stripe_id, today=today, source="daily payment check")
        except stripe.StripeError as error:
            logger.warning("PaymentIntent %s not re-read: %s", stripe_id, error)
            continue
        paid += intent.status == "succeeded"
    return paid


def stripe_event_receive(
    *, payload: bytes, signature: str, secret: str, today: datetime.date
) -> StripeEvent | None:
    """A webhook delivery: verified (ValueError or stripe.SignatureVerificationError when it is not, before
    anything is written), stored once by event id, and acted on by re-reading the object it names."""
    if not secret:
        raise ValueError("No webhook signing secret is configured (STRIPE_WEBHOOK_SECRET).")
    event = stripe.Webhook.construct_event(payload, signature, secret)
    data_object = event.data.object
    with transaction.atomic():
        stored, created = StripeEvent.objects.get_or_create(
            event_id=event.id,
            defaults={
                "type": event.type,
                "object_id": getattr(data_object, "id", ""),
                "payload": event.to_dict(),
            },
        )
        if not created:
            return None
        if (
            event.type.startswith("payment_intent.")
            and CardPaymentIntent.objects.filter(stripe_id=stored.object_id).exists()
        ):
            intent = payment_intent_sync(stripe_id=stored.object_id, today=today, source="Stripe webhook")
            stored.outcome = f"intent {intent.status}"
        else:
            stored.outcome = "ignored: not a payment of this portal"
        stored.save(update_fields=["outcome"])
    return stored


def invoice_refund(*, invoice: Invoice, reason: str, today: datetime.date, actor: User) -> Invoice:
    """Billing staff return a card payment through Stripe; the fee year is owed again."""
    reason = require_reason(reason)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        payment = Payment.objects.filter(invoice=locked).first()
        if locked.state != Invoice.State.PAID or payment is None:
            raise ValidationError(f"Invoice {locked.number} is not paid: there is nothing to refund.")
        if not rules.can_refund(locked.state, payment.method) or not payment.stripe_payment_intent_id:
            raise ValidationError(
                "Only card payments are refunded here; return a check by the usual bank process."
            )
        api = stripe_gateway.client().v1
        # A refund made by an earlier attempt whose database write failed is used, not made again.
        earlier = api.refunds.list(
            params={"payment_intent": payment.stripe_payment_intent_id, "limit": 1}
        ).data
        refund = (
            earlier[0]
            if earlier
            else api.refunds.create(
                params={
                    "payment_intent": payment.stripe_payment_intent_id,
                    "metadata": {"invoice_number": locked.number, "reason": reason[:450]},
                }
            )
        )
        payment.stripe_refund_id = refund.id
        payment.refunded_on = today
        payment.save(update_fields=["stripe_refund_id", "refunded_on"])
        return invoice_move(
            invoice=locked,
            to_state=Invoice.State.REFUNDED,
            reason=reason,
            today=today,
            actor=actor,
            source="refund",
        )


def payment_intents_cancel(*, invoice_id: int) -> int:
    """The invoice left open (paid by check, waived, voided): its live intent can no longer be paid, so a
    pay page left open cannot take money. Best effort after commit; the daily check refunds the rest."""
    cancelled = 0
    for intent in CardPaymentIntent.objects.filter(invoice_id=invoice_id).exclude(
        status__in=["canceled", "succeeded"]
    ):
        try:
            remote = stripe_gateway.client().v1.payment_intents.cancel(intent.stripe_id)
        except stripe.StripeError as error:
            logger.warning("PaymentIntent %s not cancelled: %s", intent.stripe_id, error)
            continue
        CardPaymentIntent.objects.filter(pk=intent.pk).update(status=remote.status)
        cancelled += 1
    return cancelled
