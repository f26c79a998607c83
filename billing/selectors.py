"""Billing reads used by more than one page (related rows fetched once, so query counts stay flat)."""

import datetime

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from billing import rules
from billing.models import BillingPolicy, CardPaymentIntent, Invoice, Payment
from members.models import Certification, CertificationPolicy, Member
from members.rules import Status


def _invoices() -> QuerySet[Invoice]:
    return Invoice.objects.select_related("certification__credential", "certification__member", "payment")


def member_invoices(member: Member) -> QuerySet[Invoice]:
    """The member's invoices, open ones first (earliest due first), then the rest, newest first."""
    return (
        _invoices()
        .filter(certification__member=member)
        .annotate(
            open_first=Case(
                When(state=Invoice.State.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("open_first", Case(When(state=Invoice.State.OPEN, then="due_on")), "-due_on", "-id")
    )


def member_invoice(member: Member, number: str) -> Invoice | None:
    """One of the member's invoices by number; None for anybody else's (the view answers 404)."""
    return _invoices().filter(certification__member=member, number=number).first()


def member_payments(member: Member) -> QuerySet[Payment]:
    return Payment.objects.filter(invoice__certification__member=member).select_related(
        "invoice__certification__credential"
    )


def open_invoices_by_certification(certifications: list[Certification]) -> dict[int, list[Invoice]]:
    """For the dashboard: each certification's open invoices, earliest due first. One query without a join:
    the certifications are at hand and are set on their invoices."""
    by_id = {certification.pk: certification for certification in certifications}
    by_certification: dict[int, list[Invoice]] = {}
    if not by_id:
        return by_certification
    open_invoices = Invoice.objects.filter(certification_id__in=by_id, state=Invoice.State.OPEN)
    for invoice in open_invoices.order_by("due_on", "id"):
        invoice.certification = by_id[invoice.certification_id]
        by_certification.setdefault(invoice.certification_id, []).append(invoice)
    return by_certification


def fees_keeping_lapsed(*, invoice: Invoice, today: datetime.date) -> list[datetime.date]:
    """While the invoice's certification is Lapsed (fees): the due dates of its other open fees past their
    grace, which keep it Lapsed once this one is paid. The status is the certification's as stored (it is
    recomputed after every payment): pass an invoice read after the payment."""
    if invoice.certification.status != Status.LAPSED:
        return []
    others = (
        Invoice.objects.filter(certification_id=invoice.certification_id, state=Invoice.State.OPEN)
        .exclude(pk=invoice.pk)
        .values_list("due_on", flat=True)
    )
    return rules.fees_past_grace(others, grace_days=CertificationPolicy.current().grace_days, today=today)


def member_without_invoices_notes(*, member: Member, today: datetime.date) -> list[tuple[Certification, str]]:
    """For the invoices page of a member who has none: each certification with, in words, when its invoice
    comes or why none is issued (rules.no_invoice_words)."""
    issue_days = BillingPolicy.current().issue_days_before_due
    return [
        (
            certification,
            rules.no_invoice_words(
                credential_code=certification.credential.code,
                status=certification.status_enum,
                certified_on=certification.certified_on,
                reinstated_on=certification.reinstated_on,
                paid_through=certification.paid_through,
                issue_days=issue_days,
                today=today,
            ),
        )
        for certification in member.certifications.select_related("credential")
    ]


def live_payment_intents() -> QuerySet[CardPaymentIntent]:
    """Intents Stripe has not cancelled: they may still take money. At most one per invoice (a constraint)."""
    return CardPaymentIntent.objects.exclude(status="canceled")


def live_payment_intent(*, invoice: Invoice) -> CardPaymentIntent | None:
    """The invoice's own live intent (not a payment of all open fees that includes it)."""
    return live_payment_intents().filter(invoice=invoice, lines__isnull=True).first()


def live_checkouts(*, invoice_ids) -> QuerySet[CardPaymentIntent]:
    """Live intents paying several fees at once ("Pay all open fees") that include any of the invoices."""
    return live_payment_intents().filter(lines__invoice_id__in=invoice_ids).distinct()


def member_open_invoices(member: Member) -> QuerySet[Invoice]:
    return _invoices().filter(certification__member=member, state=Invoice.State.OPEN).order_by("pk")


def member_checkout(member: Member) -> CardPaymentIntent | None:
    """The member's latest payment of all open fees that Stripe has not cancelled."""
    return (
        live_payment_intents()
        .filter(lines__invoice__certification__member=member)
        .distinct()
        .order_by("-pk")
        .first()
    )


def staff_invoice_search(query: str) -> QuerySet[Invoice]:
    """Invoices by number, member number or member's last name (billing staff)."""
    query = query.strip()
    if not query:
        return _invoices().none()
    return (
        _invoices()
        .filter(
            Q(number__icontains=query)
            | Q(certification__member__member_number__iexact=query)
            | Q(certification__member__last_name__iexact=query)
        )
        .order_by("-due_on", "-id")
    )


def staff_invoice(number: str) -> Invoice | None:
    return (
        _invoices()
        .select_related("certification__member__user", "payment__recorded_by")
        .prefetch_related("events__actor", "payment_intents")
        .filter(number=number)
        .first()
    )
