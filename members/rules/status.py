"""The status of a certification (DOMAIN.md "Status"): the statuses with their labels, meanings and the
named sets (renewing, recertification required), and the derivation of the status from the certification's
facts as of a day, with its lapse date, active-through date and the reason in words. Pure: no ORM, no clock;
the same function decides a status in the daily job and explains it to the member."""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

from core.formatting import format_date
from members.rules.dates import (
    ONE_DAY,
    add_years,
    anchor_date,
    ccp_required,
    cycle_containing,
    fee_lapse_date,
    next_unpaid_fee_year,
)

MUST_RECERTIFY_AFTER_YEARS = 3
EXAM_REQUIRED_AFTER_YEARS = 10


class Status(enum.StrEnum):
    ACTIVE = "active"
    LAPSED = "lapsed"
    NONCOMPLIANT = "noncompliant"
    MUST_RECERTIFY = "must_recertify"
    EXAM_REQUIRED = "exam_required"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.ACTIVE: "Active",
    Status.LAPSED: "Lapsed (fees)",
    Status.NONCOMPLIANT: "Non-compliant (CCP)",
    Status.MUST_RECERTIFY: "Must recertify",
    Status.EXAM_REQUIRED: "Exam required",
}

STATUS_MEANINGS = {
    Status.ACTIVE: "Your certification is in good standing.",
    Status.LAPSED: "An annual fee is unpaid past its due date. Pay all unpaid fees to become Active again.",
    Status.NONCOMPLIANT: (
        "A CCP cycle ended without the required points, or a CCP audit failed. You must recertify."
    ),
    Status.MUST_RECERTIFY: "Annual fees have been unpaid for 3 years or more. You must recertify.",
    Status.EXAM_REQUIRED: (
        "The certification has not been active for 10 years or more. You can recertify by exam only."
    ),
}

# DOMAIN.md "Leaving Active": while Active or Lapsed (fees) a certification is still being renewed: annual
# invoices are issued (the arrears to pay), renewal notices go on, CCP cycles go on and roll.
RENEWING_STATUSES = (Status.ACTIVE, Status.LAPSED)
# The other ways of not being Active: no more invoices, renewal notices or cycles; the way back is
# recertification.
RECERTIFICATION_REQUIRED_STATUSES = (Status.NONCOMPLIANT, Status.MUST_RECERTIFY, Status.EXAM_REQUIRED)


@dataclass(frozen=True)
class CertificationFacts:
    """What the status depends on: the certification's dates and the facts later apps report."""

    certified_on: datetime.date
    reinstated_on: datetime.date | None
    paid_through: datetime.date
    grace_days: int = 0
    ccp_failed_on: datetime.date | None = None  # the day after a failed cycle's last day
    audit_failed_on: datetime.date | None = None  # the day of the failing decision
    ccp_compliant_through: datetime.date | None = None  # last day of the latest compliant cycle
    # The stored lapse date while not Active: the stretch of not being Active resets only on becoming Active.
    lapse_date: datetime.date | None = None

    @property
    def anchor(self) -> datetime.date:
        return anchor_date(self.certified_on, self.reinstated_on)

    @property
    def ccp_required(self) -> bool:
        return ccp_required(self.certified_on, self.reinstated_on)

    @property
    def next_fee_due_on(self) -> datetime.date:
        return next_unpaid_fee_year(self.paid_through).due_on

    @property
    def fee_lapse_date(self) -> datetime.date:
        """The lapse date of the next unpaid fee: the day after its due date + grace."""
        return fee_lapse_date(due_on=self.next_fee_due_on, grace_days=self.grace_days)


@dataclass(frozen=True)
class StatusResult:
    status: Status
    reason: str
    lapse_date: datetime.date | None
    active_through: datetime.date | None

    @property
    def label(self) -> str:
        return self.status.label


@dataclass(frozen=True)
class _Failure:
    kind: str  # "fees" or "ccp"
    since: datetime.date
    cause: str


def _failures(facts: CertificationFacts, today: datetime.date) -> list[_Failure]:
    """Each way the certification has stopped being Active, with its first day and the reason.

    Once CCP compliance has failed, no invoice is issued any more (DOMAIN.md "Leaving Active"): a fee
    falling due after that is not arrears, so only a fee lapse that began first counts.
    """
    ccp = []
    if facts.ccp_required and facts.ccp_failed_on and facts.ccp_failed_on <= today:
        last_day = facts.ccp_failed_on - ONE_DAY
        cause = f"the CCP cycle ending {format_date(last_day)} was not compliant"
        ccp.append(_Failure("ccp", facts.ccp_failed_on, cause))
    if facts.ccp_required and facts.audit_failed_on and facts.audit_failed_on <= today:
        cause = f"a CCP audit failed on {format_date(facts.audit_failed_on)}"
        ccp.append(_Failure("ccp", facts.audit_failed_on, cause))
    ccp_since = min((failure.since for failure in ccp), default=None)
    if facts.fee_lapse_date <= today and (ccp_since is None or facts.fee_lapse_date <= ccp_since):
        cause = f"the annual fee due {format_date(facts.next_fee_due_on)} is unpaid"
        return [_Failure("fees", facts.fee_lapse_date, cause), *ccp]
    return ccp


def active_through(facts: CertificationFacts, today: datetime.date) -> datetime.date:
    """The last day the certification stays Active if nothing changes."""
    last_day = facts.fee_lapse_date - ONE_DAY
    if facts.ccp_required:
        current = cycle_containing(facts.anchor, max(today, facts.anchor))
        compliant_through = facts.ccp_compliant_through
        if current and (compliant_through is None or compliant_through < current.end):
            last_day = min(last_day, current.end)
    return last_day


def derive_status(facts: CertificationFacts, today: datetime.date) -> StatusResult:
    """Status, lapse date, active-through and the reason in words, as of `today`."""
    failures = _failures(facts, today)
    if not failures:
        through = active_through(facts, today)
        return StatusResult(Status.ACTIVE, f"In good standing through {format_date(through)}.", None, through)

    lapse_date = min(failure.since for failure in failures)
    if facts.lapse_date and facts.lapse_date < lapse_date:
        lapse_date = facts.lapse_date
    causes = "; ".join(failure.cause for failure in failures)
    fees_unpaid = any(failure.kind == "fees" for failure in failures)
    ccp_failed = any(failure.kind == "ccp" for failure in failures)

    if today >= add_years(lapse_date, EXAM_REQUIRED_AFTER_YEARS):
        status = Status.EXAM_REQUIRED
        detail = f"not Active for 10 years or more (since {format_date(lapse_date)})"
    elif fees_unpaid and today >= add_years(lapse_date, MUST_RECERTIFY_AFTER_YEARS):
        status = Status.MUST_RECERTIFY
        detail = f"fees unpaid for 3 years or more (since {format_date(lapse_date)})"
    elif ccp_failed:
        status = Status.NONCOMPLIANT
        detail = f"not CCP compliant since {format_date(lapse_date)}"
    else:
        status = Status.LAPSED
        detail = f"lapsed for non-payment since {format_date(lapse_date)}"
    return StatusResult(status, f"{status.label}: {detail}; {causes}.", lapse_date, None)
