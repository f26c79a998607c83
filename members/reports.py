"""The board's figures that the members app holds (issue 13, Reports): certificants by status and credential,
the Active count at each month end, the lapse forecast, new certifications and lapses per year.

Pure reads, each one SQL aggregate (GROUP BY with filtered counts): no loop over members. The composer
(amtportal.reports) turns them into pages, charts and exports."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import Count, DateField, ExpressionWrapper, F, Q
from django.db.models.functions import ExtractDay, ExtractYear, TruncMonth

from members.models import Certification, StatusChange
from members.rules import Status
from members.rules.dates import ONE_DAY

# A fee's due date is the last day of a month at most 31 days after paid-through (paid-through is always the
# last day of a fee year, so the next fee year starts on a 1st and its fee is due at the end of that month).
LONGEST_MONTH = datetime.timedelta(days=31)


def certifications_by_status_and_credential() -> list[dict]:
    """[{credential_code, status, count}] for every credential and stored status that has certifications."""
    return list(
        Certification.objects.order_by()
        .values("status", credential_code=F("credential__code"))
        .annotate(count=Count("id"))
        .order_by("credential_code", "status")
    )


def active_at_month_ends(*, month_ends: Sequence[datetime.date]) -> dict[datetime.date, int]:
    """How many certifications were Active at the end of each day in `month_ends`, from the status history.

    Every change into Active adds one and every change out of Active takes one away, so the Active count
    at the end of a day is (changes into Active on or before it) - (changes out of Active on or before it):
    one pass over the history, one pair of filtered counts per month. A certification counts from its first
    recorded status (its enrolment in the portal), not from an earlier certified-on date: history from
    before the portal is not invented."""
    into, out_of = Q(to_status=Status.ACTIVE), Q(from_status=Status.ACTIVE)
    aggregates = {}
    for number, day in enumerate(month_ends):
        aggregates[f"in_{number}"] = Count("id", filter=into & Q(effective_on__lte=day))
        aggregates[f"out_{number}"] = Count("id", filter=out_of & Q(effective_on__lte=day))
    if not aggregates:
        return {}
    counts = StatusChange.objects.aggregate(**aggregates)
    return {day: counts[f"in_{n}"] - counts[f"out_{n}"] for n, day in enumerate(month_ends)}


def lapse_forecast(*, first_month: datetime.date, months: int, grace_days: int) -> list[dict]:
    """[{month, cause, count}]: Active certifications whose stored "Active through" date (members.rules:
    the earlier of the next unpaid fee's due date + grace and the end of a CCP cycle not yet compliant)
    puts their first day not Active in one of the `months` months from `first_month`, if nothing changes.

    The cause is "fee" when that date is the next fee's due date + grace (a fee due the day a cycle ends
    is named, as on the member's timeline), else "ccp"."""
    grace = datetime.timedelta(days=grace_days)
    stops_on = ExpressionWrapper(F("active_through") + ONE_DAY, output_field=DateField())
    due_on = ExpressionWrapper(F("active_through") - grace, output_field=DateField())
    day_after_due = ExpressionWrapper(F("active_through") - grace + ONE_DAY, output_field=DateField())
    end = _add_months(first_month, months)
    fee_caused = Q(
        paid_through__lt=due_on,
        paid_through__gte=ExpressionWrapper(
            F("active_through") - grace - LONGEST_MONTH, output_field=DateField()
        ),
        due_ends_month=1,
    )
    rows = (
        Certification.objects.order_by()
        .filter(
            status=Status.ACTIVE,
            active_through__gte=first_month - ONE_DAY,
            active_through__lt=end - ONE_DAY,
        )
        .annotate(
            month=TruncMonth(stops_on, output_field=DateField()), due_ends_month=ExtractDay(day_after_due)
        )
        .values("month")
        .annotate(fee=Count("id", filter=fee_caused), total=Count("id"))
        .order_by("month")
    )
    return [{"month": row["month"], "fee": row["fee"], "ccp": row["total"] - row["fee"]} for row in rows]


def new_certifications_by_year(*, first_year: int, last_year: int) -> list[dict]:
    """[{year, credential_code, count}]: certifications originally certified in each year."""
    return list(
        Certification.objects.order_by()
        .filter(certified_on__year__gte=first_year, certified_on__year__lte=last_year)
        .values(year=ExtractYear("certified_on"), credential_code=F("credential__code"))
        .annotate(count=Count("id"))
        .order_by("year", "credential_code")
    )


def lapses_by_year(*, first_year: int, last_year: int) -> list[dict]:
    """[{year, credential_code, count}]: times a certification stopped being Active (any cause), by the
    year of the change in the status history."""
    return list(
        StatusChange.objects.order_by()
        .filter(
            from_status=Status.ACTIVE,
            effective_on__year__gte=first_year,
            effective_on__year__lte=last_year,
        )
        .exclude(to_status=Status.ACTIVE)
        .values(year=ExtractYear("effective_on"), credential_code=F("certification__credential__code"))
        .annotate(count=Count("id"))
        .order_by("year", "credential_code")
    )


def _add_months(first_of_month: datetime.date, months: int) -> datetime.date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)
