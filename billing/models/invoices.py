"""The billing policy, the renewal notice steps, invoices (annual fees and recertification fees), their
history and their payments (card or check, each with its receipt number)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.money import format_cents
from core.policy import SingletonPolicy
from members import rules as member_rules
from members.models import Certification, Credential


class BillingPolicy(SingletonPolicy):
    """Billing settings staff can change in the admin (one row)."""

    issue_days_before_due = models.PositiveIntegerField(
        default=60, help_text="A renewal invoice is issued this many days before its due date."
    )

    class Meta:
        verbose_name = "billing policy"
        verbose_name_plural = "billing policy"

    def __str__(self):
        return f"Invoices issued {self.issue_days_before_due} days before the due date"


class RenewalNoticeStep(models.Model):
    """One reminder of an unpaid annual invoice: when it is due and by which channels it goes."""

    class Anchor(models.TextChoices):
        ISSUE = "issue", "the day the invoice is issued"
        DUE = "due", "the due date"
        LAPSE = "lapse", "the lapse date (day after due date + grace)"

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(unique=True, help_text="Steps run in this order.")
    anchor = models.CharField(max_length=10, choices=Anchor.choices)
    offset_days = models.IntegerField(default=0, help_text="Days after the anchor (negative: before).")
    by_email = models.BooleanField("send by e-mail", default=True)
    by_letter = models.BooleanField("send by postal letter", default=False)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.name

    @property
    def channels(self) -> list[str]:
        return [channel for channel, on in (("email", self.by_email), ("letter", self.by_letter)) if on]


class Invoice(models.Model):
    """A fee owed by one certification: the annual fee of a fee year, or a recertification fee."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", "Annual renewal fee"
        RECERT_CCP = "recert_ccp", "Recertification fee (by CCP)"
        RECERT_EXAM = "recert_exam", "Recertification fee (by exam)"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        PAID = "paid", "Paid"
        WAIVED = "waived", "Waived"
        VOID = "void", "Void"
        REFUNDED = "refunded", "Refunded"

    LIVE_STATES = [State.OPEN, State.PAID, State.WAIVED]
    SETTLED_STATES = [State.PAID, State.WAIVED]

    number = models.CharField(max_length=40, unique=True)
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="invoices")
    # The certification's credential (which never changes), copied so that the work lists filter by it
    # inside one index (open_invoice_credential_due) instead of joining every open invoice's certification.
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="+", editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ANNUAL)
    fee_year_start = models.DateField(null=True, blank=True)
    fee_year_end = models.DateField(null=True, blank=True)
    description = models.CharField(max_length=200)
    continue_path = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the member continues once it is paid (a recertification application's page).",
    )
    amount_cents = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    currency = models.CharField(max_length=3, default="USD")
    issued_on = models.DateField()
    due_on = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    state_reason = models.CharField(max_length=500, blank=True)
    settled_on = models.DateField(
        null=True, blank=True, help_text="Day it was paid, waived, voided or refunded."
    )
    notice_position = models.PositiveIntegerField(
        default=0, help_text="Position of the latest renewal notice step written for it (0: none yet)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_on", "-id"]
        constraints = [
            # At most one open, paid or waived annual invoice per certification and fee year, whatever reruns.
            models.UniqueConstraint(
                fields=["certification", "fee_year_start"],
                condition=Q(kind="annual", state__in=["open", "paid", "waived"]),
                name="one_live_invoice_per_fee_year",
            ),
            models.CheckConstraint(
                condition=Q(kind="annual", fee_year_start__isnull=False, fee_year_end__isnull=False)
                | ~Q(kind="annual"),
                name="annual_invoice_has_fee_year",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "kind"]),
            models.Index(fields=["certification", "state"]),
            # the open invoices work list, earliest due first
            models.Index(fields=["due_on", "id"], condition=Q(state="open"), name="open_invoice_due"),
            models.Index(
                fields=["credential", "due_on", "id"],
                condition=Q(state="open"),
                name="open_invoice_credential_due",
            ),
        ]
        permissions = [
            ("record_payment", "Can record offline payments"),
            ("settle_invoice", "Can waive, void and refund invoices"),
        ]

    def __str__(self):
        return f"Invoice {self.number}"

    def save(self, *args, **kwargs):
        if self.credential_id is None and self.certification_id is not None:
            self.credential_id = self.certification.credential_id
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("billing:invoice", args=[self.number])

    @property
    def amount(self) -> str:
        return format_cents(self.amount_cents, self.currency)

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def fee_year(self) -> member_rules.FeeYear | None:
        if self.fee_year_start is None or self.fee_year_end is None:
            return None
        return member_rules.FeeYear(start=self.fee_year_start, end=self.fee_year_end)

    def lapse_date(self, *, grace_days: int):
        """The day a still-unpaid annual fee lapses the certification (day after due date + grace)."""
        return member_rules.fee_lapse_date(due_on=self.due_on, grace_days=grace_days)


class InvoiceEvent(models.Model):
    """An invoice's history: every state move, with its reason and who or what made it."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    reason = models.CharField(max_length=500, blank=True)
    effective_on = models.DateField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=100)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.invoice.number}: {self.from_state or '-'} -> {self.to_state}"

    @property
    def to_label(self) -> str:
        return Invoice.State(self.to_state).label


class Payment(models.Model):
    """The money that settled an invoice: exactly one per paid invoice (card or check)."""

    class Method(models.TextChoices):
        CARD = "card", "Card"
        CHECK = "check", "Check"

    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="payment")
    receipt_number = models.CharField(max_length=50, unique=True)
    method = models.CharField(max_length=10, choices=Method.choices)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="USD")
    received_on = models.DateField()
    reference = models.CharField(
        max_length=100, blank=True, help_text="Check number, or the card's brand and last 4."
    )
    stripe_payment_intent_id = models.CharField(
        max_length=100,
        null=True,
        blank=True,
        db_index=True,
        help_text="One PaymentIntent pays one invoice, or several (paying all open fees at once).",
    )
    stripe_refund_id = models.CharField(max_length=100, blank=True)
    refunded_on = models.DateField(null=True, blank=True)
    refund_claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="A staff refund under way since then (cleared when it is recorded)."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_payment_intent_id", "invoice"], name="one_payment_per_intent_and_invoice"
            )
        ]
        indexes = [models.Index(fields=["received_on", "id"], name="payment_received")]  # accounting export

    def __str__(self):
        return f"Receipt {self.receipt_number}"

    @property
    def amount(self) -> str:
        return format_cents(self.amount_cents, self.currency)
