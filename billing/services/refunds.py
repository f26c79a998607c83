"""Card refunds through Stripe: billing staff returning a paid invoice's card payment (`invoice_refund`), and
money that arrived for an invoice settled meanwhile going straight back (`payment_intent_refund_unexpected`).

A refund is a write at Stripe, made with no database row locked. Two at once are stopped by a claim: a
committed conditional UPDATE of the row's `refund_claimed_at` (set when empty, or older than
REFUND_CLAIM_TIMEOUT: a crashed attempt's claim is taken over). An earlier refund of the same invoice at
Stripe is reused, never made twice; a failed Stripe call releases the claim; the final write locks the row,
checks again and records the refund."""

import datetime
import logging

import stripe
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from billing import rules, stripe_gateway
from billing.models import CardCheckoutLine, CardPaymentIntent, Invoice, Payment
from billing.services.invoices import invoice_move, require_reason
from core import clock
from members.models import User

logger = logging.getLogger(__name__)

# A refund claimed less than this long ago is under way; an older claim was left by a crash and is taken over
# (the refund the crashed attempt may have made at Stripe is then found and reused, not made again).
REFUND_CLAIM_TIMEOUT = datetime.timedelta(minutes=5)
ALREADY_UNDER_WAY = "A refund of this payment is already under way."


def _claim(rows: QuerySet) -> datetime.datetime | None:
    """Claim the refund of `rows` (one row) in a committed UPDATE; None when a fresh claim is held."""
    now = clock.now()
    unclaimed = Q(refund_claimed_at=None) | Q(refund_claimed_at__lt=now - REFUND_CLAIM_TIMEOUT)
    return now if rows.filter(unclaimed).update(refund_claimed_at=now) else None


def _stripe_refund(payment_intent_id: str, *, metadata: dict, amount: int | None = None) -> stripe.Refund:
    """The refund of one invoice's money at Stripe (`amount`: its share of a payment of several fees; None:
    the whole PaymentIntent). One made earlier for the same invoice (by an attempt whose database write was
    lost) is reused, not made again; a refund of another invoice of the same PaymentIntent is not. Callers
    hold a committed claim, never a row lock, while this runs."""
    api = stripe_gateway.client().v1
    earlier = api.refunds.list(params={"payment_intent": payment_intent_id, "limit": 100}).data
    shared = CardCheckoutLine.objects.filter(intent__stripe_id=payment_intent_id).exists()
    for refund in earlier:
        earlier_invoice = getattr(getattr(refund, "metadata", None), "invoice_number", None)
        if not shared or earlier_invoice == metadata["invoice_number"]:  # one invoice's intent: any refund
            return refund
    params: dict = {"payment_intent": payment_intent_id, "metadata": metadata}
    if amount is not None:
        params["amount"] = amount
    return api.refunds.create(params=params)  # type: ignore[arg-type]


def _claimed_refund(
    rows: QuerySet,
    claimed_at: datetime.datetime,
    payment_intent_id: str,
    metadata: dict,
    amount: int | None = None,
):
    """The refund at Stripe under the caller's claim; a failed call releases it, so the next try may claim."""
    try:
        return _stripe_refund(payment_intent_id, metadata=metadata, amount=amount)
    except BaseException:
        rows.filter(refund_claimed_at=claimed_at).update(refund_claimed_at=None)
        raise


def payment_intent_claim_refund(intent: CardPaymentIntent) -> datetime.datetime | None:
    """Claim returning the intent's money (called under its lock, committed with it); None when another
    read of the same payment holds a fresh claim and is returning it."""
    return _claim(CardPaymentIntent.objects.filter(pk=intent.pk))


def payment_intent_refund_unexpected(
    intent: CardPaymentIntent, invoice: Invoice, *, claimed_at: datetime.datetime
) -> CardPaymentIntent:
    """Money arrived for an invoice that is no longer open (voided meanwhile): it goes straight back. The
    intent is stored as succeeded only with its refund, so the daily check (which re-reads intents not stored
    as succeeded, and claimed ones) retries a refund that failed half-way."""
    logger.warning(
        "Card payment %s for %s invoice %s: refunded", intent.stripe_id, invoice.state, invoice.number
    )
    rows = CardPaymentIntent.objects.filter(pk=intent.pk)
    _claimed_refund(rows, claimed_at, intent.stripe_id, {"invoice_number": invoice.number})
    with transaction.atomic():
        locked = rows.select_for_update().get()
        if locked.refund_claimed_at in (claimed_at, None):  # not taken over by a later attempt meanwhile
            locked.status, locked.refund_claimed_at = "succeeded", None
            locked.last_error = (
                f"Refunded: the invoice was {invoice.get_state_display().lower()} when the payment arrived."
            )
            locked.save(update_fields=["status", "last_error", "refund_claimed_at", "updated_at"])
    locked.invoice = invoice
    return locked


def checkout_line_claim_refund(line: CardCheckoutLine) -> datetime.datetime | None:
    """Claim returning one invoice's share of a payment of several fees (called under the intent's lock,
    committed with it); None when another read holds a fresh claim and is returning it."""
    return _claim(CardCheckoutLine.objects.filter(pk=line.pk, stripe_refund_id=""))


def checkout_line_refund_unexpected(
    line: CardCheckoutLine, *, claimed_at: datetime.datetime
) -> CardCheckoutLine:
    """The share of an invoice settled meanwhile goes straight back: a partial refund of its amount only.
    The claim stays until the refund is recorded, so the daily check (which re-reads intents with a claimed
    share) retries a refund that failed half-way once the claim is stale."""
    invoice = line.invoice
    logger.warning(
        "Card payment %s: %s invoice %s refunded", line.intent.stripe_id, invoice.state, invoice.number
    )
    refund = _stripe_refund(
        line.intent.stripe_id, metadata={"invoice_number": invoice.number}, amount=line.amount_cents
    )
    with transaction.atomic():
        locked = CardCheckoutLine.objects.select_for_update().get(pk=line.pk)
        if locked.refund_claimed_at in (claimed_at, None) and not locked.stripe_refund_id:
            locked.stripe_refund_id, locked.refund_claimed_at = refund.id, None
            locked.save(update_fields=["stripe_refund_id", "refund_claimed_at"])
    return locked


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


def _record_refund(invoice: Invoice, refund: stripe.Refund, *, reason: str, today, actor: User) -> Invoice:
    """Lock the invoice, check again that its payment is refundable, record the refund, move the invoice."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        payment = _refundable_payment(locked)
        payment.stripe_refund_id, payment.refunded_on, payment.refund_claimed_at = refund.id, today, None
        payment.save(update_fields=["stripe_refund_id", "refunded_on", "refund_claimed_at"])
        return invoice_move(
            invoice=locked,
            to_state=Invoice.State.REFUNDED,
            reason=reason,
            today=today,
            actor=actor,
            source="refund",
        )


def invoice_refund(*, invoice: Invoice, reason: str, today: datetime.date, actor: User) -> Invoice:
    """Billing staff return a card payment through Stripe; the fee year is owed again. The refund is claimed
    (a second click at the same moment is refused), made at Stripe with no row locked, then recorded."""
    reason = require_reason(reason)
    invoice = Invoice.objects.get(pk=invoice.pk)
    payment = _refundable_payment(invoice)
    rows = Payment.objects.filter(pk=payment.pk, refunded_on=None)
    claimed_at = _claim(rows)
    if claimed_at is None:
        raise ValidationError(ALREADY_UNDER_WAY)
    metadata = {"invoice_number": invoice.number, "reason": reason[:450]}
    # Its own amount only: one PaymentIntent may have paid several invoices.
    refund = _claimed_refund(
        rows, claimed_at, payment.stripe_payment_intent_id or "", metadata, payment.amount_cents
    )
    return _record_refund(invoice, refund, reason=reason, today=today, actor=actor)
