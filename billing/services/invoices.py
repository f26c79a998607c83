"""Invoices: issue, and every state move through one service that writes the history row and reports the
new paid-through date to members (which refreshes the certification's status)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from billing import rules
from billing.models import BillingPolicy, Invoice, InvoiceEvent, Payment
from billing.selectors import live_payment_intents
from core import clock
from core.bulk import run_in_chunks
from core.formatting import format_date
from core.links import absolute_url
from members import rules as member_rules
from members.models import Certification, Notice, User
from members.rules import RECERTIFICATION_REQUIRED_STATUSES, RENEWING_STATUSES, Status, next_unpaid_fee_year
from members.services import certification_record_paid_through
from members.services.notices import NoticeDraft, notices_cancel, notices_enqueue

RENEWAL_KIND = "renewal"
RECEIPT_KIND = "receipt"


def _event(invoice: Invoice, *, from_state: str, reason: str, today, actor, source: str) -> InvoiceEvent:
    return InvoiceEvent(
        invoice=invoice,
        from_state=from_state,
        to_state=invoice.state,
        reason=reason,
        effective_on=today,
        actor=actor,
        source=source,
        at=clock.now(),
    )


def _settled_fee_year_starts(certification: Certification) -> list[datetime.date]:
    starts = Invoice.objects.filter(
        certification=certification, kind=Invoice.Kind.ANNUAL, state__in=Invoice.SETTLED_STATES
    ).values_list("fee_year_start", flat=True)
    return [start for start in starts if start]


def _report_paid_through(invoice: Invoice, *, from_state: str, today, actor, source: str) -> None:
    """An annual invoice that became settled, or stopped being settled, moves the paid-through date."""
    if invoice.kind != Invoice.Kind.ANNUAL:
        return
    certification = Certification.objects.select_for_update().get(pk=invoice.certification_id)
    settled_now = invoice.state in Invoice.SETTLED_STATES
    owed_again = from_state in Invoice.SETTLED_STATES and not settled_now
    paid_through = member_rules.paid_through(
        anchor=certification.anchor_date,
        # The run grows only when a fee year became settled: only then are the settled years read.
        settled_fee_year_starts=_settled_fee_year_starts(certification) if settled_now else (),
        recorded_paid_through=certification.paid_through,
        owed_again=invoice.fee_year if owed_again else None,
    )
    certification_record_paid_through(
        certification=certification, paid_through=paid_through, today=today, actor=actor, source=source
    )


def invoice_move(
    *,
    invoice: Invoice,
    to_state: str,
    reason: str,
    today: datetime.date,
    actor: User | None = None,
    source: str,
) -> Invoice:
    """Move an invoice to `to_state` (allowed moves: rules.TRANSITIONS) with a history row; paid-through and
    the status follow at once, and reminders not sent yet are withdrawn once it is no longer open."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.state == to_state:
            return locked
        if not rules.can_move(locked.state, to_state):
            raise ValidationError(
                f"Invoice {locked.number} is {locked.get_state_display().lower()}: it cannot be "
                f"{Invoice.State(to_state).label.lower()}."
            )
        from_state = locked.state
        locked.state = to_state
        locked.state_reason = reason
        locked.settled_on = today
        locked.save(update_fields=["state", "state_reason", "settled_on"])
        _event(locked, from_state=from_state, reason=reason, today=today, actor=actor, source=source).save()
        _report_paid_through(locked, from_state=from_state, today=today, actor=actor, source=source)
        notices_cancel(
            member_id=locked.certification.member_id, kind=RENEWAL_KIND, key_prefix=f"{locked.number}:"
        )
        if from_state == Invoice.State.OPEN and live_payment_intents().filter(invoice=locked).exists():
            transaction.on_commit(lambda: _cancel_payment_intents(locked.pk))
    return locked


def _cancel_payment_intents(invoice_id: int) -> None:
    from billing.services.payments import payment_intents_cancel  # payments builds on this module

    payment_intents_cancel(invoice_id=invoice_id)


def _receipt_notice(invoice: Invoice, payment: Payment) -> None:
    member = invoice.certification.member
    notices_enqueue(
        [
            NoticeDraft(
                member=member,
                kind=RECEIPT_KIND,
                key=invoice.number,
                channel=Notice.Channel.EMAIL,
                template="email/receipt",
                context={
                    "invoice": invoice,
                    "payment": payment,
                    "certification": invoice.certification,
                    "receipt_link": absolute_url(reverse("billing:receipt_pdf", args=[invoice.number])),
                },
            )
        ]
    )


def invoice_record_payment(
    *,
    invoice: Invoice,
    method: str,
    received_on: datetime.date,
    reference: str,
    today: datetime.date,
    actor: User | None = None,
    source: str,
    stripe_payment_intent_id: str | None = None,
) -> Payment:
    """The invoice is paid: one Payment (with its receipt number), the paid move, and a receipt e-mail.
    Paying an invoice that is already paid by the same payment changes nothing (webhook duplicates)."""
    with transaction.atomic():
        locked = (
            Invoice.objects.select_for_update()
            .select_related("certification__member__user")
            .get(pk=invoice.pk)
        )
        existing = Payment.objects.filter(invoice=locked).first()
        if existing is not None:
            if stripe_payment_intent_id and existing.stripe_payment_intent_id == stripe_payment_intent_id:
                return existing
            raise ValidationError(
                f"Invoice {locked.number} already has a payment ({existing.receipt_number})."
            )
        if received_on > today:
            raise ValidationError("The payment date cannot be in the future.")
        invoice_move(
            invoice=locked,
            to_state=Invoice.State.PAID,
            reason=f"{Payment.Method(method).label} payment {reference}".strip(),
            today=today,
            actor=actor,
            source=source,
        )
        payment = Payment.objects.create(
            invoice=locked,
            receipt_number=rules.receipt_number(locked.number),
            method=method,
            amount_cents=locked.amount_cents,
            currency=locked.currency,
            received_on=received_on,
            reference=reference,
            stripe_payment_intent_id=stripe_payment_intent_id,
            recorded_by=actor,
        )
        locked.state = Invoice.State.PAID
        _receipt_notice(locked, payment)
    return payment


def invoice_record_check(
    *, invoice: Invoice, check_number: str, received_on: datetime.date, today: datetime.date, actor: User
) -> Payment:
    """Billing staff record a check (an offline payment) received on `received_on`."""
    check_number = check_number.strip()
    if not check_number:
        raise ValidationError("Enter the check number.")
    return invoice_record_payment(
        invoice=invoice,
        method=Payment.Method.CHECK,
        received_on=received_on,
        reference=f"check no. {check_number}",
        today=today,
        actor=actor,
        source="offline payment",
    )


def require_reason(reason: str) -> str:
    """A staff decision's reason: required, kept in the history and shown to the member."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("Give a reason: it is kept in the invoice's history and shown to the member.")
    return reason


def invoice_waive(*, invoice: Invoice, reason: str, today: datetime.date, actor: User) -> Invoice:
    """Staff settle the fee without payment."""
    return invoice_move(
        invoice=invoice, to_state=Invoice.State.WAIVED, reason=require_reason(reason), today=today,
        actor=actor, source="waiver",
    )  # fmt: skip


def invoice_void(
    *, invoice: Invoice, reason: str, today: datetime.date, actor: User | None, source: str
) -> Invoice:
    """Issued in error (or the certification left Active): the fee year is owed again."""
    return invoice_move(
        invoice=invoice, to_state=Invoice.State.VOID, reason=require_reason(reason), today=today,
        actor=actor, source=source,
    )  # fmt: skip


# --- Issue --------------------------------------------------------------------------------------------


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
            _event(invoice, from_state="", reason="issued", today=today, actor=None, source=source)
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
    *, today: datetime.date, chunk_size: int = 1000, source: str = "daily invoice job"
) -> int:
    """Daily: every annual invoice due to be issued by today (catching up after missed days); returns how
    many were issued. Chunks are separate transactions over locked certifications, so a run killed
    half-way keeps what it issued and a rerun, or a second run at once, issues nothing twice."""
    issue_days = BillingPolicy.current().issue_days_before_due
    ids = list(_issue_candidates(today, issue_days).order_by("pk").values_list("pk", flat=True))
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
        _event(invoice, from_state="", reason="issued", today=today, actor=actor, source=source).save()
    return invoice


def invoices_void_not_active(*, today: datetime.date, source: str = "daily invoice job") -> int:
    """Open annual invoices of certifications that left Active and Lapsed are voided (DOMAIN.md "Leaving
    Active"): the way back is recertification, not these fees."""
    invoices = Invoice.objects.filter(
        kind=Invoice.Kind.ANNUAL,
        state=Invoice.State.OPEN,
        certification__status__in=RECERTIFICATION_REQUIRED_STATUSES,
    ).select_related("certification")
    voided = 0
    for invoice in invoices.order_by("pk").iterator(chunk_size=500):
        label = Status(invoice.certification.status).label
        invoice_void(
            invoice=invoice,
            reason=f"certification not active ({label})",
            today=today,
            actor=None,
            source=source,
        )
        voided += 1
    return voided


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
) -> Invoice:
    """A recertification fee (the recertification app issues it with its application): due on issue."""
    if kind == Invoice.Kind.ANNUAL:
        raise ValidationError("Annual invoices are issued by the renewal job.")
    with transaction.atomic():
        invoice = Invoice.objects.create(
            number=f"RC-{certification.credential.code}-{certification.member.member_number}-{reference}",
            certification=certification,
            kind=kind,
            description=description,
            amount_cents=amount_cents,
            currency=certification.credential.currency,
            issued_on=today,
            due_on=today,
        )
        _event(invoice, from_state="", reason="issued", today=today, actor=actor, source=source).save()
    return invoice
