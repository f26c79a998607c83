"""Recording what Stripe says of a PaymentIntent: `payment_intent_sync` reads the intent from the API (never
an event's copy) and records the payment once, or sends the money back when its invoice was settled meanwhile;
Stripe is read before any row is locked and refunded after the lock is released. The webhook, the return
pages, the test-mode card and the daily re-read (`payment_intents_reconcile`) all end here, and
`payment_intents_cancel` cancels the live intents of an invoice that left open."""

import datetime
import logging

import stripe
from django.db import transaction
from django.db.models import Q

from billing import stripe_gateway
from billing.models import CardCheckoutLine, CardPaymentIntent, Invoice, Payment
from billing.selectors import live_payment_intents
from billing.services.invoices import invoice_record_payment
from billing.services.refunds import (
    checkout_line_claim_refund,
    checkout_line_refund_unexpected,
    payment_intent_claim_refund,
    payment_intent_refund_unexpected,
)

logger = logging.getLogger(__name__)


def _error_code(error) -> str:
    """Stripe's most precise code for a failure (an exception or an intent's last_payment_error)."""
    return getattr(error, "decline_code", None) or getattr(error, "code", None) or ""


def _card_reference(remote) -> str:
    method_id = getattr(remote, "payment_method", None)
    if not method_id:
        return "card"
    method = stripe_gateway.client().v1.payment_methods.retrieve(method_id)
    card = getattr(method, "card", None)
    brand = str(getattr(card, "brand", None) or "card").title()
    last4 = getattr(card, "last4", None)
    return f"{brand} ending {last4}" if last4 else brand


def _remote_intent(stripe_id: str):
    """What Stripe says of the intent, and the card's description when it succeeded (read before locking)."""
    remote = stripe_gateway.client().v1.payment_intents.retrieve(stripe_id)
    return remote, _card_reference(remote) if remote.status == "succeeded" else ""


def _store_status(intent: CardPaymentIntent, remote) -> None:
    intent.status = remote.status
    error = getattr(remote, "last_payment_error", None)
    if error and remote.status != "succeeded":
        intent.last_error = getattr(error, "message", None) or intent.last_error
        intent.last_error_code = _error_code(error) or intent.last_error_code or "card_error"
    intent.save(update_fields=["status", "last_error", "last_error_code", "updated_at"])


def _store_checkout(
    intent: CardPaymentIntent, remote, reference: str, *, today: datetime.date, source: str
) -> list[tuple[CardCheckoutLine, datetime.datetime]]:
    """A payment of several fees (rows locked by the caller): each open invoice is paid with its own Payment
    and receipt; the share of an invoice settled meanwhile goes back. Returns this caller's refund claims."""
    _store_status(intent, remote)
    if remote.status != "succeeded":
        return []
    paid_by_it = set(
        Payment.objects.filter(stripe_payment_intent_id=intent.stripe_id).values_list("invoice_id", flat=True)
    )
    claims = []
    for line in intent.lines.select_related("invoice").order_by("invoice_id"):
        if line.invoice_id in paid_by_it or line.stripe_refund_id:
            continue
        if line.invoice.state == Invoice.State.OPEN:
            invoice_record_payment(
                invoice=line.invoice,
                method=Payment.Method.CARD,
                received_on=today,
                reference=reference,
                today=today,
                source=source,
                stripe_payment_intent_id=intent.stripe_id,
            )
        elif claimed_at := checkout_line_claim_refund(line):
            claims.append((line, claimed_at))
    return claims


def _store_intent(
    stripe_id: str, remote, reference: str, *, today: datetime.date, source: str
) -> tuple[CardPaymentIntent, datetime.datetime | None | list[tuple[CardCheckoutLine, datetime.datetime]]]:
    """Lock and write what Stripe said: a succeeded intent pays its open invoice exactly once. Returns the
    intent and, when its money must go back (an invoice settled meanwhile), this caller's refund claim."""
    with transaction.atomic():
        # The invoice rows first (pk order), as every other payment path locks them: no deadlock.
        invoice_id = CardPaymentIntent.objects.values_list("invoice_id", flat=True).get(stripe_id=stripe_id)
        line_ids = CardCheckoutLine.objects.filter(intent__stripe_id=stripe_id).values_list("invoice_id")
        list(
            Invoice.objects.select_for_update()
            .filter(Q(pk=invoice_id) | Q(pk__in=line_ids))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        intent = (
            CardPaymentIntent.objects.select_for_update().select_related("invoice").get(stripe_id=stripe_id)
        )
        if intent.lines.exists():
            return intent, _store_checkout(intent, remote, reference, today=today, source=source)
        invoice = intent.invoice
        paid_by_it = Payment.objects.filter(stripe_payment_intent_id=stripe_id).exists()
        if remote.status == "succeeded" and invoice.state != Invoice.State.OPEN and not paid_by_it:
            # None: another read of the same payment holds a fresh claim and is returning the money.
            return intent, payment_intent_claim_refund(intent)
        _store_status(intent, remote)
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
    return intent, None


def payment_intent_sync(*, stripe_id: str, today: datetime.date, source: str) -> CardPaymentIntent:
    """Read the intent from Stripe (never trust an event's copy: events may come twice or out of order) and
    record what it says: a succeeded intent pays its invoice exactly once, or goes back if the invoice was
    settled meanwhile. Stripe is read before any row is locked, and refunded after the lock is released."""
    remote, reference = _remote_intent(stripe_id)
    intent, refund_claimed_at = _store_intent(stripe_id, remote, reference, today=today, source=source)
    if isinstance(refund_claimed_at, list):  # a payment of several fees: each share settled meanwhile
        for line, claimed_at in refund_claimed_at:
            checkout_line_refund_unexpected(line, claimed_at=claimed_at)
        return intent
    if refund_claimed_at:
        return payment_intent_refund_unexpected(intent, intent.invoice, claimed_at=refund_claimed_at)
    return intent


def payment_intents_reconcile(*, today: datetime.date) -> int:
    """Daily (and after a lost webhook): re-read every intent of an open invoice; returns how many paid.
    An intent already stored as succeeded is read too: its invoice still open means the recording was lost
    (a crash after the test-mode confirm, before its sync), and this is the job that catches it."""
    # Also intents of invoices settled meanwhile that were not seen to succeed: a member who paid a voided
    # invoice from a page left open gets the money back even if that one webhook was lost. A claimed refund
    # of such money is read again too (taken over once its claim is stale: a crash half-way).
    # A payment of several fees is read while one of its invoices is open or a share's refund is claimed.
    open_intents = live_payment_intents().filter(
        Q(invoice__state=Invoice.State.OPEN)
        | ~Q(status="succeeded")
        | Q(refund_claimed_at__isnull=False)
        | Q(lines__invoice__state=Invoice.State.OPEN)
        | Q(lines__refund_claimed_at__isnull=False)
    )
    paid = 0
    stripe_ids = open_intents.order_by("pk").values_list("pk", "stripe_id").distinct()
    for _, stripe_id in stripe_ids:
        try:
            intent = payment_intent_sync(stripe_id=stripe_id, today=today, source="daily payment check")
        except stripe.StripeError as error:
            logger.warning("PaymentIntent %s not re-read: %s", stripe_id, error)
            continue
        paid += intent.status == "succeeded"
    return paid


def payment_intents_cancel(*, invoice_id: int) -> int:
    """The invoice left open (paid by check, waived, voided): its live intent can no longer be paid, so a
    pay page left open cannot take money. Best effort after commit; the daily check refunds the rest."""
    cancelled = 0
    intents = CardPaymentIntent.objects.filter(Q(invoice_id=invoice_id) | Q(lines__invoice_id=invoice_id))
    for intent in intents.distinct().exclude(status__in=["canceled", "succeeded"]):
        try:
            remote = stripe_gateway.client().v1.payment_intents.cancel(intent.stripe_id)
        except stripe.StripeError as error:
            logger.warning("PaymentIntent %s not cancelled: %s", intent.stripe_id, error)
            continue
        CardPaymentIntent.objects.filter(pk=intent.pk).update(status=remote.status)
        cancelled += 1
    return cancelled
