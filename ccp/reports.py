"""The board's CCP figure (issue 13, Reports): how cycles ended, by the year of their last day: compliant by
points, compliant by attestation (the counted points were short and a signed attestation made up for it),
not compliant, and ended because the certification was no longer Active. One SQL aggregate."""

from __future__ import annotations

from django.db.models import Count, F, Q
from django.db.models.functions import ExtractYear

from ccp.models import Cycle

State = Cycle.State


def cycle_outcomes_by_year(*, first_year: int, last_year: int) -> list[dict]:
    """[{year, by_points, by_attestation, noncompliant, inactive}] for the cycles closed so far whose last
    day falls in those years (points frozen when each cycle closed)."""
    by_points = Q(state=State.COMPLIANT, counted_points__gte=F("required_points"))
    return list(
        Cycle.objects.order_by()
        .exclude(state=State.OPEN)
        .filter(end_on__year__gte=first_year, end_on__year__lte=last_year)
        .values(year=ExtractYear("end_on"))
        .annotate(
            by_points=Count("id", filter=by_points),
            by_attestation=Count("id", filter=Q(state=State.COMPLIANT) & ~by_points),
            noncompliant=Count("id", filter=Q(state=State.NONCOMPLIANT)),
            inactive=Count("id", filter=Q(state=State.INACTIVE)),
        )
        .order_by("year")
    )
