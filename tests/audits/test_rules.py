"""The audit's pure rules (audits/rules.py) against DOMAIN.md "Annual CCP audit": the sample size, the
re-derivable selection, the population's dates and digest, the reminder due today, the outcome in words and
the tables of allowed moves. Worked examples first, then Hypothesis properties. Nothing reads the clock or
the database."""

import datetime
import hashlib
import math
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audits import rules
from ccp import rules as ccp_rules
from ccp.seeding import CATEGORIES

D = datetime.date
FAST = settings(max_examples=150, deadline=None, database=None)

ids_strategy = st.lists(st.integers(min_value=1, max_value=10**9), max_size=300)
seeds = st.text(min_size=1, max_size=40)


def expected_selection(seed: str, ids, n: int) -> list[int]:
    """The rule as DOMAIN.md states it, written independently: the N smallest SHA-256(seed:id)."""
    unique = set(ids)
    return sorted(unique, key=lambda pk: hashlib.sha256(f"{seed}:{pk}".encode()).hexdigest())[:n]


# --- The sample size ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "rate", "fixed", "n"),
    [
        (100, "0.05", None, 5),  # 5% of 100
        (101, "0.05", None, 6),  # 5.05 rounds up
        (120, "0.05", None, 6),  # exactly 6
        (20, "0.05", None, 1),  # exactly 1
        (21, "0.05", None, 2),  # 1.05 rounds up
        (1, "0.05", None, 1),  # one certification is always audited at 5%
        (0, "0.05", None, 0),  # nobody rolled
        (7, "1", None, 7),  # everybody
        (3, "0.3333", None, 1),  # 0.9999
        (10, None, 4, 4),  # a fixed size
        (3, None, 10, 3),  # a fixed size is capped at the population
        (0, None, 10, 0),
        (50, "0.05", 0, 0),  # a fixed size of 0 wins over the rate
    ],
)
def test_sample_size(population, rate, fixed, n):
    # given a population and the policy / then N is ceil(rate x population), or the fixed size capped
    assert rules.sample_size(population=population, rate=rate and Decimal(rate), fixed=fixed) == n


@FAST
@given(
    population=st.integers(min_value=0, max_value=10**7),
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1"), places=4),
)
def test_sample_size_is_ceil_of_exact_product(population, rate):
    # given any rate the policy accepts (4 places) / then N is the exact ceiling, never a float's
    expected = math.ceil(Fraction(rate) * population)
    assert rules.sample_size(population=population, rate=rate, fixed=None) == expected
    assert 0 <= expected <= population


@FAST
@given(population=st.integers(min_value=0, max_value=10**6), fixed=st.integers(min_value=0, max_value=10**6))
def test_fixed_size_never_exceeds_population(population, fixed):
    n = rules.sample_size(population=population, rate=Decimal("0.05"), fixed=fixed)
    assert n == min(fixed, population)


# --- The selection ---------------------------------------------------------------------------------------


def test_select_worked_example():
    # given the seed "demo-seed" and ten certifications / when 3 are selected
    chosen = rules.select(seed="demo-seed", population_ids=range(1, 11), n=3)
    # then they are the three smallest SHA-256("demo-seed:<id>"), smallest first
    keys = {pk: hashlib.sha256(f"demo-seed:{pk}".encode()).hexdigest() for pk in range(1, 11)}
    assert chosen == sorted(keys, key=keys.get)[:3]
    assert rules.selection_key("demo-seed", 7) == keys[7]


def test_select_nobody():
    assert rules.select(seed="s", population_ids=[], n=0) == []
    assert rules.select(seed="s", population_ids=[1, 2, 3], n=0) == []


@FAST
@given(seed=seeds, ids=ids_strategy, data=st.data())
def test_selection_is_the_n_smallest_keys(seed, ids, data):
    n = data.draw(st.integers(min_value=0, max_value=len(set(ids))))
    chosen = rules.select(seed=seed, population_ids=ids, n=n)
    # then every one is in the population, none twice, exactly N, and they are the N smallest keys
    assert set(chosen) <= set(ids)
    assert len(chosen) == len(set(chosen)) == n
    assert chosen == expected_selection(seed, ids, n)


@FAST
@given(seed=seeds, ids=ids_strategy, data=st.data())
def test_same_seed_same_selection_whatever_the_order(seed, ids, data):
    n = data.draw(st.integers(min_value=0, max_value=len(set(ids))))
    shuffled = list(ids) + data.draw(st.lists(st.sampled_from(ids), max_size=20) if ids else st.just([]))
    random.Random(len(shuffled)).shuffle(shuffled)
    # given the same population listed in another order, with duplicates / then the same selection
    assert rules.select(seed=seed, population_ids=shuffled, n=n) == rules.select(
        seed=seed, population_ids=sorted(set(ids)), n=n
    )


@settings(max_examples=20, deadline=None, database=None)
@given(seed=seeds, other=seeds)
def test_another_seed_selects_others_in_a_big_population(seed, other):
    # given 10,000 certifications and 5% (500) selected / when the seed differs / then so does the selection
    if seed == other:
        return
    population = range(1, 10_001)
    assert rules.select(seed=seed, population_ids=population, n=500) != rules.select(
        seed=other, population_ids=population, n=500
    )


@FAST
@given(ids=ids_strategy, data=st.data())
def test_population_digest_ignores_order_and_duplicates(ids, data):
    shuffled = data.draw(st.permutations(ids))
    assert rules.population_digest(shuffled + ids[:3]) == rules.population_digest(ids)


def test_population_digest_is_sha256_of_sorted_ids_one_per_line():
    # given the population 10, 2, 33 / then the digest anyone can recompute by hand
    expected = hashlib.sha256(b"2\n10\n33").hexdigest()
    assert rules.population_digest([33, 2, 10]) == expected
    assert rules.population_digest([2, 10]) != expected
    assert rules.population_digest([]) == hashlib.sha256(b"").hexdigest()


# --- The population's dates -----------------------------------------------------------------------------


def test_rolled_in_year_boundaries():
    # given the 2025 campaign / then the cycles whose last day was Dec 31, 2024 (rolled Jan 1, 2025)
    # through Dec 30, 2025 (rolled Dec 31, 2025) are in it
    assert rules.rolled_in_year(2025) == (D(2024, 12, 31), D(2025, 12, 30))
    assert rules.rolled_in_year(2024) == (D(2023, 12, 31), D(2024, 12, 30))  # a leap year too


@FAST
@given(year=st.integers(min_value=2000, max_value=2100), day=st.dates(D(1999, 1, 1), D(2101, 12, 31)))
def test_rolled_in_year_means_the_next_cycle_started_that_year(year, day):
    # given a cycle's last day / then it is in `year`'s population exactly when the next cycle starts in it
    first, last = rules.rolled_in_year(year)
    assert (first <= day <= last) == ((day + rules.ONE_DAY).year == year)


# --- The timeline ---------------------------------------------------------------------------------------

DEADLINE = D(2026, 3, 16)


@pytest.mark.parametrize(
    ("today", "step"),
    [
        (DEADLINE - datetime.timedelta(days=31), None),  # too early for any reminder
        (DEADLINE - datetime.timedelta(days=30), 30),  # 30 days before
        (DEADLINE - datetime.timedelta(days=8), 30),  # still the 30-day step (sent once by the job)
        (DEADLINE - datetime.timedelta(days=7), 7),  # 7 days before
        (DEADLINE - datetime.timedelta(days=1), 7),
        (DEADLINE, 7),  # the deadline itself
        (DEADLINE + datetime.timedelta(days=1), None),  # after the deadline: no reminder, it fails
        (DEADLINE + datetime.timedelta(days=40), None),
    ],
)
def test_due_reminder(today, step):
    assert rules.due_reminder([30, 7], deadline=DEADLINE, today=today) == step


def test_a_job_catching_up_sends_only_the_latest_step():
    # given the job was down from 40 days before the deadline until 5 days before / then only the 7-day step
    assert rules.due_reminder([30, 7], deadline=DEADLINE, today=DEADLINE - datetime.timedelta(days=5)) == 7
    assert rules.due_reminder([7, 30], deadline=DEADLINE, today=DEADLINE - datetime.timedelta(days=5)) == 7


def test_no_steps_no_reminder():
    assert rules.due_reminder([], deadline=DEADLINE, today=DEADLINE) is None


@FAST
@given(
    steps=st.lists(st.integers(min_value=0, max_value=90), min_size=1, max_size=4, unique=True),
    offset=st.integers(min_value=-30, max_value=120),
)
def test_due_reminder_is_the_latest_step_reached(steps, offset):
    today = DEADLINE - datetime.timedelta(days=offset)
    step = rules.due_reminder(steps, deadline=DEADLINE, today=today)
    if offset < 0:
        assert step is None  # never after the deadline
    elif step is None:
        assert all(offset > s for s in steps)  # no step reached yet
    else:
        assert step in steps and step >= offset  # a reached step...
        assert not [s for s in steps if offset <= s < step]  # ...and no later one is reached


def test_deadline_and_failure_day():
    assert rules.deadline_after(D(2026, 1, 15), 60) == D(2026, 3, 16)
    assert rules.no_response_failure_day(D(2026, 3, 16)) == D(2026, 3, 17)
    reason = rules.no_response_reason(D(2026, 3, 16))
    assert reason == "Nothing was submitted by the deadline, March 16, 2026."


# --- The outcome ----------------------------------------------------------------------------------------


def test_outcome_passes_at_exactly_the_required_points():
    result = rules.outcome(accepted_points=Decimal("30.00"), required=Decimal("30.00"))
    assert result.passed
    assert result.reason == "The accepted activities count 30 of the 30 points required."


def test_outcome_fails_below_saying_how_many_points_are_missing():
    result = rules.outcome(accepted_points=Decimal("29.50"), required=Decimal("30.00"))
    assert not result.passed
    assert result.reason == "The accepted activities count 29.5 of the 30 points required: 0.5 short."


def test_outcome_with_nothing_accepted():
    result = rules.outcome(accepted_points=Decimal("0"), required=Decimal("24"))
    assert not result.passed
    assert result.reason.endswith("count 0 of the 24 points required: 24 short.")


@FAST
@given(
    accepted=st.decimals(min_value=0, max_value=200, places=2),
    required=st.decimals(min_value=1, max_value=60, places=2),
)
def test_outcome_passes_exactly_when_accepted_reach_required(accepted, required):
    result = rules.outcome(accepted_points=accepted, required=required)
    assert result.passed == (accepted >= required)
    assert ("short" in result.reason) == (not result.passed)


def test_verified_outcome():
    # given verified online CE worth 30 of 30 / then a pass at selection; 29.99 / then the member sends proof
    passed = rules.verified_outcome(verified_points=Decimal("30.00"), required=Decimal("30"))
    assert passed is not None and passed.passed
    assert "counts 30 points, enough on its own" in passed.reason
    assert rules.verified_outcome(verified_points=Decimal("29.99"), required=Decimal("30")) is None


# --- Caps apply before the outcome (the CCP engine over the accepted activities) --------------------------


def _category_rules() -> dict[str, ccp_rules.CategoryRule]:
    return {
        row[0]: ccp_rules.CategoryRule(
            id=number, name=row[1], unit=row[2], points_per_unit=Decimal(row[4]),
            cap=Decimal(row[5]) if row[5] else None, accepted_through=row[6], is_period=row[7],
        )
        for number, row in enumerate(CATEGORIES, start=1)
    }  # fmt: skip


CYCLE = ccp_rules.Window(D(2022, 1, 10), D(2025, 1, 9))


def _accepted(*claims: tuple[str, int, D]) -> Decimal:
    """The counted points of accepted activities (category code, units, date), as the audit computes them."""
    by_code = _category_rules()
    activities = [
        ccp_rules.ActivityFacts(
            id=number, category_id=by_code[code].id, order=number, units=Fraction(units), completed_on=day
        )
        for number, (code, units, day) in enumerate(claims, start=1)
    ]
    return ccp_rules.evaluate(
        window=CYCLE, today=D(2026, 3, 1), required=Decimal(30), rules=list(by_code.values()),
        activities=activities,
    ).counted  # fmt: skip


def test_authorship_over_its_cap_does_not_make_an_audit_pass():
    # given accepted: 4 authored items (20 points raw, capped at 15) and 10 contact hours
    points = _accepted(("authorship", 4, D(2023, 2, 1)), ("professional-education", 10, D(2023, 3, 1)))
    # then 25 points count, not 30, and the audit fails 5 points short
    assert points == Decimal("25.00")
    result = rules.outcome(accepted_points=points, required=Decimal(30))
    assert not result.passed
    assert result.reason == "The accepted activities count 25 of the 30 points required: 5 short."


def test_authorship_within_its_cap_with_enough_hours_passes():
    points = _accepted(("authorship", 3, D(2023, 2, 1)), ("professional-education", 15, D(2023, 3, 1)))
    assert rules.outcome(accepted_points=points, required=Decimal(30)).passed


# --- The tables of moves --------------------------------------------------------------------------------


def test_audit_moves_table():
    expected = {
        "selected": {"submitted", "passed", "failed"},
        "submitted": {"more_requested", "passed", "failed"},
        "more_requested": {"submitted", "failed"},
        "passed": set(),
        "failed": set(),
    }
    assert dict(rules.MOVES) == expected


def test_item_moves_table():
    expected = {
        "needs_proof": {"uploaded"},
        "uploaded": {"accepted", "refused", "more_requested"},
        "more_requested": {"uploaded"},
        "accepted": set(),
        "refused": set(),
    }
    assert dict(rules.ITEM_MOVES) == expected


@pytest.mark.parametrize("final", ["passed", "failed"])
def test_a_final_audit_has_no_move_out(final):
    assert not [state for state in rules.MOVES if rules.can_move(final, state)]


@pytest.mark.parametrize("final", ["accepted", "refused"])
def test_a_decided_item_has_no_move_out(final):
    assert not [state for state in rules.ITEM_MOVES if rules.can_move_item(final, state)]


def test_moves_only_name_known_states():
    for table in (rules.MOVES, rules.ITEM_MOVES):
        assert set().union(*table.values()) <= set(table)


def test_states_match_the_models():
    from audits.models import Audit, AuditItem

    assert set(rules.MOVES) == set(Audit.State.values)
    assert set(rules.ITEM_MOVES) == set(AuditItem.State.values)
