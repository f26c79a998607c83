"""Whether a CCP category is offered for a new claim: a category with an "accepted through" date is offered
only while the open cycle starts on or before that date, and when it is not, the reason is given in words
(the claim form and its category list).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ccp.rules.engine import CategoryRule
from core.formatting import format_date


@dataclass(frozen=True)
class CategoryOffer:
    """Whether a category is offered for a new claim and, when it is not, why (in words)."""

    offered: bool
    reason: str = ""


def category_offer(rule: CategoryRule, cycle_start: datetime.date | None) -> CategoryOffer:
    """A category with an "accepted through" date is offered only while the open cycle starts on or before
    that date: after it, no day of the cycle can earn its points (DOMAIN.md "Employment (effective
    2021-01-01)"). `cycle_start` None: no cycle is open, so nothing dated can count."""
    if rule.accepted_through is None or (cycle_start is not None and cycle_start <= rule.accepted_through):
        return CategoryOffer(True)
    why = f"{rule.name} is not offered: it counts only through {format_date(rule.accepted_through)}"
    if cycle_start is None:
        return CategoryOffer(False, f"{why}, and no CCP cycle is open")
    return CategoryOffer(False, f"{why}, and your current cycle started on {format_date(cycle_start)}")
