"""The billing part of the demo, through the billing services: invoices in every state and today's notices.

Runs after the demo members exist, and is idempotent: the examples are made once, and the daily jobs it
runs (issue, notices) change nothing on a second run. The letters of today's notices are printed by the
mail batch, which the members part builds right after.

- paid (check), waived and refunded (card, through the local Stripe) examples, each on the next fee year of
  a member who is paid up: that member "paid ahead";
- the issue job for today: open invoices due soon (e.g. D00004's fee due at the end of this month) and the
  arrears of Lapsed members (overdue invoices);
- the renewal notices of today (e-mails to the console, letters to the outbox).

Two steps of a certification's life (amtportal.demo.replay.STEPS) are billing's too: a renewal invoice issued
(the arrears of the member reinstated last month, voided "reinstated" by the reinstatement), and a
recertification fee paid by a check billing staff record (the demo needs no card processor).
"""

import datetime
import logging

import stripe
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from amtportal.demo.plan import BILLING_STAFF, SOURCE, Step
from billing import services, stripe_gateway
from billing.models import Invoice
from members.models import Certification, Member, User

logger = logging.getLogger(__name__)

# member number, credential, what happens to the next fee year's invoice
EXAMPLES = [
    ("D00002", "MT", "paid"),
    ("D00014", "CLC", "waived"),
    ("D00009", "MT", "refunded"),
]
WAIVER_REASON = "Waived by the board: member on active military deployment"
REFUND_REASON = "Paid twice: the member also mailed a check"


def _certification(member_number: str, code: str) -> Certification | None:
    return Certification.objects.filter(member__member_number=member_number, credential__code=code).first()


def _paid_by_card(invoice: Invoice, today: datetime.date) -> bool:
    try:
        services.card_pay_in_test_mode(invoice=invoice, card="success", today=today)
    except (ValidationError, stripe.StripeError) as error:
        logger.warning("Demo card payment skipped (is localstripe running?): %s", error)
        return False
    invoice.refresh_from_db()
    return invoice.state == Invoice.State.PAID


def _example(certification: Certification, outcome: str, today: datetime.date, staff: User) -> None:
    if certification.invoices.exists():
        return
    if outcome == "refunded" and not (stripe_gateway.is_test_mode() and _stripe_answers()):
        logger.warning("Demo refund skipped: no local Stripe (localstripe) answers")
        return
    invoice = services.invoice_issue_next(
        certification=certification, today=today, actor=staff, source=SOURCE
    )
    if outcome == "paid":
        services.invoice_record_check(
            invoice=invoice, check_number="1042", received_on=today - datetime.timedelta(days=2), today=today,
            actor=staff,
        )  # fmt: skip
    elif outcome == "waived":
        services.invoice_waive(invoice=invoice, reason=WAIVER_REASON, today=today, actor=staff)
    elif _paid_by_card(invoice, today):
        services.invoice_refund(invoice=invoice, reason=REFUND_REASON, today=today, actor=staff)


def _stripe_answers() -> bool:
    try:
        stripe_gateway.client().v1.customers.list(params={"limit": 1})
    except stripe.StripeError:
        return False
    return True


# --- Steps of a certification's life (amtportal.demo.replay.STEPS) -----------------------------------


def invoice_issue(member: Member, certification: Certification, step: Step) -> Certification:
    """The renewal invoice of the next unpaid fee year, issued on the step's day (as the issue job would,
    60 days before its due date)."""
    services.invoice_issue_next(
        certification=certification, today=step.on, source=f"{SOURCE}: renewal invoice"
    )
    return certification


RECERT_KINDS = (Invoice.Kind.RECERT_CCP, Invoice.Kind.RECERT_EXAM)


def recert_fee_paid(member: Member, certification: Certification, step: Step) -> Certification:
    """The open recertification fee is paid by a check, recorded by billing staff the day it arrived."""
    invoice = (
        Invoice.objects.filter(certification=certification, kind__in=RECERT_KINDS, state=Invoice.State.OPEN)
        .order_by("-pk")
        .first()
    )
    if invoice is None:
        raise CommandError(f"Demo plan error: {certification} has no open recertification fee on {step.on}.")
    services.invoice_record_check(
        invoice=invoice,
        check_number=f"7{member.member_number[1:]}",
        received_on=step.on,
        today=step.on,
        actor=User.objects.get(email=BILLING_STAFF),
    )
    return certification


# --- Today ----------------------------------------------------------------------------------------------


def seed(*, today: datetime.date, staff: User) -> None:
    """Make the billing demo (what exists already is left as it is)."""
    for member_number, code, outcome in EXAMPLES:
        certification = _certification(member_number, code)
        if certification is not None:
            with transaction.atomic():
                _example(certification, outcome, today, staff)
    services.invoices_issue_due(today=today, source=SOURCE)
    services.renewal_notices_send(today=today)


def summary() -> list[str]:
    """What the billing demo holds, in a few lines (the same on every run over the same data)."""
    lines = []
    invoices = Invoice.objects.select_related("certification__member", "certification__credential")
    for invoice in invoices.exclude(state=Invoice.State.VOID).order_by(
        "certification__member__member_number", "due_on"
    ):
        member = invoice.certification.member
        state = invoice.get_state_display()
        if invoice.state in (Invoice.State.WAIVED, Invoice.State.REFUNDED):
            state += f": {invoice.state_reason}"
        lines.append(
            f"{member.member_number} {invoice.number:<24} {invoice.amount:>7} due {invoice.due_on}  {state}"
        )
    if not Invoice.objects.filter(state=Invoice.State.REFUNDED).exists():
        lines.append("(no refunded example: localstripe was not running when the demo was seeded)")
    return lines
