"""The CCP compliance engine (DOMAIN.md "CCP points"): pure, so it is tested exhaustively.

One function, `evaluate`, turns a date window, the activities and the category rules into a result that
explains itself: counted / required / missing points, each category's raw and counted totals, and for each
activity how much counted and why not more. The member page, the transcript, the cycle roll, audits and
recertification all call it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from core.formatting import format_date, format_points

ZERO = Decimal("0.00")
DAYS_PER_YEAR = 365


def round_points(value: Fraction) -> Decimal:
    """Round half up to two places, once, from the exact value (no float, no intermediate rounding)."""
    hundredths, remainder = divmod(value.numerator * 100, value.denominator)
    if 2 * remainder >= value.denominator:
        hundredths += 1
    return Decimal(hundredths).scaleb(-2)


def days_inclusive(start: datetime.date, end: datetime.date) -> int:
    return (end - start).days + 1


@dataclass(frozen=True)
class CategoryRule:
    """A category's point rule, as data (ActivityCategory)."""

    id: int
    name: str
    unit: str
    points_per_unit: Decimal
    cap: Decimal | None = None
    accepted_through: datetime.date | None = None
    is_period: bool = False


@dataclass(frozen=True)
class ActivityFacts:
    """A claim: a dated activity (completed_on) or a period (start, end or None for ongoing).

    `units` is exact (a Fraction) for dated activities; periods derive theirs from the days counted.
    `order` is the recording order, the tie-break after the completion date.
    """

    id: int
    category_id: int
    order: int
    units: Fraction = Fraction(0)
    completed_on: datetime.date | None = None
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None

    @property
    def is_period(self) -> bool:
        return self.period_start is not None


@dataclass(frozen=True)
class Window:
    """The dates a result is computed for: a cycle, or the 3 years before a recertification application."""

    start: datetime.date
    end: datetime.date

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def touches(self, first: datetime.date, last: datetime.date | None) -> bool:
        """Whether days `first` to `last` (None: ongoing) share a day with the window. The engine then
        decides what of an activity touching it counts; `selectors.touching` is the same test in SQL."""
        return first <= self.end and (last is None or last >= self.start)


@dataclass
class ActivityResult:
    activity_id: int
    category_id: int
    raw_points: Decimal
    counted_points: Decimal
    counts: bool  # False: outside the window or refused by a dated rule
    reason: str = ""  # why it counted less than its raw points (or not at all)
    counted_from: datetime.date | None = None  # periods: the days that counted
    counted_to: datetime.date | None = None
    days_counted: int = 0
    sort_day: datetime.date | None = None

    @property
    def cut(self) -> bool:
        return self.counts and self.counted_points < self.raw_points


@dataclass
class CategoryResult:
    category_id: int
    name: str
    cap: Decimal | None
    raw_points: Decimal = ZERO
    counted_points: Decimal = ZERO

    @property
    def capped(self) -> bool:
        return self.counted_points < self.raw_points


@dataclass
class ComplianceResult:
    window: Window
    required: Decimal
    counted: Decimal
    categories: list[CategoryResult]
    activities: dict[int, ActivityResult] = field(default_factory=dict)

    @property
    def missing(self) -> Decimal:
        return max(self.required - self.counted, ZERO)

    @property
    def enough_points(self) -> bool:
        """Compliant by points alone; a cycle is also compliant by attestation (`is_compliant`)."""
        return is_compliant(counted=self.counted, required=self.required, attested=False)

    @property
    def percent(self) -> int:
        if self.required <= 0:
            return 100
        return min(int(self.counted * 100 / self.required), 100)


def is_compliant(*, counted: Decimal, required: Decimal, attested: bool) -> bool:
    """DOMAIN.md "Compliance" of a cycle: the counted points reach the required points, or the member signed
    a CCP attestation that they earned them (subject to audit)."""
    return counted >= required or attested


def _accepted_only_through(rule: CategoryRule) -> str:
    """Why a dated rule refuses (part of) a claim."""
    assert rule.accepted_through is not None
    return f"{rule.name} is accepted only through {format_date(rule.accepted_through, abbreviated=True)}"


def _period_part(
    activity: ActivityFacts, rule: CategoryRule, window: Window, today: datetime.date
) -> tuple[datetime.date, datetime.date] | str:
    """The days of a period that count in the window, or the reason none do."""
    assert activity.period_start is not None
    end = min(activity.period_end or today, today)
    first, last = max(activity.period_start, window.start), min(end, window.end)
    if first > last:
        return "outside this cycle"
    if rule.accepted_through and last > rule.accepted_through:
        if first > rule.accepted_through:
            return _accepted_only_through(rule)
        last = rule.accepted_through
    return first, last


def _evaluate_activity(
    activity: ActivityFacts, rule: CategoryRule, window: Window, today: datetime.date
) -> ActivityResult:
    if activity.is_period:
        part = _period_part(activity, rule, window, today)
        assert activity.period_start is not None
        whole_end = min(activity.period_end or today, today)
        whole_days = max(days_inclusive(activity.period_start, whole_end), 0)
        raw = round_points(Fraction(whole_days, DAYS_PER_YEAR) * Fraction(rule.points_per_unit))
        if isinstance(part, str):
            return ActivityResult(activity.id, rule.id, raw, ZERO, False, part, sort_day=whole_end)
        first, last = part
        days = days_inclusive(first, last)
        points = round_points(Fraction(days, DAYS_PER_YEAR) * Fraction(rule.points_per_unit))
        # What the member claims in this cycle: the part inside the window, before a dated rule cuts it.
        in_window = days_inclusive(max(activity.period_start, window.start), min(whole_end, window.end))
        raw = round_points(Fraction(in_window, DAYS_PER_YEAR) * Fraction(rule.points_per_unit))
        reason = ""
        if days < whole_days:
            counted = f"{format_date(first, abbreviated=True)} to {format_date(last, abbreviated=True)}"
            reason = f"{days} of {whole_days} days count ({counted})"
            if rule.accepted_through and last == rule.accepted_through and whole_end > last:
                reason += f"; {_accepted_only_through(rule)}"
        return ActivityResult(activity.id, rule.id, raw, points, True, reason, first, last, days, last)

    assert activity.completed_on is not None
    raw = round_points(activity.units * Fraction(rule.points_per_unit))
    day = activity.completed_on
    if not window.contains(day):
        return ActivityResult(activity.id, rule.id, raw, ZERO, False, "outside this cycle", sort_day=day)
    if rule.accepted_through and day > rule.accepted_through:
        reason = _accepted_only_through(rule)
        return ActivityResult(activity.id, rule.id, raw, ZERO, False, reason, sort_day=day)
    return ActivityResult(activity.id, rule.id, raw, raw, True, sort_day=day)


def evaluate(
    *,
    window: Window,
    today: datetime.date,
    required: Decimal,
    rules: list[CategoryRule],
    activities: list[ActivityFacts],
) -> ComplianceResult:
    """Counted points of `activities` in `window`, capped per category in completion-date order."""
    by_id = {rule.id: rule for rule in rules}
    categories = {rule.id: CategoryResult(rule.id, rule.name, rule.cap) for rule in rules}
    results = [_evaluate_activity(a, by_id[a.category_id], window, today) for a in activities]
    order = {a.id: a.order for a in activities}
    # The cap is filled in completion order (then recording order): the latest activities are cut.
    for result in sorted(results, key=lambda r: (r.sort_day or window.end, order[r.activity_id])):
        if not result.counts:
            continue
        category = categories[result.category_id]
        category.raw_points += result.counted_points
        if category.cap is not None:
            room = max(category.cap - category.counted_points, ZERO)
            if result.counted_points > room:
                kept = room
                cap = format_points(category.cap, decimals="significant")
                note = f"category cap of {cap} points reached: {kept} of {result.counted_points} count"
                result.reason = f"{result.reason}; {note}" if result.reason else note
                result.counted_points = kept
        category.counted_points += result.counted_points
    counted = sum((c.counted_points for c in categories.values()), ZERO)
    return ComplianceResult(
        window=window,
        required=required,
        counted=counted,
        categories=list(categories.values()),
        activities={r.activity_id: r for r in results},
    )
