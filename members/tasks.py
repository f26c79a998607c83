"""Celery tasks of the members app: thin wrappers that take ids or an ISO date and call a service."""

from celery import shared_task
from django.conf import settings

from core import clock
from core.bulk import id_ranges, ranges_of
from members import services
from members.models import Certification, Notice


@shared_task(name="members.tasks.refresh_statuses")
def refresh_statuses(day: str | None = None) -> int:
    return services.certifications_refresh_statuses(today=clock.business_date(day), source="daily status job")


# The nightly run fans these two jobs out over workers (amtportal.jobs): a plan of id ranges, then one call
# per range, in any order and on any worker. Plain functions, so a benchmark can call them too.


def refresh_statuses_plan(day: str) -> list[list[int]]:
    return id_ranges(Certification.objects.all(), settings.NIGHTLY_CHUNK_SIZE)


def refresh_statuses_chunk(day: str, id_range: list[int]) -> int:
    return services.certifications_refresh_statuses(
        today=clock.business_date(day), source="daily status job", id_range=id_range
    )


def deliver_pending_notices_plan(day: str) -> list[list[int]]:
    """The e-mails waiting now, as ranges of EMAIL_DELIVERY_CHUNK_SIZE of them."""
    ids = list(services.notices_pending_emails().order_by("pk").values_list("pk", flat=True))
    return ranges_of(ids, settings.EMAIL_DELIVERY_CHUNK_SIZE)


def deliver_pending_notices_chunk(day: str, id_range: list[int]) -> int:
    return services.notices_deliver_pending(id_range=id_range)


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
