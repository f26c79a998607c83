"""The CCP compliance engine (ccp/rules/engine.py) against DOMAIN.md "CCP points".

Worked examples first (one table row each, checked by `test_worked_example` / `test_compliance`;
`test_docstring_table_is_the_worked_examples` keeps the tables below equal to CASES and TOTALS), then
Hypothesis properties that must hold for any activities and any category values. Nothing reads the clock.

Defaults of the examples: the categories of ccp/seeding.py; the cycle 2019-07-01..2022-06-30 (cycle 0 of
a 2019-07-01 anchor: it contains Feb 29, 2020 and the employment cutoff Dec 31, 2020); today 2022-07-15;
30 points required. Several activities are a, b, c in recording order. "counted points" is what counted
in the cycle after the window, the dated rule and the category cap; the reason is the engine's own text.

| case | input | counted points | reason |
|---|---|---|---|
| pe-contact-hours | prof. education 3 contact hours, 2020-05-01 | 3.00 | - |
| pe-half-hour | prof. education 0.5 contact hour, 2020-05-02 | 0.50 | - |
| fe-semester-hours | formal education 3 semester credit hours, 2021-05-15 | 45.00 | - |
| fe-quarter-hours | formal education 4 quarter hours (4 x 2/3 semester), 2021-06-10 | 40.00 | - |
| fe-one-quarter-hour | formal education 1 quarter hour (2/3 semester), 2021-06-11 | 10.00 | - |
| emp-all-of-2020 | employment 2020-01-01..2020-12-31 (366 days) | 4.01 | - |
| emp-straddling-2020-12-31 | employment 2020-07-01..2021-06-30 | 2.02 | 184 of 365 days count (Jul 1, 2020 to Dec 31, 2020); Employment verification (employment in the field) is accepted only through Dec 31, 2020 |
| emp-wholly-after-2020-12-31 | employment 2021-01-01..2021-12-31 | 0.00 | Employment verification (employment in the field) is accepted only through Dec 31, 2020 |
| emp-ongoing-up-to-today | employment 2020-01-01..ongoing, today 2020-09-30 (274 days) | 3.00 | - |
| emp-ongoing-past-2020-12-31 | employment 2020-07-01..ongoing, today 2022-03-01 | 2.02 | 184 of 609 days count (Jul 1, 2020 to Dec 31, 2020); Employment verification (employment in the field) is accepted only through Dec 31, 2020 |
| emp-cap-12 | employment 2017-07-01..2020-12-31; cycle 2018-01-01..2020-12-31 | 12.00 | 1096 of 1280 days count (Jan 1, 2018 to Dec 31, 2020); category cap of 12 points reached: 12.00 of 12.01 count |
| emp-cap-date-then-recording-order | a: employment 2019-07-01..2020-12-31; b: 2020-01-01..2020-12-31; c: 2019-07-01..2020-06-30 | a 6.03 + b 1.96 + c 4.01 = 12.00 | b: category cap of 12 points reached: 1.96 of 4.01 count |
| auth-one-item | authorship 1 item, 2020-10-01 | 5.00 | - |
| auth-cap-completion-date-order | a: authorship 2 items, 2020-06-01; b: 2 items, 2020-01-10 | a 5.00 + b 10.00 = 15.00 | a: category cap of 15 points reached: 5.00 of 10.00 count |
| auth-cap-latest-cut-to-zero | a: authorship 3 items, 2020-01-10; b: 1 item, 2020-02-01 | a 15.00 + b 0.00 = 15.00 | b: category cap of 15 points reached: 0.00 of 5.00 count |
| pres-hour-and-a-half | presentation 1.5 hours, 2021-03-01 | 3.00 | - |
| pres-cap-same-day-recording-order | a: presentation 6 hours, 2021-03-01; b: 6 hours, 2021-03-01 | a 12.00 + b 3.00 = 15.00 | b: category cap of 15 points reached: 3.00 of 12.00 count |
| org-one-year | organizational role 2021-01-01..2021-12-31 | 2.00 | - |
| org-ongoing-up-to-today | organizational role 2021-01-01..ongoing, today 2022-03-01 (425 days) | 2.33 | - |
| org-cap-10 | a: role 2019-07-01..2022-06-30; b: 2019-07-01..2021-06-30; c: 2020-01-01..2020-12-31 | a 3.98 + b 4.01 + c 2.01 = 10.00 | a: category cap of 10 points reached: 3.98 of 6.01 count |
| org-cap-periods-by-last-counted-day | a: role 2019-07-01..2023-12-31; b: role 2019-07-01..2022-06-30; today 2024-01-15 | a 6.01 + b 3.99 = 10.00 | a: 1096 of 1645 days count (Jul 1, 2019 to Jun 30, 2022) / b: category cap of 10 points reached: 3.99 of 6.01 count |
| first-day-of-cycle | prof. education 1 hour, 2019-07-01 | 1.00 | - |
| last-day-of-cycle | prof. education 1 hour, 2022-06-30 | 1.00 | - |
| day-before-start | prof. education 1 hour, 2019-06-30 | 0.00 | outside this cycle |
| day-after-end | prof. education 1 hour, 2022-07-01 | 0.00 | outside this cycle |
| period-ending-day-before-start | organizational role 2018-01-01..2019-06-30 | 0.00 | outside this cycle |
| period-starting-on-last-day | organizational role 2022-06-30..2022-07-10 | 0.01 | 1 of 11 days count (Jun 30, 2022 to Jun 30, 2022) |
| period-split-first-cycle | role 2021-01-01..2023-12-31; cycle 2019-07-01..2022-06-30 | 2.99 | 546 of 1095 days count (Jan 1, 2021 to Jun 30, 2022) |
| period-split-second-cycle | role 2021-01-01..2023-12-31; cycle 2022-07-01..2025-06-30 | 3.01 | 549 of 1095 days count (Jul 1, 2022 to Dec 31, 2023) |
| emp-split-first-cycle | employment 2020-01-01..2021-06-30; cycle 2017-07-01..2020-06-30 | 1.99 | 182 of 547 days count (Jan 1, 2020 to Jun 30, 2020) |
| emp-split-second-cycle | employment 2020-01-01..2021-06-30; cycle 2020-07-01..2023-06-30 | 2.02 | 184 of 547 days count (Jul 1, 2020 to Dec 31, 2020); Employment verification (employment in the field) is accepted only through Dec 31, 2020 |
| leap-day-activity | prof. education 1 hour, 2020-02-29 | 1.00 | - |
| leap-february-employment | employment 2020-02-01..2020-02-29 (29 days) | 0.32 | - |
| feb29-anchor-first-day | anchor 2016-02-29, cycle 0; prof. education 1 hour, 2016-02-29 | 1.00 | - |
| feb29-anchor-last-day | anchor 2016-02-29, cycle 0; prof. education 1 hour, 2019-02-27 | 1.00 | - |
| feb29-anchor-feb-28-not-cycle-0 | anchor 2016-02-29, cycle 0; prof. education 1 hour, 2019-02-28 | 0.00 | outside this cycle |
| feb29-anchor-feb-28-cycle-1 | anchor 2016-02-29, cycle 1; prof. education 1 hour, 2019-02-28 | 1.00 | - |
| feb29-anchor-whole-cycle-employment | anchor 2016-02-29, cycle 0; employment 2016-02-29..2019-02-27 (1095 days) | 12.00 | - |
| round-half-up-0.125 | prof. education 1/8 contact hour, 2020-05-03 | 0.13 | - |
| round-half-up-2.675 | prof. education 2.675 contact hours, 2020-05-04 | 2.68 | - |
| round-below-half | prof. education 0.1249 contact hour, 2020-05-05 | 0.12 | - |
| round-presentation-1/16-hour | presentation 1/16 hour (2 x 1/16 = 0.125), 2021-03-02 | 0.13 | - |
| round-each-activity-once | a, b: employment 1 day each, 2020-03-02 and 2020-03-03 (4/365 = 0.011) | a 0.01 + b 0.01 = 0.02 | - |

| case | input | counted / required | missing | result |
|---|---|---|---|---|
| nothing-recorded | no activities | 0.00 of 30 | 30.00 | not compliant |
| short | prof. education 12.5 hours | 12.50 of 30 | 17.50 | not compliant |
| one-hundredth-short | prof. education 29.99 hours | 29.99 of 30 | 0.01 | not compliant |
| exactly-required | prof. education 30 hours | 30.00 of 30 | 0.00 | compliant |
| exactly-required-rpt-24 | prof. education 24 hours (RPT: 24 required) | 24.00 of 24 | 0.00 | compliant |
| over-required-missing-never-negative | prof. ed. 10 h + formal ed. 1 semester h + authorship 4 items (20, capped 15) + presentation 2 h | 44.00 of 30 | 0.00 | compliant |
| cap-cut-points-do-not-count | authorship 5 items (25, capped 15) + prof. education 10 hours | 25.00 of 30 | 5.00 | not compliant |
| outside-points-do-not-count | prof. education 30 hours on 2019-06-30 (the day before the cycle) | 0.00 of 30 | 30.00 | not compliant |
"""  # noqa: E501

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccp import rules as rules_module
from ccp.rules import (
    ZERO,
    ActivityFacts,
    CategoryRule,
    ComplianceResult,
    Window,
    days_inclusive,
    evaluate,
    round_points,
)
from ccp.seeding import CATEGORIES
from members.rules import add_years, cycle, cycle_containing

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)

# --- The default categories (ccp/seeding.py), as the engine sees them ---------------------------------


def _rule(category_id: int, row: tuple) -> CategoryRule:
    _code, name, unit, _plural, points, cap, through, is_period, _quarter = row
    return CategoryRule(
        id=category_id,
        name=name,
        unit=unit,
        points_per_unit=Decimal(points),
        cap=Decimal(cap) if cap else None,
        accepted_through=through,
        is_period=is_period,
    )


RULES = [_rule(number, row) for number, row in enumerate(CATEGORIES, start=1)]
CATEGORY = {row[0]: number for number, row in enumerate(CATEGORIES, start=1)}
PE = CATEGORY["professional-education"]
FE = CATEGORY["formal-education"]
EMP = CATEGORY["employment"]
AUTH = CATEGORY["authorship"]
PRES = CATEGORY["instructional-presentation"]
ORG = CATEGORY["organizational-participation"]
RULE = {rule.id: rule for rule in RULES}
QUARTER = Fraction(2, 3)  # quarter credit hours are entered as semester credit hours x 2/3

EMP_LATE = f"{RULE[EMP].name} is accepted only through Dec 31, 2020"
OUTSIDE = "outside this cycle"


def cap_note(cap: int, kept: str, of: str) -> str:
    return f"category cap of {cap} points reached: {kept} of {of} count"


def window(anchor: D, number: int = 0) -> Window:
    bounds = cycle(anchor, number)
    return Window(bounds.start, bounds.end)


# The default cycle of the worked examples: it contains Feb 29, 2020 and the employment cutoff.
W = window(D(2019, 7, 1))  # 2019-07-01 .. 2022-06-30
TODAY = D(2022, 7, 15)  # the cycle has ended: every date in it is in the past
REQUIRED = Decimal("30")

FAST = settings(max_examples=100, deadline=None, database=None)


# --- Worked examples -------------------------------------------------------------------------------


def dated(category_id: int, units, day: D) -> dict:
    return {"category_id": category_id, "units": Fraction(units), "completed_on": day}


def period(category_id: int, start: D, end: D | None) -> dict:
    return {"category_id": category_id, "period_start": start, "period_end": end}


def facts(specs) -> list[ActivityFacts]:
    """Activities a, b, c... get ids and recording order 1, 2, 3... in the order listed."""
    return [ActivityFacts(id=number, order=number, **spec) for number, spec in enumerate(specs, start=1)]


def run(specs, *, window: Window = W, today: D = TODAY, required=REQUIRED, rules=RULES) -> ComplianceResult:
    return evaluate(
        window=window, today=today, required=Decimal(required), rules=rules, activities=facts(specs)
    )


@dataclass(frozen=True)
class Case:
    id: str
    input: str  # for the table: activities a, b, ... in recording order
    activities: tuple[dict, ...]
    expect: tuple[tuple[str, str], ...]  # per activity: counted points, reason ("" when all of it counts)
    window: Window = W
    today: D = TODAY

    @property
    def total(self) -> Decimal:
        return sum((Decimal(points) for points, _ in self.expect), ZERO)


# fmt: off
CASES = [
    # Professional education: 1 point per contact hour, no cap.
    Case("pe-contact-hours", "prof. education 3 contact hours, 2020-05-01", (dated(PE, 3, D(2020, 5, 1)),),
         (("3.00", ""),)),
    Case("pe-half-hour", "prof. education 0.5 contact hour, 2020-05-02",
         (dated(PE, Fraction(1, 2), D(2020, 5, 2)),), (("0.50", ""),)),
    # Formal education: 15 points per semester credit hour; quarter hours entered x 2/3.
    Case("fe-semester-hours", "formal education 3 semester credit hours, 2021-05-15",
         (dated(FE, 3, D(2021, 5, 15)),), (("45.00", ""),)),
    Case("fe-quarter-hours", "formal education 4 quarter hours (4 x 2/3 semester), 2021-06-10",
         (dated(FE, 4 * QUARTER, D(2021, 6, 10)),), (("40.00", ""),)),
    Case("fe-one-quarter-hour", "formal education 1 quarter hour (2/3 semester), 2021-06-11",
         (dated(FE, QUARTER, D(2021, 6, 11)),), (("10.00", ""),)),
    # Employment: 4 points per year (days / 365), cap 12, accepted through 2020-12-31.
    Case("emp-all-of-2020", "employment 2020-01-01..2020-12-31 (366 days)",
         (period(EMP, D(2020, 1, 1), D(2020, 12, 31)),), (("4.01", ""),)),
    Case("emp-straddling-2020-12-31", "employment 2020-07-01..2021-06-30",
         (period(EMP, D(2020, 7, 1), D(2021, 6, 30)),),
         (("2.02", f"184 of 365 days count (Jul 1, 2020 to Dec 31, 2020); {EMP_LATE}"),)),
    Case("emp-wholly-after-2020-12-31", "employment 2021-01-01..2021-12-31",
         (period(EMP, D(2021, 1, 1), D(2021, 12, 31)),), (("0.00", EMP_LATE),)),
    Case("emp-ongoing-up-to-today", "employment 2020-01-01..ongoing, today 2020-09-30 (274 days)",
         (period(EMP, D(2020, 1, 1), None),), (("3.00", ""),), today=D(2020, 9, 30)),
    Case("emp-ongoing-past-2020-12-31", "employment 2020-07-01..ongoing, today 2022-03-01",
         (period(EMP, D(2020, 7, 1), None),),
         (("2.02", f"184 of 609 days count (Jul 1, 2020 to Dec 31, 2020); {EMP_LATE}"),),
         today=D(2022, 3, 1)),
    Case("emp-cap-12", "employment 2017-07-01..2020-12-31; cycle 2018-01-01..2020-12-31",
         (period(EMP, D(2017, 7, 1), D(2020, 12, 31)),),
         (("12.00", "1096 of 1280 days count (Jan 1, 2018 to Dec 31, 2020); "
                    + cap_note(12, "12.00", "12.01")),),
         window=window(D(2018, 1, 1)), today=D(2021, 1, 15)),
    Case("emp-cap-date-then-recording-order",
         "a: employment 2019-07-01..2020-12-31; b: 2020-01-01..2020-12-31; c: 2019-07-01..2020-06-30",
         (period(EMP, D(2019, 7, 1), D(2020, 12, 31)), period(EMP, D(2020, 1, 1), D(2020, 12, 31)),
          period(EMP, D(2019, 7, 1), D(2020, 6, 30))),
         (("6.03", ""), ("1.96", cap_note(12, "1.96", "4.01")), ("4.01", ""))),
    # Authorship: 5 points per item, cap 15.
    Case("auth-one-item", "authorship 1 item, 2020-10-01", (dated(AUTH, 1, D(2020, 10, 1)),),
         (("5.00", ""),)),
    Case("auth-cap-completion-date-order", "a: authorship 2 items, 2020-06-01; b: 2 items, 2020-01-10",
         (dated(AUTH, 2, D(2020, 6, 1)), dated(AUTH, 2, D(2020, 1, 10))),
         (("5.00", cap_note(15, "5.00", "10.00")), ("10.00", ""))),
    Case("auth-cap-latest-cut-to-zero", "a: authorship 3 items, 2020-01-10; b: 1 item, 2020-02-01",
         (dated(AUTH, 3, D(2020, 1, 10)), dated(AUTH, 1, D(2020, 2, 1))),
         (("15.00", ""), ("0.00", cap_note(15, "0.00", "5.00")))),
    # Instructional presentation: 2 points per hour presented, cap 15.
    Case("pres-hour-and-a-half", "presentation 1.5 hours, 2021-03-01",
         (dated(PRES, Fraction(3, 2), D(2021, 3, 1)),), (("3.00", ""),)),
    Case("pres-cap-same-day-recording-order", "a: presentation 6 hours, 2021-03-01; b: 6 hours, 2021-03-01",
         (dated(PRES, 6, D(2021, 3, 1)), dated(PRES, 6, D(2021, 3, 1))),
         (("12.00", ""), ("3.00", cap_note(15, "3.00", "12.00")))),
    # Organizational participation: 2 points per year in a role (days / 365), cap 10, no cutoff.
    Case("org-one-year", "organizational role 2021-01-01..2021-12-31",
         (period(ORG, D(2021, 1, 1), D(2021, 12, 31)),), (("2.00", ""),)),
    Case("org-ongoing-up-to-today", "organizational role 2021-01-01..ongoing, today 2022-03-01 (425 days)",
         (period(ORG, D(2021, 1, 1), None),), (("2.33", ""),), today=D(2022, 3, 1)),
    Case("org-cap-10",
         "a: role 2019-07-01..2022-06-30; b: 2019-07-01..2021-06-30; c: 2020-01-01..2020-12-31",
         (period(ORG, D(2019, 7, 1), D(2022, 6, 30)), period(ORG, D(2019, 7, 1), D(2021, 6, 30)),
          period(ORG, D(2020, 1, 1), D(2020, 12, 31))),
         (("3.98", cap_note(10, "3.98", "6.01")), ("4.01", ""), ("2.01", ""))),
    # A period's place in the cap order is the last day that counts in this cycle (its part here is
    # complete then): a and b both run to the cycle's last day, so recording order decides.
    Case("org-cap-periods-by-last-counted-day",
         "a: role 2019-07-01..2023-12-31; b: role 2019-07-01..2022-06-30; today 2024-01-15",
         (period(ORG, D(2019, 7, 1), D(2023, 12, 31)), period(ORG, D(2019, 7, 1), D(2022, 6, 30))),
         (("6.01", "1096 of 1645 days count (Jul 1, 2019 to Jun 30, 2022)"),
          ("3.99", cap_note(10, "3.99", "6.01"))), today=D(2024, 1, 15)),
    # Cycle boundaries (the default cycle is 2019-07-01..2022-06-30).
    Case("first-day-of-cycle", "prof. education 1 hour, 2019-07-01", (dated(PE, 1, D(2019, 7, 1)),),
         (("1.00", ""),)),
    Case("last-day-of-cycle", "prof. education 1 hour, 2022-06-30", (dated(PE, 1, D(2022, 6, 30)),),
         (("1.00", ""),)),
    Case("day-before-start", "prof. education 1 hour, 2019-06-30", (dated(PE, 1, D(2019, 6, 30)),),
         (("0.00", OUTSIDE),)),
    Case("day-after-end", "prof. education 1 hour, 2022-07-01", (dated(PE, 1, D(2022, 7, 1)),),
         (("0.00", OUTSIDE),)),
    Case("period-ending-day-before-start", "organizational role 2018-01-01..2019-06-30",
         (period(ORG, D(2018, 1, 1), D(2019, 6, 30)),), (("0.00", OUTSIDE),)),
    Case("period-starting-on-last-day", "organizational role 2022-06-30..2022-07-10",
         (period(ORG, D(2022, 6, 30), D(2022, 7, 10)),),
         (("0.01", "1 of 11 days count (Jun 30, 2022 to Jun 30, 2022)"),)),
    # A period spanning two cycles: each cycle counts its own days (546 + 549 = 1095).
    Case("period-split-first-cycle", "role 2021-01-01..2023-12-31; cycle 2019-07-01..2022-06-30",
         (period(ORG, D(2021, 1, 1), D(2023, 12, 31)),),
         (("2.99", "546 of 1095 days count (Jan 1, 2021 to Jun 30, 2022)"),), today=D(2024, 1, 15)),
    Case("period-split-second-cycle", "role 2021-01-01..2023-12-31; cycle 2022-07-01..2025-06-30",
         (period(ORG, D(2021, 1, 1), D(2023, 12, 31)),),
         (("3.01", "549 of 1095 days count (Jul 1, 2022 to Dec 31, 2023)"),),
         window=window(D(2019, 7, 1), 1), today=D(2024, 1, 15)),
    Case("emp-split-first-cycle", "employment 2020-01-01..2021-06-30; cycle 2017-07-01..2020-06-30",
         (period(EMP, D(2020, 1, 1), D(2021, 6, 30)),),
         (("1.99", "182 of 547 days count (Jan 1, 2020 to Jun 30, 2020)"),),
         window=window(D(2017, 7, 1)), today=D(2021, 7, 15)),
    Case("emp-split-second-cycle", "employment 2020-01-01..2021-06-30; cycle 2020-07-01..2023-06-30",
         (period(EMP, D(2020, 1, 1), D(2021, 6, 30)),),
         (("2.02", f"184 of 547 days count (Jul 1, 2020 to Dec 31, 2020); {EMP_LATE}"),),
         window=window(D(2017, 7, 1), 1), today=D(2021, 7, 15)),
    # Leap years: a cycle containing Feb 29, and a Feb 29 anchor (cycle 0 2016-02-29..2019-02-27).
    Case("leap-day-activity", "prof. education 1 hour, 2020-02-29", (dated(PE, 1, D(2020, 2, 29)),),
         (("1.00", ""),)),
    Case("leap-february-employment", "employment 2020-02-01..2020-02-29 (29 days)",
         (period(EMP, D(2020, 2, 1), D(2020, 2, 29)),), (("0.32", ""),)),
    Case("feb29-anchor-first-day", "anchor 2016-02-29, cycle 0; prof. education 1 hour, 2016-02-29",
         (dated(PE, 1, D(2016, 2, 29)),), (("1.00", ""),), window=window(D(2016, 2, 29)),
         today=D(2019, 3, 15)),
    Case("feb29-anchor-last-day", "anchor 2016-02-29, cycle 0; prof. education 1 hour, 2019-02-27",
         (dated(PE, 1, D(2019, 2, 27)),), (("1.00", ""),), window=window(D(2016, 2, 29)),
         today=D(2019, 3, 15)),
    Case("feb29-anchor-feb-28-not-cycle-0", "anchor 2016-02-29, cycle 0; prof. education 1 hour, 2019-02-28",
         (dated(PE, 1, D(2019, 2, 28)),), (("0.00", OUTSIDE),), window=window(D(2016, 2, 29)),
         today=D(2019, 3, 15)),
    Case("feb29-anchor-feb-28-cycle-1", "anchor 2016-02-29, cycle 1; prof. education 1 hour, 2019-02-28",
         (dated(PE, 1, D(2019, 2, 28)),), (("1.00", ""),), window=window(D(2016, 2, 29), 1),
         today=D(2019, 3, 15)),
    Case("feb29-anchor-whole-cycle-employment",
         "anchor 2016-02-29, cycle 0; employment 2016-02-29..2019-02-27 (1095 days)",
         (period(EMP, D(2016, 2, 29), D(2019, 2, 27)),), (("12.00", ""),), window=window(D(2016, 2, 29)),
         today=D(2019, 3, 15)),
    # Rounding: half up to 2 places, once, from the exact units.
    Case("round-half-up-0.125", "prof. education 1/8 contact hour, 2020-05-03",
         (dated(PE, Fraction(1, 8), D(2020, 5, 3)),), (("0.13", ""),)),
    Case("round-half-up-2.675", "prof. education 2.675 contact hours, 2020-05-04",
         (dated(PE, Fraction("2.675"), D(2020, 5, 4)),), (("2.68", ""),)),
    Case("round-below-half", "prof. education 0.1249 contact hour, 2020-05-05",
         (dated(PE, Fraction("0.1249"), D(2020, 5, 5)),), (("0.12", ""),)),
    Case("round-presentation-1/16-hour", "presentation 1/16 hour (2 x 1/16 = 0.125), 2021-03-02",
         (dated(PRES, Fraction(1, 16), D(2021, 3, 2)),), (("0.13", ""),)),
    Case("round-each-activity-once", "a, b: employment 1 day each, 2020-03-02 and 2020-03-03 (4/365 = 0.011)",
         (period(EMP, D(2020, 3, 2), D(2020, 3, 2)), period(EMP, D(2020, 3, 3), D(2020, 3, 3))),
         (("0.01", ""), ("0.01", ""))),
]
# fmt: on


@dataclass(frozen=True)
class Totals:
    id: str
    input: str
    activities: tuple[dict, ...]
    required: str
    counted: str
    missing: str
    compliant: bool


# fmt: off
TOTALS = [
    Totals("nothing-recorded", "no activities", (), "30", "0.00", "30.00", False),
    Totals("short", "prof. education 12.5 hours", (dated(PE, Fraction(25, 2), D(2020, 1, 2)),),
           "30", "12.50", "17.50", False),
    Totals("one-hundredth-short", "prof. education 29.99 hours",
           (dated(PE, Fraction("29.99"), D(2020, 1, 2)),),
           "30", "29.99", "0.01", False),
    Totals("exactly-required", "prof. education 30 hours", (dated(PE, 30, D(2020, 1, 2)),),
           "30", "30.00", "0.00", True),
    Totals("exactly-required-rpt-24", "prof. education 24 hours (RPT: 24 required)",
           (dated(PE, 24, D(2020, 1, 2)),), "24", "24.00", "0.00", True),
    Totals("over-required-missing-never-negative",
           "prof. ed. 10 h + formal ed. 1 semester h + authorship 4 items (20, capped 15) + presentation 2 h",
           (dated(PE, 10, D(2020, 1, 2)), dated(FE, 1, D(2020, 5, 1)), dated(AUTH, 4, D(2020, 6, 1)),
            dated(PRES, 2, D(2021, 1, 5))), "30", "44.00", "0.00", True),
    Totals("cap-cut-points-do-not-count", "authorship 5 items (25, capped 15) + prof. education 10 hours",
           (dated(AUTH, 5, D(2020, 6, 1)), dated(PE, 10, D(2020, 1, 2))), "30", "25.00", "5.00", False),
    Totals("outside-points-do-not-count", "prof. education 30 hours on 2019-06-30 (the day before the cycle)",
           (dated(PE, 30, D(2019, 6, 30)),), "30", "0.00", "30.00", False),
]
# fmt: on


# --- The table in the module docstring, rendered from CASES and TOTALS (a test keeps them in step) ---


def _letter(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index]


def case_row(case: Case) -> str:
    if len(case.expect) == 1:
        points, reason = case.expect[0]
        return f"| {case.id} | {case.input} | {points} | {reason or '-'} |"
    parts = " + ".join(f"{_letter(i)} {points}" for i, (points, _) in enumerate(case.expect))
    reasons = " / ".join(f"{_letter(i)}: {reason}" for i, (_, reason) in enumerate(case.expect) if reason)
    return f"| {case.id} | {case.input} | {parts} = {case.total} | {reasons or '-'} |"


def totals_row(case: Totals) -> str:
    compliant = "compliant" if case.compliant else "not compliant"
    return f"| {case.id} | {case.input} | {case.counted} of {case.required} | {case.missing} | {compliant} |"


def rendered_tables() -> str:
    lines = ["| case | input | counted points | reason |", "|---|---|---|---|"]
    lines += [case_row(case) for case in CASES]
    lines += ["", "| case | input | counted / required | missing | result |", "|---|---|---|---|---|"]
    lines += [totals_row(case) for case in TOTALS]
    return "\n".join(lines)


def test_docstring_table_is_the_worked_examples():
    assert __doc__ is not None
    assert rendered_tables() in __doc__


# --- Worked examples: the tests --------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_worked_example(case: Case):
    result = run(case.activities, window=case.window, today=case.today)
    got = tuple(
        (str(result.activities[number].counted_points), result.activities[number].reason)
        for number in range(1, len(case.activities) + 1)
    )
    assert got == case.expect
    assert result.counted == case.total
    assert result.counted == sum((category.counted_points for category in result.categories), ZERO)
    for activity in result.activities.values():
        assert activity.counted_points <= activity.raw_points
        assert activity.counts == (activity.reason not in (OUTSIDE, EMP_LATE))


@pytest.mark.parametrize("case", TOTALS, ids=[case.id for case in TOTALS])
def test_compliance(case: Totals):
    result = run(case.activities, required=case.required)
    assert str(result.counted) == case.counted
    assert str(result.missing) == case.missing
    assert result.enough_points is case.compliant
    assert result.counted == sum((category.counted_points for category in result.categories), ZERO)


def by_id(case_id: str) -> Case:
    return next(case for case in CASES if case.id == case_id)


@pytest.mark.parametrize(
    ("case_id", "counted_from", "counted_to", "days"),
    [
        ("emp-all-of-2020", D(2020, 1, 1), D(2020, 12, 31), 366),
        ("emp-straddling-2020-12-31", D(2020, 7, 1), D(2020, 12, 31), 184),
        ("emp-ongoing-up-to-today", D(2020, 1, 1), D(2020, 9, 30), 274),
        ("emp-ongoing-past-2020-12-31", D(2020, 7, 1), D(2020, 12, 31), 184),
        ("emp-cap-12", D(2018, 1, 1), D(2020, 12, 31), 1096),
        ("org-ongoing-up-to-today", D(2021, 1, 1), D(2022, 3, 1), 425),
        ("period-starting-on-last-day", D(2022, 6, 30), D(2022, 6, 30), 1),
        ("period-split-first-cycle", D(2021, 1, 1), D(2022, 6, 30), 546),
        ("period-split-second-cycle", D(2022, 7, 1), D(2023, 12, 31), 549),
        ("feb29-anchor-whole-cycle-employment", D(2016, 2, 29), D(2019, 2, 27), 1095),
    ],
)
def test_a_period_says_which_days_counted(case_id, counted_from, counted_to, days):
    case = by_id(case_id)
    activity = run(case.activities, window=case.window, today=case.today).activities[1]
    assert (activity.counted_from, activity.counted_to, activity.days_counted) == (
        counted_from,
        counted_to,
        days,
    )


def test_a_refused_or_outside_period_counts_no_days():
    for case_id in ("emp-wholly-after-2020-12-31", "period-ending-day-before-start"):
        activity = run(by_id(case_id).activities).activities[1]
        assert (activity.counts, activity.counted_from, activity.days_counted) == (False, None, 0)


def test_a_dated_employment_claim_after_the_cutoff_is_refused():
    """The dated rule applies to the category, whatever the shape of the claim."""
    activity = run([dated(EMP, 1, D(2021, 1, 1)), dated(EMP, 1, D(2020, 12, 31))]).activities
    assert (activity[1].counts, activity[1].counted_points, activity[1].reason) == (False, ZERO, EMP_LATE)
    assert (activity[2].counts, str(activity[2].counted_points)) == (True, "4.00")


def test_a_changed_cutoff_is_data_not_code():
    """A later rule change is a new row: the same claim, judged with another accepted-through date."""
    later = [
        CategoryRule(**{**vars(rule), "accepted_through": D(2021, 12, 31)}) if rule.id == EMP else rule
        for rule in RULES
    ]
    claim = [period(EMP, D(2021, 1, 1), D(2021, 12, 31))]
    assert run(claim).counted == ZERO
    assert str(run(claim, rules=later).counted) == "4.00"


def test_category_totals_show_raw_and_counted():
    result = run(by_id("auth-cap-completion-date-order").activities)
    authorship = next(category for category in result.categories if category.category_id == AUTH)
    assert (str(authorship.raw_points), str(authorship.counted_points), authorship.capped) == (
        "20.00",
        "15.00",
        True,
    )
    assert result.activities[1].cut and not result.activities[2].cut
    untouched = [category for category in result.categories if category.category_id != AUTH]
    assert all(category.raw_points == category.counted_points == ZERO for category in untouched)


def test_employment_cap_fills_in_date_then_recording_order():
    """c ends first (2020-06-30); a and b both end 2020-12-31, so a, recorded first, comes before b."""
    result = run(by_id("emp-cap-date-then-recording-order").activities)
    employment = next(category for category in result.categories if category.category_id == EMP)
    assert (str(employment.raw_points), str(employment.counted_points)) == ("14.05", "12.00")


def test_feb29_anchor_cycles():
    """The cycles the leap-day cases rely on (members.rules.cycle: Feb 29 + 3 years is Feb 28)."""
    assert (cycle(D(2016, 2, 29), 0).start, cycle(D(2016, 2, 29), 0).end) == (D(2016, 2, 29), D(2019, 2, 27))
    assert (cycle(D(2016, 2, 29), 1).start, cycle(D(2016, 2, 29), 1).end) == (D(2019, 2, 28), D(2022, 2, 27))
    assert cycle_containing(D(2016, 2, 29), D(2019, 2, 28)).number == 1
    assert days_inclusive(D(2016, 2, 29), D(2019, 2, 27)) == 1095


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(0), "0.00"),
        (Fraction(1, 8), "0.13"),
        (Fraction(1, 200), "0.01"),
        (Fraction(1, 201), "0.00"),
        (Fraction("2.675"), "2.68"),
        (Fraction("2.665"), "2.67"),
        (Fraction("0.1249"), "0.12"),
        (Fraction(4 * 366, 365), "4.01"),
        (Fraction(4 * 1096, 365), "12.01"),
        (Fraction(2, 3) * 4 * 15, "40.00"),
        (Fraction(1, 3), "0.33"),
        (Fraction(2, 3), "0.67"),
    ],
    ids=str,
)
def test_round_points_half_up(value, expected):
    assert str(round_points(value)) == expected


# --- Properties ------------------------------------------------------------------------------------


@st.composite
def rule_sets(draw) -> list[CategoryRule]:
    """The default categories, or the same six with other values (they are data: staff may change them)."""
    if draw(st.booleans()):
        return RULES
    points = st.sampled_from(["0.25", "0.5", "1", "2", "2.5", "4", "15"]).map(Decimal)
    caps = st.none() | st.integers(1, 40).map(Decimal) | st.just(Decimal("12.5"))
    cutoffs = st.none() | st.dates(D(2015, 1, 1), D(2027, 12, 31))
    return [
        CategoryRule(
            id=rule.id,
            name=rule.name,
            unit=rule.unit,
            points_per_unit=draw(points),
            cap=draw(caps),
            accepted_through=draw(cutoffs),
            is_period=rule.is_period,
        )
        for rule in RULES
    ]


units = st.builds(Fraction, st.integers(1, 400), st.sampled_from([1, 2, 3, 4, 8, 10, 16, 100, 365]))


def activity_specs(around: Window) -> st.SearchStrategy[dict]:
    days = st.dates(around.start - datetime.timedelta(days=500), around.end + datetime.timedelta(days=500))
    dated_spec = st.builds(dated, st.sampled_from([PE, FE, AUTH, PRES, EMP]), units, days)
    lengths = st.none() | st.integers(0, 1500).map(lambda n: datetime.timedelta(days=n))
    period_spec = st.builds(
        lambda category_id, start, length: period(
            category_id, start, None if length is None else start + length
        ),
        st.sampled_from([EMP, ORG]),
        days,
        lengths,
    )
    return dated_spec | period_spec


@dataclass
class Scenario:
    window: Window
    today: D
    rules: list[CategoryRule]
    activities: list[ActivityFacts] = field(default_factory=list)
    anchor: D = D(2019, 7, 1)
    number: int = 0

    def evaluate(self, activities: list[ActivityFacts] | None = None) -> ComplianceResult:
        return evaluate(
            window=self.window,
            today=self.today,
            required=REQUIRED,
            rules=self.rules,
            activities=self.activities if activities is None else activities,
        )


@st.composite
def scenarios(draw, max_size: int = 10) -> Scenario:
    anchor = draw(st.dates(D(2014, 1, 1), D(2025, 12, 31)))
    number = draw(st.integers(0, 2))
    cycle_window = window(anchor, number)
    today = draw(
        st.dates(
            cycle_window.start - datetime.timedelta(days=60), cycle_window.end + datetime.timedelta(days=800)
        )
    )
    specs = draw(st.lists(activity_specs(cycle_window), max_size=max_size))
    return Scenario(cycle_window, today, draw(rule_sets()), facts(specs), anchor, number)


def period_days(activity: ActivityFacts, rule: CategoryRule, today: D, since: D) -> int:
    """Days of a period on or after `since`, up to today and the category's accepted-through date."""
    assert activity.period_start is not None
    last = min(activity.period_end or today, today, rule.accepted_through or today)
    first = max(activity.period_start, since)
    return max(days_inclusive(first, last), 0)


@FAST
@given(scenarios())
def test_nothing_outside_the_window_counts(scenario: Scenario):
    result = scenario.evaluate()
    window_ = scenario.window
    for activity in scenario.activities:
        counted = result.activities[activity.id]
        if activity.completed_on is not None:
            inside = window_.contains(activity.completed_on)
        else:
            assert activity.period_start is not None
            inside = (
                activity.period_start <= window_.end
                and (activity.period_end or scenario.today) >= window_.start
            )
        if not inside:
            assert (counted.counts, counted.counted_points, counted.reason) == (False, ZERO, OUTSIDE)
        if counted.counted_from is not None:
            assert window_.start <= counted.counted_from <= counted.counted_to <= window_.end
    # Dropping every activity that lies outside the window changes nothing.
    overlapping = [
        activity for activity in scenario.activities if result.activities[activity.id].reason != OUTSIDE
    ]
    assert scenario.evaluate(overlapping).counted == result.counted


@FAST
@given(scenarios())
def test_nothing_after_accepted_through_or_today_counts(scenario: Scenario):
    result = scenario.evaluate()
    rule = {rule.id: rule for rule in scenario.rules}
    for activity in scenario.activities:
        counted = result.activities[activity.id]
        through = rule[activity.category_id].accepted_through
        if through and activity.completed_on and activity.completed_on > through:
            assert (counted.counts, counted.counted_points) == (False, ZERO)
        if counted.counted_to is not None:
            assert counted.counted_to <= scenario.today
            assert through is None or counted.counted_to <= through


@FAST
@given(scenarios())
def test_counted_never_exceeds_raw_or_cap(scenario: Scenario):
    result = scenario.evaluate()
    for activity in result.activities.values():
        assert ZERO <= activity.counted_points <= activity.raw_points
        assert activity.counts or activity.counted_points == ZERO
    for category in result.categories:
        assert ZERO <= category.counted_points <= category.raw_points
        if category.cap is not None:
            assert category.counted_points <= category.cap
            # The cap is filled completely before anything is cut.
            assert category.counted_points == min(category.raw_points, category.cap)
        else:
            assert category.counted_points == category.raw_points


@FAST
@given(scenarios())
def test_totals_add_up(scenario: Scenario):
    result = scenario.evaluate()
    assert result.counted == sum((category.counted_points for category in result.categories), ZERO)
    assert result.counted == sum((activity.counted_points for activity in result.activities.values()), ZERO)
    for category in result.categories:
        mine = [a for a in result.activities.values() if a.category_id == category.category_id]
        assert category.counted_points == sum((a.counted_points for a in mine), ZERO)
    assert result.missing == max(result.required - result.counted, ZERO)
    assert result.enough_points == (result.missing == ZERO)


@FAST
@given(scenarios(), st.data())
def test_adding_an_activity_never_lowers_counted_points(scenario: Scenario, data):
    extra = data.draw(activity_specs(scenario.window))
    before = scenario.evaluate()
    after = scenario.evaluate(facts([*(vars_of(a) for a in scenario.activities), extra]))
    assert after.counted >= before.counted
    for old, new in zip(before.categories, after.categories, strict=True):
        assert new.counted_points >= old.counted_points


def vars_of(activity: ActivityFacts) -> dict:
    spec = {"category_id": activity.category_id}
    if activity.completed_on is not None:
        return {**spec, "units": activity.units, "completed_on": activity.completed_on}
    return {**spec, "period_start": activity.period_start, "period_end": activity.period_end}


@FAST
@given(scenarios(), st.randoms(use_true_random=False))
def test_input_order_does_not_matter(scenario: Scenario, random):
    shuffled = list(scenario.activities)
    random.shuffle(shuffled)
    assert scenario.evaluate(shuffled) == scenario.evaluate()


@FAST
@given(scenarios())
def test_caps_cut_the_latest_activities(scenario: Scenario):
    """In completion-date order, then recording order, nothing counts after the first activity the cap cut."""
    result = scenario.evaluate()
    order = {activity.id: activity.order for activity in scenario.activities}
    for category in result.categories:
        counting = sorted(
            (a for a in result.activities.values() if a.counts and a.category_id == category.category_id),
            key=lambda a: (a.sort_day, order[a.activity_id]),
        )
        cut = [index for index, a in enumerate(counting) if "category cap" in a.reason]
        if cut:
            assert category.cap is not None and category.counted_points == category.cap
            assert all(a.counted_points == ZERO for a in counting[cut[0] + 1 :])
            assert all("category cap" not in a.reason for a in counting[: cut[0]])


@FAST
@given(scenarios())
def test_period_days_stay_in_the_window_and_before_accepted_through(scenario: Scenario):
    result = scenario.evaluate()
    rule = {rule.id: rule for rule in scenario.rules}
    window_days = days_inclusive(scenario.window.start, scenario.window.end)
    for activity in scenario.activities:
        if activity.period_start is None:
            continue
        counted = result.activities[activity.id]
        assert counted.days_counted <= window_days
        assert counted.days_counted <= period_days(
            activity, rule[activity.category_id], scenario.today, D.min
        )
        assert counted.days_counted <= period_days(
            activity, rule[activity.category_id], scenario.today, scenario.window.start
        )
        if counted.counts:
            assert counted.days_counted == days_inclusive(counted.counted_from, counted.counted_to)
            expected = Fraction(counted.days_counted, 365) * Fraction(
                rule[activity.category_id].points_per_unit
            )
            assert counted.counted_points <= round_points(expected)


@FAST
@given(scenarios(max_size=4))
def test_each_day_counts_in_exactly_one_cycle(scenario: Scenario):
    """A dated activity counts in the cycle containing its date; a period's days split between cycles."""
    uncapped = [CategoryRule(**{**vars(rule), "cap": None}) for rule in scenario.rules]
    rule = {rule.id: rule for rule in uncapped}
    last_cycle = cycle_containing(scenario.anchor, max(scenario.today, scenario.anchor) + ONE_DAY * 1600)
    results = [
        evaluate(
            window=window(scenario.anchor, number),
            today=scenario.today,
            required=REQUIRED,
            rules=uncapped,
            activities=scenario.activities,
        )
        for number in range(last_cycle.number + 1)
    ]
    for activity in scenario.activities:
        per_cycle = [result.activities[activity.id] for result in results]
        if activity.completed_on is not None:
            home = cycle_containing(scenario.anchor, activity.completed_on)
            counting = [number for number, counted in enumerate(per_cycle) if counted.counts]
            through = rule[activity.category_id].accepted_through
            refused = through is not None and activity.completed_on > through
            assert counting == ([] if home is None or refused else [home.number])
        else:
            expected = period_days(activity, rule[activity.category_id], scenario.today, scenario.anchor)
            assert sum(counted.days_counted for counted in per_cycle) == expected


def test_window_contains_its_first_and_last_day_only():
    assert rules_module.Window(W.start, W.end).contains(W.start)
    assert W.contains(W.end)
    assert not W.contains(W.start - ONE_DAY)
    assert not W.contains(W.end + ONE_DAY)
    assert add_years(W.start, 3) - ONE_DAY == W.end


@pytest.mark.parametrize(
    ("period_start", "period_end", "claimed", "counted"),
    [
        pytest.param(D(2020, 7, 1), D(2021, 6, 30), "4.00", "2.02", id="straddling-the-cutoff"),
        pytest.param(D(2018, 1, 1), D(2020, 6, 30), "4.01", "4.01", id="started-before-the-cycle"),
    ],
)
def test_a_period_claims_only_its_days_inside_the_cycle(period_start, period_end, claimed, counted):
    """Given an employment period in the cycle 2019-07-01..2022-06-30, then what it claims in this cycle is
    its days inside the cycle (before the dated rule cuts them), so "x of y claimed" reads true."""
    result = evaluate(
        window=Window(D(2019, 7, 1), D(2022, 6, 30)),
        today=D(2022, 7, 15),
        required=Decimal(30),
        rules=RULES,
        activities=[ActivityFacts(1, EMP, 1, period_start=period_start, period_end=period_end)],
    ).activities[1]

    assert (result.raw_points, result.counted_points) == (Decimal(claimed), Decimal(counted))


# --- Which categories a new claim is offered (the activity form) ---------------------------------------

EMP_NOT_OFFERED = (
    "Employment verification (employment in the field) is not offered: it counts only through "
    "December 31, 2020, and "
)


@pytest.mark.parametrize(
    ("category", "cycle_start", "offered", "reason"),
    [
        pytest.param(PE, D(2025, 5, 14), True, "", id="no-dated-rule"),
        pytest.param(PE, None, True, "", id="no-dated-rule-no-cycle"),
        pytest.param(EMP, D(2019, 7, 1), True, "", id="cycle-reaches-back-before-2021"),
        pytest.param(EMP, D(2020, 12, 31), True, "", id="cycle-starts-on-the-last-accepted-day"),
        pytest.param(
            EMP,
            D(2021, 1, 1),
            False,
            f"{EMP_NOT_OFFERED}your current cycle started on January 1, 2021",
            id="cycle-starts-the-day-after",
        ),
        pytest.param(
            EMP,
            D(2025, 5, 14),
            False,
            f"{EMP_NOT_OFFERED}your current cycle started on May 14, 2025",
            id="cycle-after-2020",
        ),
        pytest.param(EMP, None, False, f"{EMP_NOT_OFFERED}no CCP cycle is open", id="no-cycle-open"),
    ],
)
def test_a_category_with_a_dated_rule_is_offered_only_while_the_cycle_reaches_back_before_it(
    category, cycle_start, offered, reason
):
    offer = rules_module.category_offer(RULE[category], cycle_start)

    assert (offer.offered, offer.reason) == (offered, reason)
