"""The audit's daily jobs (ARCHITECTURE.md "Jobs"): start the campaign on the configured January day,
prepare selected audits, send reminders, and fail audits not submitted by their deadline. Each selects by
state, works in chunks (one transaction each) and does nothing on a rerun."""

import datetime

from django.db import transaction

from audits import rules
from audits.models import Audit, AuditCampaign, AuditPolicy
from audits.services import notices
from audits.services.campaigns import audits_prepare, campaign_start
from audits.services.moves import audit_finish, locked_audit
from core.bulk import run_in_chunks

SOURCE = "daily audit job"


def campaign_start_scheduled(*, today: datetime.date) -> AuditCampaign | None:
    """On (or after, catching up) the configured day of January, start the campaign for the year before."""
    day = AuditPolicy.current().auto_start_day
    if day is None or today.month != 1 or today.day < day:
        return None
    if AuditCampaign.objects.filter(year=today.year - 1).exists():
        return None
    return campaign_start(year=today.year - 1, today=today, actor=None, source=SOURCE).campaign


def audits_start_and_prepare(*, today: datetime.date, chunk_size: int = 200) -> int:
    """Nightly: the scheduled campaign start, then every selected audit not prepared yet."""
    campaign_start_scheduled(today=today)
    return audits_prepare(today=today, chunk_size=chunk_size, source=SOURCE)


def _remind_chunk(ids: list[int], *, steps: list[int], today: datetime.date) -> int:
    audits = (
        Audit.objects.filter(pk__in=ids, state__in=Audit.WAITING_ON_MEMBER)
        .select_related("certification__credential", "certification__member__user", "cycle")
        .order_by("pk")
    )
    drafts = []
    for audit in audits:
        step = rules.due_reminder(steps, deadline=audit.deadline, today=today, set_on=audit.deadline_set_on)
        if step is not None:
            drafts += notices.reminder_drafts(audit, step=step, today=today)
    return len(notices.send(drafts))


def audits_send_reminders(*, today: datetime.date, chunk_size: int = 500) -> int:
    """Reminders (data: 30 and 7 days before the deadline) to members whose audit waits on them; each
    once per audit, deadline and step (an extension's new deadline gets its own)."""
    steps = AuditPolicy.current().reminder_days
    if not steps:
        return 0
    ids = list(
        Audit.objects.filter(
            state__in=Audit.WAITING_ON_MEMBER,
            prepared_at__isnull=False,
            deadline__gte=today,
            deadline__lte=today + datetime.timedelta(days=max(steps)),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return run_in_chunks(ids, chunk_size, lambda chunk: _remind_chunk(chunk, steps=steps, today=today))


def _fail_one(pk: int, *, today: datetime.date) -> int:
    with transaction.atomic():
        audit = locked_audit(pk)
        if audit.state not in Audit.WAITING_ON_MEMBER or audit.deadline >= today:
            return 0
        audit_finish(
            audit=audit,
            passed=False,
            reason=rules.no_response_reason(audit.deadline),
            decided_on=rules.no_response_failure_day(audit.deadline),
            today=today,
            actor=None,
            source=SOURCE,
        )
    return 1


def audits_fail_overdue(*, today: datetime.date) -> int:
    """Audits waiting on the member past their deadline fail on the day after it; each in its own
    transaction with the certification's status, cycle and invoices, so a killed run resumes cleanly."""
    ids = list(
        Audit.objects.filter(state__in=Audit.WAITING_ON_MEMBER, deadline__lt=today, prepared_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(_fail_one(pk, today=today) for pk in ids)


def audits_daily(*, today: datetime.date) -> dict[str, int]:
    """Reminders, then deadlines."""
    return {
        "reminders": audits_send_reminders(today=today),
        "failed": audits_fail_overdue(today=today),
    }
