"""The portal's template filters: dates and points read the same in templates as in code (core.formatting).

An empty value (None, "") gives "", so `|default:"..."` still works after them.
"""

import datetime
from decimal import Decimal

from django import template

from core.formatting import PointsDecimals, format_date, format_points

register = template.Library()


@register.filter
def long_date(day: datetime.date | None) -> str:
    """{{ day|long_date }}: "November 29, 2026"."""
    return format_date(day) if day else ""


@register.filter
def short_date(day: datetime.date | None) -> str:
    """{{ day|short_date }}: "Nov 29, 2026"."""
    return format_date(day, abbreviated=True) if day else ""


@register.filter
def points(value: Decimal | int | None, decimals: PointsDecimals = "two") -> str:
    """{{ value|points }}: "12.50"; {{ value|points:"unless_whole" }}: "30" (format_points' `decimals`)."""
    return "" if value is None or value == "" else format_points(value, decimals=decimals)
