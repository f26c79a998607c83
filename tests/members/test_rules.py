"""The pure date and status rules of a certification (members/rules/) against DOMAIN.md.

"Dates that drive everything" and "Status of a certification" are the requirements. Every date here is
fixed; nothing reads the clock. Worked cases come as tables with readable ids; the Hypothesis properties
at the end check what must hold for every certification.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from members.rules import (
    ONE_DAY,
    STATUS_LABELS,
    STATUS_MEANINGS,
    CertificationFacts,
    Cycle,
    FeeYear,
    Status,
    StatusResult,
    active_through,
    add_years,
    anchor_date,
    ccp_required,
    covered_fee_year,
    cycle,
    cycle_containing,
    derive_status,
    fee_year_containing,
    fee_year_starting,
    initial_paid_through,
    last_day_of_month,
    next_unpaid_fee_year,
    paid_through,
)

D = datetime.date

# The worked example of DOMAIN.md: certified 2019-05-14, CCP required (certified after 2006-01-01).
MAY14 = D(2019, 5, 14)
# A member certified before 2006 and never reinstated: exempt from CCP, still pays fees.
PRE2006 = D(2001, 3, 10)
LEAP = D(2024, 2, 29)

# Lowest row of the status table wins: the order used by the "never less active" properties.
SEVERITY = {
    Status.ACTIVE: 0,
    Status.LAPSED: 1,
    Status.NONCOMPLIANT: 2,
    Status.MUST_RECERTIFY: 3,
    Status.EXAM_REQUIRED: 4,
}

FAST = settings(max_examples=100, deadline=None, database=None)


def paid_years(anchor: D, fee_years: int) -> D:
    """Paid-through date after the covered fee year and `fee_years` more fee years are settled."""
    through = initial_paid_through(anchor)
    for _ in range(fee_years):
        through = next_unpaid_fee_year(through).end
    return through


def facts(
    certified_on: D = MAY14,
    *,
    reinstated_on: D | None = None,
    fee_years: int = 0,
    through: D | None = None,
    **kwargs,
) -> CertificationFacts:
    """Facts of a certification with `fee_years` fee years paid after the covered one (or `through`)."""
    anchor = reinstated_on or certified_on
    return CertificationFacts(
        certified_on=certified_on,
        reinstated_on=reinstated_on,
        paid_through=through if through is not None else paid_years(anchor, fee_years),
        **kwargs,
    )


# --- Adding years ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        pytest.param(D(2019, 5, 14), 1, D(2020, 5, 14), id="ordinary-date-plus-1"),
        pytest.param(D(2019, 5, 14), 3, D(2022, 5, 14), id="ordinary-date-plus-3"),
        pytest.param(D(2019, 12, 31), 10, D(2029, 12, 31), id="year-end-plus-10"),
        pytest.param(D(2023, 2, 28), 1, D(2024, 2, 28), id="feb-28-stays-feb-28-in-leap-year"),
        pytest.param(D(2024, 2, 29), 0, D(2024, 2, 29), id="leap-day-plus-0"),
        pytest.param(D(2024, 2, 29), 1, D(2025, 2, 28), id="leap-day-plus-1-is-feb-28"),
        pytest.param(D(2024, 2, 29), 3, D(2027, 2, 28), id="leap-day-plus-3-is-feb-28"),
        pytest.param(D(2024, 2, 29), 4, D(2028, 2, 29), id="leap-day-plus-4-is-leap-day"),
        pytest.param(D(2024, 2, 29), 10, D(2034, 2, 28), id="leap-day-plus-10-is-feb-28"),
        pytest.param(D(2024, 2, 29), 12, D(2036, 2, 29), id="leap-day-plus-12-is-leap-day"),
        pytest.param(D(2096, 2, 29), 4, D(2100, 2, 28), id="leap-day-to-2100-not-leap"),
        pytest.param(D(1996, 2, 29), 4, D(2000, 2, 29), id="leap-day-to-2000-leap"),
        pytest.param(D(2024, 2, 29), -1, D(2023, 2, 28), id="leap-day-minus-1-is-feb-28"),
    ],
)
def test_given_a_date_when_adding_years_then_feb_29_becomes_feb_28_only_in_common_years(day, years, expected):
    """Given a date and n, when adding n years, then the same day n years on (Feb 29 -> Feb 28)."""
    assert add_years(day, years) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(D(2024, 2, 10), D(2024, 2, 29), id="february-leap-year"),
        pytest.param(D(2023, 2, 1), D(2023, 2, 28), id="february-common-year"),
        pytest.param(D(2100, 2, 1), D(2100, 2, 28), id="february-2100"),
        pytest.param(D(2020, 4, 30), D(2020, 4, 30), id="april-already-last"),
        pytest.param(D(2019, 5, 14), D(2019, 5, 31), id="may"),
        pytest.param(D(2019, 12, 1), D(2019, 12, 31), id="december"),
    ],
)
def test_given_a_date_when_asking_the_last_day_of_its_month_then_it_is_that_months_end(day, expected):
    assert last_day_of_month(day) == expected


# --- Anchor date and CCP required ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("certified_on", "reinstated_on", "anchor", "required"),
    [
        pytest.param(D(2005, 12, 31), None, D(2005, 12, 31), False, id="certified-2005-12-31-exempt"),
        pytest.param(D(2006, 1, 1), None, D(2006, 1, 1), True, id="certified-2006-01-01-required"),
        pytest.param(MAY14, None, MAY14, True, id="certified-2019-required"),
        pytest.param(PRE2006, D(2012, 7, 1), D(2012, 7, 1), False, id="pre2006-reinstated-2012-exempt"),
        pytest.param(
            PRE2006, D(2014, 3, 31), D(2014, 3, 31), False, id="pre2006-reinstated-2014-03-31-exempt"
        ),
        pytest.param(
            PRE2006, D(2014, 4, 1), D(2014, 4, 1), True, id="pre2006-reinstated-2014-04-01-required"
        ),
        pytest.param(PRE2006, D(2016, 9, 20), D(2016, 9, 20), True, id="pre2006-reinstated-2016-required"),
        pytest.param(
            D(2010, 6, 15), D(2013, 2, 1), D(2013, 2, 1), True, id="post2006-reinstated-2013-required"
        ),
    ],
)
def test_given_certified_and_reinstated_dates_then_anchor_is_latest_and_ccp_required_follows_cutoffs(
    certified_on, reinstated_on, anchor, required
):
    """Given the original and reinstated-on dates, then the anchor is the reinstated-on date if any, and CCP
    is required when certified on/after 2006-01-01 or reinstated on/after 2014-04-01."""
    assert anchor_date(certified_on, reinstated_on) == anchor
    assert ccp_required(certified_on, reinstated_on) is required
    built = facts(certified_on, reinstated_on=reinstated_on)
    assert built.anchor == anchor
    assert built.ccp_required is required


# --- Fee years -------------------------------------------------------------------------------------


def test_given_domain_example_certified_2019_05_14_then_fee_year_to_2020_04_30_covered_first_due_2020_05_31():
    """Given certified 2019-05-14: fee year 2019-05-01..2020-04-30 is covered; first fee due 2020-05-31."""
    covered = covered_fee_year(MAY14)
    assert covered == FeeYear(start=D(2019, 5, 1), end=D(2020, 4, 30))
    assert initial_paid_through(MAY14) == D(2020, 4, 30)
    first_invoice = next_unpaid_fee_year(initial_paid_through(MAY14))
    assert first_invoice == FeeYear(start=D(2020, 5, 1), end=D(2021, 4, 30))
    assert first_invoice.due_on == D(2020, 5, 31)
    assert facts().next_fee_due_on == D(2020, 5, 31)
    assert facts().fee_lapse_date == D(2020, 6, 1)
    assert facts(grace_days=30).fee_lapse_date == D(2020, 7, 1)


@pytest.mark.parametrize(
    ("anchor", "day", "start", "end", "due_on"),
    [
        pytest.param(MAY14, MAY14, D(2019, 5, 1), D(2020, 4, 30), D(2019, 5, 31), id="may-anchor-itself"),
        pytest.param(MAY14, D(2019, 5, 1), D(2019, 5, 1), D(2020, 4, 30), D(2019, 5, 31), id="may-first-day"),
        pytest.param(MAY14, D(2020, 4, 30), D(2019, 5, 1), D(2020, 4, 30), D(2019, 5, 31), id="may-last-day"),
        pytest.param(MAY14, D(2020, 5, 1), D(2020, 5, 1), D(2021, 4, 30), D(2020, 5, 31), id="may-next-year"),
        pytest.param(
            MAY14, D(2023, 1, 15), D(2022, 5, 1), D(2023, 4, 30), D(2022, 5, 31), id="may-in-january"
        ),
        pytest.param(LEAP, LEAP, D(2024, 2, 1), D(2025, 1, 31), D(2024, 2, 29), id="leap-anchor-due-feb-29"),
        pytest.param(
            LEAP, D(2025, 2, 1), D(2025, 2, 1), D(2026, 1, 31), D(2025, 2, 28), id="leap-anchor-due-feb-28"
        ),
        pytest.param(
            LEAP, D(2028, 3, 1), D(2028, 2, 1), D(2029, 1, 31), D(2028, 2, 29), id="leap-anchor-2028"
        ),
        pytest.param(
            PRE2006, D(2023, 3, 1), D(2023, 3, 1), D(2024, 2, 29), D(2023, 3, 31), id="march-ends-feb-29"
        ),
        pytest.param(
            PRE2006, D(2024, 3, 1), D(2024, 3, 1), D(2025, 2, 28), D(2024, 3, 31), id="march-ends-feb-28"
        ),
        pytest.param(
            D(2019, 12, 31), D(2019, 12, 31), D(2019, 12, 1), D(2020, 11, 30), D(2019, 12, 31), id="dec"
        ),
        pytest.param(
            D(2020, 1, 1), D(2020, 12, 31), D(2020, 1, 1), D(2020, 12, 31), D(2020, 1, 31), id="jan"
        ),
    ],
)
def test_given_an_anchor_and_a_day_when_finding_its_fee_year_then_twelve_months_from_anniversary_month(
    anchor, day, start, end, due_on
):
    """Given an anchor and a day, then the fee year containing it starts on the 1st of the anniversary month,
    lasts twelve months, and its fee is due on the last day of its first month."""
    year = fee_year_containing(anchor, day)
    assert (year.start, year.end, year.due_on) == (start, end, due_on)
    assert year.contains(day)
    assert fee_year_starting(start) == year
    assert year.next().start == end + ONE_DAY
    assert not year.contains(start - ONE_DAY)
    assert not year.contains(end + ONE_DAY)


@pytest.mark.parametrize(
    ("anchor", "covered_end", "first_due"),
    [
        pytest.param(MAY14, D(2020, 4, 30), D(2020, 5, 31), id="domain-example"),
        pytest.param(LEAP, D(2025, 1, 31), D(2025, 2, 28), id="leap-day-certified-first-due-feb-28"),
        pytest.param(D(2027, 2, 28), D(2028, 1, 31), D(2028, 2, 29), id="feb-certified-first-due-feb-29"),
        pytest.param(D(2019, 12, 31), D(2020, 11, 30), D(2020, 12, 31), id="december-31"),
        pytest.param(D(2020, 1, 1), D(2020, 12, 31), D(2021, 1, 31), id="january-1"),
        pytest.param(D(2016, 9, 20), D(2017, 8, 31), D(2017, 9, 30), id="reinstated-september"),
    ],
)
def test_given_an_anchor_then_its_fee_year_is_covered_and_the_first_fee_is_due_a_year_after_its_month(
    anchor, covered_end, first_due
):
    """Given an anchor, then its fee year is covered and the first invoice's due date follows."""
    assert initial_paid_through(anchor) == covered_end
    assert next_unpaid_fee_year(covered_end).due_on == first_due


# --- Paid through ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settled", "expected"),
    [
        pytest.param([], D(2020, 4, 30), id="nothing-paid-covered-year-only"),
        pytest.param([D(2020, 5, 1)], D(2021, 4, 30), id="first-fee-paid"),
        pytest.param([D(2021, 5, 1)], D(2020, 4, 30), id="second-paid-first-not-gap-stops-run"),
        pytest.param([D(2021, 5, 1), D(2020, 5, 1)], D(2022, 4, 30), id="paid-in-reverse-order"),
        pytest.param([D(2022, 5, 1), D(2020, 5, 1), D(2021, 5, 1)], D(2023, 4, 30), id="paid-out-of-order"),
        pytest.param([D(2020, 5, 1), D(2021, 5, 1), D(2023, 5, 1)], D(2022, 4, 30), id="run-stops-at-gap"),
        pytest.param(
            [D(2019, 5, 1), D(2018, 5, 1)], D(2020, 4, 30), id="covered-or-earlier-years-add-nothing"
        ),
        pytest.param([D(2020, 6, 1), D(2020, 5, 2)], D(2020, 4, 30), id="off-grid-starts-ignored"),
    ],
)
def test_given_fee_years_settled_in_any_order_when_computing_paid_through_then_only_contiguous_run_counts(
    settled, expected
):
    """Given settled fee years (payments in any order), then paid through is the end of the contiguous run."""
    assert paid_through(anchor=MAY14, settled_fee_year_starts=set(settled)) == expected
    assert paid_through(anchor=MAY14, settled_fee_year_starts={*reversed(settled)}) == expected


def test_given_a_reinstatement_when_computing_paid_through_then_run_starts_from_the_new_anchor():
    """Given years settled under the old anniversary (May) and a reinstatement in September, then only the
    September fee years after the newly covered one count."""
    reinstated = D(2024, 9, 20)
    old_years = {D(2020, 5, 1), D(2021, 5, 1), D(2024, 5, 1), D(2025, 5, 1)}
    assert paid_through(anchor=reinstated, settled_fee_year_starts=old_years) == D(2025, 8, 31)
    later = old_years | {D(2025, 9, 1)}
    assert paid_through(anchor=reinstated, settled_fee_year_starts=later) == D(2026, 8, 31)


# --- CCP cycles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "number", "start", "end"),
    [
        pytest.param(MAY14, 0, D(2019, 5, 14), D(2022, 5, 13), id="may-cycle-0"),
        pytest.param(MAY14, 1, D(2022, 5, 14), D(2025, 5, 13), id="may-cycle-1"),
        pytest.param(MAY14, 2, D(2025, 5, 14), D(2028, 5, 13), id="may-cycle-2"),
        pytest.param(LEAP, 0, D(2024, 2, 29), D(2027, 2, 27), id="leap-cycle-0-ends-feb-27"),
        pytest.param(LEAP, 1, D(2027, 2, 28), D(2030, 2, 27), id="leap-cycle-1-starts-feb-28"),
        pytest.param(LEAP, 3, D(2033, 2, 28), D(2036, 2, 28), id="leap-cycle-3-ends-feb-28-of-leap-year"),
        pytest.param(LEAP, 4, D(2036, 2, 29), D(2039, 2, 27), id="leap-cycle-4-starts-feb-29"),
        pytest.param(D(2020, 1, 1), 0, D(2020, 1, 1), D(2022, 12, 31), id="january-1-cycle-0"),
        pytest.param(D(2016, 9, 20), 1, D(2019, 9, 20), D(2022, 9, 19), id="reinstated-cycle-1"),
    ],
)
def test_given_an_anchor_when_building_cycle_n_then_it_starts_at_anchor_plus_3n_and_ends_before_n_plus_1(
    anchor, number, start, end
):
    """Given an anchor and n, then cycle n runs from anchor + 3n years to the day before cycle n+1."""
    built = cycle(anchor, number)
    assert built == Cycle(number=number, start=start, end=end)
    assert cycle(anchor, number + 1).start == end + ONE_DAY


@pytest.mark.parametrize(
    ("anchor", "day", "number"),
    [
        pytest.param(MAY14, D(2019, 5, 13), None, id="day-before-anchor-none"),
        pytest.param(MAY14, MAY14, 0, id="anchor-is-cycle-0"),
        pytest.param(MAY14, D(2022, 5, 13), 0, id="last-day-of-cycle-0"),
        pytest.param(MAY14, D(2022, 5, 14), 1, id="first-day-of-cycle-1"),
        pytest.param(MAY14, D(2025, 5, 13), 1, id="last-day-of-cycle-1"),
        pytest.param(MAY14, D(2049, 5, 14), 10, id="thirty-years-on-cycle-10"),
        pytest.param(LEAP, D(2027, 2, 27), 0, id="leap-last-day-of-cycle-0"),
        pytest.param(LEAP, D(2027, 2, 28), 1, id="leap-first-day-of-cycle-1"),
        pytest.param(LEAP, D(2036, 2, 28), 3, id="leap-last-day-of-cycle-3"),
        pytest.param(LEAP, D(2036, 2, 29), 4, id="leap-first-day-of-cycle-4"),
    ],
)
def test_given_an_anchor_and_a_day_when_finding_its_cycle_then_the_cycle_contains_it(anchor, day, number):
    """Given an anchor and a day, then cycle_containing is the cycle holding the day (None before anchor)."""
    found = cycle_containing(anchor, day)
    if number is None:
        assert found is None
    else:
        assert found == cycle(anchor, number)
        assert found.contains(day)


@pytest.mark.parametrize(
    ("today", "days_left"),
    [
        pytest.param(D(2019, 5, 14), 1096, id="first-day-counts-whole-cycle-with-2020-leap-day"),
        pytest.param(D(2022, 4, 13), 31, id="thirty-days-before-end"),
        pytest.param(D(2022, 5, 12), 2, id="day-before-last"),
        pytest.param(D(2022, 5, 13), 1, id="last-day-counts-itself"),
        pytest.param(D(2022, 5, 14), 0, id="after-the-end-none-left"),
        pytest.param(D(2023, 1, 1), 0, id="long-after-the-end-none-left"),
    ],
)
def test_given_cycle_0_of_2019_05_14_when_counting_days_left_then_today_and_last_day_both_count(
    today, days_left
):
    """Given cycle 0 (2019-05-14..2022-05-13), then days left = last day - today + 1 (never negative)."""
    assert cycle(MAY14, 0).days_left(today) == days_left


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        pytest.param(0, D(2022, 5, 13), id="0-days-is-last-day"),
        pytest.param(30, D(2022, 4, 13), id="30-days"),
        pytest.param(90, D(2022, 2, 12), id="90-days"),
        pytest.param(180, D(2021, 11, 14), id="180-days"),
    ],
)
def test_given_cycle_0_when_asking_n_days_before_the_end_then_it_is_last_day_minus_n(days, expected):
    """Given cycle 0 ending 2022-05-13, then "N days before the end" is last day - N."""
    assert cycle(MAY14, 0).days_before_end(days) == expected


# --- Status table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    facts: CertificationFacts
    today: D
    status: Status
    lapse_date: D | None
    active_through: D | None
    reason: tuple[str, ...] = ()


def case(
    case_id: str, facts_: CertificationFacts, today: D, status: Status, lapse=None, through=None, reason=()
):
    return pytest.param(Case(facts_, today, status, lapse, through, tuple(reason)), id=case_id)


A, L, N, M, X = (
    Status.ACTIVE,
    Status.LAPSED,
    Status.NONCOMPLIANT,
    Status.MUST_RECERTIFY,
    Status.EXAM_REQUIRED,
)
UNPAID_2020 = "the annual fee due May 31, 2020 is unpaid"

STATUS_CASES = [
    # Active: paid through today, or the next unpaid fee's due date + grace has not passed.
    case("active-paid-through-today", facts(fee_years=1), D(2021, 4, 30), A, through=D(2021, 5, 31)),
    case("active-new-certification", facts(), MAY14, A, through=D(2020, 5, 31)),
    case("active-unpaid-fee-not-yet-due", facts(), D(2020, 5, 1), A, through=D(2020, 5, 31)),
    case(
        "active-on-the-due-date",
        facts(),
        D(2020, 5, 31),
        A,
        through=D(2020, 5, 31),
        reason=["In good standing through May 31, 2020."],
    ),
    case("active-grace-30-last-grace-day", facts(grace_days=30), D(2020, 6, 30), A, through=D(2020, 6, 30)),
    case("active-grace-1-last-grace-day", facts(grace_days=1), D(2020, 6, 1), A, through=D(2020, 6, 1)),
    case(
        "active-cycle-failure-reported-for-tomorrow",
        facts(fee_years=3, ccp_failed_on=D(2022, 5, 14)),
        D(2022, 5, 13),
        A,
        through=D(2022, 5, 13),
    ),
    case(
        "active-audit-failure-in-the-future",
        facts(fee_years=3, audit_failed_on=D(2023, 2, 20)),
        D(2023, 2, 19),
        A,
        through=D(2023, 5, 31),
    ),
    # Lapsed (fees): a fee is unpaid after its due date + grace, for less than 3 years.
    case(
        "lapsed-day-after-due-date",
        facts(),
        D(2020, 6, 1),
        L,
        lapse=D(2020, 6, 1),
        reason=["Lapsed (fees)", UNPAID_2020, "since June 1, 2020"],
    ),
    case("lapsed-grace-1-day-after", facts(grace_days=1), D(2020, 6, 2), L, lapse=D(2020, 6, 2)),
    case(
        "lapsed-grace-30-day-after",
        facts(grace_days=30),
        D(2020, 7, 1),
        L,
        lapse=D(2020, 7, 1),
        reason=[UNPAID_2020, "since July 1, 2020"],
    ),
    case(
        "lapsed-several-fees-unpaid-earliest-counts",
        facts(),
        D(2022, 7, 1),
        L,
        lapse=D(2020, 6, 1),
        reason=[UNPAID_2020],
    ),
    case("lapsed-day-before-3-years", facts(), D(2023, 5, 31), L, lapse=D(2020, 6, 1)),
    case(
        "lapsed-second-fee-unpaid",
        facts(fee_years=1),
        D(2021, 6, 1),
        L,
        lapse=D(2021, 6, 1),
        reason=["the annual fee due May 31, 2021 is unpaid"],
    ),
    case(
        "lapsed-pre2006-fee-year-ending-feb-29",
        facts(PRE2006, through=D(2024, 2, 29)),
        D(2024, 4, 1),
        L,
        lapse=D(2024, 4, 1),
        reason=["the annual fee due March 31, 2024 is unpaid"],
    ),
    # Must recertify: Lapsed (fees) for 3 years or more (counted from the lapse date).
    case(
        "must-recertify-exactly-3-years",
        facts(),
        D(2023, 6, 1),
        M,
        lapse=D(2020, 6, 1),
        reason=["Must recertify", "fees unpaid for 3 years or more (since June 1, 2020)", UNPAID_2020],
    ),
    case("must-recertify-grace-30-day-before", facts(grace_days=30), D(2023, 6, 30), L, lapse=D(2020, 7, 1)),
    case("must-recertify-grace-30-on-the-day", facts(grace_days=30), D(2023, 7, 1), M, lapse=D(2020, 7, 1)),
    case("must-recertify-pre2006", facts(PRE2006), D(2005, 4, 1), M, lapse=D(2002, 4, 1)),
    case("must-recertify-pre2006-day-before", facts(PRE2006), D(2005, 3, 31), L, lapse=D(2002, 4, 1)),
    case("must-recertify-day-before-10-years", facts(), D(2030, 5, 31), M, lapse=D(2020, 6, 1)),
    # Exam required: not Active for 10 years or more, whatever the reason.
    case(
        "exam-required-exactly-10-years-of-fees",
        facts(),
        D(2030, 6, 1),
        X,
        lapse=D(2020, 6, 1),
        reason=["Exam required", "not Active for 10 years or more (since June 1, 2020)", UNPAID_2020],
    ),
    case(
        "exam-required-day-before-10-years-of-ccp",
        facts(fee_years=20, ccp_failed_on=D(2022, 5, 14)),
        D(2032, 5, 13),
        N,
        lapse=D(2022, 5, 14),
    ),
    case(
        "exam-required-10-years-of-ccp",
        facts(fee_years=20, ccp_failed_on=D(2022, 5, 14)),
        D(2032, 5, 14),
        X,
        lapse=D(2022, 5, 14),
        reason=["not Active for 10 years or more (since May 14, 2022)"],
    ),
    case(
        "exam-required-10-years-after-audit",
        facts(fee_years=20, audit_failed_on=D(2023, 2, 20)),
        D(2033, 2, 20),
        X,
        lapse=D(2023, 2, 20),
    ),
    case("exam-required-pre2006-fees", facts(PRE2006), D(2012, 4, 1), X, lapse=D(2002, 4, 1)),
    # Non-compliant (CCP): a cycle ended without compliance, or an audit failed (where CCP is required).
    case(
        "noncompliant-failed-cycle",
        facts(fee_years=3, ccp_failed_on=D(2022, 5, 14)),
        D(2022, 5, 14),
        N,
        lapse=D(2022, 5, 14),
        reason=[
            "Non-compliant (CCP)",
            "not CCP compliant since May 14, 2022",
            "the CCP cycle ending May 13, 2022 was not compliant",
        ],
    ),
    case(
        "noncompliant-failed-audit",
        facts(fee_years=3, audit_failed_on=D(2023, 2, 20)),
        D(2023, 2, 20),
        N,
        lapse=D(2023, 2, 20),
        reason=["Non-compliant (CCP)", "a CCP audit failed on February 20, 2023"],
    ),
    case(
        "noncompliant-certified-2006-01-01",
        facts(D(2006, 1, 1), fee_years=3, ccp_failed_on=D(2009, 1, 1)),
        D(2009, 1, 1),
        N,
        lapse=D(2009, 1, 1),
        reason=["the CCP cycle ending December 31, 2008 was not compliant"],
    ),
    case(
        "noncompliant-pre2006-reinstated-2014-04-01",
        facts(PRE2006, reinstated_on=D(2014, 4, 1), fee_years=3, ccp_failed_on=D(2017, 4, 1)),
        D(2017, 4, 1),
        N,
        lapse=D(2017, 4, 1),
    ),
    case(
        "noncompliant-pre2006-reinstated-2016-audit",
        facts(PRE2006, reinstated_on=D(2016, 9, 20), fee_years=5, audit_failed_on=D(2020, 3, 2)),
        D(2020, 3, 2),
        N,
        lapse=D(2020, 3, 2),
    ),
    case(
        "noncompliant-post2006-reinstated-2013-audit",
        facts(D(2010, 6, 15), reinstated_on=D(2013, 2, 1), fee_years=5, audit_failed_on=D(2016, 3, 2)),
        D(2016, 3, 2),
        N,
        lapse=D(2016, 3, 2),
    ),
    # CCP not required: certified before 2006 and never reinstated on/after 2014-04-01.
    case(
        "exempt-pre2006-failed-cycle-and-audit-ignored",
        facts(PRE2006, through=D(2026, 2, 28), ccp_failed_on=D(2019, 3, 10), audit_failed_on=D(2020, 6, 1)),
        D(2025, 12, 1),
        A,
        through=D(2026, 3, 31),
        reason=["In good standing through March 31, 2026."],
    ),
    case(
        "exempt-certified-2005-12-31-failed-cycle-ignored",
        facts(D(2005, 12, 31), fee_years=4, ccp_failed_on=D(2008, 12, 31)),
        D(2009, 1, 5),
        A,
        through=D(2010, 12, 31),
    ),
    case(
        "exempt-pre2006-reinstated-2014-03-31-failures-ignored",
        facts(
            PRE2006,
            reinstated_on=D(2014, 3, 31),
            through=D(2026, 2, 28),
            ccp_failed_on=D(2017, 3, 31),
            audit_failed_on=D(2020, 6, 1),
        ),
        D(2025, 12, 1),
        A,
        through=D(2026, 3, 31),
    ),
    case(
        "exempt-pre2006-lapsed-audit-ignored",
        facts(PRE2006, audit_failed_on=D(2003, 1, 1)),
        D(2003, 2, 1),
        L,
        lapse=D(2002, 4, 1),
        reason=["the annual fee due March 31, 2002 is unpaid"],
    ),
    # Precedence: Exam required > Must recertify > Non-compliant > Lapsed > Active; earliest lapse date.
    case(
        "precedence-noncompliant-beats-lapsed",
        facts(audit_failed_on=D(2020, 9, 1)),
        D(2020, 10, 1),
        N,
        lapse=D(2020, 6, 1),
        reason=[UNPAID_2020, "a CCP audit failed on September 1, 2020"],
    ),
    # Once CCP failed no invoice is issued: a fee falling due afterwards is not arrears and is not named.
    case(
        "precedence-ccp-first-later-fee-is-not-arrears",
        facts(fee_years=2, ccp_failed_on=D(2022, 5, 14)),
        D(2022, 7, 1),
        N,
        lapse=D(2022, 5, 14),
        reason=["the CCP cycle ending May 13, 2022"],
    ),
    case(
        "precedence-must-recertify-beats-noncompliant",
        facts(audit_failed_on=D(2020, 9, 1)),
        D(2023, 6, 1),
        M,
        lapse=D(2020, 6, 1),
    ),
    case(
        "precedence-noncompliant-before-3-years-of-fees",
        facts(audit_failed_on=D(2020, 9, 1)),
        D(2023, 5, 31),
        N,
        lapse=D(2020, 6, 1),
    ),
    # CCP lapse first, the next fee due a year later: never invoiced, so never Must recertify for fees.
    case(
        "precedence-ccp-first-stays-noncompliant-after-3-years",
        facts(fee_years=3, ccp_failed_on=D(2022, 5, 14)),
        D(2025, 5, 14),
        N,
        lapse=D(2022, 5, 14),
        reason=["since May 14, 2022", "the CCP cycle ending May 13, 2022"],
    ),
    case(
        "precedence-ccp-first-exam-required-10-years-from-ccp-lapse",
        facts(fee_years=3, ccp_failed_on=D(2022, 5, 14)),
        D(2032, 5, 14),
        X,
        lapse=D(2022, 5, 14),
    ),
    case(
        "precedence-ccp-first-then-fees-noncompliant-day-before-3-years",
        facts(fee_years=3, ccp_failed_on=D(2022, 5, 14)),
        D(2025, 5, 13),
        N,
        lapse=D(2022, 5, 14),
    ),
    case(
        "precedence-exam-required-beats-all",
        facts(audit_failed_on=D(2020, 9, 1), ccp_failed_on=D(2022, 5, 14)),
        D(2030, 6, 1),
        X,
        lapse=D(2020, 6, 1),
    ),
    # The stretch of not being Active resets only when the certification is Active again.
    case(
        "stretch-partial-payment-keeps-lapse-date",
        facts(fee_years=1, lapse_date=D(2020, 6, 1)),
        D(2021, 8, 1),
        L,
        lapse=D(2020, 6, 1),
        reason=["since June 1, 2020", "the annual fee due May 31, 2021"],
    ),
    case(
        "stretch-partial-payment-3-years-from-first-lapse",
        facts(fee_years=1, lapse_date=D(2020, 6, 1)),
        D(2023, 6, 1),
        M,
        lapse=D(2020, 6, 1),
    ),
    case(
        "stretch-fees-then-ccp-keeps-first-lapse",
        facts(fee_years=3, ccp_failed_on=D(2022, 5, 14), lapse_date=D(2020, 6, 1)),
        D(2022, 5, 14),
        N,
        lapse=D(2020, 6, 1),
    ),
    case(
        "stretch-paying-all-fees-resets",
        facts(fee_years=1, lapse_date=D(2020, 6, 1)),
        D(2021, 5, 15),
        A,
        through=D(2021, 5, 31),
    ),
    case(
        "stretch-later-than-failure-ignored",
        facts(lapse_date=D(2021, 1, 1)),
        D(2021, 2, 1),
        L,
        lapse=D(2020, 6, 1),
    ),
    # Reinstatement: a new anchor (anniversary month, covered fee year, cycles) and CCP required.
    case(
        "reinstated-2016-fee-due-in-new-anniversary-month",
        facts(PRE2006, reinstated_on=D(2016, 9, 20)),
        D(2017, 9, 30),
        A,
        through=D(2017, 9, 30),
    ),
    case(
        "reinstated-2016-lapses-after-new-due-date",
        facts(PRE2006, reinstated_on=D(2016, 9, 20)),
        D(2017, 10, 1),
        L,
        lapse=D(2017, 10, 1),
        reason=["the annual fee due September 30, 2017 is unpaid"],
    ),
    case(
        "reinstated-2016-failed-first-cycle",
        facts(PRE2006, reinstated_on=D(2016, 9, 20), fee_years=3, ccp_failed_on=D(2019, 9, 20)),
        D(2019, 9, 20),
        N,
        lapse=D(2019, 9, 20),
        reason=["the CCP cycle ending September 19, 2019"],
    ),
    case(
        "reinstated-2016-active-through-first-cycle-end",
        facts(PRE2006, reinstated_on=D(2016, 9, 20), fee_years=3),
        D(2019, 1, 1),
        A,
        through=D(2019, 9, 19),
    ),
    # Leap-day certification.
    case("leap-certified-first-due-feb-28", facts(LEAP), D(2025, 2, 28), A, through=D(2025, 2, 28)),
    case(
        "leap-certified-lapses-mar-1",
        facts(LEAP),
        D(2025, 3, 1),
        L,
        lapse=D(2025, 3, 1),
        reason=["the annual fee due February 28, 2025 is unpaid"],
    ),
    case(
        "leap-certified-fee-due-feb-29-2028-in-cycle-1",
        facts(LEAP, fee_years=3),
        D(2028, 2, 29),
        A,
        through=D(2028, 2, 29),
        reason=["In good standing through February 29, 2028."],
    ),
    case(
        "leap-certified-cycle-0-ends-before-fee-due",
        facts(LEAP, fee_years=3),
        D(2027, 1, 1),
        A,
        through=D(2027, 2, 27),
    ),
    case(
        "leap-certified-failed-cycle-0-ends-feb-27",
        facts(LEAP, fee_years=3, ccp_failed_on=D(2027, 2, 28)),
        D(2027, 2, 28),
        N,
        lapse=D(2027, 2, 28),
        reason=["the CCP cycle ending February 27, 2027 was not compliant"],
    ),
    case(
        "leap-certified-exam-required-10-years-after-feb-28",
        facts(LEAP, fee_years=20, ccp_failed_on=D(2027, 2, 28)),
        D(2037, 2, 28),
        X,
        lapse=D(2027, 2, 28),
    ),
    # Lapse date on Feb 29: January anniversary, fee due 2024-01-31, grace 28 days.
    case(
        "leap-lapse-last-grace-day-feb-28",
        facts(D(2023, 1, 10), grace_days=28),
        D(2024, 2, 28),
        A,
        through=D(2024, 2, 28),
    ),
    case(
        "leap-lapse-on-feb-29", facts(D(2023, 1, 10), grace_days=28), D(2024, 2, 29), L, lapse=D(2024, 2, 29)
    ),
    case(
        "leap-lapse-3-years-day-before",
        facts(D(2023, 1, 10), grace_days=28),
        D(2027, 2, 27),
        L,
        lapse=D(2024, 2, 29),
    ),
    case(
        "leap-lapse-3-years-is-feb-28",
        facts(D(2023, 1, 10), grace_days=28),
        D(2027, 2, 28),
        M,
        lapse=D(2024, 2, 29),
    ),
    case(
        "leap-lapse-10-years-day-before",
        facts(D(2023, 1, 10), grace_days=28),
        D(2034, 2, 27),
        M,
        lapse=D(2024, 2, 29),
    ),
    case(
        "leap-lapse-10-years-is-feb-28",
        facts(D(2023, 1, 10), grace_days=28),
        D(2034, 2, 28),
        X,
        lapse=D(2024, 2, 29),
    ),
]


@pytest.mark.parametrize("given", STATUS_CASES)
def test_given_the_facts_when_deriving_the_status_then_status_lapse_date_active_through_and_reason_match(
    given,
):
    """Given a certification's facts and today, then status, lapse date, active-through and reason match."""
    result = derive_status(given.facts, given.today)
    assert result.status == given.status
    assert result.label == STATUS_LABELS[given.status]
    assert result.lapse_date == given.lapse_date
    assert result.active_through == given.active_through
    assert result.reason.startswith(STATUS_LABELS[given.status] if given.status != A else "In good standing")
    for words in given.reason:
        assert words in result.reason


# --- Active through --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts_", "today", "expected"),
    [
        pytest.param(facts(), D(2019, 6, 1), D(2020, 5, 31), id="fee-due-before-cycle-end"),
        pytest.param(facts(grace_days=45), D(2019, 6, 1), D(2020, 7, 15), id="fee-due-plus-grace-45"),
        pytest.param(facts(fee_years=2), D(2021, 6, 1), D(2022, 5, 13), id="cycle-end-before-fee-due"),
        pytest.param(facts(fee_years=3), D(2022, 5, 13), D(2022, 5, 13), id="last-day-of-open-cycle"),
        pytest.param(
            facts(fee_years=2, ccp_compliant_through=D(2022, 5, 13)),
            D(2021, 6, 1),
            D(2022, 5, 31),
            id="current-cycle-compliant-fee-only",
        ),
        pytest.param(
            facts(fee_years=6, ccp_compliant_through=D(2022, 5, 13)),
            D(2022, 6, 1),
            D(2025, 5, 13),
            id="only-previous-cycle-compliant-current-cycle-end",
        ),
        pytest.param(
            facts(fee_years=3, ccp_compliant_through=D(2022, 5, 13)),
            D(2022, 5, 14),
            D(2023, 5, 31),
            id="rolled-into-cycle-1-fee-earlier",
        ),
        pytest.param(
            facts(fee_years=30, ccp_compliant_through=D(2025, 5, 13)),
            D(2023, 1, 1),
            D(2050, 5, 31),
            id="fees-paid-far-ahead-cycle-compliant",
        ),
        pytest.param(
            facts(PRE2006, through=D(2026, 2, 28)), D(2025, 12, 1), D(2026, 3, 31), id="exempt-fee-only"
        ),
        pytest.param(
            facts(PRE2006, through=D(2040, 2, 29)), D(2025, 12, 1), D(2040, 3, 31), id="exempt-ignores-cycles"
        ),
        pytest.param(facts(LEAP, fee_years=5), D(2026, 1, 1), D(2027, 2, 27), id="leap-cycle-0-end"),
    ],
)
def test_given_an_active_certification_then_active_through_is_earlier_of_due_plus_grace_and_open_cycle_end(
    facts_, today, expected
):
    """Given an Active certification, then active through = min(next unpaid due + grace, end of the current
    cycle when CCP is required and it is not yet compliant)."""
    assert active_through(facts_, today) == expected
    result = derive_status(facts_, today)
    assert result.status == Status.ACTIVE
    assert result.active_through == expected
    assert result.lapse_date is None


def test_every_status_has_a_label_and_a_meaning():
    """Given each status, then it has the label of DOMAIN.md's table and a meaning for the member."""
    assert [s.label for s in Status] == [
        "Active",
        "Lapsed (fees)",
        "Non-compliant (CCP)",
        "Must recertify",
        "Exam required",
    ]
    assert set(STATUS_MEANINGS) == set(Status)
    assert StatusResult(Status.LAPSED, "r", D(2020, 6, 1), None).label == "Lapsed (fees)"


# --- Properties ------------------------------------------------------------------------------------

any_dates = st.dates(min_value=D(1900, 1, 1), max_value=D(2199, 12, 31))
leap_days = (
    st.integers(1904, 2196)
    .filter(lambda y: y % 4 == 0 and (y % 100 != 0 or y % 400 == 0))
    .map(lambda y: D(y, 2, 29))
)
dates_with_leap_days = st.one_of(any_dates, leap_days)
anchors = st.one_of(
    st.dates(min_value=D(1980, 1, 1), max_value=D(2050, 12, 31)), leap_days.filter(lambda d: d.year <= 2048)
)


@st.composite
def situations(draw):
    """A certification's facts and a day on or after its anchor; failures may lie before or after today."""
    certified_on = draw(
        st.one_of(st.dates(D(1990, 1, 1), D(2040, 12, 31)), st.sampled_from([LEAP, D(2000, 2, 29)]))
    )
    reinstated_on = draw(st.none() | st.dates(certified_on, D(2042, 12, 31)))
    anchor = reinstated_on or certified_on
    today = draw(st.dates(anchor, add_years(anchor, 25)))
    cycles_to_date = cycle_containing(anchor, today).number + 1
    cycle_ends = st.integers(0, cycles_to_date).map(lambda n: cycle(anchor, n).end)
    built = CertificationFacts(
        certified_on=certified_on,
        reinstated_on=reinstated_on,
        paid_through=paid_years(anchor, draw(st.integers(0, 28))),
        grace_days=draw(st.sampled_from([0, 0, 1, 15, 28, 30, 60, 90])),
        ccp_failed_on=draw(st.none() | cycle_ends.map(lambda end: end + ONE_DAY)),
        audit_failed_on=draw(st.none() | st.dates(anchor, add_years(anchor, 26))),
        ccp_compliant_through=draw(st.none() | cycle_ends),
        lapse_date=draw(st.none() | st.dates(anchor, today)),
    )
    return built, today


def paid_up(given: CertificationFacts, today: D, extra_years: int) -> CertificationFacts:
    """The same certification after paying every fee through the fee year containing today (or later)."""
    through = fee_year_containing(given.anchor, today).end
    for _ in range(extra_years):
        through = next_unpaid_fee_year(through).end
    return dataclasses.replace(given, paid_through=max(given.paid_through, through))


@FAST
@given(day=dates_with_leap_days, years=st.integers(-50, 50))
def test_property_add_years_keeps_month_and_day_except_feb_29_to_feb_28(day, years):
    """Given any date and n, then add_years keeps the month, and the day except Feb 29 -> Feb 28."""
    result = add_years(day, years)
    assert result.year == day.year + years
    assert result.month == day.month
    if (day.month, day.day) == (2, 29) and result.day != 29:
        assert result.day == 28
        assert not calendar.isleap(result.year)
    else:
        assert result.day == day.day


@FAST
@given(first=dates_with_leap_days, second=dates_with_leap_days, years=st.integers(-50, 50))
def test_property_add_years_is_monotone_in_the_date(first, second, years):
    """Given two dates in order, then adding the same years keeps them in order (never reversed)."""
    early, late = sorted([first, second])
    assert add_years(early, years) <= add_years(late, years)


@FAST
@given(day=dates_with_leap_days, few=st.integers(-50, 50), more=st.integers(-50, 50))
def test_property_add_years_is_monotone_in_the_years(day, few, more):
    """Given a date and two year counts in order, then the results are in the same order."""
    few, more = sorted([few, more])
    assert add_years(day, few) <= add_years(day, more)
    if few < more:
        assert add_years(day, few) < add_years(day, more)


@FAST
@given(anchor=anchors, day=st.dates(D(1980, 1, 1), D(2080, 12, 31)))
def test_property_fee_year_containing_a_day_contains_it_and_starts_on_the_anniversary_month(anchor, day):
    """Given an anchor and any day, then its fee year contains it, starts on the 1st of the anniversary month,
    lasts twelve months, is due on the last day of its first month, and the next one follows without a gap."""
    year = fee_year_containing(anchor, day)
    assert year.contains(day)
    assert (year.start.month, year.start.day) == (anchor.month, 1)
    assert year.end == add_years(year.start, 1) - ONE_DAY
    assert (year.end - year.start).days + 1 in (365, 366)
    assert year.due_on == last_day_of_month(year.start)
    assert year.next().start == year.end + ONE_DAY
    assert fee_year_containing(anchor, year.end + ONE_DAY) == year.next()


@FAST
@given(
    anchor=anchors,
    paid=st.lists(st.booleans(), max_size=15),
    noise=st.lists(st.dates(D(1970, 1, 1), D(2080, 12, 31)), max_size=5),
    data=st.data(),
)
def test_property_paid_through_is_the_end_of_the_contiguous_run_whatever_the_order(anchor, paid, noise, data):
    """Given any fee years settled in any order, then paid through is the end of the last fee year before the
    first unsettled one after the covered year; dates that start no later fee year change nothing."""
    years = [covered_fee_year(anchor).next()]
    while len(years) < len(paid):
        years.append(years[-1].next())
    settled = [year.start for year, is_paid in zip(years, paid, strict=False) if is_paid]
    run = 0
    while run < len(paid) and paid[run]:
        run += 1
    expected = years[run - 1].end if run else initial_paid_through(anchor)
    covered_start = covered_fee_year(anchor).start
    harmless = [
        day for day in noise if not (day.day == 1 and day.month == anchor.month and day > covered_start)
    ]
    shuffled = data.draw(st.permutations(settled + harmless))
    assert paid_through(anchor=anchor, settled_fee_year_starts=set(shuffled)) == expected


@FAST
@given(anchor=anchors, number=st.integers(0, 20))
def test_property_consecutive_cycles_tile_time_without_gap_or_overlap(anchor, number):
    """Given an anchor, then cycle n starts on anchor + 3n years, lasts three years, and cycle n+1 starts the
    day after cycle n ends."""
    this, following = cycle(anchor, number), cycle(anchor, number + 1)
    assert this.start == add_years(anchor, 3 * number)
    assert this.end + ONE_DAY == following.start
    assert (this.end - this.start).days + 1 in (1095, 1096)
    assert this.number == number
    assert cycle(anchor, 0).start == anchor


@FAST
@given(anchor=anchors, offset=st.integers(-400, 40 * 366))
def test_property_cycle_containing_a_day_contains_it(anchor, offset):
    """Given an anchor and a day, then cycle_containing contains the day (None before the anchor), and no
    earlier cycle does."""
    day = anchor + datetime.timedelta(days=offset)
    found = cycle_containing(anchor, day)
    if day < anchor:
        assert found is None
        return
    assert found is not None
    assert found.contains(day)
    assert found == cycle(anchor, found.number)
    if found.number:
        assert cycle(anchor, found.number - 1).end < day


@FAST
@given(anchor=anchors, number=st.integers(0, 10), before=st.integers(0, 1200), n_days=st.integers(0, 365))
def test_property_days_left_counts_today_and_the_last_day(anchor, number, before, n_days):
    """Given a cycle and a day up to its end, then days left = last day - today + 1; N days before the end is
    last day - N."""
    built = cycle(anchor, number)
    today = built.end - datetime.timedelta(days=before)
    assert built.days_left(today) == before + 1
    assert built.days_left(built.end + ONE_DAY) == 0
    assert built.days_before_end(n_days) + datetime.timedelta(days=n_days) == built.end


@FAST
@given(situation=situations())
def test_property_derive_status_is_deterministic(situation):
    """Given the same facts and day twice (also as an equal copy), then the same result."""
    given_facts, today = situation
    assert derive_status(given_facts, today) == derive_status(dataclasses.replace(given_facts), today)
    assert derive_status(given_facts, today) == derive_status(given_facts, today)


@FAST
@given(situation=situations())
def test_property_lapse_date_and_active_through_are_consistent_with_the_status(situation):
    """Given any certification, then Active has an active-through >= today and no lapse date; any other
    status has a lapse date <= today and no active-through; the 3- and 10-year rules count from it."""
    given_facts, today = situation
    result = derive_status(given_facts, today)
    if result.status == Status.ACTIVE:
        assert result.lapse_date is None
        assert result.active_through is not None
        assert result.active_through >= today
        assert result.active_through == active_through(given_facts, today)
        fee_limit = next_unpaid_fee_year(given_facts.paid_through).due_on + datetime.timedelta(
            days=given_facts.grace_days
        )
        current = cycle_containing(given_facts.anchor, today)
        open_cycle = given_facts.ccp_required and (
            given_facts.ccp_compliant_through is None or given_facts.ccp_compliant_through < current.end
        )
        assert result.active_through == (min(fee_limit, current.end) if open_cycle else fee_limit)
    else:
        assert result.active_through is None
        assert result.lapse_date is not None
        assert result.lapse_date <= today
        assert (result.status == Status.EXAM_REQUIRED) == (today >= add_years(result.lapse_date, 10))
        if result.status in (Status.LAPSED, Status.MUST_RECERTIFY):
            assert given_facts.fee_lapse_date <= today
            assert (result.status == Status.MUST_RECERTIFY) == (today >= add_years(result.lapse_date, 3))


def expected_status(given: CertificationFacts, today: D) -> Status:
    """DOMAIN.md's status table, read independently of rules.py: the lowest row that applies wins."""
    fee_due = next_unpaid_fee_year(given.paid_through).due_on
    ccp_failures = []
    if given.ccp_required:
        ccp_failures = [day for day in (given.ccp_failed_on, given.audit_failed_on) if day and day <= today]
    # "Leaving Active": after a CCP failure no invoice is issued, so only a fee lapse that began first counts.
    fee_lapse = fee_due + datetime.timedelta(days=given.grace_days + 1)
    fees_lapsed = fee_lapse <= today and all(fee_lapse <= day for day in ccp_failures)
    if not fees_lapsed and not ccp_failures:
        return Status.ACTIVE
    starts = ccp_failures + [fee_due + datetime.timedelta(days=given.grace_days + 1)] * fees_lapsed
    if given.lapse_date:
        starts.append(given.lapse_date)
    lapse = min(starts)
    if today >= add_years(lapse, 10):
        return Status.EXAM_REQUIRED
    if fees_lapsed and today >= add_years(lapse, 3):
        return Status.MUST_RECERTIFY
    if ccp_failures:
        return Status.NONCOMPLIANT
    return Status.LAPSED


@FAST
@given(situation=situations())
def test_property_status_matches_the_status_table_read_independently(situation):
    """Given any certification, then derive_status agrees with DOMAIN.md's status table and precedence."""
    given_facts, today = situation
    assert derive_status(given_facts, today).status == expected_status(given_facts, today)


@FAST
@given(situation=situations(), extra_years=st.integers(0, 3))
def test_property_paying_all_fees_never_makes_a_certification_less_active(situation, extra_years):
    """Given any certification, when every fee through the fee year containing today (or later) is paid, then
    the status is never more severe, and it is Active unless a CCP failure (where required) is in effect."""
    given_facts, today = situation
    before = derive_status(given_facts, today)
    after = derive_status(paid_up(given_facts, today, extra_years), today)
    assert SEVERITY[after.status] <= SEVERITY[before.status]
    assert after.status not in (Status.LAPSED, Status.MUST_RECERTIFY)
    ccp_in_effect = given_facts.ccp_required and any(
        day and day <= today for day in (given_facts.ccp_failed_on, given_facts.audit_failed_on)
    )
    assert (after.status == Status.ACTIVE) == (not ccp_in_effect)


@FAST
@given(situation=situations(), later=st.integers(0, 5000))
def test_property_with_nothing_changing_time_never_makes_a_certification_more_active(situation, later):
    """Given fixed facts, when time passes, then the status never becomes less severe."""
    given_facts, today = situation
    then = today + datetime.timedelta(days=later)
    assert (
        SEVERITY[derive_status(given_facts, then).status]
        >= SEVERITY[derive_status(given_facts, today).status]
    )


@FAST
@given(situation=situations(), more_grace=st.integers(0, 120))
def test_property_more_grace_never_makes_a_certification_less_active(situation, more_grace):
    """Given any certification, when the grace days (data) grow, then the status is never more severe."""
    given_facts, today = situation
    longer = dataclasses.replace(given_facts, grace_days=given_facts.grace_days + more_grace)
    assert SEVERITY[derive_status(longer, today).status] <= SEVERITY[derive_status(given_facts, today).status]


@FAST
@given(situation=situations())
def test_property_ccp_facts_never_matter_when_ccp_is_not_required(situation):
    """Given a certification exempt from CCP, then cycle and audit failures and compliance change nothing."""
    given_facts, today = situation
    exempt = dataclasses.replace(given_facts, certified_on=PRE2006, reinstated_on=None)
    exempt = dataclasses.replace(exempt, paid_through=max(exempt.paid_through, initial_paid_through(PRE2006)))
    cleared = dataclasses.replace(
        exempt, ccp_failed_on=None, audit_failed_on=None, ccp_compliant_through=None
    )
    today = max(today, PRE2006)
    assert derive_status(exempt, today) == derive_status(cleared, today)
