"""Card payments through Stripe PaymentIntents. Webhooks are the source of truth; the return page and a daily
job re-read open intents, so a lost webhook loses nothing. Every path ends in `payment_intent_sync`, which
reads the intent from the API and records the payment once (billing.services.payment_sync); the payment of all
open fees is billing.services.checkout.

Stripe is called with no database row locked on the webhook, the return page and refunds: they read from
Stripe first, then lock and write; refunds (billing.services.refunds) are claimed by a committed row first, so
two at once cannot both make one. Two paths do call Stripe under the invoice's lock, on purpose: making a
PaymentIntent (localstripe ignores idempotency keys, so that lock is what keeps one live intent per invoice,
ARCHITECTURE.md) and, in test mode only, confirming it with a test card (the lock is what makes two tabs
paying at once charge once). Under the same locks, a live intent an invoice would share (its own intent and
a payment of all open fees, "checkout", including it) is cancelled at Stripe first: one live intent per
invoice; a checkout locks all its invoices in pk order."""

import datetime
from collections.abc import Callable

import stripe
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q

from billing import stripe_gateway
from billing.models import CardCheckoutLine, CardPaymentIntent, Invoice, StripeCustomer
from billing.rules import card_error_for_member
from billing.selectors import live_payment_intents
from billing.services.payment_sync import _error_code, payment_intent_sync
from members.models import Member

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

    def live_intent() -> CardPaymentIntent:
        locked = _open_invoice(invoice)
        intent = _own_live_intent(locked)
        return _replace_spent_intent(intent) if intent else _create_intent(locked)

    return pay_with_test_card(live_intent, card=card, today=today)


def pay_with_test_card(
    live_intent: Callable[[], CardPaymentIntent], *, card: str, today: datetime.date
) -> CardPaymentIntent:
    """Confirm with a test card the intent `live_intent` locks and returns (made, or replaced when spent),
    inside one transaction; then record what Stripe says. A decline raises ValidationError in plain words."""
    number = _test_card(card)
    with transaction.atomic():
        intent = live_intent()
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
