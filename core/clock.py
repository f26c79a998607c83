"""The one place business code gets "today" from (tests move it with time-machine)."""

import datetime

from django.utils import timezone


def today() -> datetime.date:
    return timezone.localdate()


def business_date(day: str | None) -> datetime.date:
    """The date a task or command was given (ISO, "YYYY-MM-DD"), or today when none was."""
    return datetime.date.fromisoformat(day) if day else today()


def now() -> datetime.datetime:
    return timezone.now()
