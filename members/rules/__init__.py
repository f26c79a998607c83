"""Date and status rules of a certification (DOMAIN.md "Dates that drive everything", "Status").

Pure functions on dates: no ORM, no clock. The same functions decide a status in the daily job and
explain it to the member, so every result carries its reason in words. Three modules: dates (anchor, fee
years, paid-through, lapse date, cycles), status (the statuses, their sets, the derivation) and timeline
(what is coming: dated events, their urgency, the stop date and its reason); every name is here, so
`from members import rules` and `rules.<name>` keep working. Beside them, contact: a member's phone and
postal address checked and normalized (the lists of US states and countries, `contact_details_clean`);
verification (the public answer: name matching, what each status means for an employer, why no certificate
is offered) and check_list (an employer's list read into rows), imported from their modules.
"""

from members.rules.contact import (
    COUNTRY_CODES,
    US_STATE_CODES,
    contact_details_clean,
    phone_format,
)
from members.rules.dates import (
    CCP_ORIGINAL_CUTOFF,
    CCP_REINSTATED_CUTOFF,
    CYCLE_YEARS,
    ONE_DAY,
    Cycle,
    FeeYear,
    add_years,
    anchor_date,
    ccp_required,
    covered_fee_year,
    cycle,
    cycle_containing,
    fee_lapse_date,
    fee_year_containing,
    fee_year_starting,
    initial_paid_through,
    last_day_of_month,
    next_unpaid_fee_year,
    paid_through,
)
from members.rules.status import (
    EXAM_REQUIRED_AFTER_YEARS,
    MUST_RECERTIFY_AFTER_YEARS,
    RECERTIFICATION_REQUIRED_STATUSES,
    RENEWING_STATUSES,
    STATUS_LABELS,
    STATUS_MEANINGS,
    CertificationFacts,
    Status,
    StatusResult,
    active_through,
    derive_status,
)
from members.rules.timeline import (
    AMBER_FROM_DAYS,
    RED_FROM_DAYS,
    StopDate,
    TimelineEvent,
    Urgency,
    days_until,
    earliest_stop,
    fee_event,
    fee_stop,
    urgency,
)

__all__ = [
    "COUNTRY_CODES",
    "US_STATE_CODES",
    "contact_details_clean",
    "phone_format",
    "AMBER_FROM_DAYS",
    "RED_FROM_DAYS",
    "StopDate",
    "TimelineEvent",
    "Urgency",
    "days_until",
    "earliest_stop",
    "fee_event",
    "fee_stop",
    "urgency",
    "CCP_ORIGINAL_CUTOFF",
    "CCP_REINSTATED_CUTOFF",
    "CYCLE_YEARS",
    "CertificationFacts",
    "Cycle",
    "EXAM_REQUIRED_AFTER_YEARS",
    "FeeYear",
    "MUST_RECERTIFY_AFTER_YEARS",
    "ONE_DAY",
    "RECERTIFICATION_REQUIRED_STATUSES",
    "RENEWING_STATUSES",
    "STATUS_LABELS",
    "STATUS_MEANINGS",
    "Status",
    "StatusResult",
    "active_through",
    "add_years",
    "anchor_date",
    "ccp_required",
    "covered_fee_year",
    "cycle",
    "cycle_containing",
    "derive_status",
    "fee_lapse_date",
    "fee_year_containing",
    "fee_year_starting",
    "initial_paid_through",
    "last_day_of_month",
    "next_unpaid_fee_year",
    "paid_through",
]
