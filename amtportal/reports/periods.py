"""The period a report covers, read from the page's query string: a year (`?year=2025`) or a date range
(`?start=2025-01-01&end=2025-12-31`). Bad input is answered with a message and the default period, never
an error page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from members.rules.dates import last_day_of_month

FIRST_YEAR = 1950
LONGEST_YEARS = 30


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def years(self) -> range:
        return range(self.start.year, self.end.year + 1)

    def month_starts(self) -> list[datetime.date]:
        months, day = [], self.start.replace(day=1)
        while day <= self.end:
            months.append(day)
            day = last_day_of_month(day) + datetime.timedelta(days=1)
        return months

    @property
    def words(self) -> str:
        return f"{_long(self.start)} to {_long(self.end)}"


def _long(day: datetime.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def last_months(today: datetime.date, months: int = 12) -> Period:
    """The `months` calendar months ending with the current one."""
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return Period(first, last_day_of_month(today))


def last_years(today: datetime.date, years: int = 5) -> Period:
    return Period(datetime.date(today.year - years + 1, 1, 1), datetime.date(today.year, 12, 31))


def period_from(query, *, default: Period) -> tuple[Period, str]:
    """(the period asked for, or `default`; the message saying what was wrong, or "")."""
    year, start, end = (query.get(name, "").strip() for name in ("year", "start", "end"))
    if year:
        if not year.isdigit() or not FIRST_YEAR <= int(year) <= default.end.year + 1:
            return (
                default,
                f"“{year[:20]}” is not a year the reports cover (from {FIRST_YEAR}): "
                "showing the default period.",
            )
        return Period(datetime.date(int(year), 1, 1), datetime.date(int(year), 12, 31)), ""
    if not (start or end):
        return default, ""
    try:
        period = Period(
            datetime.date.fromisoformat(start) if start else default.start,
            datetime.date.fromisoformat(end) if end else default.end,
        )
    except ValueError:
        return (
            default,
            "Dates are written as YYYY-MM-DD (for example 2025-01-31): showing the default period.",
        )
    if period.start > period.end:
        return default, "The start date is after the end date: showing the default period."
    if period.start.year < FIRST_YEAR or period.end.year - period.start.year >= LONGEST_YEARS:
        return (
            default,
            f"A period of at most {LONGEST_YEARS} years, from {FIRST_YEAR}: showing the default period.",
        )
    return period, ""
