"""The daily jobs of recertification: expire applications undecided past their validity, and submit any
application whose fee was paid but whose submission task was lost. Both select by state and are idempotent."""

import datetime

from django.db import transaction

from core.bulk import run_in_chunks
from recert.models import Application
from recert.services import notices
from recert.services.applications import application_submit_paid
from recert.services.moves import application_move, locked_application

SOURCE = "daily recertification job"


def _expire_chunk(ids: list[int], *, today: datetime.date) -> int:
    expired = 0
    for pk in ids:
        with transaction.atomic():
            application = locked_application(pk)
            if application.state not in Application.UNDECIDED_STATES or not application.expires_on:
                continue
            if application.expires_on >= today:
                continue
            application_move(
                application=application, to_state=Application.State.EXPIRED,
                reason="Not decided within its validity: expired.", today=today, actor=None, source=SOURCE,
            )  # fmt: skip
            application.decided_on = today
            application.save(update_fields=["decided_on"])
            notices.send_expired(application)
            expired += 1
    return expired


def applications_expire(*, today: datetime.date, chunk_size: int = 200) -> int:
    """Undecided past `expires_on` (6 months after submission): expired, and the member told."""
    ids = list(
        Application.objects.filter(state__in=Application.UNDECIDED_STATES, expires_on__lt=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return run_in_chunks(ids, chunk_size, lambda chunk: _expire_chunk(chunk, today=today))


def applications_submit_paid(*, today: datetime.date) -> int:
    """Drafts whose fee is paid are submitted (the payment's task normally did it at once)."""
    numbers = Application.objects.filter(state=Application.State.DRAFT).exclude(invoice_number="")
    submitted = 0
    for number in numbers.values_list("invoice_number", flat=True):
        application = application_submit_paid(invoice_number=number, today=today, source=SOURCE)
        submitted += bool(application and application.state == Application.State.SUBMITTED)
    return submitted


def recert_daily(*, today: datetime.date) -> dict[str, int]:
    return {"submitted": applications_submit_paid(today=today), "expired": applications_expire(today=today)}
