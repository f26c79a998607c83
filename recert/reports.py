"""The board's recertification figures (issue 13, Reports): applications by route and outcome with the time
staff took to decide, and reinstatements per year and credential. SQL aggregates: on PostgreSQL the median is
the `percentile_cont` ordered-set aggregate in the same statement; elsewhere (the embedded SQLite) it is read
as the middle row(s) of the ordered durations, one small query per route."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Aggregate, Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce, ExtractYear

from recert.models import Application

State = Application.State
# A staff decision: authorized to test (the exam route's decision), approved, refused; an exam failed was
# decided by the authorization before it. Expired and withdrawn applications were never decided by staff.
STAFF_DECIDED = [State.AUTHORIZED, State.REINSTATED, State.REFUSED, State.EXAM_FAILED]
SUBMITTED_STATES = [state for state in State if state != State.DRAFT]


class Median(Aggregate):
    """PostgreSQL's median of an interval or number (`percentile_cont(0.5) WITHIN GROUP (ORDER BY ...)`)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _waited():
    """Days from submission to the staff decision (the authorization to test, for the exam route)."""
    return ExpressionWrapper(
        Coalesce("authorized_on", "decided_on") - F("submitted_on"), output_field=DurationField()
    )


DECIDED = Q(state__in=STAFF_DECIDED) & (Q(authorized_on__isnull=False) | Q(decided_on__isnull=False))


def applications_by_route(*, start: datetime.date, end: datetime.date) -> list[dict]:
    """[{route, total, <state>: count for every state but draft, decided, average_days, median_days}] for
    the applications submitted from `start` to `end`, one row per route that has any."""
    aggregates = {state.value: Count("id", filter=Q(state=state)) for state in SUBMITTED_STATES}
    aggregates |= {
        "total": Count("id"),
        "decided": Count("id", filter=DECIDED),
        "average": Avg("waited", filter=DECIDED),
    }
    postgres = connection.vendor == "postgresql"
    if postgres:
        aggregates["median"] = Median("waited", filter=DECIDED)
    submitted = Application.objects.order_by().filter(submitted_on__gte=start, submitted_on__lte=end)
    rows = list(submitted.annotate(waited=_waited()).values("route").annotate(**aggregates).order_by("route"))
    for row in rows:
        row["average_days"] = _days(row.pop("average"))
        median = (
            row.pop("median") if postgres else _median(submitted, route=row["route"], count=row["decided"])
        )
        row["median_days"] = _days(median)
    return rows


def _median(submitted, *, route: str, count: int) -> datetime.timedelta | None:
    if not count:
        return None
    decided = submitted.filter(DECIDED, route=route).annotate(waited=_waited()).order_by("waited")
    middle = list(decided.values_list("waited", flat=True)[(count - 1) // 2 : count // 2 + 1])
    return sum(middle, datetime.timedelta()) / len(middle)


def _days(duration: datetime.timedelta | None) -> Decimal | None:
    if duration is None:
        return None
    days = Decimal(duration.total_seconds()) / Decimal(86400)
    return days.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def reinstatements_by_year(*, first_year: int, last_year: int) -> list[dict]:
    """[{year, credential_code, count}]: recertifications (reinstatements), by the year reinstated."""
    return list(
        Application.objects.order_by()
        .filter(
            state=State.REINSTATED,
            reinstated_on__year__gte=first_year,
            reinstated_on__year__lte=last_year,
        )
        .values(year=ExtractYear("reinstated_on"), credential_code=F("certification__credential__code"))
        .annotate(count=Count("id"))
        .order_by("year", "credential_code")
    )
