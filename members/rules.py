"""Date and status rules of a certification (DOMAIN.md "Dates that drive everything", "Status").

Pure functions on dates: no ORM, no clock. The same functions decide a status in the daily job and
explain it to the member, so every result carries its reason in words.
"""

from __future__ import annotations

import calendar
import datetime
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from core.formatting import format_date

ONE_DAY = datetime.timedelta(days=1)
CCP_ORIGINAL_CUTOFF = datetime.date(2006, 1, 1)
CCP_REINSTATED_CUTOFF = datetime.date(2014, 4, 1)
MUST_RECERTIFY_AFTER_YEARS = 3
EXAM_REQUIRED_AFTER_YEARS = 10
CYCLE_YEARS = 3


class Status(enum.StrEnum):
    ACTIVE = "active"
    LAPSED = "lapsed"
    NONCOMPLIANT = "noncompliant"
    MUST_RECERTIFY = "must_recertify"
    EXAM_REQUIRED = "exam_required"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.ACTIVE: "Active",
    Status.LAPSED: "Lapsed (fees)",
    Status.NONCOMPLIANT: "Non-compliant (CCP)",
    Status.MUST_RECERTIFY: "Must recertify",
    Status.EXAM_REQUIRED: "Exam required",
}

STATUS_MEANINGS = {
    Status.ACTIVE: "Your certification is in good standing.",
    Status.LAPSED: "An annual fee is unpaid past its due date. Pay all unpaid fees to become Active again.",
    Status.NONCOMPLIANT: (
        "A CCP cycle ended without the required points, or a CCP audit failed. You must recertify."
    ),
    Status.MUST_RECERTIFY: "Annual fees have been unpaid for 3 years or more. You must recertify.",
    Status.EXAM_REQUIRED: (
        "The certification has not been active for 10 years or more. You can recertify by exam only."
    ),
}

# DOMAIN.md "Leaving Active": while Active or Lapsed (fees) a certification is still being renewed: annual
# invoices are issued (the arrears to pay), renewal notices go on, CCP cycles go on and roll.
RENEWING_STATUSES = (Status.ACTIVE, Status.LAPSED)
# The other ways of not being Active: no more invoices, renewal notices or cycles; the way back is
# recertification.
RECERTIFICATION_REQUIRED_STATUSES = (Status.NONCOMPLIANT, Status.MUST_RECERTIFY, Status.EXAM_REQUIRED)


# --- Dates -----------------------------------------------------------------------------------------


def add_years(day: datetime.date, years: int) -> datetime.date:
    """`day` plus `years`; Feb 29 becomes Feb 28 in a target year without Feb 29."""
    target_year = day.year + years
    if day.month == 2 and day.day == 29 and not calendar.isleap(target_year):
        return datetime.date(target_year, 2, 28)
    return day.replace(year=target_year)


def last_day_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def anchor_date(certified_on: datetime.date, reinstated_on: datetime.date | None) -> datetime.date:
    return reinstated_on or certified_on


def ccp_required(certified_on: datetime.date, reinstated_on: datetime.date | None) -> bool:
    return certified_on >= CCP_ORIGINAL_CUTOFF or (
        reinstated_on is not None and reinstated_on >= CCP_REINSTATED_CUTOFF
    )


@dataclass(frozen=True)
class FeeYear:
    """Twelve months from the first day of the anniversary month."""

    start: datetime.date
    end: datetime.date

    @property
    def due_on(self) -> datetime.date:
        """The fee is due on the last day of the anniversary month at its start."""
        return last_day_of_month(self.start)

    def next(self) -> FeeYear:
        return fee_year_starting(self.end + ONE_DAY)

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def fee_year_starting(start: datetime.date) -> FeeYear:
    return FeeYear(start=start, end=add_years(start, 1) - ONE_DAY)


def fee_year_containing(anchor: datetime.date, day: datetime.date) -> FeeYear:
    """The fee year (of a certification anchored on `anchor`) that contains `day`."""
    start = datetime.date(day.year, anchor.month, 1)
    if start > day:
        start = datetime.date(day.year - 1, anchor.month, 1)
    return fee_year_starting(start)


def covered_fee_year(anchor: datetime.date) -> FeeYear:
    """The fee year containing the anchor date is covered by the exam or recertification fee."""
    return fee_year_containing(anchor, anchor)


def initial_paid_through(anchor: datetime.date) -> datetime.date:
    return covered_fee_year(anchor).end


def paid_through(
    *,
    anchor: datetime.date,
    settled_fee_year_starts: Iterable[datetime.date],
    recorded_paid_through: datetime.date | None = None,
    owed_again: FeeYear | None = None,
) -> datetime.date:
    """DOMAIN.md "Paid through": the last day of the latest fee year such that it and every earlier fee
    year since the anchor date are paid, covered or waived. Payments may come in any order: only the
    contiguous run matters.

    - `settled_fee_year_starts`: the start dates of the fee years paid or waived;
    - `recorded_paid_through`: the date recorded so far (default: the covered fee year's end); every fee
      year through it counts as settled, also those settled before invoices were kept;
    - `owed_again`: a fee year that was settled and is owed again (voided, refunded): the run stops before
      it. A year in or before the covered fee year (an earlier anchor's, before a reinstatement) no longer
      counts either way.
    """
    through = recorded_paid_through or initial_paid_through(anchor)
    settled = set(settled_fee_year_starts)
    if owed_again is not None and owed_again.start > covered_fee_year(anchor).start:
        settled.discard(owed_again.start)
        through = min(through, owed_again.start - ONE_DAY)
    year = next_unpaid_fee_year(through)
    while year.start in settled:
        through = year.end
        year = year.next()
    return through


def fee_lapse_date(*, due_on: datetime.date, grace_days: int) -> datetime.date:
    """DOMAIN.md "the lapse date" of a fee due on `due_on` left unpaid: the day after due date + grace."""
    return due_on + datetime.timedelta(days=grace_days) + ONE_DAY


def next_unpaid_fee_year(paid_through_on: datetime.date) -> FeeYear:
    return fee_year_starting(paid_through_on + ONE_DAY)


@dataclass(frozen=True)
class Cycle:
    """CCP cycle n starts on anchor + 3n years and ends the day before cycle n + 1 starts."""

    number: int
    start: datetime.date
    end: datetime.date

    def days_left(self, today: datetime.date) -> int:
        """Counts today and the last day."""
        return max((self.end - today).days + 1, 0)

    def days_before_end(self, days: int) -> datetime.date:
        return self.end - datetime.timedelta(days=days)

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def cycle(anchor: datetime.date, number: int) -> Cycle:
    return Cycle(
        number=number,
        start=add_years(anchor, CYCLE_YEARS * number),
        end=add_years(anchor, CYCLE_YEARS * (number + 1)) - ONE_DAY,
    )


def cycle_containing(anchor: datetime.date, day: datetime.date) -> Cycle | None:
    """The cycle that contains `day`, or None before the anchor date."""
    if day < anchor:
        return None
    number = max((day.year - anchor.year) // CYCLE_YEARS - 1, 0)
    while not cycle(anchor, number).contains(day):
        number += 1
    return cycle(anchor, number)


# --- Status ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificationFacts:
    """What the status depends on: the certification's dates and the facts later apps report."""

    certified_on: datetime.date
    reinstated_on: datetime.date | None
    paid_through: datetime.date
    grace_days: int = 0
    ccp_failed_on: datetime.date | None = None  # the day after a failed cycle's last day
    audit_failed_on: datetime.date | None = None  # the day of the failing decision
    ccp_compliant_through: datetime.date | None = None  # last day of the latest compliant cycle
    # The stored lapse date while not Active: the stretch of not being Active resets only on becoming Active.
    lapse_date: datetime.date | None = None

    @property
    def anchor(self) -> datetime.date:
        return anchor_date(self.certified_on, self.reinstated_on)

    @property
    def ccp_required(self) -> bool:
        return ccp_required(self.certified_on, self.reinstated_on)

    @property
    def next_fee_due_on(self) -> datetime.date:
        return next_unpaid_fee_year(self.paid_through).due_on

    @property
    def fee_lapse_date(self) -> datetime.date:
        """The lapse date of the next unpaid fee: the day after its due date + grace."""
        return fee_lapse_date(due_on=self.next_fee_due_on, grace_days=self.grace_days)


@dataclass(frozen=True)
class StatusResult:
    status: Status
    reason: str
    lapse_date: datetime.date | None
    active_through: datetime.date | None

    @property
    def label(self) -> str:
        return self.status.label


@dataclass(frozen=True)
class _Failure:
    kind: str  # "fees" or "ccp"
    since: datetime.date
    cause: str


def _failures(facts: CertificationFacts, today: datetime.date) -> list[_Failure]:
    """Each way the certification has stopped being Active, with its first day and the reason.

    Once CCP compliance has failed, no invoice is issued any more (DOMAIN.md "Leaving Active"): a fee
    falling due after that is not arrears, so only a fee lapse that began first counts.
    """
    ccp = []
    if facts.ccp_required and facts.ccp_failed_on and facts.ccp_failed_on <= today:
        last_day = facts.ccp_failed_on - ONE_DAY
        cause = f"the CCP cycle ending {format_date(last_day)} was not compliant"
        ccp.append(_Failure("ccp", facts.ccp_failed_on, cause))
    if facts.ccp_required and facts.audit_failed_on and facts.audit_failed_on <= today:
        cause = f"a CCP audit failed on {format_date(facts.audit_failed_on)}"
        ccp.append(_Failure("ccp", facts.audit_failed_on, cause))
    ccp_since = min((failure.since for failure in ccp), default=None)
    if facts.fee_lapse_date <= today and (ccp_since is None or facts.fee_lapse_date <= ccp_since):
        cause = f"the annual fee due {format_date(facts.next_fee_due_on)} is unpaid"
        return [_Failure("fees", facts.fee_lapse_date, cause), *ccp]
    return ccp


def active_through(facts: CertificationFacts, today: datetime.date) -> datetime.date:
    """The last day the certification stays Active if nothing changes."""
    last_day = facts.fee_lapse_date - ONE_DAY
    if facts.ccp_required:
        current = cycle_containing(facts.anchor, max(today, facts.anchor))
        compliant_through = facts.ccp_compliant_through
        if current and (compliant_through is None or compliant_through < current.end):
            last_day = min(last_day, current.end)
    return last_day


def derive_status(facts: CertificationFacts, today: datetime.date) -> StatusResult:
    """Status, lapse date, active-through and the reason in words, as of `today`."""
    failures = _failures(facts, today)
    if not failures:
        through = active_through(facts, today)
        return StatusResult(Status.ACTIVE, f"In good standing through {format_date(through)}.", None, through)

    lapse_date = min(failure.since for failure in failures)
    if facts.lapse_date and facts.lapse_date < lapse_date:
        lapse_date = facts.lapse_date
    causes = "; ".join(failure.cause for failure in failures)
    fees_unpaid = any(failure.kind == "fees" for failure in failures)
    ccp_failed = any(failure.kind == "ccp" for failure in failures)

    if today >= add_years(lapse_date, EXAM_REQUIRED_AFTER_YEARS):
        status = Status.EXAM_REQUIRED
        detail = f"not Active for 10 years or more (since {format_date(lapse_date)})"
    elif fees_unpaid and today >= add_years(lapse_date, MUST_RECERTIFY_AFTER_YEARS):
        status = Status.MUST_RECERTIFY
        detail = f"fees unpaid for 3 years or more (since {format_date(lapse_date)})"
    elif ccp_failed:
        status = Status.NONCOMPLIANT
        detail = f"not CCP compliant since {format_date(lapse_date)}"
    else:
        status = Status.LAPSED
        detail = f"lapsed for non-payment since {format_date(lapse_date)}"
    return StatusResult(status, f"{status.label}: {detail}; {causes}.", lapse_date, None)
