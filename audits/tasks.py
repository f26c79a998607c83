"""Celery tasks of the audits app: thin, idempotent, taking an ISO date (None: today)."""

from celery import shared_task

from audits import services
from core import clock


@shared_task(name="audits.tasks.start_and_prepare_audits")
def start_and_prepare_audits(day: str | None = None) -> int:
    return services.audits_start_and_prepare(today=clock.business_date(day))


@shared_task(name="audits.tasks.audit_reminders_and_deadlines")
def audit_reminders_and_deadlines(day: str | None = None) -> dict:
    return services.audits_daily(today=clock.business_date(day))


@shared_task(name="audits.tasks.prepare_audits")
def prepare_audits(day: str | None = None) -> int:
    """Queued after a campaign starts, so its members are told without waiting for the night."""
    return services.audits_prepare(today=clock.business_date(day))
