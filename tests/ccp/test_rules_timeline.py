"""The "What's coming" rules (issue 12) as tables: how urgent a shortfall is, the pace needed, the fee and CCP
events, and which of them ends the Active status first, with the reason in words. Pure: members.rules
(urgency, the fee, the stop date) and ccp.rules (the pace, the cycle's end). Every date is fixed.
"""

# ruff: noqa: E501  (the tables keep one case per row, with the words a member reads in full)

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccp.rules import DAYS_PER_MONTH, ccp_stop, cycle_end_event, pace_needed, shortfall_text
from members.rules import (
    CertificationFacts,
    Urgency,
    active_through,
    cycle_containing,
    earliest_stop,
    fee_event,
    fee_stop,
    urgency,
)

D = datetime.date
TODAY = D(2026, 3, 2)
FAST = settings(max_examples=200, deadline=None, database=None)


def in_days(days: int) -> D:
    return TODAY + datetime.timedelta(days=days)


# --- Urgency: amber from 180 days before the shortfall takes effect, red from 30 -------------------------


@pytest.mark.parametrize(
    ("days_until_effect", "expected"),
    [
        (400, Urgency.OK),
        (181, Urgency.OK),
        (180, Urgency.AMBER),
        (60, Urgency.AMBER),
        (31, Urgency.AMBER),
        (30, Urgency.RED),
        (1, Urgency.RED),
        (0, Urgency.RED),
        (-5, Urgency.RED),  # already in effect
    ],
)
def test_given_days_before_a_shortfall_takes_effect_then_urgency(days_until_effect, expected):
    assert urgency(days_until_effect) == expected


def test_each_urgency_says_itself_in_words_so_colour_is_not_the_only_signal():
    assert [level.label for level in Urgency] == ["On track", "Action needed", "Urgent"]


# --- The pace: points per month, months = days left / 30.4375, rounded up to 0.1 ------------------------


@pytest.mark.parametrize(
    ("missing", "days_left", "pace"),
    [
        ("12", 60, "6.1"),  # 12 / (60 / 30.4375) = 6.09
        ("19.5", 181, "3.3"),  # 3.28
        ("30", 1096, "0.9"),  # a whole cycle: 0.83
        ("0.01", 1000, "0.1"),  # rounded up: keeping the pace is enough
        ("0", 60, "0.0"),
        ("12", 31, "11.8"),  # just over a month
        ("12", 30, "12.0"),  # less than a month: all of it
        ("25", 1, "25.0"),  # the last day
        ("12", 0, "12.0"),  # after the end
    ],
)
def test_given_points_missing_and_days_left_then_the_pace_per_month(missing, days_left, pace):
    cycle_end = in_days(days_left - 1)  # days left count today and the last day

    assert pace_needed(Decimal(missing), TODAY, cycle_end) == Decimal(pace)


@pytest.mark.parametrize(
    ("missing", "days_left", "text"),
    [
        ("12", 60, "12 points missing, about 6.1 points a month"),
        ("19.5", 181, "19.5 points missing, about 3.3 points a month"),
        ("12", 30, "12 points missing, all of them within the 30 days left"),
        ("2.5", 1, "2.5 points missing, all of them within the 1 day left"),
    ],
)
def test_given_points_missing_then_the_shortfall_reads(missing, days_left, text):
    assert shortfall_text(Decimal(missing), TODAY, in_days(days_left - 1)) == text


@FAST
@given(
    missing=st.decimals(Decimal("0.01"), Decimal("200"), places=2),
    days_left=st.integers(31, 3 * 366),
)
def test_property_keeping_the_pace_to_the_end_earns_the_missing_points(missing, days_left):
    pace = pace_needed(missing, TODAY, in_days(days_left - 1))

    assert pace > 0
    assert pace * Decimal(days_left) / DAYS_PER_MONTH >= missing
    assert pace - Decimal("0.1") < missing / (Decimal(days_left) / DAYS_PER_MONTH)  # and no more


@FAST
@given(missing=st.decimals(Decimal("0"), Decimal("200"), places=2), days=st.integers(0, 3 * 366))
def test_property_the_pace_never_rises_with_more_time_left(missing, days):
    assert pace_needed(missing, TODAY, in_days(days + 1)) <= pace_needed(missing, TODAY, in_days(days))


# --- The cycle's end ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("missing", "attested", "days_left", "level", "text"),
    [
        ("12", False, 60, Urgency.AMBER, "CCP cycle ends on April 30, 2026: 12 points missing, about 6.1 points a month"),
        ("12", False, 180, Urgency.AMBER, "CCP cycle ends on August 28, 2026: 12 points missing, about 2.1 points a month"),
        ("12", False, 181, Urgency.OK, "CCP cycle ends on August 29, 2026: 12 points missing, about 2.1 points a month"),
        ("12", False, 31, Urgency.AMBER, "CCP cycle ends on April 1, 2026: 12 points missing, about 11.8 points a month"),
        ("12", False, 30, Urgency.RED, "CCP cycle ends on March 31, 2026: 12 points missing, all of them within the 30 days left"),
        ("0", False, 20, Urgency.OK, "CCP cycle ends on March 21, 2026: you have the required points"),
        ("12", True, 20, Urgency.OK, "CCP cycle ends on March 21, 2026: covered by your CCP attestation"),
    ],
)  # fmt: skip
def test_given_the_open_cycle_then_its_end_event(missing, attested, days_left, level, text):
    cycle_end = in_days(days_left - 1)

    event = cycle_end_event(cycle_end=cycle_end, missing=Decimal(missing), attested=attested, today=TODAY)

    assert (event.on, event.kind, event.urgency, event.text) == (cycle_end, "ccp", level, text)


# --- The next fee --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_on", "grace_days", "payable", "level", "text"),
    [
        (D(2026, 5, 31), 0, False, Urgency.OK, "Next annual fee due on May 31, 2026"),  # not invoiced yet
        (D(2026, 5, 31), 0, True, Urgency.AMBER, "Next annual fee due on May 31, 2026"),  # lapses in 91 days
        (D(2026, 3, 20), 0, True, Urgency.RED, "Next annual fee due on March 20, 2026"),
        (
            D(2026, 2, 28),
            10,
            True,
            Urgency.RED,
            "Annual fee was due on February 28, 2026: pay it by March 10, 2026 to stay Active",
        ),
        (
            D(2026, 1, 31),
            0,
            True,
            Urgency.RED,
            "Annual fee due on January 31, 2026 is unpaid: pay it to become Active again",
        ),
        (D(2027, 1, 31), 0, False, Urgency.OK, "Next annual fee due on January 31, 2027"),
    ],
)
def test_given_the_next_unpaid_fee_then_its_event(due_on, grace_days, payable, level, text):
    event = fee_event(next_fee_due_on=due_on, grace_days=grace_days, today=TODAY, payable=payable)

    assert (event.on, event.kind, event.urgency, event.text) == (due_on, "fee", level, text)


# --- Fees and CCP together: the day Active ends if nothing is done, and why ------------------------------


@pytest.mark.parametrize(
    ("fee_due_on", "grace_days", "cycle_end", "missing", "attested", "last_day", "sentence"),
    [
        pytest.param(
            D(2026, 5, 31), 0, D(2026, 4, 30), "12", False, D(2026, 4, 30),
            "Active through April 30, 2026 because your CCP cycle ends on April 30, 2026 and you are 12 points short",
            id="cycle-ends-first-short",
        ),
        pytest.param(
            D(2026, 3, 31), 0, D(2026, 4, 30), "12", False, D(2026, 3, 31),
            "Active through March 31, 2026 because your next annual fee is due on March 31, 2026 and is not paid yet",
            id="fee-first",
        ),
        pytest.param(
            D(2026, 5, 31), 0, D(2026, 4, 30), "0", False, D(2026, 5, 31),
            "Active through May 31, 2026 because your next annual fee is due on May 31, 2026 and is not paid yet",
            id="compliant-cycle-does-not-stop",
        ),
        pytest.param(
            D(2026, 5, 31), 0, D(2026, 4, 30), "12", True, D(2026, 5, 31),
            "Active through May 31, 2026 because your next annual fee is due on May 31, 2026 and is not paid yet",
            id="attested-cycle-does-not-stop",
        ),
        pytest.param(
            D(2026, 4, 25), 10, D(2026, 4, 30), "0.5", False, D(2026, 4, 30),
            "Active through April 30, 2026 because your CCP cycle ends on April 30, 2026 and you are 0.5 points short",
            id="grace-moves-the-fee-after-the-cycle",
        ),
        pytest.param(
            D(2026, 4, 15), 10, D(2026, 4, 30), "3", False, D(2026, 4, 25),
            "Active through April 25, 2026 because your next annual fee is due on April 15, 2026 (10 days' grace) "
            "and is not paid yet",
            id="fee-with-grace-first",
        ),
        pytest.param(
            D(2026, 4, 30), 0, D(2026, 4, 30), "3", False, D(2026, 4, 30),
            "Active through April 30, 2026 because your next annual fee is due on April 30, 2026 and is not paid yet",
            id="same-day-the-fee-is-named",
        ),
        pytest.param(
            D(2026, 5, 31), 0, None, None, False, D(2026, 5, 31),
            "Active through May 31, 2026 because your next annual fee is due on May 31, 2026 and is not paid yet",
            id="exempt-or-no-open-cycle",
        ),
    ],
)  # fmt: skip
def test_given_fees_and_ccp_then_the_earliest_stop_and_its_reason(
    fee_due_on, grace_days, cycle_end, missing, attested, last_day, sentence
):
    stops = [fee_stop(next_fee_due_on=fee_due_on, grace_days=grace_days)]
    if cycle_end is not None:
        stops.append(ccp_stop(cycle_end=cycle_end, missing=Decimal(missing), attested=attested))

    stop = earliest_stop(stops)

    assert stop is not None
    assert (stop.last_active_day, stop.sentence) == (last_day, sentence)
    assert stop.effective_on == last_day + datetime.timedelta(days=1)


@FAST
@given(
    certified_on=st.dates(D(2006, 1, 1), D(2030, 12, 31)),
    paid_years=st.integers(0, 6),
    grace_days=st.integers(0, 60),
    offset=st.integers(0, 3 * 366 - 1),
)
def test_property_the_earliest_stop_is_the_members_active_through_date(
    certified_on, paid_years, grace_days, offset
):
    # Given an Active certification whose open cycle is not compliant (DOMAIN.md "Active through")
    paid_through = D(certified_on.year + paid_years, certified_on.month, 1) - datetime.timedelta(days=1)
    facts = CertificationFacts(
        certified_on=certified_on, reinstated_on=None, paid_through=paid_through, grace_days=grace_days
    )
    today = certified_on + datetime.timedelta(days=offset)
    cycle = cycle_containing(facts.anchor, today)
    assert cycle is not None

    stop = earliest_stop(
        [
            fee_stop(next_fee_due_on=facts.next_fee_due_on, grace_days=grace_days),
            ccp_stop(cycle_end=cycle.end, missing=Decimal("1"), attested=False),
        ]
    )

    assert stop is not None
    assert stop.last_active_day == active_through(facts, today)
