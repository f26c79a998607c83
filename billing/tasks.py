"""Celery tasks of the billing app: thin, idempotent, taking an ISO date (None: today)."""

from celery import shared_task

from billing import services
from core import clock
from members.services.mail_batch import mail_batch_build


@shared_task(name="billing.tasks.reconcile_card_payments")
def reconcile_card_payments(day: str | None = None) -> int:
    return services.payment_intents_reconcile(today=clock.business_date(day))


@shared_task(name="billing.tasks.issue_invoices")
def issue_invoices(day: str | None = None) -> str:
    today = clock.business_date(day)
    voided = services.invoices_void_not_active(today=today)
    issued = services.invoices_issue_due(today=today)
    return f"{issued} issued, {voided} voided"


@shared_task(name="billing.tasks.send_renewal_notices")
def send_renewal_notices(day: str | None = None) -> int:
    return services.renewal_notices_send(today=clock.business_date(day))


@shared_task(name="billing.tasks.build_mail_batch")
def build_mail_batch(day: str | None = None) -> str:
    batch = mail_batch_build(day=clock.business_date(day))
    return f"{batch.letter_count} letters, {batch.exception_count} exceptions"
