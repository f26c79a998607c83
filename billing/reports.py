"""The board's figures that billing holds (issue 13, Reports): annual fees due per month and how they were
settled, the renewal rate by credential, revenue by month and kind, and refunds.

Pure reads, each one SQL aggregate. Amounts are integer cents in the body's currency (every invoice of the
portal is in USD). An invoice voided as issued in error is not a fee that was due: it is left out."""

from __future__ import annotations

import datetime

from django.db.models import Count, DateField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from billing.models import Invoice, Payment

State = Invoice.State
RECERTIFICATION_KINDS = [Invoice.Kind.RECERT_CCP, Invoice.Kind.RECERT_EXAM]


def _annual_fees_due(*, start: datetime.date, end: datetime.date):
    return (
        Invoice.objects.order_by()
        .filter(kind=Invoice.Kind.ANNUAL, due_on__gte=start, due_on__lte=end)
        .exclude(state=State.VOID)
    )


def _settlement_counts(grace_days: int) -> dict:
    """Filtered counts of how annual fees were settled: paid by the last day before the lapse date (due date
    + grace) is on time, later is late; waived, refunded (owed again) and still open are their own columns."""
    on_time_by = ExpressionWrapper(
        F("due_on") + datetime.timedelta(days=grace_days), output_field=DateField()
    )
    paid = Q(state=State.PAID)
    return {
        "due": Count("id"),
        "due_cents": Coalesce(Sum("amount_cents"), 0),
        "paid_on_time": Count("id", filter=paid & Q(payment__received_on__lte=on_time_by)),
        "paid_late": Count("id", filter=paid & Q(payment__received_on__gt=on_time_by)),
        "waived": Count("id", filter=Q(state=State.WAIVED)),
        "refunded": Count("id", filter=Q(state=State.REFUNDED)),
        "unpaid": Count("id", filter=Q(state=State.OPEN)),
    }


def annual_fees_by_month_and_credential(
    *, start: datetime.date, end: datetime.date, grace_days: int
) -> list[dict]:
    """[{month, credential_code, due, due_cents, paid_on_time, paid_late, waived, refunded, unpaid}] by the
    month of the due date and the credential, for fees due from `start` to `end`: at most 12 rows a year per
    credential, which the report adds up by month and by credential (one pass over the invoices)."""
    return list(
        _annual_fees_due(start=start, end=end)
        .values(
            month=TruncMonth("due_on", output_field=DateField()),
            credential_code=F("certification__credential__code"),
        )
        .annotate(**_settlement_counts(grace_days))
        .order_by("month", "credential_code")
    )


def revenue_by_month(*, start: datetime.date, end: datetime.date) -> list[dict]:
    """[{month, annual_cents, recertification_cents, payments}]: money received (card or check) by the month
    it was received, whatever happened to it later (refunds are their own figure)."""
    return list(
        Payment.objects.order_by()
        .filter(received_on__gte=start, received_on__lte=end)
        .values(month=TruncMonth("received_on", output_field=DateField()))
        .annotate(
            annual_cents=Coalesce(Sum("amount_cents", filter=Q(invoice__kind=Invoice.Kind.ANNUAL)), 0),
            recertification_cents=Coalesce(
                Sum("amount_cents", filter=Q(invoice__kind__in=RECERTIFICATION_KINDS)), 0
            ),
            payments=Count("id"),
        )
        .order_by("month")
    )


def refunds_by_month(*, start: datetime.date, end: datetime.date) -> list[dict]:
    """[{month, refunds, refunded_cents}]: card payments returned, by the month of the refund."""
    return list(
        Payment.objects.order_by()
        .filter(refunded_on__gte=start, refunded_on__lte=end)
        .values(month=TruncMonth("refunded_on", output_field=DateField()))
        .annotate(refunds=Count("id"), refunded_cents=Coalesce(Sum("amount_cents"), 0))
        .order_by("month")
    )
