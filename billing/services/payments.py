"""Card payments through Stripe PaymentIntents. Webhooks are the source of truth; the return page and a daily
job re-read open intents, so a lost webhook loses nothing. Every path ends in `payment_intent_sync`, which
reads the intent from the API and records the payment once.

Stripe is called with no database row locked: the webhook, the return page and refunds read from Stripe
first, then lock and write; a refund (a write at Stripe) is claimed by a committed row first, so two at once
cannot both make it. The one exception is making a PaymentIntent, under the invoice's lock: localstripe
ignores idempotency keys, so that lock is what keeps one live intent per invoice (ARCHITECTURE.md)."""

import datetime
import logging

import stripe
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from billing import rules, stripe_gateway
from billing.models import CardPaymentIntent, Invoice, Payment, StripeCustomer, StripeEvent
from billing.selectors import live_payment_intent, live_payment_intents
from billing.services.invoices import invoice_move, invoice_record_payment, require_reason
from core import clock
from members.models import Member, User

logger = logging.getLogger(__name__)

PAID_INTENT_STATUSES = {"succeeded", "processing"}
# A refund claimed less than this long ago is under way; an older claim was left by a crash and is taken over
# (the refund the crashed attempt may have made at Stripe is then found and reused, not made again).
REFUND_CLAIM_TIMEOUT = datetime.timedelta(minutes=5)
REFUNDING = "refunding"  # the portal's own intent status while money that arrived unexpectedly goes back


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


def _create_intent(invoice: Invoice, customer_id: str | None = None) -> CardPaymentIntent:
    member = invoice.certification.member
    intent = stripe_gateway.client().v1.payment_intents.create(
        params={
            "amount": invoice.amount_cents,
            "currency": invoice.currency.lower(),
            "customer": customer_id or _customer_id(member),
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
    while it is made, so a double click or two tabs get the same intent, never a second one (the one Stripe
    call made under a lock: see the module's docstring). The member's Stripe customer is made before."""
    if not stripe_gateway.is_configured():
        raise ValidationError("Card payments are not available at the moment. Please try again later.")
    customer_id = _customer_id(invoice.certification.member)
    with transaction.atomic():
        locked = _open_invoice(invoice)
        return live_payment_intent(invoice=locked) or _create_intent(locked, customer_id)


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
        intent = live_payment_intent(invoice=locked)
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


def _stripe_refund(payment_intent_id: str, *, metadata: dict) -> stripe.Refund:
    """The PaymentIntent's refund at Stripe: one made earlier (by an attempt whose database write was lost)
    is reused, not made again. Callers hold a committed claim, never a row lock, while this runs."""
    api = stripe_gateway.client().v1
    earlier = api.refunds.list(params={"payment_intent": payment_intent_id, "limit": 1}).data
    if earlier:
        return earlier[0]
    return api.refunds.create(params={"payment_intent": payment_intent_id, "metadata": metadata})


def _claim_is_fresh(claimed_at: datetime.datetime) -> bool:
    return claimed_at > clock.now() - REFUND_CLAIM_TIMEOUT


def _refund_unexpected(intent: CardPaymentIntent, invoice: Invoice) -> None:
    """Money arrived for an invoice that is no longer open (voided meanwhile): it goes straight back. The
    intent was claimed (status `refunding`, committed) by the caller; it is stored as succeeded only after
    Stripe made (or had) the refund, so the daily check retries a refund that failed half-way."""
    logger.warning(
        "Card payment %s for %s invoice %s: refunded", intent.stripe_id, invoice.state, invoice.number
    )
    _stripe_refund(intent.stripe_id, metadata={"invoice_number": invoice.number})
    intent.status = "succeeded"
    intent.last_error = (
        f"Refunded: the invoice was {invoice.get_state_display().lower()} when the payment arrived."
    )
    intent.save(update_fields=["status", "last_error", "updated_at"])


def _remote_intent(stripe_id: str):
    """What Stripe says of the intent, and the card's description when it succeeded (read before locking)."""
    remote = stripe_gateway.client().v1.payment_intents.retrieve(stripe_id)
    return remote, _card_reference(remote) if remote.status == "succeeded" else ""


def _store_intent(
    stripe_id: str, remote, reference: str, *, today: datetime.date, source: str
) -> tuple[CardPaymentIntent, bool]:
    """Lock and write what Stripe said: a succeeded intent pays its open invoice exactly once. Returns the
    intent and whether its money must go back (an invoice settled meanwhile), claimed for this caller."""
    with transaction.atomic():
        # The invoice row first, as every other payment path locks it: one lock order, no deadlock.
        invoice_id = CardPaymentIntent.objects.values_list("invoice_id", flat=True).get(stripe_id=stripe_id)
        Invoice.objects.select_for_update().filter(pk=invoice_id).first()
        intent = (
            CardPaymentIntent.objects.select_for_update().select_related("invoice").get(stripe_id=stripe_id)
        )
        invoice = intent.invoice
        paid_by_it = Payment.objects.filter(stripe_payment_intent_id=stripe_id).exists()
        if remote.status == "succeeded" and invoice.state != Invoice.State.OPEN and not paid_by_it:
            if intent.status == REFUNDING and _claim_is_fresh(intent.updated_at):
                return intent, False  # another read of the same payment is returning the money
            intent.status = REFUNDING
            intent.save(update_fields=["status", "updated_at"])
            return intent, True
        intent.status = remote.status
        error = getattr(remote, "last_payment_error", None)
        if error and remote.status != "succeeded":
            intent.last_error = getattr(error, "message", None) or intent.last_error
        intent.save(update_fields=["status", "last_error", "updated_at"])
        if remote.status == "succeeded":
            invoice_record_payment(
                invoice=invoice,
                method=Payment.Method.CARD,
                received_on=today,
                reference=reference,
                today=today,
                source=source,
                stripe_payment_intent_id=stripe_id,
            )
    return intent, False


def payment_intent_sync(*, stripe_id: str, today: datetime.date, source: str) -> CardPaymentIntent:
    """Read the intent from Stripe (never trust an event's copy: events may come twice or out of order) and
    record what it says: a succeeded intent pays its invoice exactly once, or goes back if the invoice was
    settled meanwhile. Stripe is read before any row is locked, and refunded after the lock is released."""
    remote, reference = _remote_intent(stripe_id)
    intent, refund = _store_intent(stripe_id, remote, reference, today=today, source=source)
    if refund:
        _refund_unexpected(intent, intent.invoice)
    return intent


def payment_intents_reconcile(*, today: datetime.date) -> int:
    """Daily (and after a lost webhook): re-read every intent of an open invoice; returns how many paid.
    An intent already stored as succeeded is read too: its invoice still open means the recording was lost
    (a crash after the test-mode confirm, before its sync), and this is the job that catches it."""
    # Also intents of invoices settled meanwhile that were not seen to succeed: a member who paid a voided
    # invoice from a page left open gets the money back even if that one webhook was lost.
    open_intents = live_payment_intents().filter(
        Q(invoice__state=Invoice.State.OPEN) | ~Q(status="succeeded")
    )
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
    anything is written), acted on by re-reading the object it names, and stored once by event id. Stored
    after acting, so a delivery that failed (Stripe not answering) is stored by the retry that succeeds; a
    copy arriving at the same moment re-reads too, which records nothing twice."""
    if not secret:
        raise ValueError("No webhook signing secret is configured (STRIPE_WEBHOOK_SECRET).")
    event = stripe.Webhook.construct_event(payload, signature, secret)
    object_id = getattr(event.data.object, "id", "")
    if StripeEvent.objects.filter(event_id=event.id).exists():
        return None
    if (
        event.type.startswith("payment_intent.")
        and CardPaymentIntent.objects.filter(stripe_id=object_id).exists()
    ):
        intent = payment_intent_sync(stripe_id=object_id, today=today, source="Stripe webhook")
        outcome = f"intent {intent.status}"
    else:
        outcome = "ignored: not a payment of this portal"
    stored, created = StripeEvent.objects.get_or_create(
        event_id=event.id,
        defaults={"type": event.type, "object_id": object_id, "payload": event.to_dict(), "outcome": outcome},
    )
    return stored if created else None


def _refundable_payment(invoice: Invoice) -> Payment:
    """The card payment of a paid invoice (ValidationError when there is nothing to refund here)."""
    payment = Payment.objects.filter(invoice=invoice).first()
    if invoice.state != Invoice.State.PAID or payment is None:
        raise ValidationError(f"Invoice {invoice.number} is not paid: there is nothing to refund.")
    if not rules.can_refund(invoice.state, payment.method) or not payment.stripe_payment_intent_id:
        raise ValidationError(
            "Only card payments are refunded here; return a check by the usual bank process."
        )
    return payment


REFUND_CLAIM_PREFIX = "claimed at "


def _claim_refund(payment: Payment) -> None:
    """Claim the refund in a committed write (no lock held while Stripe is called): a second click at the
    same moment is refused; a claim older than REFUND_CLAIM_TIMEOUT (a crash) is taken over."""
    held = payment.stripe_refund_id
    if held.startswith(REFUND_CLAIM_PREFIX) and _claim_is_fresh(
        datetime.datetime.fromisoformat(held.removeprefix(REFUND_CLAIM_PREFIX))
    ):
        raise ValidationError("A refund of this payment is already under way.")
    claim = f"{REFUND_CLAIM_PREFIX}{clock.now().isoformat()}"
    if not Payment.objects.filter(pk=payment.pk, stripe_refund_id=held, refunded_on=None).update(
        stripe_refund_id=claim
    ):
        raise ValidationError("A refund of this payment is already under way.")
    payment.stripe_refund_id = claim


def invoice_refund(*, invoice: Invoice, reason: str, today: datetime.date, actor: User) -> Invoice:
    """Billing staff return a card payment through Stripe; the fee year is owed again. The refund is claimed,
    made at Stripe with no row locked, then the invoice is locked, checked again and moved."""
    reason = require_reason(reason)
    invoice = Invoice.objects.get(pk=invoice.pk)
    payment = _refundable_payment(invoice)
    _claim_refund(payment)
    try:
        refund = _stripe_refund(
            payment.stripe_payment_intent_id or "",
            metadata={"invoice_number": invoice.number, "reason": reason[:450]},
        )
    except BaseException:  # nothing was refunded: the next attempt may claim it at once
        Payment.objects.filter(pk=payment.pk, stripe_refund_id=payment.stripe_refund_id).update(
            stripe_refund_id=""
        )
        raise
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        payment = _refundable_payment(locked)
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
