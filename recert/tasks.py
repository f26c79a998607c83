"""Celery tasks of the recertification app: thin and idempotent."""

import random

from celery import shared_task
from django.conf import settings

from core import clock
from recert import services
from recert.credentials.status_lists import status_lists_refresh
from recert.credly import CredlyUnavailable

MAX_BACKOFF_SECONDS = 3600


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


def backoff_seconds(retries: int, retry_after: float | None) -> float:
    """Exponential backoff with full jitter on top of the base, never shorter than Credly's Retry-After."""
    base = settings.CREDLY_RETRY_BACKOFF_SECONDS * 2**retries
    wait = min(MAX_BACKOFF_SECONDS, base + random.uniform(0, base / 2))  # noqa: S311 - jitter, not secrets
    return max(wait, retry_after or 0.0)


def _with_retries(task, call, badge_id: int) -> str:
    """Run a badge call; on a retryable failure retry with backoff, and after the last retry leave the
    badge in error for staff. Run in-process (no broker: `make run`, the tests) a failure is not retried
    there and then (that would hold the page or the demo for the backoff): the badge keeps waiting with
    its last error, and the daily reconcile queues it again."""
    today = clock.today()
    try:
        return call(badge_id=badge_id, today=today, source=task.name).state
    except CredlyUnavailable as error:
        if task.request.retries >= settings.CREDLY_MAX_RETRIES:
            return services.badge_give_up(badge_id=badge_id, today=today, source=task.name).state
        if task.request.is_eager:
            return f"waiting: {error.message}"
        countdown = backoff_seconds(task.request.retries, error.retry_after)
        raise task.retry(countdown=countdown, max_retries=settings.CREDLY_MAX_RETRIES) from error


@shared_task(name="recert.tasks.issue_badge", bind=True)
def issue_badge(self, badge_id: int) -> str:
    return _with_retries(self, services.badge_issue, badge_id)


@shared_task(name="recert.tasks.revoke_badge", bind=True)
def revoke_badge(self, badge_id: int) -> str:
    return _with_retries(self, services.badge_revoke, badge_id)


@shared_task(name="recert.tasks.certification_status_changed")
def certification_status_changed(certification_id: int) -> str:
    """Queued by members after a certification's status changed or it was created
    (settings.MEMBERS_STATUS_CHANGED_TASKS): end and revoke, or record and issue; then re-sign the status
    lists whose bits changed."""
    outcome = services.badges_follow_status(
        certification_id=certification_id, today=clock.today(), source="certification status changed"
    )
    status_lists_refresh()
    return outcome


@shared_task(name="recert.tasks.badges_and_credentials")
def badges_and_credentials(day: str | None = None) -> dict:
    """The daily catch-up: badges by state (recorded, ended, queued), then the status lists re-signed."""
    done = services.badges_reconcile(today=clock.business_date(day))
    return {**done, "status lists signed": status_lists_refresh()}
