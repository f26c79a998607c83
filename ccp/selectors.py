"""Read queries and the compliance of a cycle, shared by pages, PDFs, jobs and later apps."""

import datetime
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from ccp import rules
from ccp.models import Activity, ActivityCategory, ActivityDocument, Cycle


def category_rules() -> list[rules.CategoryRule]:
    return [category.rule() for category in ActivityCategory.objects.all()]


def activities_overlapping(certification_id: int, window: rules.Window) -> QuerySet[Activity]:
    """The certification's activities whose dates touch the window (the engine decides what counts)."""
    dated = Q(completed_on__gte=window.start, completed_on__lte=window.end)
    period = Q(period_start__lte=window.end) & (Q(period_end__isnull=True) | Q(period_end__gte=window.start))
    return (
        Activity.objects.filter(certification_id=certification_id)
        .filter(dated | period)
        .select_related("category")
        .prefetch_related(Prefetch("documents", queryset=ActivityDocument.objects.order_by("id")))
        .order_by("completed_on", "period_start", "id")
    )


def required_points(cycle: Cycle) -> Decimal:
    return cycle.certification.credential.ccp_points_required


def evaluate(
    *,
    window: rules.Window,
    today: datetime.date,
    required: Decimal,
    activities: list[Activity],
    categories: list[rules.CategoryRule] | None = None,
) -> rules.ComplianceResult:
    return rules.evaluate(
        window=window,
        today=today,
        required=required,
        rules=categories if categories is not None else category_rules(),
        activities=[activity.facts() for activity in activities],
    )


def cycle_compliance(
    cycle: Cycle, *, today: datetime.date, categories: list[rules.CategoryRule] | None = None
) -> tuple[rules.ComplianceResult, list[Activity]]:
    """The live result of a cycle and its activities (for a closed cycle, the result stored at closing
    is the one to show: see `closed_result`)."""
    activities = list(activities_overlapping(cycle.certification_id, cycle.window))
    result = evaluate(
        window=cycle.window,
        today=today,
        required=required_points(cycle),
        activities=activities,
        categories=categories,
    )
    return result, activities


def cycle_is_compliant(cycle: Cycle, result: rules.ComplianceResult) -> bool:
    return result.compliant or hasattr(cycle, "attestation")


def certification_cycles(certification_id: int) -> QuerySet[Cycle]:
    return (
        Cycle.objects.filter(certification_id=certification_id)
        .select_related("certification__credential", "certification__member", "attestation")
        .order_by("-start_on")
    )


def open_cycle(certification_id: int) -> Cycle | None:
    return certification_cycles(certification_id).filter(state=Cycle.State.OPEN).first()
