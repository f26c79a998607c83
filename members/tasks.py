"""Celery tasks of the members app: thin wrappers that take ids or an ISO date and call a service."""

import datetime

from celery import shared_task

from amtportal import clock
from members import services


def _day(day: str | None) -> datetime.date:
    return datetime.date.fromisoformat(day) if day else clock.today()


@shared_task(name="members.tasks.refresh_statuses")
def refresh_statuses(day: str | None = None) -> int:
    return services.certifications_refresh_statuses(today=_day(day), source="daily status job")


@shared_task(name="members.tasks.deliver_notice", autoretry_for=(ConnectionError,), retry_backoff=True)
def deliver_notice(notice_id: int) -> bool:
    return services.notice_deliver(notice_id=notice_id)


@shared_task(name="members.tasks.deliver_pending_notices")
def deliver_pending_notices(day: str | None = None) -> int:
    return services.notices_deliver_pending()
