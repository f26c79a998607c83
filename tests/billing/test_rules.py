"""The billing rules (billing/rules.py) against DOMAIN.md "Dates that drive everything" and "Annual renewal".

Worked examples first, then Hypothesis properties. Pure functions only: no database, no clock.

Defaults of the examples: the seeded renewal steps (billing/seeding.py: at issue by e-mail and letter,
30 days before the due date, on the due date, on the lapse date by e-mail and letter), invoices issued 60
days before the due date, grace 0 days.
"""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing import rules
from billing.rules import NoticeStep
from billing.seeding import RENEWAL_NOTICE_STEPS
from members.rules import FeeYear, covered_fee_year, fee_year_starting, initial_paid_through, paid_through

D = datetime.date
ISSUE_DAYS = 60
FAST = settings(max_examples=200, deadline=None, database=None)

# The seeded steps, as the notice job hands them to the rules (in position order).
STEPS = [
    NoticeStep(code, anchor, offset, tuple(c for c, on in (("email", email), ("letter", letter)) if on))
    for code, _name, _position, anchor, offset, email, letter in sorted(
        RENEWAL_NOTICE_STEPS, key=lambda r: r[2]
    )
]


def year(start: D) -> FeeYear:
    return fee_year_starting(start)


def to_invoice(paid_through_on: D, today: D, invoiced=(), issue_days: int = ISSUE_DAYS) -> list[FeeYear]:
    return rules.fee_years_to_invoice(
        paid_through=paid_through_on, today=today, issue_days=issue_days, invoiced_starts=invoiced
    )


# --- Fee years to invoice -----------------------------------------------------------------------------


def test_the_domain_example_certified_2019_05_14():
    """Given a certification of 2019-05-14, then 2019-05-01..2020-04-30 is covered by the exam fee, the
    first fee is for 2020-05-01..2021-04-30, due 2020-05-31, and its invoice is issued 60 days before:
    2020-04-01."""
    covered = covered_fee_year(D(2019, 5, 14))
    assert (covered.start, covered.end) == (D(2019, 5, 1), D(2020, 4, 30))
    through = initial_paid_through(D(2019, 5, 14))
    assert through == D(2020, 4, 30)

    assert to_invoice(through, D(2020, 3, 31)) == []
    [first] = to_invoice(through, D(2020, 4, 1))
    assert (first.start, first.end, first.due_on) == (D(2020, 5, 1), D(2021, 4, 30), D(2020, 5, 31))
    assert rules.issue_date(first, ISSUE_DAYS) == D(2020, 4, 1)
    assert to_invoice(through, D(2020, 4, 1), invoiced=[first.start]) == []


@pytest.mark.parametrize(
    ("certified_on", "first_start", "first_due", "issued_on"),
    [
        # Feb 29 anchor: the fee year starts Feb 1; due the last day of February, whatever the year.
        (D(2020, 2, 29), D(2021, 2, 1), D(2021, 2, 28), D(2020, 12, 30)),
        (D(2023, 2, 28), D(2024, 2, 1), D(2024, 2, 29), D(2023, 12, 31)),
        # December anniversary: due Dec 31, issued Nov 1; the fee year runs into the next calendar year.
        (D(2019, 12, 10), D(2020, 12, 1), D(2020, 12, 31), D(2020, 11, 1)),
        # January anniversary: the invoice is issued in the previous calendar year.
        (D(2020, 1, 15), D(2021, 1, 1), D(2021, 1, 31), D(2020, 12, 2)),
        # Certified on the first or the last day of the anniversary month changes nothing.
        (D(2019, 5, 1), D(2020, 5, 1), D(2020, 5, 31), D(2020, 4, 1)),
        (D(2019, 5, 31), D(2020, 5, 1), D(2020, 5, 31), D(2020, 4, 1)),
    ],
)
def test_first_fee_year_and_its_issue_date(certified_on, first_start, first_due, issued_on):
    through = initial_paid_through(certified_on)
    assert to_invoice(through, issued_on - datetime.timedelta(days=1)) == []
    [first] = to_invoice(through, issued_on)
    assert (first.start, first.due_on) == (first_start, first_due)
    assert first.end == D(first_start.year + 1, first_start.month, 1) - datetime.timedelta(days=1)


def test_a_december_fee_year_crosses_into_the_next_calendar_year():
    [fee_year] = to_invoice(D(2020, 11, 30), D(2020, 11, 1))
    assert (fee_year.start, fee_year.end) == (D(2020, 12, 1), D(2021, 11, 30))
    [following] = to_invoice(fee_year.end, D(2021, 11, 1))
    assert (following.start, following.due_on) == (D(2021, 12, 1), D(2021, 12, 31))


def test_feb_29_due_dates_follow_leap_years():
    """Given a Feb 29 anchor paid through Jan 31, 2021, when the job catches up on 2024-01-01, then each
    February's fee is due on its last day: Feb 28 in 2021-2023, Feb 29 in 2024."""
    years = to_invoice(D(2021, 1, 31), D(2024, 1, 1))
    assert [y.due_on for y in years] == [D(2021, 2, 28), D(2022, 2, 28), D(2023, 2, 28), D(2024, 2, 29)]
    assert [y.end for y in years][-1] == D(2025, 1, 31)


def test_a_job_catching_up_after_missed_days_returns_every_due_year_arrears_first():
    """Given paid through 2020-04-30 and nothing invoiced, when the job runs on 2022-04-01 (the issue day
    of the 2022 fee year), then the 2020 and 2021 arrears and the 2022 fee year are all returned, oldest
    first."""
    years = to_invoice(D(2020, 4, 30), D(2022, 4, 1))
    assert [y.start for y in years] == [D(2020, 5, 1), D(2021, 5, 1), D(2022, 5, 1)]
    assert to_invoice(D(2020, 4, 30), D(2022, 3, 31))[-1].start == D(2021, 5, 1)


def test_already_invoiced_years_are_skipped_but_an_earlier_gap_is_returned():
    """Given the 2020 and 2022 fee years invoiced and 2021 not (its invoice was voided), then only 2021."""
    years = to_invoice(D(2020, 4, 30), D(2022, 4, 1), invoiced=[D(2020, 5, 1), D(2022, 5, 1)])
    assert [y.start for y in years] == [D(2021, 5, 1)]


def test_nothing_to_invoice_when_paid_ahead():
    assert to_invoice(D(2027, 4, 30), D(2026, 4, 1)) == []


def test_the_issue_days_setting_moves_the_issue_date():
    assert to_invoice(D(2026, 4, 30), D(2026, 4, 30), issue_days=30) == []
    assert [y.start for y in to_invoice(D(2026, 4, 30), D(2026, 5, 1), issue_days=30)] == [D(2026, 5, 1)]


# --- Paid through ----------------------------------------------------------------------------------------


ANCHOR = D(2019, 5, 14)


def settle(through: D, settled: list[D], *, anchor: D = ANCHOR) -> D:
    """Billing's settle path: the recorded paid-through date, extended over the fee years now settled."""
    return paid_through(anchor=anchor, settled_fee_year_starts=settled, recorded_paid_through=through)


def unsettle(through: D, fee_year: FeeYear, *, anchor: D) -> D:
    """Billing's unsettle path (void of a waived year, refund): that fee year is owed again."""
    return paid_through(
        anchor=anchor, settled_fee_year_starts=(), recorded_paid_through=through, owed_again=fee_year
    )


def test_settling_a_later_year_first_leaves_paid_through_until_the_gap_is_settled():
    """Given paid through 2026-04-30, when the 2027 fee year is paid before 2026, then paid through stays
    2026-04-30; when 2026 is paid too, it jumps to the end of 2027's fee year."""
    through = D(2026, 4, 30)
    assert settle(through, [D(2027, 5, 1)]) == D(2026, 4, 30)
    assert settle(through, [D(2027, 5, 1), D(2026, 5, 1)]) == D(2028, 4, 30)
    assert settle(through, [D(2026, 5, 1)]) == D(2027, 4, 30)


def test_settled_years_before_paid_through_change_nothing():
    assert settle(D(2026, 4, 30), [D(2025, 5, 1), D(2024, 5, 1)]) == D(2026, 4, 30)


def test_unsettling_a_year_moves_paid_through_back_to_the_day_before_it():
    """Given paid through 2028-04-30, when the 2027 fee year is refunded, then paid through is 2027-04-30;
    when instead the 2026 year is voided it is 2026-04-30; a year after paid through changes nothing."""
    through, anchor = D(2028, 4, 30), ANCHOR
    assert unsettle(through, year(D(2027, 5, 1)), anchor=anchor) == D(2027, 4, 30)
    assert unsettle(through, year(D(2026, 5, 1)), anchor=anchor) == D(2026, 4, 30)
    assert unsettle(through, year(D(2028, 5, 1)), anchor=anchor) == through
    assert unsettle(D(2027, 4, 30), year(D(2027, 5, 1)), anchor=anchor) == D(2027, 4, 30)


def test_unsettling_a_year_from_before_a_reinstatement_changes_nothing():
    """Given reinstated 2024-03-10 (covered fee year 2024-03-01..2025-02-28), when a 2019 fee year paid under
    the old anchor is refunded, then paid through stays 2025-02-28: that year no longer counts either way."""
    reinstated = D(2024, 3, 10)
    after = unsettle(D(2025, 2, 28), year(D(2019, 5, 1)), anchor=reinstated)
    assert after == D(2025, 2, 28)


# --- Notice steps -----------------------------------------------------------------------------------------

ISSUED = D(2026, 4, 1)
DUE = D(2026, 5, 31)


def step_on(today: D, *, issued_on: D = ISSUED, due_on: D = DUE, grace_days: int = 0) -> str | None:
    step = rules.due_notice_step(
        STEPS, issued_on=issued_on, due_on=due_on, grace_days=grace_days, today=today
    )
    return step.code if step else None


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 3, 31), None),
        (D(2026, 4, 1), "at-issue"),
        (D(2026, 4, 30), "at-issue"),
        (D(2026, 5, 1), "before-due"),  # 30 days before May 31
        (D(2026, 5, 30), "before-due"),
        (D(2026, 5, 31), "due-date"),
        (D(2026, 6, 1), "lapse"),  # grace 0: the day after the due date
        (D(2026, 9, 1), "lapse"),
    ],
)
def test_the_step_due_on_each_day(today, expected):
    assert step_on(today) == expected


def test_after_missed_days_only_the_latest_step_is_due():
    """Given nothing sent since the invoice was issued, when the job runs again on the due date, then only
    the final reminder is due, not the at-issue notice and the 30-day reminder as well."""
    assert step_on(D(2026, 5, 31)) == "due-date"


def test_an_invoice_issued_late_starts_at_the_step_its_dates_have_reached():
    """An arrears invoice issued after its lapse date starts with the lapse notice; one issued between the
    30-day reminder and the due date starts with that reminder."""
    assert step_on(D(2026, 7, 1), issued_on=D(2026, 7, 1)) == "lapse"
    assert step_on(D(2026, 5, 10), issued_on=D(2026, 5, 10)) == "before-due"


def test_grace_days_shift_the_lapse_step():
    """With 10 days of grace the lapse date is the 11th day after the due date."""
    assert step_on(D(2026, 6, 10), grace_days=10) == "due-date"
    assert step_on(D(2026, 6, 11), grace_days=10) == "lapse"
    lapse = next(step for step in STEPS if step.code == "lapse")
    assert rules.step_date(lapse, issued_on=ISSUED, due_on=DUE, grace_days=10) == D(2026, 6, 11)


def test_step_dates_and_channels_of_the_seeded_steps():
    dates = {step.code: rules.step_date(step, issued_on=ISSUED, due_on=DUE, grace_days=0) for step in STEPS}
    assert dates == {
        "at-issue": D(2026, 4, 1),
        "before-due": D(2026, 5, 1),
        "due-date": D(2026, 5, 31),
        "lapse": D(2026, 6, 1),
    }
    assert {step.code: step.channels for step in STEPS} == {
        "at-issue": ("email", "letter"),
        "before-due": ("email",),
        "due-date": ("email",),
        "lapse": ("email", "letter"),
    }


# --- Invoice states and numbers -------------------------------------------------------------------------

STATES = ["open", "paid", "waived", "void", "refunded"]
ALLOWED = {("open", "paid"), ("open", "waived"), ("open", "void"), ("paid", "refunded"), ("waived", "void")}


@pytest.mark.parametrize("from_state", STATES)
@pytest.mark.parametrize("to_state", STATES)
def test_the_transitions_table(from_state, to_state):
    """Open can be paid, waived or voided; paid can only be refunded; a waiver can be voided; void and
    refunded are final. Nothing else (a paid invoice cannot be waived or voided)."""
    assert rules.can_move(from_state, to_state) == ((from_state, to_state) in ALLOWED)


def test_unknown_states_move_nowhere():
    assert not rules.can_move("draft", "open")


def test_invoice_numbers():
    fee_year = year(D(2026, 5, 1))
    number = rules.annual_invoice_number(
        member_number="200001", credential_code="RMA", fee_year=fee_year, issue=1
    )
    assert number == "RMA-200001-202605"
    again = rules.annual_invoice_number(
        member_number="200001", credential_code="RMA", fee_year=fee_year, issue=2
    )
    assert again == "RMA-200001-202605-2"
    assert rules.receipt_number(number) == "R-RMA-200001-202605"


# --- Properties ---------------------------------------------------------------------------------------------

anchors = st.dates(min_value=D(1995, 1, 1), max_value=D(2030, 12, 31))


@st.composite
def certifications(draw):
    """An anchor date, a paid-through date (the end of some fee year at or after the covered one) and a
    day the job runs."""
    anchor = draw(anchors)
    fee_year = covered_fee_year(anchor)
    for _ in range(draw(st.integers(0, 6))):
        fee_year = fee_year.next()
    today = draw(st.dates(min_value=anchor, max_value=anchor + datetime.timedelta(days=365 * 12)))
    return anchor, fee_year.end, today


def years_after(paid_through_on: D, count: int) -> list[FeeYear]:
    first = fee_year_starting(paid_through_on + datetime.timedelta(days=1))
    years = [first]
    while len(years) < count:
        years.append(years[-1].next())
    return years


@FAST
@given(certifications(), st.integers(0, 120), st.data())
def test_fee_years_to_invoice_properties(certification, issue_days, data):
    """Never a year starting on or before paid through, never one whose issue date is after today, never an
    already invoiced one; every year starts on the 1st of the anniversary month; and every year that is
    due to be issued and not invoiced is returned (nothing is left for another day)."""
    anchor, through, today = certification
    candidates = years_after(through, 15)
    invoiced = data.draw(st.sets(st.sampled_from([y.start for y in candidates])))
    years = to_invoice(through, today, invoiced=invoiced, issue_days=issue_days)

    for fee_year in years:
        assert fee_year.start > through
        assert rules.issue_date(fee_year, issue_days) <= today
        assert fee_year.start not in invoiced
        assert fee_year.start.day == 1 and fee_year.start.month == anchor.month
        assert fee_year.due_on.month == anchor.month
    expected = [y for y in candidates if rules.issue_date(y, issue_days) <= today and y.start not in invoiced]
    if rules.issue_date(candidates[-1], issue_days) <= today:
        return  # more years are due than the 15 candidates: the checks above still hold
    assert years == expected
    assert [y.start for y in years] == sorted(y.start for y in years)


@FAST
@given(anchors, st.sets(st.integers(1, 10), max_size=10), st.randoms(use_true_random=False))
def test_settling_does_not_depend_on_the_order(anchor, settled_numbers, random):
    """Settling fee years one at a time, in any order, ends where settling them all at once does, and that
    is the contiguous paid-through date of members.rules."""
    covered = covered_fee_year(anchor)
    years = years_after(covered.end, 10)
    settled = [years[number - 1].start for number in settled_numbers]
    order = list(settled)
    random.shuffle(order)

    through = covered.end
    so_far: list[D] = []
    for start in order:
        so_far.append(start)
        after = settle(through, so_far, anchor=anchor)
        assert after >= through  # settling never moves paid through back
        through = after
    assert through == settle(covered.end, settled, anchor=anchor)
    assert through == paid_through(anchor=anchor, settled_fee_year_starts=settled)


@FAST
@given(anchors, st.integers(1, 8), st.integers(0, 9))
def test_unsettling_keeps_paid_through_before_the_unsettled_year(anchor, paid_years, unsettled):
    covered = covered_fee_year(anchor)
    years = years_after(covered.end, 10)
    through = years[paid_years - 1].end
    fee_year = years[unsettled]
    after = unsettle(through, fee_year, anchor=anchor)
    if fee_year.start <= through:
        assert after == fee_year.start - datetime.timedelta(days=1)
    else:
        assert after == through
    settled = {y.start for y in years[:paid_years] if y != fee_year}
    assert paid_through(anchor=anchor, settled_fee_year_starts=settled) == after


@FAST
@given(
    st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 12, 31)),
    st.integers(0, 90),
    st.integers(0, 30),
    st.integers(-30, 500),
)
def test_the_due_step_is_the_latest_whose_date_has_come(start_month_day, issue_days, grace_days, day_offset):
    fee_year = fee_year_starting(start_month_day.replace(day=1))
    issued_on = rules.issue_date(fee_year, issue_days)
    today = issued_on + datetime.timedelta(days=day_offset)
    step = rules.due_notice_step(
        STEPS, issued_on=issued_on, due_on=fee_year.due_on, grace_days=grace_days, today=today
    )
    dates = [
        rules.step_date(s, issued_on=issued_on, due_on=fee_year.due_on, grace_days=grace_days) for s in STEPS
    ]
    reached = [s for s, day in zip(STEPS, dates, strict=True) if day <= today]
    assert step == (reached[-1] if reached else None)
    if today >= dates[-1]:
        assert step is not None and step.code == "lapse"


@pytest.mark.parametrize(
    ("code", "member_reads"),
    [
        ("payment_intent_authentication_failure", "Your bank did not confirm the payment (3-D Secure)."),
        ("card_declined", "Your card was declined. Try another card, or ask your bank why."),
        ("generic_decline", "Your card was declined. Try another card, or ask your bank why."),
        ("stolen_card", "Your card was declined. Try another card, or ask your bank why."),  # says no more
        ("insufficient_funds", "Your card was declined: not enough funds."),
        ("expired_card", "Your card has expired."),
        ("incorrect_cvc", "The card's security code (CVC) is wrong."),
        ("a_code_stripe_adds_tomorrow", "The payment did not go through. Try again or use another card."),
        ("", "The payment did not go through. Try again or use another card."),
        (None, "The payment did not go through. Try again or use another card."),
    ],
)
def test_stripe_error_codes_read_as_plain_words(code, member_reads):
    assert rules.card_error_for_member(code).startswith(member_reads)


@pytest.mark.parametrize(
    ("due_dates", "today", "grace_days", "expected"),
    [
        ([datetime.date(2025, 5, 31), datetime.date(2024, 5, 31)], datetime.date(2025, 9, 1), 0, 2),
        ([datetime.date(2025, 5, 31)], datetime.date(2025, 5, 31), 0, 0),  # due today: not yet lapsed
        ([datetime.date(2025, 5, 31)], datetime.date(2025, 6, 1), 0, 1),
        ([datetime.date(2025, 5, 31)], datetime.date(2025, 6, 30), 30, 0),  # inside the grace
        ([datetime.date(2025, 5, 31)], datetime.date(2025, 7, 1), 30, 1),
        ([], datetime.date(2025, 7, 1), 0, 0),
    ],
)
def test_fees_past_grace_are_those_that_keep_a_certification_lapsed(due_dates, today, grace_days, expected):
    past = rules.fees_past_grace(due_dates, grace_days=grace_days, today=today)

    assert len(past) == expected
    assert past == sorted(past)


@pytest.mark.parametrize(
    ("due_dates", "words"),
    [
        ([], ""),
        (
            [datetime.date(2024, 5, 31)],
            "Your certification stays Lapsed (fees) until the fee due May 31, 2024 is paid too.",
        ),
        (
            [datetime.date(2025, 5, 31), datetime.date(2023, 5, 31), datetime.date(2024, 5, 31)],
            "Your certification stays Lapsed (fees) until the fees due May 31, 2023, May 31, 2024 and "
            "May 31, 2025 are paid too.",
        ),
    ],
)
def test_still_lapsed_words_name_every_fee_earliest_first(due_dates, words):
    assert rules.still_lapsed_words(due_dates) == words


# --- A certification without invoices: what the invoices page says (issue 12) --------------------------

ACTIVE, LAPSED = rules.Status.ACTIVE, rules.Status.LAPSED


@pytest.mark.parametrize(
    ("status", "certified_on", "reinstated_on", "paid_through", "today", "words"),
    [
        (  # newly certified: the anchor's fee year is covered; the first invoice is for the next one
            ACTIVE, D(2026, 2, 10), None, D(2027, 1, 31), D(2026, 3, 2),
            "Your first RMA annual invoice is issued on December 30, 2026, 60 days before its fee is due on "
            "February 28, 2027. The fee year Feb 1, 2026 to Jan 31, 2027 is covered by your exam fee.",
        ),
        (  # reinstated: the covered fee year is the reinstatement's, paid by the recertification fee
            ACTIVE, D(2012, 7, 9), D(2026, 1, 20), D(2026, 12, 31), D(2026, 3, 2),
            "Your first RMA annual invoice is issued on December 2, 2026, 60 days before its fee is due on "
            "January 31, 2027. The fee year Jan 1, 2026 to Dec 31, 2026 is covered by your recertification "
            "fee.",
        ),
        (  # paid ahead (fees recorded without invoices): the next invoice, not the first
            ACTIVE, D(2019, 5, 14), None, D(2026, 4, 30), D(2026, 3, 2),
            "Your next RMA annual invoice is issued on April 1, 2026, 60 days before its fee is due on "
            "May 31, 2026.",
        ),
        (  # the issue day has come and the daily job has not issued it yet
            LAPSED, D(2019, 5, 14), None, D(2025, 4, 30), D(2026, 3, 2),
            "The invoice for your RMA annual fee due on May 31, 2025 is being issued: it appears here within "
            "a day.",
        ),
        (
            rules.Status.NONCOMPLIANT, D(2019, 5, 14), None, D(2026, 4, 30), D(2026, 3, 2),
            "Your RMA certification is Non-compliant (CCP): no annual invoices are issued while it is not "
            "active. The way back is recertification.",
        ),
        (  # member07 of the demo: fees unpaid for over 3 years
            rules.Status.MUST_RECERTIFY, D(2016, 5, 17), None, D(2022, 4, 30), D(2026, 3, 2),
            "Your RMA certification is Must recertify: no annual invoices are issued while it is not active. "
            "The way back is recertification.",
        ),
        (
            rules.Status.EXAM_REQUIRED, D(2005, 5, 17), None, D(2014, 4, 30), D(2026, 3, 2),
            "Your RMA certification is Exam required: no annual invoices are issued while it is not active. "
            "The way back is recertification by exam.",
        ),
    ],
)  # fmt: skip
def test_no_invoice_words_say_when_the_invoice_comes_or_why_none_does(
    status, certified_on, reinstated_on, paid_through, today, words
):
    assert (
        rules.no_invoice_words(
            credential_code="RMA",
            status=status,
            certified_on=certified_on,
            reinstated_on=reinstated_on,
            paid_through=paid_through,
            issue_days=ISSUE_DAYS,
            today=today,
        )
        == words
    )
