"""Recertification rules (DOMAIN.md "Recertification"), pure: the route decision with its reason in words,
the CCP window, the allowed moves of an application, its validity, and the RMA eligibility assistant's
routes, each answering "eligible", "eligible once you provide ..." or "not eligible: reason"."""

import datetime
from dataclasses import dataclass, field
from enum import StrEnum

from core.formatting import format_date
from members.rules import ONE_DAY, RECERTIFICATION_REQUIRED_STATUSES, add_years

# --- Who may apply, and by which route ------------------------------------------------------------------

# Who may apply: members' statuses that call for recertification (one list, in members.rules).
RECERTIFIABLE = frozenset(RECERTIFICATION_REQUIRED_STATUSES)


@dataclass(frozen=True)
class RouteDecision:
    ccp_allowed: bool
    reason: str


def route_decision(*, lapse_date: datetime.date, applied_on: datetime.date, gate_years: int) -> RouteDecision:
    """By CCP is not offered when the lapse date is `gate_years` (10) or more years before the application
    date (adding years as everywhere: Feb 29 + n years is Feb 28 when there is no Feb 29)."""
    since = format_date(lapse_date)
    if add_years(lapse_date, gate_years) <= applied_on:
        return RouteDecision(
            False, f"Lapsed since {since}: {gate_years} years or more, so recertification by exam only."
        )
    return RouteDecision(
        True, f"Lapsed since {since}: less than {gate_years} years, so by CCP points or by exam."
    )


def ccp_window(applied_on: datetime.date, years: int) -> tuple[datetime.date, datetime.date]:
    """The points must be earned in the `years` before the application date: from the application date
    minus the years plus one day, to the application date."""
    return add_years(applied_on, -years) + ONE_DAY, applied_on


def expiry_date(submitted_on: datetime.date, months: int) -> datetime.date:
    """Undecided `months` after submission, an application expires the day after this date."""
    month_index = submitted_on.month - 1 + months
    year, month = submitted_on.year + month_index // 12, month_index % 12 + 1
    for day in (submitted_on.day, 30, 29, 28):
        try:
            return datetime.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --- The application's moves ----------------------------------------------------------------------------

DRAFT, SUBMITTED, MORE_REQUESTED, AUTHORIZED = "draft", "submitted", "more_requested", "authorized"
REINSTATED, REFUSED, EXAM_FAILED, EXPIRED, WITHDRAWN = (
    "reinstated",
    "refused",
    "exam_failed",
    "expired",
    "withdrawn",
)
MOVES: dict[str, frozenset[str]] = {
    DRAFT: frozenset({SUBMITTED, WITHDRAWN}),
    SUBMITTED: frozenset({MORE_REQUESTED, AUTHORIZED, REINSTATED, REFUSED, EXPIRED}),
    MORE_REQUESTED: frozenset({SUBMITTED, REFUSED, EXPIRED}),
    AUTHORIZED: frozenset({REINSTATED, EXAM_FAILED, EXPIRED}),
    REINSTATED: frozenset(),
    REFUSED: frozenset(),
    EXAM_FAILED: frozenset(),
    EXPIRED: frozenset(),
    WITHDRAWN: frozenset(),
}


def can_move(from_state: str, to_state: str) -> bool:
    return to_state in MOVES[from_state]


# --- The RMA eligibility assistant ----------------------------------------------------------------------


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    ONCE_PROVIDED = "once_provided"
    NOT_ELIGIBLE = "not_eligible"


@dataclass(frozen=True)
class RouteParameters:
    """The routes' numbers (data: recert.models.RmaRoutes)."""

    program_clock_hours: int = 720
    externship_hours: int = 160
    recent_graduation_years: int = 4
    recent_employment_months: int = 36
    recent_employment_window_years: int = 5
    experience_months: int = 60
    experience_window_years: int = 7
    instructor_max_months: int = 24


@dataclass(frozen=True)
class Answers:
    """What the person says. Dates may lie ahead (still in the program: graduation expected)."""

    program_graduated_on: datetime.date | None = None  # a medical-assisting program
    program_accredited: bool = False  # by an agency recognized by the US Department of Education
    program_clock_hours: int = 0
    externship_hours: int = 0
    military_graduated_on: datetime.date | None = None  # formal medical services training, US Armed Forces
    months_employed_recent: int = 0  # as a medical assistant, in the last 5 years
    months_employed_experience: int = 0  # as a medical assistant, in the last 7 years
    months_instructor: int = 0  # of those 7 years' months, as an instructor
    other_exam_passed: bool = False  # a generalist medical-assisting certification exam the body recognizes


@dataclass(frozen=True)
class RouteAnswer:
    route: str
    name: str
    verdict: Verdict
    reason: str
    rule: str  # the route's rule, cited
    documents: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return self.verdict != Verdict.NOT_ELIGIBLE

    @property
    def summary(self) -> str:
        if self.verdict == Verdict.ELIGIBLE:
            return f"Eligible by the {self.name} route."
        if self.verdict == Verdict.ONCE_PROVIDED:
            return f"Eligible by the {self.name} route once you provide {self.documents[0]}."
        return f"Not eligible by the {self.name} route: {self.reason}"


def _years(n: int) -> str:
    return f"{n} year{'s' if n != 1 else ''}"


def _months_as_years(months: int) -> str:
    return _years(months // 12) if months % 12 == 0 else f"{months} months"


def _recent_employment(answers: Answers, p: RouteParameters) -> tuple[bool, str]:
    needed = p.recent_employment_months
    met = answers.months_employed_recent >= needed
    said = f"{answers.months_employed_recent} months"
    window = _years(p.recent_employment_window_years)
    if met:
        return True, f"you were employed as a medical assistant {said} of the last {window}"
    return False, (
        f"you were employed as a medical assistant {said} of the last {window}, and at least "
        f"{_months_as_years(needed)} ({needed} months) are needed"
    )


def _graduation_route(
    *,
    route: str,
    name: str,
    graduated_on: datetime.date | None,
    today: datetime.date,
    p: RouteParameters,
    answers: Answers,
    rule: str,
    proof: str,
    not_graduated: str,
    program_problem: str = "",
) -> RouteAnswer:
    documents = [proof]
    if graduated_on is None:
        return RouteAnswer(route, name, Verdict.NOT_ELIGIBLE, not_graduated, rule, documents)
    if program_problem:
        return RouteAnswer(route, name, Verdict.NOT_ELIGIBLE, program_problem, rule, documents)
    if graduated_on > today:
        reason = f"you expect to graduate on {format_date(graduated_on)}"
        return RouteAnswer(route, name, Verdict.ONCE_PROVIDED, reason, rule, documents)
    # "Within the last 4 years" as the CCP window counts "the 3 years before": from today - 4 years + 1 day,
    # so a graduation exactly 4 years ago is earlier (as a lapse exactly 10 years ago is "10 or more").
    recent_from = add_years(today, -p.recent_graduation_years) + ONE_DAY
    within = _years(p.recent_graduation_years)
    if graduated_on >= recent_from:
        reason = f"you graduated on {format_date(graduated_on)}, within the last {within}"
        return RouteAnswer(route, name, Verdict.ELIGIBLE, reason, rule, documents)
    employed, words = _recent_employment(answers, p)
    earlier = f"you graduated on {format_date(graduated_on)}, not within the last {within}"
    documents = [proof, "letters from your employers confirming your employment as a medical assistant"]
    if employed:
        return RouteAnswer(route, name, Verdict.ELIGIBLE, f"{earlier}, and {words}", rule, documents)
    return RouteAnswer(route, name, Verdict.NOT_ELIGIBLE, f"{earlier}, and {words}", rule, documents)


def education_route(answers: Answers, *, today: datetime.date, p: RouteParameters) -> RouteAnswer:
    rule = (
        "Graduated from a medical-assisting program accredited by an agency recognized by the US Department "
        f"of Education, of at least {p.program_clock_hours} clock hours including at least "
        f"{p.externship_hours} hours of externship, within the last {_years(p.recent_graduation_years)}; "
        f"graduated earlier: also employed as a medical assistant at least "
        f"{_months_as_years(p.recent_employment_months)} of the last "
        f"{_years(p.recent_employment_window_years)}."
    )
    problem = ""
    if not answers.program_accredited:
        problem = "the program is not accredited by an agency recognized by the US Department of Education"
    elif answers.program_clock_hours < p.program_clock_hours:
        problem = (
            f"the program had {answers.program_clock_hours} clock hours; at least {p.program_clock_hours} "
            "are needed"
        )
    elif answers.externship_hours < p.externship_hours:
        problem = (
            f"the externship had {answers.externship_hours} hours; at least {p.externship_hours} are needed"
        )
    return _graduation_route(
        route="education",
        name="Education",
        graduated_on=answers.program_graduated_on,
        today=today,
        p=p,
        answers=answers,
        rule=rule,
        proof="your official transcript or diploma showing the program, its hours and your graduation date",
        not_graduated="you did not attend a medical-assisting program",
        program_problem=problem,
    )


def military_route(answers: Answers, *, today: datetime.date, p: RouteParameters) -> RouteAnswer:
    rule = (
        "Graduated from a formal medical services training program of the US Armed Forces within the last "
        f"{_years(p.recent_graduation_years)}; earlier: also employed as a medical assistant at least "
        f"{_months_as_years(p.recent_employment_months)} of the last "
        f"{_years(p.recent_employment_window_years)}."
    )
    return _graduation_route(
        route="military",
        name="Military",
        graduated_on=answers.military_graduated_on,
        today=today,
        p=p,
        answers=answers,
        rule=rule,
        proof="your training certificate or DD-214 showing the medical services training",
        not_graduated="you did not complete a medical services training program of the US Armed Forces",
    )


def experience_route(answers: Answers, *, today: datetime.date, p: RouteParameters) -> RouteAnswer:
    rule = (
        f"Employed as a medical assistant (clinical and administrative duties) at least "
        f"{_months_as_years(p.experience_months)} of the last {_years(p.experience_window_years)}, of "
        "which at "
        f"most {_months_as_years(p.instructor_max_months)} as an instructor."
    )
    instructor = min(answers.months_instructor, answers.months_employed_experience)
    counted = answers.months_employed_experience - max(instructor - p.instructor_max_months, 0)
    documents = ["letters from your employers confirming your duties and dates of employment"]
    window = _years(p.experience_window_years)
    said = f"{counted} months of employment in the last {window} count"
    if instructor > p.instructor_max_months:
        said += f" (of {instructor} months as an instructor, {p.instructor_max_months} count)"
    if counted >= p.experience_months:
        return RouteAnswer("experience", "Work experience", Verdict.ELIGIBLE, said, rule, documents)
    reason = f"{said}; at least {p.experience_months} are needed"
    return RouteAnswer("experience", "Work experience", Verdict.NOT_ELIGIBLE, reason, rule, documents)


def other_exam_route(answers: Answers, *, today: datetime.date, p: RouteParameters) -> RouteAnswer:
    rule = (
        "Passed a generalist medical-assisting certification exam the body recognizes, and employed as a "
        f"medical assistant at least {_months_as_years(p.recent_employment_months)} of the last "
        f"{_years(p.recent_employment_window_years)}."
    )
    documents = [
        "your score report or certificate of the exam you passed",
        "letters from your employers confirming your employment as a medical assistant",
    ]
    employed, words = _recent_employment(answers, p)
    if not answers.other_exam_passed:
        reason = "you have not passed a recognized generalist medical-assisting exam"
        return RouteAnswer("other_exam", "Other exam", Verdict.NOT_ELIGIBLE, reason, rule, documents)
    verdict = Verdict.ELIGIBLE if employed else Verdict.NOT_ELIGIBLE
    return RouteAnswer(
        "other_exam", "Other exam", verdict, f"you passed a recognized exam, and {words}", rule, documents
    )


ROUTES = (education_route, military_route, experience_route, other_exam_route)


def rma_eligibility(answers: Answers, *, today: datetime.date, p: RouteParameters) -> list[RouteAnswer]:
    """Every route's answer, in the handbook's order."""
    return [route(answers, today=today, p=p) for route in ROUTES]


def best_route(answers: list[RouteAnswer]) -> RouteAnswer | None:
    """The route to apply by: the first eligible now, else the first eligible once a document is given."""
    for verdict in (Verdict.ELIGIBLE, Verdict.ONCE_PROVIDED):
        for answer in answers:
            if answer.verdict == verdict:
                return answer
    return None
