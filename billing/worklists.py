"""Billing staff's work lists (open and overdue invoices, failed card payments, letters waiting for an
address) and the payments export for accounting: the filters, the ordered querysets whose first page stays
flat as the tables grow (each ordering has its index), and the rows of their CSV and XLSX exports."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from billing.models import CardPaymentIntent, Invoice, Payment
from core.exports import Money
from members.models import Credential, Notice

EXPORT_CHUNK = 2000

# A card payment failed: Stripe declined it and wants another card (the member has not paid it since).
FAILED_CARD = Q(status="requires_payment_method") & ~Q(last_error_code="")


# --- Open and overdue invoices ----------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceFilters:
    due_from: datetime.date | None = None
    due_to: datetime.date | None = None
    credential: str = ""
    amount_min: Decimal | None = None  # dollars
    amount_max: Decimal | None = None
    overdue_days: int | None = None  # at least this many days past the due date


def open_invoices(filters: InvoiceFilters, *, today: datetime.date) -> QuerySet[Invoice]:
    """Open invoices under the filters, earliest due first (index open_invoice_due)."""
    invoices = Invoice.objects.filter(state=Invoice.State.OPEN)
    if filters.due_from:
        invoices = invoices.filter(due_on__gte=filters.due_from)
    if filters.due_to:
        invoices = invoices.filter(due_on__lte=filters.due_to)
    if filters.overdue_days is not None:
        invoices = invoices.filter(due_on__lte=today - datetime.timedelta(days=filters.overdue_days))
    if filters.credential:
        # by id, so the planner walks open_invoice_credential_due in the page's order and stops at the page
        credentials = Credential.objects.filter(code=filters.credential)
        credential_id = credentials.values_list("pk", flat=True).first()
        invoices = invoices.filter(credential_id=credential_id) if credential_id else invoices.none()
    if filters.amount_min is not None:
        invoices = invoices.filter(amount_cents__gte=_cents(filters.amount_min))
    if filters.amount_max is not None:
        invoices = invoices.filter(amount_cents__lte=_cents(filters.amount_max))
    return invoices.select_related("certification__credential", "certification__member").order_by(
        "due_on", "id"
    )


def _cents(dollars: Decimal) -> int:
    return int((dollars * 100).to_integral_value())


def days_overdue(invoice: Invoice, *, today: datetime.date) -> int:
    return max((today - invoice.due_on).days, 0)


INVOICE_COLUMNS = [
    "Invoice",
    "Member number",
    "Member",
    "Credential",
    "Fee",
    "Due",
    "Days overdue",
    "Amount",
]


def open_invoice_rows(invoices: QuerySet[Invoice], *, today: datetime.date) -> Iterator[list]:
    for invoice in invoices.iterator(chunk_size=EXPORT_CHUNK):
        member = invoice.certification.member
        yield [
            invoice.number,
            member.member_number,
            member.full_name,
            invoice.certification.credential.code,
            invoice.get_kind_display(),
            invoice.due_on,
            days_overdue(invoice, today=today),
            Money.from_cents(invoice.amount_cents),
        ]


# --- Failed card payments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedPaymentFilters:
    since: datetime.date | None = None  # failed on or after (the intent's last change)
    credential: str = ""


def failed_card_payments(filters: FailedPaymentFilters) -> QuerySet[CardPaymentIntent]:
    """Card payments Stripe declined and nobody has paid since, the latest failure first (index
    failed_card_payment)."""
    intents = CardPaymentIntent.objects.filter(FAILED_CARD)
    if filters.since:
        intents = intents.filter(updated_at__date__gte=filters.since)
    if filters.credential:
        intents = intents.filter(invoice__certification__credential__code=filters.credential)
    return intents.select_related(
        "invoice__certification__credential", "invoice__certification__member"
    ).order_by("-updated_at", "-id")


FAILED_PAYMENT_COLUMNS = [
    "Failed at",
    "Member number",
    "Member",
    "Invoice",
    "Invoice state",
    "Amount",
    "Decline code",
    "Stripe's message",
    "Stripe id",
]


def failed_payment_rows(intents: QuerySet[CardPaymentIntent]) -> Iterator[list]:
    for intent in intents.iterator(chunk_size=EXPORT_CHUNK):
        member = intent.invoice.certification.member
        yield [
            intent.updated_at,
            member.member_number,
            member.full_name,
            intent.invoice.number,
            intent.invoice.get_state_display(),
            Money.from_cents(intent.amount_cents),
            intent.last_error_code,
            intent.last_error,
            intent.stripe_id,
        ]


# --- Letters waiting for an address -----------------------------------------------------------------------


@dataclass(frozen=True)
class ExceptionFilters:
    search: str = ""  # member number or last name


def address_exceptions(filters: ExceptionFilters) -> QuerySet[Notice]:
    """Letters a mail batch could not print for want of an address (failed until the address is fixed),
    across batches, longest waiting first."""
    letters = Notice.objects.filter(
        state=Notice.State.FAILED, channel=Notice.Channel.LETTER, mail_batch__isnull=False
    )
    if search := filters.search.strip():
        letters = letters.filter(
            Q(member__member_number__iexact=search) | Q(member__last_name__iexact=search)
        )
    # Batches are made one a day in order, so the batch's id orders by its day (index letter_waiting_address).
    return letters.select_related("member", "mail_batch").order_by("mail_batch_id", "id")


EXCEPTION_COLUMNS = ["Waiting since", "Member number", "Member", "Letter", "Why it was not printed"]


def exception_rows(letters: QuerySet[Notice]) -> Iterator[list]:
    for letter in letters.iterator(chunk_size=EXPORT_CHUNK):
        yield [
            letter.mail_batch.day,
            letter.member.member_number,
            letter.member.full_name,
            letter.subject,
            letter.last_error,
        ]


# --- Payments for accounting ------------------------------------------------------------------------------


def payments_received(*, start: datetime.date, end: datetime.date) -> QuerySet[Payment]:
    """Payments received from `start` to `end` (both included), in the order received (index
    payment_received)."""
    return (
        Payment.objects.filter(received_on__gte=start, received_on__lte=end)
        .select_related("invoice__certification__member")
        .order_by("received_on", "id")
    )


PAYMENT_COLUMNS = [
    "Date",
    "Member number",
    "Member",
    "Invoice",
    "Amount",
    "Method",
    "Reference",
    "Stripe id",
    "Refunded",
    "Refunded on",
]


def payment_rows(payments: QuerySet[Payment]) -> Iterator[list]:
    """A refund gives back the whole payment (billing.services.refunds), so the refunded amount is the
    payment's own when it has a refund date."""
    for payment in payments.iterator(chunk_size=EXPORT_CHUNK):
        member = payment.invoice.certification.member
        refunded = payment.refunded_on is not None
        yield [
            payment.received_on,
            member.member_number,
            member.full_name,
            payment.invoice.number,
            Money.from_cents(payment.amount_cents),
            payment.get_method_display(),
            payment.reference,
            payment.stripe_payment_intent_id or "",
            Money.from_cents(payment.amount_cents) if refunded else None,
            payment.refunded_on,
        ]
