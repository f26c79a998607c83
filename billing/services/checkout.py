"""Pay all open fees ("checkout"): one PaymentIntent for the sum of a member's open invoices, each invoice a
line with its amount and, once paid, its own Payment and receipt. It is made once and reused while the same
invoices are open; every invoice is locked in pk order while it is made or confirmed, and a live intent of any
of them (its own, or another checkout) is released first (billing.services.payments, whose helpers for the
Stripe customer, the intent, the release and the test-mode card this module shares)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from billing import stripe_gateway
from billing.models import CardPaymentIntent, Invoice
from billing.selectors import live_checkouts, live_payment_intents
from billing.services.payments import (
    _create_checkout,
    _customer_id,
    _release,
    _replace_spent_intent,
    pay_with_test_card,
)
from members.models import Member


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
    """Test mode only: confirm the payment of all open fees with a test card (as card_pay_in_test_mode)."""

    def live_intent() -> CardPaymentIntent:
        invoices = _open_invoices(member)
        intent = _checkout_of(invoices)
        return _replace_spent_intent(intent) if intent else _create_checkout(invoices)

    return pay_with_test_card(live_intent, card=card, today=today)
