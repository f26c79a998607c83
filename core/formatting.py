"""How dates and CCP points read, the same on pages, e-mails, letters and PDFs.

Templates use the same functions through `{% load portal %}`: `{{ day|long_date }}`, `{{ day|short_date }}`,
`{{ moment|long_date_time }}`, `{{ value|points }}`, `{{ value|points:"unless_whole" }}`,
`{{ value|points:"significant" }}`.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

PointsDecimals = Literal["two", "unless_whole", "significant"]
TWO_PLACES = Decimal("0.01")


def format_date(day: datetime.date | None, *, abbreviated: bool = False) -> str:
    """ "November 29, 2026"; abbreviated: "Nov 29, 2026" (where space is short: tables, footers). No date
    (a field not set yet): empty."""
    if day is None:
        return ""
    month = f"{day:%b}" if abbreviated else f"{day:%B}"
    return f"{month} {day.day}, {day.year}"


def format_date_time(moment: datetime.datetime) -> str:
    """ "November 29, 2026, 10:42 AM CST": the moment in its own time zone (the caller localizes it)."""
    hour, noon = moment.hour % 12 or 12, "AM" if moment.hour < 12 else "PM"
    return f"{format_date(moment)}, {hour}:{moment:%M} {noon} {moment.tzname() or ''}".rstrip()


def format_points(value: Decimal | int, *, decimals: PointsDecimals = "two") -> str:
    """Points as the member reads them.

    - "two": always two places, the precision points are counted in ("12.50", "30.00");
    - "unless_whole": whole numbers without decimals, others with two places ("30", "12.50");
    - "significant": no trailing zeros, for points in running text ("30", "12.5", "4.01").
    """
    value = Decimal(value)
    if decimals == "significant":
        return _without_exponent(value.normalize())
    if decimals == "unless_whole" and value == value.to_integral_value():
        return _without_exponent(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return _without_exponent(value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP))


def _without_exponent(value: Decimal) -> str:
    # Decimal("30").normalize() is 3E+1: the fixed-point form is what people read.
    return f"{value:f}"
