"""The CCP rules (DOMAIN.md "CCP points"): pure functions on dates and points, no ORM, no clock. Three
modules: engine (`evaluate`, the compliance engine: counted / required / missing points, per category and per
activity, each with its reason), offers (`category_offer`: whether a category is offered for a new claim, and
why not) and timeline (what is coming: the cycle's end, the pace, the CCP stop date); every name is here, so
`from ccp import rules` and `rules.<name>` keep working.
"""

from ccp.rules.engine import (
    DAYS_PER_YEAR,
    ZERO,
    ActivityFacts,
    ActivityResult,
    CategoryResult,
    CategoryRule,
    ComplianceResult,
    Window,
    days_inclusive,
    evaluate,
    is_compliant,
    round_points,
)
from ccp.rules.offers import CategoryOffer, category_offer
from ccp.rules.timeline import (
    DAYS_PER_MONTH,
    PACE_STEP,
    ccp_stop,
    cycle_end_event,
    pace_needed,
    shortfall_text,
)

__all__ = [
    "DAYS_PER_MONTH",
    "DAYS_PER_YEAR",
    "PACE_STEP",
    "ZERO",
    "ActivityFacts",
    "ActivityResult",
    "CategoryOffer",
    "CategoryResult",
    "CategoryRule",
    "ComplianceResult",
    "Window",
    "category_offer",
    "ccp_stop",
    "cycle_end_event",
    "days_inclusive",
    "evaluate",
    "is_compliant",
    "pace_needed",
    "round_points",
    "shortfall_text",
]
