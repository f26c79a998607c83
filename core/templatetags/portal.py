"""The portal's template filters: dates and points read the same in templates as in code (core.formatting).

An empty value (None, "") gives "", so `|default:"..."` still works after them.
"""

import datetime
from decimal import Decimal

from django import template
from django.conf import settings
from django.utils import timezone

from core.formatting import PointsDecimals, format_date, format_date_time, format_points
from core.money import format_cents
from core.organization import Organization
from core.organization import organization as organization_profile
from core.worklists import COUNT_CAP

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
def long_date_time(moment: datetime.datetime | None) -> str:
    """{{ moment|long_date_time }}: "November 29, 2026, 10:42 AM CST", in the portal's time zone."""
    return format_date_time(timezone.localtime(moment)) if moment else ""


@register.filter
def points(value: Decimal | int | None, decimals: PointsDecimals = "two") -> str:
    """{{ value|points }}: "12.50"; {{ value|points:"unless_whole" }}: "30" (format_points' `decimals`)."""
    return "" if value is None or value == "" else format_points(value, decimals=decimals)


@register.simple_tag
def portal_name() -> str:
    """{% portal_name %}: the portal's name (settings.PORTAL_NAME), also where no request is at hand."""
    return settings.PORTAL_NAME


@register.simple_tag
def organization() -> Organization:
    """{% organization as organization %}: the organization profile (core.organization), also in PDFs and
    e-mails, which are rendered without a request (so without the context processor)."""
    return organization_profile()


@register.simple_tag
def portal_base_url() -> str:
    """{% portal_base_url %}: the address links in e-mails and letters point at (settings.PORTAL_BASE_URL)."""
    return settings.PORTAL_BASE_URL


@register.filter
def percent_step(percent: int | None) -> int:
    """{{ 37|percent_step }}: 35. A bar's width as one of the CSS classes pct-0 ... pct-100 (steps of 5):
    the Content-Security-Policy allows no inline style attribute."""
    return min(max(round((percent or 0) / 5) * 5, 0), 100)


@register.filter
def percent_rate(rate: Decimal | None) -> str:
    """{{ 0.05|percent_rate }}: "5%" (a rate stored as a fraction, shown as people say it)."""
    if rate is None:
        return ""
    return f"{(Decimal(rate) * 100).normalize():f}%"


@register.filter
def get_item(mapping: dict, key: str):
    """{{ row|get_item:key }}: a dictionary's value by a key held in a variable."""
    return mapping.get(key) if mapping else None


@register.filter
def days_left_today(record, today: datetime.date) -> str:
    """{{ audit|days_left_today:today }}: "12 days" (today and the last day counted)."""
    days = record.days_left(today)
    return f"{days} day{'' if days == 1 else 's'}"


@register.filter
def cents(amount_cents: int | None) -> str:
    """{{ 7500|cents }}: "$75.00"."""
    return "" if amount_cents is None else format_cents(amount_cents)


@register.filter
def capped(count: int | None) -> str:
    """{{ 1001|capped }}: "1,000+" (core.worklists.capped_count counts one past its cap)."""
    if count is None:
        return ""
    return f"{COUNT_CAP:,}+" if count > COUNT_CAP else f"{count:,}"
