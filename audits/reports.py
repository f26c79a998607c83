"""The board's audit figure (issue 13, Reports): the outcome of each yearly campaign's audits. One SQL
aggregate."""

from __future__ import annotations

from django.db.models import Count, F, Q

from audits.models import Audit

State = Audit.State
WAITING = [State.SELECTED, State.SUBMITTED, State.MORE_REQUESTED]


def audit_outcomes_by_campaign() -> list[dict]:
    """[{year, population, selected, passed, passed_by_verified, failed, waiting}] for every campaign,
    newest first: `passed_by_verified` are the passes at selection by the body's online CE (also in
    `passed`); `waiting` are still with the member or the reviewers."""
    return list(
        Audit.objects.order_by()
        .values(year=F("campaign__year"), population=F("campaign__population_count"))
        .annotate(
            selected=Count("id"),
            passed=Count("id", filter=Q(state=State.PASSED)),
            passed_by_verified=Count("id", filter=Q(state=State.PASSED, passed_by_verified=True)),
            failed=Count("id", filter=Q(state=State.FAILED)),
            waiting=Count("id", filter=Q(state__in=WAITING)),
        )
        .order_by("-year")
    )
