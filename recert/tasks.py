"""Celery tasks of the recertification app: thin and idempotent."""

from celery import shared_task

from core import clock
from recert import services


@shared_task(name="recert.tasks.application_paid")
def application_paid(invoice_number: str) -> str:
    """Queued by billing once a recertification fee is paid (settings.BILLING_PAID_TASKS)."""
    application = services.application_submit_paid(
        invoice_number=invoice_number, today=clock.today(), source="fee paid"
    )
    return application.state if application else "no application"


@shared_task(name="recert.tasks.daily")
def daily(day: str | None = None) -> dict:
    return services.recert_daily(today=clock.business_date(day))
