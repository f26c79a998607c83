"""The audit's rules (DOMAIN.md "Annual CCP audit"), pure: the population's dates, the sample size, the
re-derivable selection, the allowed moves, the reminder due today and the outcome with its reason in words.
"""

import datetime
import hashlib
import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from core.formatting import format_date, format_points
from members.rules import ONE_DAY

# Audit states (audits.models.Audit.State) and the moves between them: one table, checked by every move.
SELECTED, SUBMITTED, MORE_REQUESTED, PASSED, FAILED = (
    "selected",
    "submitted",
    "more_requested",
    "passed",
    "failed",
)
MOVES: dict[str, frozenset[str]] = {
    SELECTED: frozenset({SUBMITTED, PASSED, FAILED}),  # passed at selection by verified CE; failed: no answer
    SUBMITTED: frozenset({MORE_REQUESTED, PASSED, FAILED}),
    MORE_REQUESTED: frozenset({SUBMITTED, FAILED}),
    PASSED: frozenset(),
    FAILED: frozenset(),
}

# Item (activity) states and their moves: proof is uploaded, then a reviewer decides or asks for more.
NEEDS_PROOF, UPLOADED, ACCEPTED, REFUSED, MORE_ASKED = (
    "needs_proof",
    "uploaded",
    "accepted",
    "refused",
    "more_requested",
)
ITEM_MOVES: dict[str, frozenset[str]] = {
    NEEDS_PROOF: frozenset({UPLOADED}),
    UPLOADED: frozenset({ACCEPTED, REFUSED, MORE_ASKED}),
    MORE_ASKED: frozenset({UPLOADED}),
    ACCEPTED: frozenset(),
    REFUSED: frozenset(),
}


def can_move(from_state: str, to_state: str) -> bool:
    return to_state in MOVES[from_state]


def can_move_item(from_state: str, to_state: str) -> bool:
    return to_state in ITEM_MOVES[from_state]


# --- The population and the selection ---------------------------------------------------------------


def rolled_in_year(year: int) -> tuple[datetime.date, datetime.date]:
    """The last days of the cycles whose next cycle started in `year`: from Dec 31 of the year before to
    Dec 30 of `year` (a cycle ending on its last day rolls into the next on the day after)."""
    return datetime.date(year, 1, 1) - ONE_DAY, datetime.date(year, 12, 31) - ONE_DAY


def sample_size(*, population: int, rate: Decimal | None, fixed: int | None) -> int:
    """N: a fixed size (never more than the population), or ceil(rate x population), exactly."""
    if fixed is not None:
        return min(fixed, population)
    assert rate is not None
    return min(math.ceil(Decimal(rate) * population), population)


def selection_key(seed: str, certification_id: int) -> str:
    """SHA-256(seed + ":" + certification id), hex: the smaller, the earlier selected."""
    return hashlib.sha256(f"{seed}:{certification_id}".encode()).hexdigest()


def select(*, seed: str, population_ids: Iterable[int], n: int) -> list[int]:
    """The N certification ids with the smallest selection keys, in that order (whatever the input order)."""
    unique = set(population_ids)
    return heapq.nsmallest(n, sorted(unique), key=lambda pk: selection_key(seed, pk))


def population_digest(population_ids: Iterable[int]) -> str:
    """SHA-256 of the population's ids, sorted ascending and written in decimal, one per line."""
    text = "\n".join(str(pk) for pk in sorted(set(population_ids)))
    return hashlib.sha256(text.encode()).hexdigest()


# --- The timeline -------------------------------------------------------------------------------------


def deadline_after(day: datetime.date, days: int) -> datetime.date:
    return day + datetime.timedelta(days=days)


def due_reminder(
    steps: list[int], *, deadline: datetime.date, today: datetime.date, set_on: datetime.date | None = None
) -> int | None:
    """The latest reminder step due today: step N is due from N days before the deadline through the
    deadline; a job catching up after missed days sends only the latest one. A step longer than the time
    the member was given when the deadline was set on `set_on` (14 days to answer a request) is skipped: a
    "30 days left" reminder would be wrong the day after."""
    if today > deadline:
        return None
    days_before = (deadline - today).days
    given = (deadline - set_on).days if set_on else None
    due = [step for step in steps if step >= days_before and (given is None or step < given)]
    return min(due, default=None)


def no_response_failure_day(deadline: datetime.date) -> datetime.date:
    """An audit not submitted by its deadline fails on the day after."""
    return deadline + ONE_DAY


# --- The outcome --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    passed: bool
    reason: str


def outcome(*, accepted_points: Decimal, required: Decimal) -> Outcome:
    """Passes when the accepted activities alone (through the CCP engine, caps applied) reach the required
    points; fails otherwise. The reason is shown to the member and the reviewer."""
    accepted = format_points(accepted_points, decimals="significant")
    needed = format_points(required, decimals="significant")
    if accepted_points >= required:
        return Outcome(True, f"The accepted activities count {accepted} of the {needed} points required.")
    missing = format_points(required - accepted_points, decimals="significant")
    return Outcome(
        False,
        f"The accepted activities count {accepted} of the {needed} points required: {missing} short.",
    )


def verified_outcome(*, verified_points: Decimal, required: Decimal) -> Outcome | None:
    """At selection: a pass when the verified online CE alone meets the requirement, else None (the
    member sends proof)."""
    if verified_points < required:
        return None
    counted = format_points(verified_points, decimals="significant")
    return Outcome(
        True,
        f"Your online CE recorded by the body counts {counted} points, enough on its own: "
        "no proof is needed.",
    )


def no_response_reason(deadline: datetime.date) -> str:
    return f"Nothing was submitted by the deadline, {format_date(deadline)}."
