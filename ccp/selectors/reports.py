"""What the CCP pages and the transcript show of a cycle: its report (points by category, each activity's
counted points and lock, live for an open cycle or as stored when it closed) and the open cycles' summaries
for the dashboard and the CCP overview, each read in a fixed number of queries."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from ccp import rules
from ccp.models import Activity, Cycle
from ccp.selectors.cycles import activities_overlapping, category_rules, cycle_compliance, locked_activity_ids


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
