"""What is coming for a certification (the dashboard's "What's coming"): dated events with how urgent they
are, and the day the certification would stop being Active if nothing is done, with the reason in words.

Pure: dates in, small dataclasses out. This module holds the shared shapes (`TimelineEvent`, `Urgency`,
`StopDate`) and the fee's part; the CCP cycle's part is in ccp.rules (`cycle_end_event`, `ccp_stop`), and
audits and recertification add theirs the same way. The composer (amtportal.timeline) puts them together.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from core.formatting import format_date
from members.rules.dates import ONE_DAY, fee_lapse_date

# The warning colours, in days before a shortfall would take effect (issue 12).
AMBER_FROM_DAYS = 180
RED_FROM_DAYS = 30


class Urgency(enum.StrEnum):
    OK = "ok"
    AMBER = "amber"
    RED = "red"

    @property
    def label(self) -> str:
        """The words that go with the colour, so that colour is never the only signal."""
        return URGENCY_LABELS[self]

    @property
    def rank(self) -> int:
        return list(Urgency).index(self)


URGENCY_LABELS = {Urgency.OK: "On track", Urgency.AMBER: "Action needed", Urgency.RED: "Urgent"}


def urgency(days_until_effect: int) -> Urgency:
    """How urgent a shortfall is that takes effect `days_until_effect` days from today (the effect day is the
    first day not Active: 0 is today, negative is past): red from 30 days, amber from 180 days."""
    if days_until_effect <= RED_FROM_DAYS:
        return Urgency.RED
    if days_until_effect <= AMBER_FROM_DAYS:
        return Urgency.AMBER
    return Urgency.OK


def days_until(effect_on: datetime.date, today: datetime.date) -> int:
    return (effect_on - today).days


@dataclass(frozen=True)
class TimelineEvent:
    """One dated line of "What's coming". `kind`: "fee", "ccp" (later "audit", "application")."""

    on: datetime.date
    kind: str
    text: str
    urgency: Urgency = Urgency.OK


@dataclass(frozen=True)
class StopDate:
    """The last day the certification stays Active if nothing changes, and why (DOMAIN.md "Active
    through"). `because` completes "Active through <date> because ..."."""

    last_active_day: datetime.date
    kind: str
    because: str

    @property
    def effective_on(self) -> datetime.date:
        """The first day not Active: the lapse date if nothing is done."""
        return self.last_active_day + ONE_DAY

    @property
    def sentence(self) -> str:
        return f"Active through {format_date(self.last_active_day)} because {self.because}"


def fee_stop(*, next_fee_due_on: datetime.date, grace_days: int) -> StopDate:
    """The fee's part of "Active through": the day before the next unpaid fee's lapse date."""
    last_day = fee_lapse_date(due_on=next_fee_due_on, grace_days=grace_days) - ONE_DAY
    grace = f" ({grace_days} days' grace)" if grace_days else ""
    because = f"your next annual fee is due on {format_date(next_fee_due_on)}{grace} and is not paid yet"
    return StopDate(last_day, "fee", because)


def earliest_stop(stops: Iterable[StopDate | None]) -> StopDate | None:
    """The stop that comes first (a fee before a cycle end on the same day: the fee is named)."""
    present = [stop for stop in stops if stop is not None]
    return min(present, key=lambda stop: stop.last_active_day, default=None)


def fee_event(
    *, next_fee_due_on: datetime.date, grace_days: int, today: datetime.date, payable: bool
) -> TimelineEvent:
    """The next unpaid annual fee. Its urgency counts down to its lapse date, but only once the fee can be
    paid (`payable`: its invoice is issued): a fee that cannot be paid yet asks for nothing."""
    lapse_on = fee_lapse_date(due_on=next_fee_due_on, grace_days=grace_days)
    due = format_date(next_fee_due_on)
    if lapse_on <= today:
        text = f"Annual fee due on {due} is unpaid: pay it to become Active again"
    elif next_fee_due_on < today:
        text = f"Annual fee was due on {due}: pay it by {format_date(lapse_on - ONE_DAY)} to stay Active"
    else:
        text = f"Next annual fee due on {due}"
    level = urgency(days_until(lapse_on, today)) if payable or lapse_on <= today else Urgency.OK
    return TimelineEvent(next_fee_due_on, "fee", text, level)
