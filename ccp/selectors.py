"""Read queries and the compliance of a cycle, shared by pages, PDFs, jobs and later apps."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from ccp import rules
from ccp.models import Activity, ActivityCategory, ActivityChange, ActivityDocument, Cycle


def category_rules() -> list[rules.CategoryRule]:
    return [category.rule() for category in ActivityCategory.objects.all()]


def _touching(window: rules.Window) -> Q:
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
        Activity.objects.filter(certification_id=certification_id).filter(_touching(window))
    )


def activities_of_cycles(cycles: list[Cycle]) -> dict[int, list[Activity]]:
    """`activities_overlapping` of several cycles, keyed by cycle id: two queries whatever their number."""
    if not cycles:
        return {}
    touching = Q()
    for cycle in cycles:
        touching |= Q(certification_id=cycle.certification_id) & _touching(cycle.window)
    by_cycle: dict[int, list[Activity]] = {cycle.pk: [] for cycle in cycles}
    for activity in _with_category_and_documents(Activity.objects.filter(touching)):
        first, last = activity.first_day, activity.last_day or datetime.date.max
        for cycle in cycles:
            if (
                cycle.certification_id == activity.certification_id
                and first <= cycle.end_on
                and last >= cycle.start_on
            ):
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


def activity_categories() -> QuerySet[ActivityCategory]:
    return ActivityCategory.objects.all()


def cycle_locks(cycle: Cycle, activity: Activity, today: datetime.date | None = None) -> bool:
    """Whether `cycle` locks `activity`: a cycle under audit locks what its dates touch; a closed cycle locks
    what counted in its stored result (a period recorded after it closed never counted for it)."""
    first, last = activity.first_day, activity.last_day or datetime.date.max
    if cycle.start_on > last or cycle.end_on < first:
        return False
    if cycle.under_audit:
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


@dataclass(frozen=True)
class CategoryLine:
    name: str
    cap: Decimal | None
    raw: Decimal
    counted: Decimal

    @property
    def capped(self) -> bool:
        return self.counted < self.raw


@dataclass(frozen=True)
class ActivityLine:
    """An activity as a cycle counts it: points, the reason when a cap or a dated rule cut it."""

    activity: Activity
    raw: Decimal
    counted: Decimal
    counts: bool
    reason: str
    locked: bool
    days_counted: int | None = None

    @property
    def cut(self) -> bool:
        return self.counted < self.raw


@dataclass(frozen=True)
class CycleReport:
    """A cycle as the member sees it: live while open, the result frozen at closing once closed."""

    cycle: Cycle
    required: Decimal
    counted: Decimal
    attested: bool
    frozen: bool
    categories: list[CategoryLine]
    lines: list[ActivityLine]
    days_left: int

    @property
    def missing(self) -> Decimal:
        return max(self.required - self.counted, rules.ZERO)

    @property
    def enough_points(self) -> bool:
        return rules.is_compliant(counted=self.counted, required=self.required, attested=False)

    @property
    def compliant(self) -> bool:
        return rules.is_compliant(counted=self.counted, required=self.required, attested=self.attested)

    @property
    def percent(self) -> int:
        if self.required <= 0:
            return 100
        return min(int(self.counted * 100 / self.required), 100)


def _live_report(cycle: Cycle, today: datetime.date, locked: set[int], activities, result) -> CycleReport:
    lines = []
    for activity in activities:
        line = result.activities[activity.pk]
        lines.append(
            ActivityLine(
                activity=activity,
                raw=line.raw_points,
                counted=line.counted_points,
                counts=line.counts,
                reason=line.reason,
                locked=activity.pk in locked,
                days_counted=line.days_counted if activity.is_period and line.counts else None,
            )
        )
    return CycleReport(
        cycle=cycle,
        required=result.required,
        counted=result.counted,
        attested=hasattr(cycle, "attestation"),
        frozen=False,
        categories=[CategoryLine(c.name, c.cap, c.raw_points, c.counted_points) for c in result.categories],
        lines=lines,
        days_left=cycle.days_left(today),
    )


NOT_IN_CLOSING_RESULT = {
    "raw": "0",
    "counted": "0",
    "counts": False,
    "reason": "not part of the result at closing",
}


def _frozen_report(cycle: Cycle, locked: set[int], activities: list[Activity]) -> CycleReport:
    stored = cycle.closing_result
    lines = []
    for activity in activities:
        kept = stored["activities"].get(str(activity.pk), NOT_IN_CLOSING_RESULT)
        lines.append(
            ActivityLine(
                activity=activity,
                raw=Decimal(kept["raw"]),
                counted=Decimal(kept["counted"]),
                counts=kept["counts"],
                reason=kept["reason"],
                locked=activity.pk in locked,
            )
        )
    categories = [
        CategoryLine(
            name=c["name"],
            cap=None if c["cap"] is None else Decimal(c["cap"]),
            raw=Decimal(c["raw"]),
            counted=Decimal(c["counted"]),
        )
        for c in stored["categories"]
    ]
    return CycleReport(
        cycle=cycle,
        required=Decimal(stored["required"]),
        counted=Decimal(stored["counted"]),
        attested=stored["attested"],
        frozen=True,
        categories=categories,
        lines=lines,
        days_left=0,
    )


def cycle_report(cycle: Cycle, *, today: datetime.date, cycles: list[Cycle]) -> CycleReport:
    """The cycle's counted points, categories and activities (documents and categories prefetched once).

    `cycles` are all the certification's cycles (`certification_cycles`): they decide which activities
    are locked."""
    if cycle.is_open or cycle.closing_result is None:
        result, activities = cycle_compliance(cycle, today=today)
        return _live_report(cycle, today, locked_activity_ids(activities, cycles, today), activities, result)
    activities = list(activities_overlapping(cycle.certification_id, cycle.window))
    return _frozen_report(cycle, locked_activity_ids(activities, cycles), activities)


@dataclass(frozen=True)
class CycleSummary:
    cycle: Cycle
    result: rules.ComplianceResult
    days_left: int
    attested: bool

    @property
    def compliant(self) -> bool:
        result = self.result
        return rules.is_compliant(counted=result.counted, required=result.required, attested=self.attested)


def open_cycle_summaries(certifications: list, *, today: datetime.date) -> dict[int, CycleSummary]:
    """The open cycle of each certification with its live result, keyed by certification id: three
    queries whatever the number of certifications and activities (the dashboard and the CCP overview)."""
    by_id = {certification.pk: certification for certification in certifications}
    cycles = list(
        Cycle.objects.filter(certification_id__in=by_id, state=Cycle.State.OPEN).select_related("attestation")
    )
    if not cycles:
        return {}
    categories = category_rules()
    facts: dict[int, list[rules.ActivityFacts]] = {cycle.certification_id: [] for cycle in cycles}
    for activity in Activity.objects.filter(certification_id__in=facts).order_by("pk"):
        facts[activity.certification_id].append(activity.facts())
    summaries = {}
    for cycle in cycles:
        certification = by_id[cycle.certification_id]
        cycle.certification = certification
        result = rules.evaluate(
            window=cycle.window,
            today=today,
            required=certification.credential.ccp_points_required,
            rules=categories,
            activities=facts[cycle.certification_id],
        )
        summaries[certification.pk] = CycleSummary(
            cycle, result, cycle.days_left(today), hasattr(cycle, "attestation")
        )
    return summaries
