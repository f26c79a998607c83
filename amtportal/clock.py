"""The one place business code gets "today" from (tests move it with time-machine)."""

import datetime

from django.utils import timezone


def today() -> datetime.date:
    return timezone.localdate()


def now() -> datetime.datetime:
    return timezone.now()
