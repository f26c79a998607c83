"""Billing rules (DOMAIN.md "Annual renewal"): pure functions on dates and small values, no ORM, no clock."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from members.rules import FeeYear, fee_lapse_date, next_unpaid_fee_year

# The moves an invoice may make (a pipeline, as in django-oscar): anything else is refused.
TRANSITIONS: dict[str, set[str]] = {
    "open": {"paid", "waived", "void"},
    "paid": {"refunded"},
    "waived": {"void"},
    "void": set(),
    "refunded": set(),
}


def can_move(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, set())


def can_refund(state: str, payment_method: str | None) -> bool:
    """Refunds return card payments through Stripe; a check goes back by the bank's own process."""
    return can_move(state, "refunded") and payment_method == "card"


def issue_date(fee_year: FeeYear, issue_days: int) -> datetime.date:
    return fee_year.due_on - datetime.timedelta(days=issue_days)


def fee_years_to_invoice(
    *,
    paid_through: datetime.date,
    today: datetime.date,
    issue_days: int,
    invoiced_starts: Iterable[datetime.date],
) -> list[FeeYear]:
    """Fee years after `paid_through` whose invoice is due to be issued by `today` (the due date is
    `issue_days` away or nearer) and that have no open, paid or waived invoice yet. Arrears come first;
    a job that missed days catches up because every such year is returned, not only today's."""
    invoiced = set(invoiced_starts)
    years = []
    year = next_unpaid_fee_year(paid_through)
    while issue_date(year, issue_days) <= today:
        if year.start not in invoiced:
            years.append(year)
        year = year.next()
    return years


def annual_invoice_number(*, member_number: str, credential_code: str, fee_year: FeeYear, issue: int) -> str:
    """Human and self-explaining: credential, member, fee-year start; a re-issue after a void gets -2, -3."""
    number = f"{credential_code}-{member_number}-{fee_year.start:%Y%m}"
    return number if issue == 1 else f"{number}-{issue}"


def receipt_number(invoice_number: str) -> str:
    return f"R-{invoice_number}"


# --- Renewal notice steps ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeStep:
    code: str
    anchor: str  # "issue", "due" or "lapse"
    offset_days: int
    channels: tuple[str, ...]


def step_date(
    step: NoticeStep, *, issued_on: datetime.date, due_on: datetime.date, grace_days: int
) -> datetime.date:
    anchors = {
        "issue": issued_on,
        "due": due_on,
        "lapse": fee_lapse_date(due_on=due_on, grace_days=grace_days),
    }
    return anchors[step.anchor] + datetime.timedelta(days=step.offset_days)


def due_notice_step(
    steps: Sequence[NoticeStep],
    *,
    issued_on: datetime.date,
    due_on: datetime.date,
    grace_days: int,
    today: datetime.date,
) -> NoticeStep | None:
    """The latest step (in step order) whose date has come, or None. A job catching up after missed days
    sends only this one; an invoice issued late (arrears) starts at the step its dates have reached."""
    due = [
        step
        for step in steps
        if step_date(step, issued_on=issued_on, due_on=due_on, grace_days=grace_days) <= today
    ]
    return due[-1] if due else None
