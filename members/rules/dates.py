"""The dates of a certification (DOMAIN.md "Dates that drive everything"): the anchor date and whether CCP
applies, fee years with their due dates, paid-through and the lapse date of a fee, and the three-year CCP
cycles. Pure functions on dates: no ORM, no clock."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

ONE_DAY = datetime.timedelta(days=1)
CCP_ORIGINAL_CUTOFF = datetime.date(2006, 1, 1)
CCP_REINSTATED_CUTOFF = datetime.date(2014, 4, 1)
CYCLE_YEARS = 3


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
