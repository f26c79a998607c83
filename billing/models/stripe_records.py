"""The Stripe bookkeeping: a member's Stripe customer, the PaymentIntents of invoices (one live intent
per invoice) and the lines of one paying several open fees at once, and each webhook event stored once by
its id."""

from django.db import models
from django.db.models import Q

from billing.models.invoices import Invoice
from members.models import Member


class StripeCustomer(models.Model):
    """The Stripe customer of a member (made once, on the first card payment)."""

    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="+")
    stripe_id = models.CharField(max_length=100, unique=True)

    def __str__(self):
        return self.stripe_id


class CardPaymentIntent(models.Model):
    """A Stripe PaymentIntent for an invoice. One live intent per invoice (the partial unique constraint);
    it is reused while the invoice is open and only replaced after Stripe cancelled it."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payment_intents")
    stripe_id = models.CharField(max_length=100, unique=True)
    client_secret = models.CharField(max_length=200)
    amount_cents = models.PositiveIntegerField()
    status = models.CharField(max_length=40, help_text="Stripe's status when last read.")
    last_error = models.CharField(max_length=500, blank=True, help_text="Stripe's own words, for staff.")
    last_error_code = models.CharField(
        max_length=100,
        blank=True,
        help_text="Stripe's decline or error code: the member reads plain words for it.",
    )
    refund_claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Money paid for a settled invoice is going back since then (cleared when it is recorded).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"],
                condition=~Q(status="canceled"),
                name="one_live_payment_intent_per_invoice",
            )
        ]
        indexes = [
            # the failed card payments work list, latest first (billing.worklists.FAILED_CARD)
            models.Index(
                fields=["-updated_at", "-id"],
                condition=Q(status="requires_payment_method") & ~Q(last_error_code=""),
                name="failed_card_payment",
            )
        ]

    def __str__(self):
        return self.stripe_id


class CardCheckoutLine(models.Model):
    """One invoice of a PaymentIntent paying several open fees at once ("Pay all open fees"): the intent's
    amount is the sum of its lines. A single invoice's intent has no lines. The intent's own `invoice` is
    the checkout's first invoice (lowest pk), so the partial unique constraint still covers it; the others
    are kept from a second live intent by the invoice locks taken, in pk order, when an intent is made."""

    intent = models.ForeignKey(CardPaymentIntent, on_delete=models.PROTECT, related_name="lines")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="checkout_lines")
    amount_cents = models.PositiveIntegerField()
    refund_claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Its share is going back (invoice settled meanwhile) since then (cleared once recorded).",
    )
    stripe_refund_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["invoice_id"]
        constraints = [
            models.UniqueConstraint(fields=["intent", "invoice"], name="one_line_per_intent_and_invoice")
        ]

    def __str__(self):
        return f"{self.intent.stripe_id}: {self.invoice.number}"


class StripeEvent(models.Model):
    """Each webhook event stored once by its id: a duplicate delivery finds it and changes nothing."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.event_id} {self.type}"
