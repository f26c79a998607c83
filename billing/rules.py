"""Billing rules (DOMAIN.md "Annual renewal"): pure functions on dates and small values, no ORM, no clock."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.formatting import format_date
from members.rules import (
    RECERTIFICATION_REQUIRED_STATUSES,
    FeeYear,
    Status,
    anchor_date,
    covered_fee_year,
    fee_lapse_date,
    next_unpaid_fee_year,
)

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


# What a member reads for Stripe's decline and error codes (decline_code first, else code). Stripe's own
# message stays in CardPaymentIntent.last_error for staff. Lost, stolen and fraud declines read as a plain
# decline, as Stripe advises.
CARD_DECLINED = "Your card was declined. Try another card, or ask your bank why."
CARD_ERROR_WORDS: dict[str, str] = {
    "payment_intent_authentication_failure": (
        "Your bank did not confirm the payment (3-D Secure). Try again or use another card."
    ),
    "authentication_required": (
        "Your bank asks you to confirm this payment (3-D Secure). Try again and complete the check."
    ),
    "insufficient_funds": "Your card was declined: not enough funds. Try another card.",
    "expired_card": "Your card has expired. Use another card.",
    "incorrect_cvc": "The card's security code (CVC) is wrong. Check it and try again.",
    "invalid_cvc": "The card's security code (CVC) is wrong. Check it and try again.",
    "incorrect_number": "The card number is wrong. Check it and try again.",
    "invalid_number": "The card number is wrong. Check it and try again.",
    "invalid_expiry_month": "The card's expiry date is wrong. Check it and try again.",
    "invalid_expiry_year": "The card's expiry date is wrong. Check it and try again.",
    "processing_error": "The card could not be processed just now. Try again in a moment.",
    "card_velocity_exceeded": "Your card was declined: its limit was reached. Try another card.",
    "card_declined": CARD_DECLINED,
    "generic_decline": CARD_DECLINED,
    "do_not_honor": CARD_DECLINED,
    "lost_card": CARD_DECLINED,
    "stolen_card": CARD_DECLINED,
    "fraudulent": CARD_DECLINED,
    "pickup_card": CARD_DECLINED,
}
CARD_ERROR_OTHER = "The payment did not go through. Try again or use another card."


def card_error_for_member(code: str | None) -> str:
    """Plain words for a Stripe decline or error code; never Stripe's own message, which is for staff."""
    return CARD_ERROR_WORDS.get(code or "", CARD_ERROR_OTHER)


# --- Paying one of several fees --------------------------------------------------------------------------


def fees_past_grace(due_dates: Iterable[datetime.date], *, grace_days: int, today: datetime.date) -> list:
    """The due dates, earliest first, of unpaid fees past due date + grace on `today`: while any is unpaid
    the certification stays Lapsed (fees), whichever other fee is paid (DOMAIN.md "Status")."""
    return sorted(due for due in due_dates if fee_lapse_date(due_on=due, grace_days=grace_days) <= today)


def still_lapsed_words(due_dates: Sequence[datetime.date]) -> str:
    """What a Lapsed member paying one fee of several reads: the fees that keep the status ("" for none)."""
    if not due_dates:
        return ""
    days = [format_date(due) for due in sorted(due_dates)]
    if len(days) == 1:
        return f"Your certification stays Lapsed (fees) until the fee due {days[0]} is paid too."
    listed = f"{', '.join(days[:-1])} and {days[-1]}"
    return f"Your certification stays Lapsed (fees) until the fees due {listed} are paid too."


# --- A certification without invoices: what the member reads instead ----------------------------------------


def no_invoice_words(
    *,
    credential_code: str,
    status: Status,
    certified_on: datetime.date,
    reinstated_on: datetime.date | None,
    paid_through: datetime.date,
    issue_days: int,
    today: datetime.date,
) -> str:
    """Why a certification has no invoice to show, in words: when its next (or first) annual invoice is
    issued, or, when it is not renewing, that none are issued and recertification is the way back."""
    if status in RECERTIFICATION_REQUIRED_STATUSES:
        route = "recertification by exam" if status == Status.EXAM_REQUIRED else "recertification"
        return (
            f"Your {credential_code} certification is {status.label}: no annual invoices are issued while it "
            f"is not active. The way back is {route}."
        )
    year = next_unpaid_fee_year(paid_through)
    due, issue_on = format_date(year.due_on), issue_date(year, issue_days)
    if issue_on <= today:
        return (  # the daily billing job issues it
            f"The invoice for your {credential_code} annual fee due on {due} is being issued: "
            "it appears here within a day."
        )
    when = f"is issued on {format_date(issue_on)}, {issue_days} days before its fee is due on {due}"
    covered = covered_fee_year(anchor_date(certified_on, reinstated_on))
    if year.start != covered.next().start:
        return f"Your next {credential_code} annual invoice {when}."
    period = f"{format_date(covered.start, abbreviated=True)} to {format_date(covered.end, abbreviated=True)}"
    fee = "recertification" if reinstated_on else "exam"
    return (
        f"Your first {credential_code} annual invoice {when}. "
        f"The fee year {period} is covered by your {fee} fee."
    )
