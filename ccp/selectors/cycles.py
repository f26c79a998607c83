"""Reads of cycles and activities: the category rules, a cycle's activities and live compliance, the cycles
and activities a member may see, documents a user may download, the activity change history, and which
activities a cycle locks. Shared by pages, PDFs, jobs and later apps."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from ccp import rules
from ccp.models import Activity, ActivityCategory, ActivityChange, ActivityDocument, Cycle


def category_rules() -> list[rules.CategoryRule]:
    return [category.rule() for category in ActivityCategory.objects.all()]


def touching(window: rules.Window) -> Q:
    """Activities whose dates touch the window, as a filter (`rules.Window.touches` in SQL)."""
    dated = Q(completed_on__gte=window.start, completed_on__lte=window.end)
    period = Q(period_start__lte=window.end) & (Q(period_end__isnull=True) | Q(period_end__gte=window.start))
    return dated | period


def _with_category_and_documents(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    return (
        activities.select_related("category")
        .prefetch_related(Prefetch("documents", queryset=ActivityDocument.objects.order_by("id")))
        .order_by("completed_on", "period_start", "id")
    )


def activities_overlapping(certification_id: int, window: rules.Window) -> QuerySet[Activity]:
    """The certification's activities whose dates touch the window (the engine decides what counts)."""
    return _with_category_and_documents(
        Activity.objects.filter(certification_id=certification_id).filter(touching(window))
    )


def activities_of_cycles(cycles: list[Cycle]) -> dict[int, list[Activity]]:
    """`activities_overlapping` of several cycles, keyed by cycle id: two queries whatever their number."""
    if not cycles:
        return {}
    touching_any = Q()
    for cycle in cycles:
        touching_any |= Q(certification_id=cycle.certification_id) & touching(cycle.window)
    by_cycle: dict[int, list[Activity]] = {cycle.pk: [] for cycle in cycles}
    for activity in _with_category_and_documents(Activity.objects.filter(touching_any)):
        for cycle in cycles:
            same_certification = cycle.certification_id == activity.certification_id
            if same_certification and cycle.window.touches(activity.first_day, activity.last_day):
                by_cycle[cycle.pk].append(activity)
    return by_cycle


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
    cycle: Cycle,
    *,
    today: datetime.date,
    categories: list[rules.CategoryRule] | None = None,
    activities: list[Activity] | None = None,
) -> tuple[rules.ComplianceResult, list[Activity]]:
    """The live result of a cycle and its activities (for a closed cycle, the result stored at closing
    is the one to show: see `closed_result`). `activities`: already loaded (`activities_of_cycles`)."""
    if activities is None:
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
    """The cycle's live `result` with its attestation, if any (loaded with select_related)."""
    return rules.is_compliant(
        counted=result.counted, required=result.required, attested=hasattr(cycle, "attestation")
    )


def certification_cycles(certification_id: int) -> QuerySet[Cycle]:
    return (
        Cycle.objects.filter(certification_id=certification_id)
        .select_related("certification__credential", "certification__member", "attestation")
        .order_by("-start_on")
    )


def open_cycle(certification_id: int) -> Cycle | None:
    return certification_cycles(certification_id).filter(state=Cycle.State.OPEN).first()


# --- Member pages: what a member sees of their own cycles -----------------------------------------------


def member_cycle(*, member, pk: int) -> Cycle | None:
    """One of `member`'s own cycles; None for anybody else's."""
    return certification_cycles_of_member(member).filter(pk=pk).first()


def certification_cycles_of_member(member) -> QuerySet[Cycle]:
    return Cycle.objects.filter(certification__member=member).select_related(
        "certification__credential", "certification__member", "attestation"
    )


def member_activity(*, member, pk: int) -> Activity | None:
    """One of `member`'s own activities; None for anybody else's."""
    return (
        Activity.objects.filter(certification__member=member, pk=pk)
        .select_related("category", "certification__credential", "certification__member")
        .first()
    )


HISTORY_LENGTH = 50


def activity_changes(*, certification_id: int, limit: int = HISTORY_LENGTH) -> list[ActivityChange]:
    """The latest changes and removals of the certification's activities, newest first."""
    changes = ActivityChange.objects.filter(certification_id=certification_id).select_related("changed_by")
    return list(changes[:limit])


def document_for_user(*, user, pk: int) -> ActivityDocument | None:
    """A document its owner may download, as may administrators; None for anybody else."""
    documents = ActivityDocument.objects.select_related("activity__certification")
    if not (user.is_superuser or user.groups.filter(name="Administrator").exists()):
        documents = documents.filter(activity__certification__member__user=user)
    return documents.filter(pk=pk).first()


@dataclass(frozen=True)
class CategoryChoices:
    """The categories a claim of a certification may be recorded in, and why each other one is not."""

    offered: QuerySet[ActivityCategory]
    withheld: list[str]


def activity_categories(*, certification_id: int, keep_id: int | None = None) -> CategoryChoices:
    """The categories that can still earn points in the certification's open cycle (rules.category_offer),
    and `keep_id`, the category of the claim being edited, so that it can be saved as it is."""
    cycle = open_cycle(certification_id)
    offers = {
        category.pk: rules.category_offer(category.rule(), cycle.start_on if cycle else None)
        for category in ActivityCategory.objects.all()
    }
    offered = [pk for pk, offer in offers.items() if offer.offered or pk == keep_id]
    withheld = [offer.reason for pk, offer in offers.items() if pk not in offered]
    return CategoryChoices(ActivityCategory.objects.filter(pk__in=offered), withheld)


def cycle_locks(cycle: Cycle, activity: Activity, today: datetime.date | None = None) -> bool:
    """Whether `cycle` locks `activity`: a cycle under audit (or audited) locks what its dates touch; a
    closed cycle locks what counted in its stored result (a period recorded after it closed never counted
    for it)."""
    if not cycle.window.touches(activity.first_day, activity.last_day):
        return False
    if cycle.under_audit or cycle.audit_result:
        return True
    if cycle.is_open:
        return today is not None and cycle.end_on < today  # ended, closed by tonight's roll
    if not cycle.closing_result:
        return True
    counted = cycle.closing_result.get("activities", {}).get(str(activity.pk))
    return bool(counted and counted.get("counts"))


def locked_activity_ids(
    activities: list[Activity], cycles: list[Cycle], today: datetime.date | None = None
) -> set[int]:
    """The activities that can no longer change, on the certification's cycles already loaded."""
    return {
        activity.pk for activity in activities if any(cycle_locks(cycle, activity, today) for cycle in cycles)
    }
