"""A member's whole CCP history for staff: every certification, every cycle with its points (the stored
closing result of a closed cycle, the live result of an open one), and the history of activity changes."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from ccp import rules
from ccp.models import Activity, ActivityChange, Cycle
from ccp.selectors.cycles import activities_of_cycles, category_rules, cycle_compliance, cycle_is_compliant
from members.models import Certification, Member


@dataclass
class ActivityRow:
    activity: Activity
    result: rules.ActivityResult


@dataclass
class CycleRow:
    """A cycle with the points to show: the stored closing result when closed, the live result when open."""

    cycle: Cycle
    counted: Decimal | None
    required: Decimal | None
    attested: bool
    live: rules.ComplianceResult | None = None
    activities: list[ActivityRow] = field(default_factory=list)
    days_left: int | None = None

    @property
    def categories_with_points(self) -> list[rules.CategoryResult]:
        return [category for category in self.live.categories if category.raw_points] if self.live else []

    @property
    def compliant(self) -> bool:
        if self.live is not None:
            return cycle_is_compliant(self.cycle, self.live)
        return self.cycle.state == Cycle.State.COMPLIANT


@dataclass
class CertificationHistory:
    certification: Certification
    cycles: list[CycleRow]

    @property
    def open_cycle(self) -> CycleRow | None:
        return next((row for row in self.cycles if row.cycle.is_open), None)

    @property
    def cycles_go_on(self) -> bool:
        """Cycles open and roll only while the certification is Active or Lapsed (fees)."""
        return self.certification.is_renewing


def _member_with_cycles(member_number: str) -> Member | None:
    """The member, their certifications, every cycle with its attestation and the history of activity
    changes, in four queries."""
    cycles = Cycle.objects.select_related("attestation__signed_by").order_by("-start_on", "-pk")
    changes = ActivityChange.objects.select_related("changed_by")
    certifications = (
        Certification.objects.select_related("credential")
        .prefetch_related(Prefetch("cycles", queryset=cycles), Prefetch("activity_changes", queryset=changes))
        .order_by("credential__code")
    )
    return (
        Member.objects.select_related("user")
        .prefetch_related(Prefetch("certifications", queryset=certifications))
        .filter(member_number=member_number)
        .first()
    )


def _stored_points(cycle: Cycle, key: str, fallback: Decimal | None) -> Decimal | None:
    stored = (cycle.closing_result or {}).get(key)
    return Decimal(stored) if stored is not None else fallback


def _cycle_row(
    cycle: Cycle, *, today: datetime.date, categories: list[rules.CategoryRule], activities: list[Activity]
) -> CycleRow:
    attested = hasattr(cycle, "attestation")
    if not cycle.is_open:
        counted = _stored_points(cycle, "counted", cycle.counted_points)
        required = _stored_points(cycle, "required", cycle.required_points)
        return CycleRow(cycle, counted, required, attested)
    result, activities = cycle_compliance(cycle, today=today, categories=categories, activities=activities)
    rows = [ActivityRow(activity, result.activities[activity.pk]) for activity in activities]
    return CycleRow(
        cycle,
        result.counted,
        result.required,
        attested,
        live=result,
        activities=rows,
        days_left=cycle.days_left(today),
    )


def member_ccp_history(
    *, member_number: str, today: datetime.date
) -> tuple[Member, list[CertificationHistory]] | None:
    """The member and the CCP history of each certification; None when no member has this number. A fixed
    number of queries however many certifications, cycles and activities."""
    member = _member_with_cycles(member_number)
    if member is None:
        return None
    categories = category_rules()
    certifications = member.certifications.all()
    open_cycles = [cycle for c in certifications for cycle in c.cycles.all() if cycle.is_open]
    activities = activities_of_cycles(open_cycles)  # one query for every open cycle
    histories = [
        CertificationHistory(
            certification,
            [
                _cycle_row(cycle, today=today, categories=categories, activities=activities.get(cycle.pk, []))
                for cycle in certification.cycles.all()
            ],
        )
        for certification in certifications
    ]
    return member, histories
