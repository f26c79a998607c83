"""Card payments through Stripe PaymentIntents. Webhooks are the source of truth; the return page and a daily
job re-read open intents, so a lost webhook loses nothing. Every path ends in `payment_intent_sync`, which
reads the intent from the API and records the payment once.

Stripe is called with no database row locked on the webhook, the return page and refunds: they read from
Stripe first, then lock and write; refunds (billing.services.refunds) are claimed by a committed row first, so
two at once cannot both make one. Two paths do call Stripe under the invoice's lock, on purpose: making a
PaymentIntent (localstripe ignores idempotency keys, so that lock is what keeps one live intent per invoice,
ARCHITECTURE.md) and, in test mode only, confirming it with a test card (the lock is what makes two tabs
paying at once charge once). Under the same locks, a live intent an invoice would share (its own intent and
a payment of all open fees, "checkout", including it) is cancelled at Stripe first: one live intent per
invoice; a checkout locks all its invoices in pk order."""

import datetime
import logging

import stripe
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q

from billing import stripe_gateway
from billing.models import CardCheckoutLine, CardPaymentIntent, Invoice, Payment, StripeCustomer
from billing.rules import card_error_for_member
from billing.selectors import live_checkouts, live_payment_intents
from billing.services.invoices import invoice_record_payment
from billing.services.refunds import (
    checkout_line_claim_refund,
    checkout_line_refund_unexpected,
    payment_intent_claim_refund,
    payment_intent_refund_unexpected,
)
from members.models import Member

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


def _create_checkout(invoices: list[Invoice], customer_id: str | None = None) -> CardPaymentIntent:
    """One PaymentIntent for the sum of several open invoices (locked by the caller, in pk order); its
    metadata lists the invoice numbers and each invoice is a line with its amount."""
    first = invoices[0]
    member = first.certification.member
    total = sum(invoice.amount_cents for invoice in invoices)
    intent = stripe_gateway.client().v1.payment_intents.create(
        params={
            "amount": total,
            "currency": first.currency.lower(),
            "customer": customer_id or _customer_id(member),
            "payment_method_types": ["card"],  # type: ignore[typeddict-unknown-key]
            "metadata": {
                "invoice_numbers": ",".join(invoice.number for invoice in invoices),
                "member_number": member.member_number,
            },
        }
    )
    created = CardPaymentIntent.objects.create(
        invoice=first,
        stripe_id=intent.id,
        client_secret=intent.client_secret or "",
        amount_cents=total,
        status=intent.status,
    )
    CardCheckoutLine.objects.bulk_create(
        CardCheckoutLine(intent=created, invoice=invoice, amount_cents=invoice.amount_cents)
        for invoice in invoices
    )
    return created


def _release(intent: CardPaymentIntent) -> None:
    """An invoice gets one live intent: a live intent it would share is cancelled at Stripe first (under
    the invoices' locks). One that may have taken the money already is left, and the member told."""
    remote = stripe_gateway.client().v1.payment_intents.retrieve(intent.stripe_id)
    if remote.status in PAID_INTENT_STATUSES:
        raise ValidationError(
            "A card payment of this fee is already being processed. Please check your invoices in a moment."
        )
    if remote.status != "canceled":
        stripe_gateway.client().v1.payment_intents.cancel(intent.stripe_id)
    CardPaymentIntent.objects.filter(pk=intent.pk).update(status="canceled")


def _open_invoices(member: Member) -> list[Invoice]:
    """The member's open invoices, locked in pk order (every path locking several uses that order)."""
    locked = list(
        Invoice.objects.select_for_update(of=("self",))
        .select_related("certification__member__user", "certification__credential")
        .filter(certification__member=member, state=Invoice.State.OPEN)
        .order_by("pk")
    )
    if len(locked) < 2:
        raise ValidationError("Fewer than two fees are open: pay the open invoice on its own.")
    return locked


def _checkout_of(invoices: list[Invoice]) -> CardPaymentIntent | None:
    """The live payment of exactly these invoices; other live intents of any of them are released."""
    ids = {invoice.pk for invoice in invoices}
    found = None
    for intent in live_checkouts(invoice_ids=ids).prefetch_related("lines"):
        if found is None and {line.invoice_id for line in intent.lines.all()} == ids:
            found = intent
        else:
            _release(intent)
    for intent in live_payment_intents().filter(invoice_id__in=ids, lines__isnull=True):
        _release(intent)
    return found


def checkout_intent_for(*, member: Member) -> CardPaymentIntent:
    """Pay all open fees: one PaymentIntent for the sum of the member's open invoices, made once and reused
    while the same invoices are open. Every invoice is locked (pk order) while it is made, so a double click
    or two tabs get the same intent; an invoice's own live intent is cancelled first: none has two."""
    if not stripe_gateway.is_configured():
        raise ValidationError("Card payments are not available at the moment. Please try again later.")
    customer_id = _customer_id(member)
    with transaction.atomic():
        invoices = _open_invoices(member)
        return _checkout_of(invoices) or _create_checkout(invoices, customer_id)


def checkout_pay_in_test_mode(*, member: Member, card: str, today: datetime.date) -> CardPaymentIntent:
    """Test mode only: confirm the payment of all open fees with a test card (card_pay_in_test_mode's way)."""
    number = _test_card(card)
    with transaction.atomic():
        invoices = _open_invoices(member)
        intent = _checkout_of(invoices)
        intent = _replace_spent_intent(intent) if intent else _create_checkout(invoices)
        paid = intent.status in PAID_INTENT_STATUSES
        declined = "" if paid else _confirm_with_card(intent, number, today)
    if declined:
        raise ValidationError(card_error_for_member(declined))
    if intent.status == "succeeded":
        payment_intent_sync(stripe_id=intent.stripe_id, today=today, source="card payment")
    return intent


def _own_live_intent(invoice: Invoice) -> CardPaymentIntent | None:
    """The locked invoice's own live intent; a live payment of all open fees including it is released
    (one query for both, so the pay page's query count stays flat)."""
    lines = CardCheckoutLine.objects.filter(intent=OuterRef("pk"))
    own = None
    for intent in (
        live_payment_intents()
        .annotate(is_checkout=Exists(lines))
        .filter(Q(invoice=invoice) | Exists(lines.filter(invoice=invoice)))
    ):
        if intent.is_checkout:
            _release(intent)
        else:
            own = intent
    return own


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
        return _own_live_intent(locked) or _create_intent(locked, customer_id)


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
    lines = list(intent.lines.select_related("invoice__certification__member__user").order_by("invoice_id"))
    return _create_checkout([line.invoice for line in lines]) if lines else _create_intent(intent.invoice)


def _error_code(error) -> str:
    """Stripe's most precise code for a failure (an exception or an intent's last_payment_error)."""
    return getattr(error, "decline_code", None) or getattr(error, "code", None) or ""


def _confirm_with_card(intent: CardPaymentIntent, number: str, today: datetime.date) -> str:
    """Confirm the intent with a test card number; returns the code of the decline ("" when not declined,
    "card_error" when Stripe gave none). Stripe's own message is kept for staff in `last_error`."""
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
        intent.last_error_code = _error_code(getattr(error, "error", None)) or error.code or "card_error"
    else:
        intent.status, intent.last_error, intent.last_error_code = remote.status, "", ""
    intent.save(update_fields=["status", "last_error", "last_error_code", "updated_at"])
    return intent.last_error_code


def _test_card(card: str) -> str:
    if not stripe_gateway.is_test_mode():
        raise ValidationError("Test cards are accepted only in test mode.")
    if card not in stripe_gateway.TEST_CARDS:
        raise ValidationError("Choose one of the test cards.")
    return stripe_gateway.TEST_CARDS[card][0]


def card_pay_in_test_mode(*, invoice: Invoice, card: str, today: datetime.date) -> CardPaymentIntent:
    """Test mode only: confirm the invoice's intent with a test card through the same SDK calls Stripe.js
    makes. Returns the intent; a decline raises ValidationError in plain words (card_error_for_member)."""
    number = _test_card(card)
    with transaction.atomic():
        locked = _open_invoice(invoice)
        intent = _own_live_intent(locked)
        intent = _replace_spent_intent(intent) if intent else _create_intent(locked)
        # Paid meanwhile in another tab (not recorded yet): recorded below, never charged a second time.
        paid = intent.status in PAID_INTENT_STATUSES
        declined = "" if paid else _confirm_with_card(intent, number, today)
    if declined:
        raise ValidationError(card_error_for_member(declined))
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
            card_error_for_member(_error_code(error) or "payment_intent_authentication_failure")
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
