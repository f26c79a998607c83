"""What is coming in a CCP cycle (the dashboard and the notices): the cycle's end, the points missing and the
pace needed to reach the requirement, and the CCP part of "Active through" (the stop date and its reason).
The certification's timeline (amtportal.timeline) puts these beside the fee's events from members.rules.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_CEILING, Decimal

from ccp.rules.engine import ZERO
from core.formatting import format_date, format_points
from members.rules import ONE_DAY, StopDate, TimelineEvent, days_until, urgency

# An average Gregorian month (365.25 / 12 days): the pace does not jump at month boundaries.
DAYS_PER_MONTH = Decimal("30.4375")
PACE_STEP = Decimal("0.1")


def pace_needed(missing: Decimal, today: datetime.date, cycle_end: datetime.date) -> Decimal:
    """Points per month still to earn to reach the requirement by the cycle's last day.

    Months are counted as the days left (today and the last day both count) / 30.4375; with less than a
    month left the pace is all the missing points. Rounded up to 0.1, so that keeping the pace is enough.
    """
    days_left = max((cycle_end - today).days + 1, 0)
    months = max(Decimal(days_left) / DAYS_PER_MONTH, Decimal(1))
    return (max(missing, ZERO) / months).quantize(PACE_STEP, rounding=ROUND_CEILING)


def shortfall_text(missing: Decimal, today: datetime.date, cycle_end: datetime.date) -> str:
    """The points missing and the pace, in the words of the dashboard and the CCP compliance notices:
    "12 points missing, about 6.1 points a month"."""
    points = format_points(missing, decimals="significant")
    days_left = max((cycle_end - today).days + 1, 0)
    if Decimal(days_left) < DAYS_PER_MONTH:
        return f"{points} points missing, all of them within the {days_left} day{'s' * (days_left != 1)} left"
    return f"{points} points missing, about {pace_needed(missing, today, cycle_end)} points a month"


def ccp_stop(*, cycle_end: datetime.date, missing: Decimal, attested: bool) -> StopDate | None:
    """The CCP part of "Active through": the open cycle's last day while it is not compliant."""
    if attested or missing <= 0:
        return None
    points = format_points(missing, decimals="significant")
    because = f"your CCP cycle ends on {format_date(cycle_end)} and you are {points} points short"
    return StopDate(cycle_end, "ccp", because)


def cycle_end_event(
    *, cycle_end: datetime.date, missing: Decimal, attested: bool, today: datetime.date
) -> TimelineEvent:
    """The open cycle's end: compliant, or the points missing and the pace, as urgent as the day the
    certification would become Non-compliant (CCP) is near."""
    ends = f"CCP cycle ends on {format_date(cycle_end)}"
    if missing <= 0:
        return TimelineEvent(cycle_end, "ccp", f"{ends}: you have the required points")
    if attested:
        return TimelineEvent(cycle_end, "ccp", f"{ends}: covered by your CCP attestation")
    level = urgency(days_until(cycle_end + ONE_DAY, today))
    return TimelineEvent(cycle_end, "ccp", f"{ends}: {shortfall_text(missing, today, cycle_end)}", level)
