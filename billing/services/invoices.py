"""Invoices' state moves: every move goes through one service (`invoice_move`) that writes the history row
and reports the new paid-through date to members (which refreshes the certification's status); payments
recorded (card or check) with their receipt, waivers and voids. Issuing lives in billing.services.issuing."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.module_loading import import_string

from billing import rules
from billing.models import Invoice, InvoiceEvent, Payment
from billing.selectors import live_payment_intents
from core import clock
from core.links import absolute_url
from members import rules as member_rules
from members.models import Certification, Notice, User
from members.services import certification_record_paid_through
from members.services.notices import NoticeDraft, notices_cancel, notices_enqueue

RENEWAL_KIND = "renewal"
RECEIPT_KIND = "receipt"


def new_invoice_event(
    invoice: Invoice, *, from_state: str, reason: str, today, actor, source: str
) -> InvoiceEvent:
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
        new_invoice_event(
            locked, from_state=from_state, reason=reason, today=today, actor=actor, source=source
        ).save()
        _report_paid_through(locked, from_state=from_state, today=today, actor=actor, source=source)
        notices_cancel(
            member_id=locked.certification.member_id, kind=RENEWAL_KIND, key_prefix=f"{locked.number}:"
        )
        if from_state == Invoice.State.OPEN and live_payment_intents().filter(invoice=locked).exists():
            transaction.on_commit(lambda: _cancel_payment_intents(locked.pk))
        if to_state == Invoice.State.PAID:
            _queue_settled_task(locked)
    return locked


def _queue_settled_task(invoice: Invoice) -> None:
    """A later app that waits on a fee (a recertification application is submitted when paid) names a
    Celery task per invoice kind in the settings (BILLING_PAID_TASKS, set by the composer); it is queued
    with the invoice number once the payment commits. Billing imports no later app."""
    path = settings.BILLING_PAID_TASKS.get(invoice.kind)
    if path:
        task, number = import_string(path), invoice.number  # the task's module path is also its name
        transaction.on_commit(lambda: task.delay(number))


def _cancel_payment_intents(invoice_id: int) -> None:
    from billing.services.payment_sync import payment_intents_cancel  # payment_sync builds on this module

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
