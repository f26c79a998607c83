"""Certifications and their status: every status change goes through here and writes its history row."""

import datetime
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.module_loading import import_string

from core import clock
from core.bulk import bulk_update_rows, run_in_chunks
from members import rules
from members.models import Certification, CertificationPolicy, Credential, Member, StatusChange, User

STATUS_FIELDS = ["status", "status_reason", "lapse_date", "active_through"]


def _apply_status(
    certification: Certification,
    *,
    today: datetime.date,
    grace_days: int,
    actor: User | None,
    source: str,
) -> tuple[bool, StatusChange | None]:
    """Recompute the status in memory: (whether a stored field changed, the history row if the status did)."""
    before = [getattr(certification, name) for name in STATUS_FIELDS]
    previous = certification.status  # "" until the first derivation
    result = rules.derive_status(certification.facts(grace_days), today)
    certification.status = result.status
    certification.status_reason = result.reason
    certification.lapse_date = result.lapse_date
    certification.active_through = result.active_through
    dirty = before != [getattr(certification, name) for name in STATUS_FIELDS]
    if previous == result.status:
        return dirty, None
    return dirty, StatusChange(
        certification=certification,
        from_status=previous,
        to_status=result.status,
        reason=result.reason,
        lapse_date=result.lapse_date,
        effective_on=today,
        changed_by=actor,
        source=source,
        changed_at=clock.now(),
    )


def certification_refresh_status(
    *, certification: Certification, today: datetime.date, actor: User | None = None, source: str
) -> Certification:
    """Store the status the rules derive today; a change writes one history row, no change writes none."""
    with transaction.atomic():
        locked = Certification.objects.select_for_update().get(pk=certification.pk)
        dirty, change = _apply_status(
            locked,
            today=today,
            grace_days=CertificationPolicy.current().grace_days,
            actor=actor,
            source=source,
        )
        if dirty:
            locked.save(update_fields=STATUS_FIELDS)
        if change:
            change.save()
            _queue_status_changed_tasks(locked.pk)
    return locked


def _queue_status_changed_tasks(certification_id: int) -> None:
    """Later apps react to one certification's new status (a badge to issue or revoke, a status list to
    re-sign) through the tasks the composer names in settings.MEMBERS_STATUS_CHANGED_TASKS, queued with the
    certification id once the change commits. Members imports no later app; the nightly bulk refresh
    queues nothing (recert's daily reconcile finds that work by state)."""
    for path in settings.MEMBERS_STATUS_CHANGED_TASKS:
        task = import_string(path)  # the task's module path is also its name
        transaction.on_commit(partial(task.delay, certification_id))


def _locked(ids) -> list[Certification]:
    # Ordered by pk, not by the credential code of Meta.ordering: the join would lock credential rows too
    # (blocking every new certification meanwhile), and a fixed lock order avoids deadlocks.
    return list(Certification.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def _store_statuses(
    certifications: list[Certification], *, today: datetime.date, grace_days: int, source: str
) -> int:
    """Derive and store the status of locked certifications; returns how many changed status."""
    dirty, changes = [], []
    for certification in certifications:
        row_dirty, change = _apply_status(
            certification, today=today, grace_days=grace_days, actor=None, source=source
        )
        if row_dirty:
            dirty.append(certification)
        if change:
            changes.append(change)
    bulk_update_rows(Certification, dirty, STATUS_FIELDS)
    StatusChange.objects.bulk_create(changes)
    return len(changes)


def certifications_refresh_statuses(
    *, today: datetime.date, chunk_size: int = 1000, source: str, id_range: list[int] | None = None
) -> int:
    """The daily job: refresh every certification in chunks; returns how many changed status.

    Each chunk is its own transaction with its rows locked, so a run killed half-way keeps what it did,
    a rerun changes nothing that is already right, and two runs at once cannot both write a change.
    `id_range` [first, last]: only those certifications (one chunk of the nightly run fanned out over
    workers: a status depends on its own certification's facts only, so chunks are independent).
    """
    grace_days = CertificationPolicy.current().grace_days
    certifications = Certification.objects.all()
    if id_range is not None:
        certifications = certifications.filter(pk__range=id_range)
    ids = list(certifications.order_by("pk").values_list("pk", flat=True))
    return run_in_chunks(
        ids,
        chunk_size,
        lambda chunk: _store_statuses(_locked(chunk), today=today, grace_days=grace_days, source=source),
    )


@dataclass(frozen=True)
class CcpOutcome:
    """What CCP reports for one certification: compliant through a day, or a cycle that failed."""

    certification_id: int
    compliant_through: datetime.date | None = None
    failed_cycle_end: datetime.date | None = None


def certifications_record_ccp_outcomes(
    *, outcomes: list[CcpOutcome], today: datetime.date, source: str
) -> int:
    """Many CCP outcomes at once (the cycle roll), in the caller's transaction; returns status changes."""
    by_id = {outcome.certification_id: outcome for outcome in outcomes}
    certifications = _locked(list(by_id))
    for certification in certifications:
        outcome = by_id[certification.pk]
        if outcome.compliant_through:
            certification.ccp_compliant_through = outcome.compliant_through
        if outcome.failed_cycle_end:
            certification.ccp_failed_on = outcome.failed_cycle_end + rules.ONE_DAY
    bulk_update_rows(Certification, certifications, ["ccp_compliant_through", "ccp_failed_on"])
    grace_days = CertificationPolicy.current().grace_days
    return _store_statuses(certifications, today=today, grace_days=grace_days, source=source)


def certification_create(
    *,
    member: Member,
    credential: Credential,
    certified_on: datetime.date,
    today: datetime.date,
    actor: User | None = None,
    source: str,
) -> Certification:
    """A new certification: the fee year containing the certified-on date is covered by the exam fee.

    Start certifications through `ccp.services.certification_enrol`, which calls this and opens the CCP
    cycle in the same transaction (this app knows nothing of cycles; pages never open a missing one)."""
    if certified_on > today:
        raise ValidationError(f"The certification date {certified_on} is in the future.")
    if Certification.objects.filter(member=member, credential=credential).exists():
        raise ValidationError(f"{member.member_number} already holds the {credential.code} certification.")
    with transaction.atomic():
        certification = Certification(
            member=member,
            credential=credential,
            certified_on=certified_on,
            paid_through=rules.initial_paid_through(certified_on),
        )
        certification.save()
        return certification_refresh_status(
            certification=certification, today=today, actor=actor, source=source
        )


def _record(certification: Certification, *, today, actor, source, **facts) -> Certification:
    with transaction.atomic():
        locked = Certification.objects.select_for_update().get(pk=certification.pk)
        for field, value in facts.items():
            setattr(locked, field, value)
        locked.save(update_fields=list(facts))
        return certification_refresh_status(certification=locked, today=today, actor=actor, source=source)


def certification_record_paid_through(
    *,
    certification: Certification,
    paid_through: datetime.date,
    today: datetime.date,
    actor: User | None = None,
    source: str,
) -> Certification:
    """Billing reports the contiguous paid-through date after a payment, waiver, void or refund."""
    return _record(certification, today=today, actor=actor, source=source, paid_through=paid_through)


def certification_record_ccp_failure(
    *, certification: Certification, cycle_end: datetime.date, today: datetime.date, source: str
) -> Certification:
    """CCP reports a cycle that closed without compliance: not compliant from the next day."""
    return _record(
        certification, today=today, actor=None, source=source, ccp_failed_on=cycle_end + rules.ONE_DAY
    )


def certification_record_ccp_compliance(
    *,
    certification: Certification,
    compliant_through: datetime.date | None,
    today: datetime.date,
    actor: User | None = None,
    source: str,
) -> Certification:
    """CCP reports the last day of the latest compliant cycle (None when none is)."""
    return _record(
        certification, today=today, actor=actor, source=source, ccp_compliant_through=compliant_through
    )


def certification_record_audit_failure(
    *,
    certification: Certification,
    failed_on: datetime.date,
    today: datetime.date,
    actor: User | None,
    source: str,
) -> Certification:
    """Audits report a failed audit: the day of the failing decision, or the day after the deadline."""
    return _record(certification, today=today, actor=actor, source=source, audit_failed_on=failed_on)


def certification_reinstate(
    *, certification: Certification, reinstated_on: datetime.date, actor: User | None, source: str
) -> Certification:
    """Recertification reinstates: a new anchor date, its fee year covered, earlier failures cleared.

    Reinstate through `ccp.services.certification_reenrol`, which calls this and opens the new anchor's
    first CCP cycle in the same transaction."""
    if reinstated_on < certification.certified_on:
        raise ValidationError("A certification cannot be reinstated before it was first awarded.")
    return _record(
        certification,
        today=reinstated_on,
        actor=actor,
        source=source,
        reinstated_on=reinstated_on,
        paid_through=rules.initial_paid_through(reinstated_on),
        ccp_failed_on=None,
        audit_failed_on=None,
        ccp_compliant_through=None,
        lapse_date=None,
    )
