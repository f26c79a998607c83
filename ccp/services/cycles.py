"""Cycles: opening, the daily roll, closing when the certification is no longer active, and reporting
compliance to the members app (which derives the certification's status from it)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q

from ccp import rules, selectors
from ccp.models import Activity, Cycle
from core.bulk import bulk_update_rows, chunked, run_in_chunks
from members import rules as member_rules
from members import services as member_services
from members.models import Certification
from members.rules import RENEWING_STATUSES

CCP_REQUIRED = Q(certified_on__gte=member_rules.CCP_ORIGINAL_CUTOFF) | Q(
    reinstated_on__gte=member_rules.CCP_REINSTATED_CUTOFF
)


def _new_cycle(certification: Certification, bounds: member_rules.Cycle) -> Cycle:
    return Cycle(
        certification=certification,
        anchor_on=certification.anchor_date,
        number=bounds.number,
        start_on=bounds.start,
        end_on=bounds.end,
    )


def cycle_open_current(*, certification: Certification, today: datetime.date) -> Cycle | None:
    """The open cycle of a CCP-required, Active or Lapsed certification, opened if missing: the cycle
    containing today (a certification imported with an old date starts in its current cycle)."""
    if not certification.ccp_required or not certification.is_renewing:
        return None
    existing = selectors.open_cycle(certification.pk)
    if existing:
        return existing
    bounds = member_rules.cycle_containing(certification.anchor_date, today)
    if bounds is None:
        return None
    already = Cycle.objects.filter(
        certification=certification, anchor_on=certification.anchor_date, number=bounds.number
    )
    if already.exists():  # that cycle has closed: the next opens when it rolls, not here
        return None
    try:
        with transaction.atomic():
            _new_cycle(certification, bounds).save()
    except IntegrityError:  # opened meanwhile by a concurrent request or job
        pass
    return selectors.open_cycle(certification.pk)


def cycles_open_missing(*, today: datetime.date, chunk_size: int = 1000) -> int:
    """Daily: every CCP-required Active or Lapsed certification without an open cycle gets its current one."""
    missing = (
        Certification.objects.filter(CCP_REQUIRED, status__in=RENEWING_STATUSES)
        .exclude(cycles__state=Cycle.State.OPEN)
        .order_by("pk")
    )
    opened = 0
    for certification in missing.iterator(chunk_size=chunk_size):
        before = Cycle.objects.filter(certification=certification).count()
        cycle_open_current(certification=certification, today=today)
        opened += Cycle.objects.filter(certification=certification).count() - before
    return opened


def _snapshot(result: rules.ComplianceResult, *, attested: bool) -> dict:
    """The closing result, stored so the cycle reads the same whatever the rules become later."""
    return {
        "required": str(result.required),
        "counted": str(result.counted),
        "attested": attested,
        "categories": [
            {"id": c.category_id, "name": c.name, "cap": None if c.cap is None else str(c.cap),
             "raw": str(c.raw_points), "counted": str(c.counted_points)}
            for c in result.categories
        ],
        "activities": {
            str(a.activity_id): {"raw": str(a.raw_points), "counted": str(a.counted_points),
                                 "counts": a.counts, "reason": a.reason}
            for a in result.activities.values()
        },
    }  # fmt: skip


def _close(cycle: Cycle, result: rules.ComplianceResult, *, state: str, today: datetime.date) -> None:
    cycle.state = state
    cycle.closed_on = today
    cycle.required_points = result.required
    cycle.counted_points = result.counted
    cycle.closing_result = _snapshot(result, attested=hasattr(cycle, "attestation"))


CLOSE_FIELDS = ["state", "closed_on", "required_points", "counted_points", "closing_result"]


@dataclass
class RollReport:
    compliant: int = 0
    noncompliant: int = 0
    inactive: int = 0

    def __str__(self):
        return (
            f"{self.compliant} rolled, {self.noncompliant} not compliant, {self.inactive} ended (not active)"
        )


def _locked_open_cycles(ids: list[int]) -> list[Cycle]:
    return list(
        Cycle.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, state=Cycle.State.OPEN)
        .select_related("certification__credential", "attestation")
        .order_by("pk")
    )


def cycles_compliance(
    cycles: list[Cycle], *, today: datetime.date, categories: list[rules.CategoryRule]
) -> dict[int, rules.ComplianceResult]:
    """The live compliance of many cycles (certification__credential loaded) with one query for the
    activities whose dates touch any of their windows; each cycle is evaluated on those touching its own."""
    if not cycles:
        return {}
    span = rules.Window(min(cycle.start_on for cycle in cycles), max(cycle.end_on for cycle in cycles))
    activities: dict[int, list[Activity]] = defaultdict(list)
    claims = Activity.objects.filter(
        selectors.touching(span), certification_id__in={c.certification_id for c in cycles}
    )
    for activity in claims.order_by("pk"):
        activities[activity.certification_id].append(activity)
    return {
        cycle.pk: rules.evaluate(
            window=cycle.window,
            today=today,
            required=cycle.certification.credential.ccp_points_required,
            rules=categories,
            activities=[
                a.facts()
                for a in activities[cycle.certification_id]
                if cycle.window.touches(a.first_day, a.last_day)
            ],
        )
        for cycle in cycles
    }


def _roll_chunk(ids: list[int], *, today: datetime.date, categories, report: RollReport) -> None:
    cycles = _locked_open_cycles(ids)
    results = cycles_compliance(cycles, today=today, categories=categories)
    outcomes, next_cycles = [], []
    for cycle in cycles:
        result = results[cycle.pk]
        if selectors.cycle_is_compliant(cycle, result):
            _close(cycle, result, state=Cycle.State.COMPLIANT, today=today)
            outcomes.append(
                member_services.CcpOutcome(cycle.certification_id, compliant_through=cycle.end_on)
            )
            if cycle.certification.is_renewing:
                bounds = member_rules.cycle(cycle.anchor_on, cycle.number + 1)
                next_cycles.append(_new_cycle(cycle.certification, bounds))
            report.compliant += 1
        else:
            _close(cycle, result, state=Cycle.State.NONCOMPLIANT, today=today)
            outcomes.append(member_services.CcpOutcome(cycle.certification_id, failed_cycle_end=cycle.end_on))
            report.noncompliant += 1
    bulk_update_rows(Cycle, cycles, CLOSE_FIELDS)
    Cycle.objects.bulk_create(next_cycles)
    member_services.certifications_record_ccp_outcomes(
        outcomes=outcomes, today=today, source="daily cycle roll"
    )


def cycles_roll(*, today: datetime.date, chunk_size: int = 500) -> RollReport:
    """Daily: every open cycle that ended before today closes. Compliant (points or attestation): the next
    cycle opens the next day ("rolled"; fees are a separate axis). Otherwise: closed not compliant, and the
    certification becomes Non-compliant (CCP). Each chunk is one transaction: a run killed half-way and
    started again finishes the job, and a rerun finds nothing left to roll."""
    report = RollReport()
    categories = selectors.category_rules()
    # A cycle rolled today may itself have ended already (a job that was down for years): loop until none.
    while ids := list(
        Cycle.objects.filter(state=Cycle.State.OPEN, end_on__lt=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        run_in_chunks(
            ids,
            chunk_size,
            lambda chunk: _roll_chunk(chunk, today=today, categories=categories, report=report),
        )
    return report


def cycles_close_inactive(*, today: datetime.date, chunk_size: int = 500) -> RollReport:
    """Daily: the open cycle of a certification that is no longer Active or Lapsed ends ("ended:
    certification not active"); the way back is recertification (DOMAIN.md "Leaving Active")."""
    report = RollReport()
    categories = selectors.category_rules()
    ids = list(
        Cycle.objects.filter(state=Cycle.State.OPEN)
        .exclude(certification__status__in=RENEWING_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    report.inactive = run_in_chunks(
        ids, chunk_size, lambda chunk: _close_inactive_chunk(chunk, today=today, categories=categories)
    )
    return report


def _close_inactive_chunk(ids: list[int], *, today: datetime.date, categories) -> int:
    cycles = [c for c in _locked_open_cycles(ids) if not c.certification.is_renewing]
    results = cycles_compliance(cycles, today=today, categories=categories)
    for cycle in cycles:
        _close(cycle, results[cycle.pk], state=Cycle.State.INACTIVE, today=today)
    bulk_update_rows(Cycle, cycles, CLOSE_FIELDS)
    return len(cycles)


def compliant_through(certification: Certification, *, today: datetime.date) -> datetime.date | None:
    """The last day of the latest compliant cycle: the open one if it is compliant now, else a closed one."""
    current = selectors.open_cycle(certification.pk)
    if current is not None:
        result, _ = selectors.cycle_compliance(current, today=today)
        if selectors.cycle_is_compliant(current, result):
            return current.end_on
    latest = (  # cycles of an earlier anchor date ended before a reinstatement: they no longer count
        Cycle.objects.filter(
            certification=certification, anchor_on=certification.anchor_date, state=Cycle.State.COMPLIANT
        )
        .order_by("-end_on")
        .first()
    )
    return latest.end_on if latest else None


def certification_report_compliance(
    *, certification: Certification, today: datetime.date, actor=None
) -> None:
    """After a claim or an attestation changed: tell the members app how far the certification is compliant
    (this moves its "active through" date)."""
    through = compliant_through(certification, today=today)
    if through != certification.ccp_compliant_through:
        member_services.certification_record_ccp_compliance(
            certification=certification,
            compliant_through=through,
            today=today,
            actor=actor,
            source="CCP points",
        )


def cycles_refresh_compliance(*, today: datetime.date, chunk_size: int = 500) -> int:
    """Daily: re-evaluate every open cycle, because compliance also changes without an edit (an ongoing
    role adds days; an administrator changes a category), and report the changes to the members app so
    "active through" stays right. Returns how many certifications changed."""
    categories = selectors.category_rules()
    ids = list(
        Cycle.objects.filter(state=Cycle.State.OPEN, end_on__gte=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    changed = 0
    for chunk in chunked(ids, chunk_size):  # reads: each report is its own members service transaction
        cycles = list(
            Cycle.objects.filter(pk__in=chunk)
            .select_related("certification__credential", "attestation")
            .order_by("pk")
        )
        results = cycles_compliance(cycles, today=today, categories=categories)
        for cycle in cycles:
            certification = cycle.certification
            compliant = selectors.cycle_is_compliant(cycle, results[cycle.pk])
            stored = certification.ccp_compliant_through
            if compliant != (stored is not None and stored >= cycle.end_on):
                certification_report_compliance(certification=certification, today=today)
                changed += 1
    return changed


def cycles_mark_under_audit(*, cycle_ids: list[int]) -> int:
    """The audits app selected these closed cycles: their activities stay locked while the audit runs,
    and activities behind an attestation may be recorded in them."""
    return Cycle.objects.filter(pk__in=cycle_ids).update(under_audit=True)


def cycle_record_audit_result(*, cycle_id: int, passed: bool) -> None:
    """The audit of a closed cycle ended: the cycle shows "audit passed" or "audit failed" from now on."""
    result = Cycle.AuditResult.PASSED if passed else Cycle.AuditResult.FAILED
    Cycle.objects.filter(pk=cycle_id).update(under_audit=False, audit_result=result)


def certification_end_open_cycle(*, certification: Certification, today: datetime.date) -> int:
    """The certification left Active and Lapsed (a failed audit): its open cycle ends now, as the daily
    job would end it tonight ("ended: certification not active"). Returns how many cycles ended."""
    ids = list(
        Cycle.objects.filter(certification=certification, state=Cycle.State.OPEN).values_list("pk", flat=True)
    )
    return _close_inactive_chunk(ids, today=today, categories=selectors.category_rules()) if ids else 0
