"""Celery tasks of the billing app: thin, idempotent, taking an ISO date (None: today)."""

from celery import shared_task
from django.conf import settings

from billing import services
from billing.models import Invoice
from core import clock
from core.bulk import id_ranges
from members.models import Certification
from members.services.mail_batch import (
    mail_batch_assign,
    mail_batch_build,
    mail_batch_complete,
    mail_batch_part_render,
)


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


# The nightly run fans these jobs out over workers (amtportal.jobs): a plan (chunk arguments, JSON), one
# call per chunk in any order and on any worker, then the finish. Plain functions a benchmark can call.


def issue_invoices_plan(day: str) -> list[list[int]]:
    return id_ranges(Certification.objects.all(), settings.NIGHTLY_CHUNK_SIZE)


def issue_invoices_chunk(day: str, id_range: list[int]) -> dict:
    """One range of certifications: their invoices voided, then issued (what `issue_invoices` does to all)."""
    today = clock.business_date(day)
    voided = services.invoices_void_not_active(today=today, certification_id_range=id_range)
    return {"issued": services.invoices_issue_due(today=today, id_range=id_range), "voided": voided}


def send_renewal_notices_plan(day: str) -> list[list[int]]:
    return id_ranges(Invoice.objects.all(), settings.NIGHTLY_CHUNK_SIZE)


def send_renewal_notices_chunk(day: str, id_range: list[int]) -> int:
    return services.renewal_notices_send(today=clock.business_date(day), id_range=id_range)


def build_mail_batch_plan(day: str) -> dict:
    """The letters assigned to parts in one transaction; one chunk per part whose print file is missing."""
    plan = mail_batch_assign(day=clock.business_date(day))
    restored = len(plan.parts) if plan.finished_before else 0
    context = {"started": plan.started, "finished_before": plan.finished_before, "restored": restored}
    return {"chunks": plan.parts, "finish": context}


def build_mail_batch_chunk(day: str, number: int) -> int:
    return mail_batch_part_render(day=clock.business_date(day), number=number)


def build_mail_batch_finish(day: str, letters: int, *, started: bool, finished_before: bool, restored: int):
    batch = mail_batch_complete(
        day=clock.business_date(day),
        built_by=None,
        started=started,
        finished_before=finished_before,
        restored=restored,
    )
    return f"{batch.letter_count} letters, {batch.exception_count} exceptions"
