"""Celery tasks of the members app: thin wrappers that take ids or an ISO date and call a service."""

import datetime

from celery import shared_task

from amtportal import clock
from members import services
from members.models import Notice


def _day(day: str | None) -> datetime.date:
    return datetime.date.fromisoformat(day) if day else clock.today()


@shared_task(name="members.tasks.refresh_statuses")
def refresh_statuses(day: str | None = None) -> int:
    return services.certifications_refresh_statuses(today=_day(day), source="daily status job")


@shared_task(name="members.tasks.deliver_notice", bind=True, max_retries=5)
def deliver_notice(self, notice_id: int) -> bool:
    sent = services.notice_deliver(notice_id=notice_id)
    if (
        not sent
        and not self.request.is_eager
        and Notice.objects.filter(pk=notice_id, state=Notice.State.FAILED).exists()
    ):
        # The mail server refused or was down: try again with backoff; the daily catch-up job sends the rest.
        raise self.retry(countdown=60 * 2**self.request.retries)
    return sent


@shared_task(name="members.tasks.deliver_notices")
def deliver_notices(notice_ids: list[int]) -> int:
    """Send a chunk's e-mails; one that fails stays failed for the daily catch-up job."""
    from members.services.notices import notices_deliver_many

    return notices_deliver_many(notice_ids=notice_ids)


@shared_task(name="members.tasks.deliver_pending_notices")
def deliver_pending_notices(day: str | None = None) -> int:
    return services.notices_deliver_pending()
