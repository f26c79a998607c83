"""Issuing invoices: the daily job that issues every annual invoice due within the policy's days before its
due date (in chunks over locked certifications, so a rerun or a second run at once issues nothing twice),
the next fee year's invoice on request, the daily void of open annual invoices of certifications that left
Active and Lapsed, and the recertification fee the recertification app issues with its application."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from billing import rules
from billing.models import BillingPolicy, Invoice, InvoiceEvent
from billing.services.invoices import invoice_void, new_invoice_event
from core.bulk import run_in_chunks
from core.formatting import format_date
from members.models import Certification, User
from members.rules import RECERTIFICATION_REQUIRED_STATUSES, RENEWING_STATUSES, Status, next_unpaid_fee_year


def _annual_invoice(certification: Certification, fee_year, *, issue: int, today: datetime.date) -> Invoice:
    credential = certification.credential
    return Invoice(
        number=rules.annual_invoice_number(
            member_number=certification.member.member_number,
            credential_code=credential.code,
            fee_year=fee_year,
            issue=issue,
        ),
        certification=certification,
        credential=credential,
        kind=Invoice.Kind.ANNUAL,
        fee_year_start=fee_year.start,
        fee_year_end=fee_year.end,
        description=(
            f"{credential.code} annual fee, {format_date(fee_year.start, abbreviated=True)} to "
            f"{format_date(fee_year.end, abbreviated=True)}"
        ),
        amount_cents=credential.annual_fee_cents,
        currency=credential.currency,
        issued_on=today,
        due_on=fee_year.due_on,
    )


def _issue_chunk(ids: list[int], *, today: datetime.date, issue_days: int, source: str) -> int:
    certifications = list(
        Certification.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, status__in=RENEWING_STATUSES)
        .select_related("member", "credential")
        .order_by("pk")
    )
    annual = Invoice.objects.filter(certification__in=certifications, kind=Invoice.Kind.ANNUAL)
    # certification -> fee-year start -> states of its invoices (void and refunded ones count for numbering)
    issued: dict[int, dict[datetime.date, list[str]]] = {}
    for certification_id, start, state in annual.values_list("certification_id", "fee_year_start", "state"):
        if start is not None:  # always set on annual invoices (a check constraint)
            issued.setdefault(certification_id, {}).setdefault(start, []).append(state)
    new = []
    for certification in certifications:
        by_year = issued.get(certification.pk, {})
        live = [start for start, states in by_year.items() if set(states) & set(Invoice.LIVE_STATES)]
        years = rules.fee_years_to_invoice(
            paid_through=certification.paid_through, today=today, issue_days=issue_days, invoiced_starts=live
        )
        for year in years:
            issue = len(by_year.get(year.start, [])) + 1
            new.append(_annual_invoice(certification, year, issue=issue, today=today))
    Invoice.objects.bulk_create(new, batch_size=500)
    InvoiceEvent.objects.bulk_create(
        [
            new_invoice_event(invoice, from_state="", reason="issued", today=today, actor=None, source=source)
            for invoice in new
        ],
        batch_size=500,
    )
    return len(new)


def _issue_candidates(today: datetime.date, issue_days: int):
    """Certifications that may need an invoice: the next unpaid fee is due within `issue_days`, and either
    no live invoice covers the latest such fee year yet or an earlier one was voided or refunded."""
    horizon = today + datetime.timedelta(days=issue_days)
    annual = Invoice.objects.filter(certification=OuterRef("pk"), kind=Invoice.Kind.ANNUAL)
    latest_invoiced = annual.filter(
        state__in=Invoice.LIVE_STATES, due_on__gt=horizon - datetime.timedelta(days=365)
    )
    owed_again = annual.filter(
        state__in=[Invoice.State.VOID, Invoice.State.REFUNDED], fee_year_start__gt=OuterRef("paid_through")
    )
    return Certification.objects.filter(
        Q(~Exists(latest_invoiced)) | Q(Exists(owed_again)),
        status__in=RENEWING_STATUSES,
        paid_through__lt=horizon,
    )


def invoices_issue_due(
    *,
    today: datetime.date,
    chunk_size: int = 1000,
    source: str = "daily invoice job",
    id_range: list[int] | None = None,
) -> int:
    """Daily: every annual invoice due to be issued by today (catching up after missed days); returns how
    many were issued. Chunks are separate transactions over locked certifications, so a run killed
    half-way keeps what it issued and a rerun, or a second run at once, issues nothing twice.
    `id_range` [first, last]: only those certifications (a chunk of the night fanned out over workers; a
    certification's invoices depend on it alone and its partial unique constraint holds across chunks)."""
    issue_days = BillingPolicy.current().issue_days_before_due
    candidates = _issue_candidates(today, issue_days)
    if id_range is not None:
        candidates = candidates.filter(pk__range=id_range)
    ids = list(candidates.order_by("pk").values_list("pk", flat=True))
    return run_in_chunks(
        ids, chunk_size, lambda chunk: _issue_chunk(chunk, today=today, issue_days=issue_days, source=source)
    )


def invoice_issue_next(
    *, certification: Certification, today: datetime.date, actor: User | None = None, source: str
) -> Invoice:
    """The next unpaid fee year's invoice now, before the job would issue it (a member paying ahead)."""
    with transaction.atomic():
        locked = (
            Certification.objects.select_for_update()
            .select_related("member", "credential")
            .get(pk=certification.pk)
        )
        if locked.status not in RENEWING_STATUSES:
            raise ValidationError(
                "Only Active or Lapsed certifications are invoiced: the way back is recertification."
            )
        year = next_unpaid_fee_year(locked.paid_through)
        annual = Invoice.objects.filter(
            certification=locked, kind=Invoice.Kind.ANNUAL, fee_year_start=year.start
        )
        if annual.filter(state__in=Invoice.LIVE_STATES).exists():
            raise ValidationError(f"The fee year starting {format_date(year.start)} is already invoiced.")
        invoice = _annual_invoice(locked, year, issue=annual.count() + 1, today=today)
        invoice.save()
        new_invoice_event(
            invoice, from_state="", reason="issued", today=today, actor=actor, source=source
        ).save()
    return invoice


def invoices_void_not_active(
    *,
    today: datetime.date,
    source: str = "daily invoice job",
    certification_id: int | None = None,
    actor: User | None = None,
    certification_id_range: list[int] | None = None,
) -> int:
    """Open annual invoices of certifications that left Active and Lapsed are voided (DOMAIN.md "Leaving
    Active"): the way back is recertification, not these fees. `certification_id`: only that one's (a
    failed audit voids them at once rather than tonight); `certification_id_range` [first, last]: only
    those certifications' (a chunk of the nightly run)."""
    invoices = Invoice.objects.filter(
        kind=Invoice.Kind.ANNUAL,
        state=Invoice.State.OPEN,
        certification__status__in=RECERTIFICATION_REQUIRED_STATUSES,
    ).select_related("certification")
    if certification_id is not None:
        invoices = invoices.filter(certification_id=certification_id)
    if certification_id_range is not None:
        invoices = invoices.filter(certification__id__range=certification_id_range)
    voided = 0
    for invoice in invoices.order_by("pk").iterator(chunk_size=500):
        label = Status(invoice.certification.status).label
        invoice_void(
            invoice=invoice,
            reason=f"certification not active ({label})",
            today=today,
            actor=actor,
            source=source,
        )
        voided += 1
    return voided


def invoices_void_open_annual(
    *, certification_id: int, reason: str, today: datetime.date, actor: User | None, source: str
) -> int:
    """A reinstatement voids the certification's old open annual invoices ("reinstated"): the new anchor's
    fee year is covered by the recertification fee and its renewals start afresh."""
    invoices = Invoice.objects.filter(
        certification_id=certification_id, kind=Invoice.Kind.ANNUAL, state=Invoice.State.OPEN
    ).order_by("pk")
    for invoice in invoices:
        invoice_void(invoice=invoice, reason=reason, today=today, actor=actor, source=source)
    return len(invoices)


def invoice_issue_recertification_fee(
    *,
    certification: Certification,
    kind: str,
    amount_cents: int,
    description: str,
    reference: str,
    today: datetime.date,
    actor: User | None = None,
    source: str,
    continue_path: str = "",
) -> Invoice:
    """A recertification fee (the recertification app issues it with its application): due on issue.
    `continue_path`: the page the member goes back to once it is paid."""
    if kind == Invoice.Kind.ANNUAL:
        raise ValidationError("Annual invoices are issued by the renewal job.")
    with transaction.atomic():
        invoice = Invoice.objects.create(
            number=f"RC-{certification.credential.code}-{certification.member.member_number}-{reference}",
            certification=certification,
            credential_id=certification.credential_id,
            kind=kind,
            description=description,
            amount_cents=amount_cents,
            currency=certification.credential.currency,
            issued_on=today,
            due_on=today,
            continue_path=continue_path,
        )
        new_invoice_event(
            invoice, from_state="", reason="issued", today=today, actor=actor, source=source
        ).save()
    return invoice
