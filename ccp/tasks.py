"""Celery tasks of the CCP app: thin, idempotent, taking an ISO date (None: today)."""

from celery import shared_task

from ccp import services
from ccp.services.notices import ccp_compliance_notices_send
from core import clock


@shared_task(name="ccp.tasks.close_inactive_cycles")
def close_inactive_cycles(day: str | None = None) -> str:
    return str(services.cycles_close_inactive(today=clock.business_date(day)))


@shared_task(name="ccp.tasks.roll_cycles")
def roll_cycles(day: str | None = None) -> str:
    return str(services.cycles_roll(today=clock.business_date(day)))


@shared_task(name="ccp.tasks.open_missing_cycles")
def open_missing_cycles(day: str | None = None) -> int:
    return services.cycles_open_missing(today=clock.business_date(day))


@shared_task(name="ccp.tasks.send_compliance_notices")
def send_compliance_notices(day: str | None = None) -> int:
    return ccp_compliance_notices_send(today=clock.business_date(day))


@shared_task(name="ccp.tasks.refresh_compliance")
def refresh_compliance(day: str | None = None) -> int:
    return services.cycles_refresh_compliance(today=clock.business_date(day))
