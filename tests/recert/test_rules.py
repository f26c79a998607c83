"""The recertification's pure rules (recert/rules.py) against DOMAIN.md "Recertification" and "Dates that
drive everything": the route decision with its 10-year gate, the CCP window, the application's validity, the
table of allowed moves and the RMA eligibility assistant route by route. Worked examples first (one table per
rule, a comment per row), then Hypothesis properties. Nothing reads the clock or the database."""

import dataclasses
import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from members.rules import add_years
from recert import rules
from recert.models import Application
from recert.rules import Answers, RouteParameters, Verdict

D = datetime.date
FAST = settings(max_examples=200, deadline=None, database=None)
TODAY = D(2026, 11, 29)
# 720 clock hours with 160 of externship in the last 4 years; 36 of the last 60 months; 60 of 84, 24 teaching
DEFAULTS = RouteParameters()
EXAM_ONLY = "10 years or more, so recertification by exam only."
CCP_OR_EXAM = "less than 10 years, so by CCP points or by exam."


# --- The route decision: by CCP only under the 10-year gate ----------------------------------------------

ROUTE_DECISIONS = [
    # (lapse date, application date, gate years, by CCP allowed, reason)
    # the fixture's certification: non-compliant since May 14, 2022, four and a half years
    (D(2022, 5, 14), TODAY, 10, True, f"Lapsed since May 14, 2022: {CCP_OR_EXAM}"),
    # lapse date + 10 years falls exactly on the application date: 10 years or more, exam only
    (D(2016, 11, 29), TODAY, 10, False, f"Lapsed since November 29, 2016: {EXAM_ONLY}"),
    # one day before that: still under 10 years, by CCP allowed
    (D(2016, 11, 29), D(2026, 11, 28), 10, True, f"Lapsed since November 29, 2016: {CCP_OR_EXAM}"),
    # lapsed one day later than the gate's day: under 10 years on the application date
    (D(2016, 11, 30), TODAY, 10, True, f"Lapsed since November 30, 2016: {CCP_OR_EXAM}"),
    # Feb 29 lapse date: + 10 years is Feb 28, 2026 (no Feb 29 that year), so exam only from Feb 28
    (D(2016, 2, 29), D(2026, 2, 28), 10, False, f"Lapsed since February 29, 2016: {EXAM_ONLY}"),
    (D(2016, 2, 29), D(2026, 2, 27), 10, True, f"Lapsed since February 29, 2016: {CCP_OR_EXAM}"),
    # Feb 29 + 12 years lands on a Feb 29 (2028): the gate's day is Feb 29, so Feb 28 is still by CCP
    (D(2016, 2, 29), D(2028, 2, 28), 12, True, "Lapsed since February 29, 2016: less than 12 years, so by "
     "CCP points or by exam."),
    (D(2016, 2, 29), D(2028, 2, 29), 12, False, "Lapsed since February 29, 2016: 12 years or more, so "
     "recertification by exam only."),
    # the gate is data: a rules row with a 7-year gate makes 7 years exam only
    (D(2019, 11, 29), TODAY, 7, False, "Lapsed since November 29, 2019: 7 years or more, so recertification "
     "by exam only."),
    # lapsed today (a certification that just became non-compliant): by CCP
    (TODAY, TODAY, 10, True, f"Lapsed since November 29, 2026: {CCP_OR_EXAM}"),
]  # fmt: skip


@pytest.mark.parametrize(("lapse_date", "applied_on", "gate", "allowed", "reason"), ROUTE_DECISIONS)
def test_route_decision(lapse_date, applied_on, gate, allowed, reason):
    # given a lapse date and the gate in force / when applying on a date / then by CCP is offered or not, why
    decision = rules.route_decision(lapse_date=lapse_date, applied_on=applied_on, gate_years=gate)
    assert (decision.ccp_allowed, decision.reason) == (allowed, reason)


# --- The CCP window: the 3 years before the application date -----------------------------------------

CCP_WINDOWS = [
    # (application date, years, first day, last day)
    # the application date minus 3 years plus one day, to the application date
    (TODAY, 3, D(2023, 11, 30), TODAY),
    # a Feb 29 application date: Feb 29 - 3 years is Feb 28, 2021, so the window opens on March 1
    (D(2024, 2, 29), 3, D(2021, 3, 1), D(2024, 2, 29)),
    # Feb 28, 2027 - 3 years is Feb 28, 2024: the window opens on the leap day
    (D(2027, 2, 28), 3, D(2024, 2, 29), D(2027, 2, 28)),
    # Feb 29 - 4 years lands on a Feb 29: the window opens on March 1, 2024
    (D(2028, 2, 29), 4, D(2024, 3, 1), D(2028, 2, 29)),
    # across a year end
    (D(2026, 1, 1), 3, D(2023, 1, 2), D(2026, 1, 1)),
    # a rules row with a 5-year window
    (TODAY, 5, D(2021, 11, 30), TODAY),
]


@pytest.mark.parametrize(("applied_on", "years", "first", "last"), CCP_WINDOWS)
def test_ccp_window(applied_on, years, first, last):
    assert rules.ccp_window(applied_on, years) == (first, last)


# --- Valid 6 months from submission --------------------------------------------------------------------

EXPIRY_DATES = [
    # (submitted on, months, last day it is valid)
    (TODAY, 6, D(2027, 5, 29)),  # same day, 6 months later
    (D(2026, 8, 31), 6, D(2027, 2, 28)),  # no Feb 31: the month's last day, Feb 28 in 2027
    (D(2027, 8, 31), 6, D(2028, 2, 29)),  # 2028 is a leap year: Feb 29
    (D(2027, 8, 30), 6, D(2028, 2, 29)),  # Aug 30 -> Feb 29 in a leap year
    (D(2026, 8, 29), 6, D(2027, 2, 28)),  # Aug 29 -> Feb 28 without a leap day
    (D(2026, 12, 31), 6, D(2027, 6, 30)),  # June has 30 days
    (D(2026, 7, 31), 6, D(2027, 1, 31)),  # across a year end, January has 31
    (D(2026, 3, 31), 1, D(2026, 4, 30)),  # a rules row with 1 month
    (D(2024, 2, 29), 12, D(2025, 2, 28)),  # a leap day + 12 months
]


@pytest.mark.parametrize(("submitted_on", "months", "last_valid_day"), EXPIRY_DATES)
def test_expiry_date(submitted_on, months, last_valid_day):
    assert rules.expiry_date(submitted_on, months) == last_valid_day


@FAST
@given(submitted_on=st.dates(D(2000, 1, 1), D(2090, 12, 31)), months=st.integers(1, 36))
def test_expiry_date_is_the_same_day_or_the_last_of_the_month_months_later(submitted_on, months):
    expires = rules.expiry_date(submitted_on, months)
    year, month = divmod(submitted_on.year * 12 + submitted_on.month - 1 + months, 12)
    assert (expires.year, expires.month) == (year, month + 1)
    next_day = expires + datetime.timedelta(days=1)
    assert expires.day == submitted_on.day or (expires.day < submitted_on.day and next_day.day == 1)


@FAST
@given(first=st.dates(D(2000, 1, 1), D(2090, 12, 31)), later=st.integers(0, 400), months=st.integers(1, 36))
def test_a_later_submission_never_expires_earlier(first, later, months):
    second = first + datetime.timedelta(days=later)
    assert rules.expiry_date(second, months) >= rules.expiry_date(first, months)


# --- The application's moves -----------------------------------------------------------------------------

FINAL_STATES = ["reinstated", "refused", "exam_failed", "expired", "withdrawn"]
MOVE_EXAMPLES = [
    # (from, to, allowed)
    ("draft", "submitted", True),  # the fee is paid
    ("draft", "withdrawn", True),  # the member withdraws a draft
    ("draft", "reinstated", False),  # nothing is decided before the fee is paid
    ("draft", "expired", False),  # a draft has no validity yet: it never expires
    ("submitted", "more_requested", True),
    ("submitted", "authorized", True),  # by exam: approved to test
    ("submitted", "reinstated", True),  # by CCP: approved
    ("submitted", "refused", True),
    ("submitted", "expired", True),
    ("submitted", "withdrawn", False),  # paid and submitted: not withdrawn by the member
    ("more_requested", "submitted", True),  # the member answers
    ("more_requested", "refused", True),
    ("more_requested", "expired", True),
    ("more_requested", "reinstated", False),  # approved only once back with the processor
    ("authorized", "reinstated", True),  # exam passed
    ("authorized", "exam_failed", True),
    ("authorized", "expired", True),
    ("authorized", "refused", False),  # authorized: the exam result decides
]


@pytest.mark.parametrize(("from_state", "to_state", "allowed"), MOVE_EXAMPLES)
def test_moves(from_state, to_state, allowed):
    assert rules.can_move(from_state, to_state) is allowed


def test_the_moves_table_covers_every_state_and_finals_have_no_move_out():
    assert set(rules.MOVES) == set(Application.State.values)
    assert all(to_state in rules.MOVES for targets in rules.MOVES.values() for to_state in targets)
    assert sorted(state for state, targets in rules.MOVES.items() if not targets) == sorted(FINAL_STATES)
    assert set(FINAL_STATES) == set(Application.CLOSED_STATES)
    assert set(rules.MOVES) - set(FINAL_STATES) == set(Application.OPEN_STATES)


def test_every_state_is_reachable_from_a_draft():
    reached, frontier = {"draft"}, ["draft"]
    while frontier:
        for target in rules.MOVES[frontier.pop()] - reached:
            reached.add(target)
            frontier.append(target)
    assert reached == set(rules.MOVES)


# --- The RMA eligibility assistant -----------------------------------------------------------------------

RECENT = D(2024, 6, 15)  # within the last 4 years
EARLIER = D(2015, 6, 15)  # long ago
FUTURE = D(2027, 5, 20)  # still in the program
EXACTLY_4_YEARS = D(2022, 11, 29)  # today - 4 years: not within the last 4 years
FIRST_RECENT_DAY = D(2022, 11, 30)  # today - 4 years + 1 day: the first day within them
EMPLOYERS = "letters from your employers confirming your employment as a medical assistant"
TRANSCRIPT = "your official transcript or diploma showing the program, its hours and your graduation date"
DD214 = "your training certificate or DD-214 showing the medical services training"


def program(**changes) -> Answers:
    """An accredited program of 720 clock hours with 160 of externship, graduated recently."""
    base = Answers(
        program_graduated_on=RECENT, program_accredited=True, program_clock_hours=720, externship_hours=160
    )
    return dataclasses.replace(base, **changes)


def military(**changes) -> Answers:
    return dataclasses.replace(Answers(military_graduated_on=RECENT), **changes)


def employed(recent: int = 0, experience: int = 0, instructor: int = 0, **changes) -> Answers:
    answers = Answers(
        months_employed_recent=recent, months_employed_experience=experience, months_instructor=instructor
    )
    return dataclasses.replace(answers, **changes)


def employment(months: int) -> str:
    return f"you were employed as a medical assistant {months} months of the last 5 years"


SHORT = ", and at least 3 years (36 months) are needed"

YES, ONCE, NO = Verdict.ELIGIBLE, Verdict.ONCE_PROVIDED, Verdict.NOT_ELIGIBLE
ROUTE_EXAMPLES = [
    # (route, answers, verdict, reason)
    # --- Education: accredited, 720 clock hours including 160 of externship, graduated in the last 4 years
    ("education", program(), YES, "you graduated on June 15, 2024, within the last 4 years"),  # both minimums
    ("education", program(program_clock_hours=719), NO,
     "the program had 719 clock hours; at least 720 are needed"),  # one clock hour short
    ("education", program(externship_hours=159), NO,
     "the externship had 159 hours; at least 160 are needed"),  # one externship hour short
    ("education", program(program_accredited=False), NO,
     "the program is not accredited by an agency recognized by the US Department of Education"),
    ("education", program(program_graduated_on=FIRST_RECENT_DAY), YES,
     "you graduated on November 30, 2022, within the last 4 years"),  # the first day of the 4 years
    ("education", program(program_graduated_on=EXACTLY_4_YEARS), NO,
     f"you graduated on November 29, 2022, not within the last 4 years, and {employment(0)}{SHORT}"),
    # graduated earlier: also employed 3 of the last 5 years (36 months), one month short (35)
    ("education", program(program_graduated_on=EARLIER, months_employed_recent=36), YES,
     f"you graduated on June 15, 2015, not within the last 4 years, and {employment(36)}"),
    ("education", program(program_graduated_on=EARLIER, months_employed_recent=35), NO,
     f"you graduated on June 15, 2015, not within the last 4 years, and {employment(35)}{SHORT}"),
    ("education", program(program_graduated_on=FUTURE), ONCE,
     "you expect to graduate on May 20, 2027"),  # still in the program: eligible once the diploma is in
    ("education", program(program_graduated_on=FUTURE, externship_hours=100), NO,
     "the externship had 100 hours; at least 160 are needed"),  # in the program, but too short an externship
    ("education", Answers(), NO, "you did not attend a medical-assisting program"),
    # --- Military: a formal medical services training program of the US Armed Forces, in the last 4 years
    ("military", military(), YES, "you graduated on June 15, 2024, within the last 4 years"),
    ("military", military(military_graduated_on=FIRST_RECENT_DAY), YES,
     "you graduated on November 30, 2022, within the last 4 years"),
    ("military", military(military_graduated_on=EXACTLY_4_YEARS, months_employed_recent=36), YES,
     f"you graduated on November 29, 2022, not within the last 4 years, and {employment(36)}"),
    ("military", military(military_graduated_on=EARLIER, months_employed_recent=36), YES,
     f"you graduated on June 15, 2015, not within the last 4 years, and {employment(36)}"),
    ("military", military(military_graduated_on=EARLIER, months_employed_recent=35), NO,
     f"you graduated on June 15, 2015, not within the last 4 years, and {employment(35)}{SHORT}"),
    ("military", military(military_graduated_on=FUTURE), ONCE, "you expect to graduate on May 20, 2027"),
    ("military", Answers(), NO,
     "you did not complete a medical services training program of the US Armed Forces"),
    # --- Work experience: 60 of the last 84 months, of which at most 24 as an instructor
    ("experience", employed(experience=60), YES, "60 months of employment in the last 7 years count"),
    ("experience", employed(experience=59), NO,
     "59 months of employment in the last 7 years count; at least 60 are needed"),  # one month short
    ("experience", employed(experience=60, instructor=24), YES,
     "60 months of employment in the last 7 years count"),  # 24 as an instructor: all count
    ("experience", employed(experience=60, instructor=30), NO,
     "54 months of employment in the last 7 years count (of 30 months as an instructor, 24 count); at least "
     "60 are needed"),  # 6 instructor months over the cap don't count: 54
    ("experience", employed(experience=66, instructor=30), YES,
     "60 months of employment in the last 7 years count (of 30 months as an instructor, 24 count)"),  # 66 - 6
    ("experience", employed(experience=20, instructor=84), NO,
     "20 months of employment in the last 7 years count; at least 60 are needed"),  # instructor <= employed
    ("experience", Answers(), NO, "0 months of employment in the last 7 years count; at least 60 are needed"),
    # --- Other exam: a recognized generalist exam passed, and 36 of the last 60 months employed
    ("other_exam", employed(recent=36, other_exam_passed=True), YES,
     f"you passed a recognized exam, and {employment(36)}"),
    ("other_exam", employed(recent=35, other_exam_passed=True), NO,
     f"you passed a recognized exam, and {employment(35)}{SHORT}"),  # one month short
    ("other_exam", employed(recent=60), NO,
     "you have not passed a recognized generalist medical-assisting exam"),  # employed, but no exam
]  # fmt: skip


def answer(route: str, answers: Answers, *, today=TODAY, p=DEFAULTS) -> rules.RouteAnswer:
    return {each.route: each for each in rules.rma_eligibility(answers, today=today, p=p)}[route]


@pytest.mark.parametrize(("route", "answers", "verdict", "reason"), ROUTE_EXAMPLES)
def test_assistant_route(route, answers, verdict, reason):
    # given what the person says / when the assistant answers on November 29, 2026 / then the route's verdict
    result = answer(route, answers)
    assert (result.verdict, result.reason) == (verdict, reason)


@pytest.mark.parametrize(
    ("graduated_on", "today", "verdict"),
    [
        # a Feb 29 graduation: within the last 4 years through Feb 28, 2028 (Feb 28, 2024 + 1 day) ...
        (D(2024, 2, 29), D(2028, 2, 28), YES),
        # ... but not on Feb 29, 2028: 4 years to the day
        (D(2024, 2, 29), D(2028, 2, 29), NO),
        # today Feb 28, 2027: the 4 years start on March 1, 2023, so Feb 28, 2023 is earlier
        (D(2023, 3, 1), D(2027, 2, 28), YES),
        (D(2023, 2, 28), D(2027, 2, 28), NO),
        # graduated today
        (D(2026, 11, 29), TODAY, YES),
        # graduating tomorrow: once provided
        (D(2026, 11, 30), TODAY, ONCE),
    ],
)
def test_graduation_boundaries_around_leap_days(graduated_on, today, verdict):
    assert answer("education", program(program_graduated_on=graduated_on), today=today).verdict == verdict
    assert answer("military", military(military_graduated_on=graduated_on), today=today).verdict == verdict


SUMMARIES = [
    # (route, answers, summary shown route by route, documents)
    ("education", program(), "Eligible by the Education route.", [TRANSCRIPT]),
    ("education", program(program_graduated_on=EARLIER, months_employed_recent=40),
     "Eligible by the Education route.", [TRANSCRIPT, EMPLOYERS]),  # earlier: the employers' letters too
    ("education", program(program_graduated_on=FUTURE),
     f"Eligible by the Education route once you provide {TRANSCRIPT}.", [TRANSCRIPT]),
    ("military", military(military_graduated_on=FUTURE),
     f"Eligible by the Military route once you provide {DD214}.", [DD214]),
    ("experience", employed(experience=59),
     "Not eligible by the Work experience route: 59 months of employment in the last 7 years count; at least "
     "60 are needed", ["letters from your employers confirming your duties and dates of employment"]),
    ("other_exam", Answers(),
     "Not eligible by the Other exam route: you have not passed a recognized generalist medical-assisting "
     "exam",
     ["your score report or certificate of the exam you passed", EMPLOYERS]),
]  # fmt: skip


@pytest.mark.parametrize(("route", "answers", "summary", "documents"), SUMMARIES)
def test_each_answer_in_words_with_its_documents(route, answers, summary, documents):
    result = answer(route, answers)
    assert (result.summary, result.documents) == (summary, documents)


def test_the_routes_come_in_the_handbooks_order_each_citing_its_rule():
    answers = rules.rma_eligibility(Answers(), today=TODAY, p=DEFAULTS)
    assert [each.route for each in answers] == ["education", "military", "experience", "other_exam"]
    assert [each.rule for each in answers] == [
        "Graduated from a medical-assisting program accredited by an agency recognized by the US Department "
        "of Education, of at least 720 clock hours including at least 160 hours of externship, within the "
        "last 4 years; graduated earlier: also employed as a medical assistant at least 3 years of the last "
        "5 years.",
        "Graduated from a formal medical services training program of the US Armed Forces within the last 4 "
        "years; earlier: also employed as a medical assistant at least 3 years of the last 5 years.",
        "Employed as a medical assistant (clinical and administrative duties) at least 5 years of the last 7 "
        "years, of which at most 2 years as an instructor.",
        "Passed a generalist medical-assisting certification exam the body recognizes, and employed as a "
        "medical assistant at least 3 years of the last 5 years.",
    ]


def test_the_routes_numbers_are_data():
    # given the body publishes other numbers (800 clock hours, 200 externship, 2 years, 48 of 72 months...)
    p = RouteParameters(
        program_clock_hours=800, externship_hours=200, recent_graduation_years=2, recent_employment_months=48,
        experience_months=72, instructor_max_months=12,
    )  # fmt: skip
    # then the boundaries move with them, and the rules cite them
    assert answer("education", program(program_clock_hours=799, externship_hours=200), p=p).verdict == NO
    assert answer("education", program(program_clock_hours=800, externship_hours=199), p=p).verdict == NO
    # June 15, 2024 is not within the last 2 years, and nothing was said of employment
    assert answer("education", program(program_clock_hours=800, externship_hours=200), p=p).verdict == NO
    recent = program(program_clock_hours=800, externship_hours=200, program_graduated_on=D(2025, 1, 1))
    assert answer("education", recent, p=p).verdict == YES  # within the last 2 years
    assert answer("other_exam", employed(recent=47, other_exam_passed=True), p=p).verdict == NO
    assert answer("other_exam", employed(recent=48, other_exam_passed=True), p=p).verdict == YES
    assert answer("experience", employed(experience=84, instructor=24), p=p).reason == (
        "72 months of employment in the last 7 years count (of 24 months as an instructor, 12 count)"
    )
    assert "at least 800 clock hours including at least 200 hours of externship, within the last 2 years" in (
        answer("education", Answers(), p=p).rule
    )


# --- The best route --------------------------------------------------------------------------------------

BEST_ROUTES = [
    # (answers, best route or None)
    # everything qualifies: the handbook's first route
    (dataclasses.replace(program(military_graduated_on=RECENT, other_exam_passed=True),
                         months_employed_recent=60, months_employed_experience=84), "education"),
    # military and other exam eligible: military comes first
    (employed(recent=40, military_graduated_on=RECENT, other_exam_passed=True), "military"),
    # still in the program (once provided) but eligible now by work experience: eligible now wins
    (program(program_graduated_on=FUTURE, months_employed_experience=60), "experience"),
    # two routes "once provided" and none now: the first of them
    (program(program_graduated_on=FUTURE, military_graduated_on=FUTURE), "education"),
    # only the last route
    (employed(recent=36, other_exam_passed=True), "other_exam"),
    # nothing qualifies
    (employed(recent=35, experience=59, other_exam_passed=True), None),
    (Answers(), None),
]  # fmt: skip


@pytest.mark.parametrize(("answers", "best"), BEST_ROUTES)
def test_best_route(answers, best):
    chosen = rules.best_route(rules.rma_eligibility(answers, today=TODAY, p=DEFAULTS))
    assert (chosen.route if chosen else None) == best


# --- Properties ------------------------------------------------------------------------------------------

RANK = {Verdict.NOT_ELIGIBLE: 0, Verdict.ONCE_PROVIDED: 1, Verdict.ELIGIBLE: 2}
graduations = st.one_of(st.none(), st.dates(D(2000, 1, 1), D(2030, 12, 31)))
months = st.integers(0, 120)
hours = st.integers(0, 2000)
answers_strategy = st.builds(
    Answers,
    program_graduated_on=graduations,
    program_accredited=st.booleans(),
    program_clock_hours=hours,
    externship_hours=hours,
    military_graduated_on=graduations,
    months_employed_recent=months,
    months_employed_experience=months,
    months_instructor=months,
    other_exam_passed=st.booleans(),
)
days = st.dates(D(2020, 1, 1), D(2030, 12, 31))


def ranks(answers: Answers, today: datetime.date) -> list[int]:
    return [RANK[each.verdict] for each in rules.rma_eligibility(answers, today=today, p=DEFAULTS)]


def never_less(better: Answers, worse: Answers, today: datetime.date) -> bool:
    return all(b >= w for b, w in zip(ranks(better, today), ranks(worse, today), strict=True))


@FAST
@given(answers=answers_strategy, today=days, more_recent=months, more_experience=months)
def test_more_months_employed_never_make_a_route_less_eligible(answers, today, more_recent, more_experience):
    more = dataclasses.replace(
        answers,
        months_employed_recent=answers.months_employed_recent + more_recent,
        months_employed_experience=answers.months_employed_experience + more_experience,
    )
    assert never_less(more, answers, today)


@FAST
@given(answers=answers_strategy, today=days, more_program=hours, more_externship=hours)
def test_more_program_or_externship_hours_never_make_a_route_less_eligible(
    answers, today, more_program, more_externship
):
    more = dataclasses.replace(
        answers,
        program_clock_hours=answers.program_clock_hours + more_program,
        externship_hours=answers.externship_hours + more_externship,
    )
    assert never_less(more, answers, today)


@FAST
@given(answers=answers_strategy, today=days, data=st.data())
def test_a_later_graduation_not_in_the_future_never_makes_a_route_less_eligible(answers, today, data):
    program_on = data.draw(st.dates(D(2000, 1, 1), today))
    military_on = data.draw(st.dates(D(2000, 1, 1), today))
    earlier = dataclasses.replace(answers, program_graduated_on=program_on, military_graduated_on=military_on)
    later = dataclasses.replace(
        answers,
        program_graduated_on=data.draw(st.dates(program_on, today)),
        military_graduated_on=data.draw(st.dates(military_on, today)),
    )
    assert never_less(later, earlier, today)


@FAST
@given(answers=answers_strategy, today=days)
def test_every_answer_has_a_reason_a_rule_and_documents(answers, today):
    for each in rules.rma_eligibility(answers, today=today, p=DEFAULTS):
        assert each.reason and each.rule and each.documents and all(each.documents)
        assert each.summary.startswith("Eligible" if each.eligible else "Not eligible")


@FAST
@given(answers=answers_strategy, today=days)
def test_the_best_route_is_eligible_now_whenever_any_route_is(answers, today):
    verdicts = rules.rma_eligibility(answers, today=today, p=DEFAULTS)
    best = rules.best_route(verdicts)
    if any(each.verdict == YES for each in verdicts):
        assert best is not None and best.verdict == YES
    elif any(each.verdict == ONCE for each in verdicts):
        assert best is not None and best.verdict == ONCE
    else:
        assert best is None


@FAST
@given(
    lapse_date=st.dates(D(2000, 1, 1), D(2040, 12, 31)), gate=st.integers(1, 20), offset=st.integers(-99, 99)
)
def test_by_ccp_exactly_while_the_gate_day_is_ahead(lapse_date, gate, offset):
    applied_on = add_years(lapse_date, gate) + datetime.timedelta(days=offset)
    decision = rules.route_decision(lapse_date=lapse_date, applied_on=applied_on, gate_years=gate)
    assert decision.ccp_allowed is (offset < 0)


@FAST
@given(applied_on=st.dates(D(2000, 1, 1), D(2090, 12, 31)), years=st.integers(1, 10))
def test_the_window_ends_on_the_application_date_and_starts_the_day_after_n_years_before(applied_on, years):
    first, last = rules.ccp_window(applied_on, years)
    assert last == applied_on
    assert first - datetime.timedelta(days=1) == add_years(applied_on, -years)
    assert 365 * years - 1 <= (last - first).days <= 366 * years
