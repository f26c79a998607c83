"""Celery tasks of the members app: thin wrappers that take ids or an ISO date and call a service."""

from celery import shared_task

from core import clock
from members import services
from members.models import Notice


@shared_task(name="members.tasks.refresh_statuses")
def refresh_statuses(day: str | None = None) -> int:
    return services.certifications_refresh_statuses(today=clock.business_date(day), source="daily status job")


@shared_task(name="members.tasks.deliver_notices", bind=True, max_retries=5)
def deliver_notices(self, notice_ids: list[int]) -> int:
    """Send e-mails from the outbox; returns how many this call sent."""
    sent = services.notices_deliver_many(notice_ids=notice_ids)
    failed = list(
        Notice.objects.filter(pk__in=notice_ids, state=Notice.State.FAILED).values_list("pk", flat=True)
    )
    if failed and not self.request.is_eager:
        # The mail server refused or was down: retry those with backoff; the daily catch-up sends the rest.
        raise self.retry(args=[failed], countdown=60 * 2**self.request.retries)
    return sent


@shared_task(name="members.tasks.deliver_pending_notices")
def deliver_pending_notices(day: str | None = None) -> int:
    return services.notices_deliver_pending()
