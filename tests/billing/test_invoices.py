"""Invoice services (billing/services/invoices.py and issuing.py): the daily issue job, state moves with
their history, paid-through and status following at once, receipts, reminders withdrawn on settlement,
recertification fees.

Default certification: RMA, certified 2019-05-14 (fee years May 1 .. Apr 30, due May 31, issued Apr 1).
"""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from billing import services
from billing.models import Invoice, InvoiceEvent, Payment
from members.models import Notice
from members.services import certification_record_ccp_failure, certification_refresh_status
from members.services.mail_batch import mail_batch_build
from tests.factories import MemberFactory, make_certification, make_staff

pytestmark = pytest.mark.django_db

D = datetime.date
CERTIFIED_ON = D(2019, 5, 14)
ISSUE_DAY = D(2026, 4, 1)  # the 2026-05-01 fee year (due 2026-05-31) is issued today


def at(time_machine, day: D, hour: int = 16) -> D:
    time_machine.move_to(datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC), tick=False)
    return day


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def staff(db):
    return make_staff("Billing staff")


def certification(paid_through: D, *, today: D = ISSUE_DAY, member=None, code: str = "RMA"):
    """A certification paid through `paid_through`, with the status the daily job derives on `today`.

    It is made the day after `paid_through` (Active then: the next fee is not due yet), so a certification
    that is behind today has the lapse date of its first unpaid fee, as if it had lived through those days.
    """
    made_on = min(today, paid_through + datetime.timedelta(days=1))
    made = make_certification(
        member or MemberFactory(),
        code=code,
        certified_on=CERTIFIED_ON,
        today=made_on,
        paid_through=paid_through,
    )
    return certification_refresh_status(certification=made, today=today, source="daily status job")


def fee_year_starts(certification_) -> list[D]:
    return list(
        Invoice.objects.filter(certification=certification_)
        .order_by("fee_year_start")
        .values_list("fee_year_start", flat=True)
    )


def refreshed(obj):
    obj.refresh_from_db()
    return obj


# --- Issue job ---------------------------------------------------------------------------------------------


def test_the_issue_job_invoices_active_and_lapsed_certifications_only():
    """Given an Active certification whose next fee is due in 60 days, a Lapsed one two years behind, one
    Non-compliant (CCP) and one that must recertify, when the job runs, then the Active one gets this year's
    invoice, the Lapsed one its two arrears and this year's, and the other two get nothing."""
    active = certification(D(2026, 4, 30))
    lapsed = certification(D(2024, 4, 30))
    noncompliant = certification(D(2026, 4, 30))
    certification_record_ccp_failure(
        certification=noncompliant, cycle_end=D(2025, 5, 13), today=ISSUE_DAY, source="test"
    )
    must_recertify = certification(D(2022, 4, 30))
    assert [refreshed(c).status for c in (active, lapsed, noncompliant, must_recertify)] == [
        "active",
        "lapsed",
        "noncompliant",
        "must_recertify",
    ]

    assert services.invoices_issue_due(today=ISSUE_DAY) == 4

    assert fee_year_starts(active) == [D(2026, 5, 1)]
    assert fee_year_starts(lapsed) == [D(2024, 5, 1), D(2025, 5, 1), D(2026, 5, 1)]
    assert fee_year_starts(noncompliant) == [] and fee_year_starts(must_recertify) == []
    invoice = Invoice.objects.get(certification=active)
    member_number = active.member.member_number
    assert invoice.number == f"RMA-{member_number}-202605"
    assert (invoice.issued_on, invoice.due_on, invoice.amount) == (ISSUE_DAY, D(2026, 5, 31), "$50.00")
    assert invoice.description == "RMA annual fee, May 1, 2026 to Apr 30, 2027"
    arrears = Invoice.objects.get(certification=lapsed, fee_year_start=D(2024, 5, 1))
    assert (arrears.due_on, arrears.fee_year_end, arrears.state) == (D(2024, 5, 31), D(2025, 4, 30), "open")
    assert InvoiceEvent.objects.filter(to_state="open", reason="issued").count() == 4
    # the credential is copied onto each invoice (the work lists filter by it inside one index)
    assert set(Invoice.objects.values_list("credential_id", flat=True)) == {active.credential_id}


def test_nothing_is_issued_before_the_issue_day_and_a_rerun_issues_nothing():
    active = certification(D(2026, 4, 30), today=D(2026, 3, 1))
    assert services.invoices_issue_due(today=D(2026, 3, 31)) == 0
    assert services.invoices_issue_due(today=ISSUE_DAY) == 1
    assert services.invoices_issue_due(today=ISSUE_DAY) == 0
    assert services.invoices_issue_due(today=D(2026, 4, 2)) == 0
    assert fee_year_starts(active) == [D(2026, 5, 1)]
    assert InvoiceEvent.objects.count() == 1


def test_a_voided_invoice_is_reissued_with_a_numbered_suffix(staff):
    """Given this year's invoice voided as issued in error, when the job runs again, then the fee year gets a
    new open invoice numbered -2; voiding that one too gives -3 the next time."""
    active = certification(D(2026, 4, 30))
    services.invoices_issue_due(today=ISSUE_DAY)
    first = Invoice.objects.get()
    services.invoice_void(invoice=first, reason="wrong amount", today=ISSUE_DAY, actor=staff, source="staff")

    assert services.invoices_issue_due(today=ISSUE_DAY) == 1
    second = Invoice.objects.get(state="open")
    assert second.number == f"{first.number}-2"
    assert second.fee_year_start == first.fee_year_start
    services.invoice_void(invoice=second, reason="again", today=ISSUE_DAY, actor=staff, source="staff")
    services.invoices_issue_due(today=D(2026, 4, 2))
    assert Invoice.objects.get(state="open").number == f"{first.number}-3"
    assert fee_year_starts(active) == [D(2026, 5, 1)] * 3


def test_open_invoices_of_a_certification_no_longer_active_are_voided():
    """Given a Lapsed certification with open arrears whose CCP cycle then fails, when the daily job runs,
    then its open invoices are voided with the reason in words, and no new invoice is issued."""
    lapsed = certification(D(2025, 4, 30))
    services.invoices_issue_due(today=ISSUE_DAY)
    assert Invoice.objects.filter(certification=lapsed, state="open").count() == 2
    certification_record_ccp_failure(
        certification=lapsed, cycle_end=D(2025, 5, 13), today=ISSUE_DAY, source="t"
    )

    assert services.invoices_void_not_active(today=D(2026, 4, 2)) == 2
    assert services.invoices_void_not_active(today=D(2026, 4, 2)) == 0
    assert services.invoices_issue_due(today=D(2026, 4, 2)) == 0
    invoices = Invoice.objects.filter(certification=lapsed)
    assert {i.state for i in invoices} == {"void"}
    assert {i.state_reason for i in invoices} == {"certification not active (Non-compliant (CCP))"}
    assert InvoiceEvent.objects.filter(to_state="void", source="daily invoice job").count() == 2


# --- State moves --------------------------------------------------------------------------------------------


def test_each_move_writes_a_history_row_and_unchanged_is_a_no_op(staff):
    certification(D(2026, 4, 30))
    services.invoices_issue_due(today=ISSUE_DAY)
    invoice = Invoice.objects.get()
    services.invoice_waive(invoice=invoice, reason="hardship", today=D(2026, 4, 5), actor=staff)
    services.invoice_move(invoice=invoice, to_state="waived", reason="again", today=D(2026, 4, 6), source="x")

    invoice.refresh_from_db()
    assert (invoice.state, invoice.state_reason, invoice.settled_on) == ("waived", "hardship", D(2026, 4, 5))
    history = [(e.from_state, e.to_state, e.reason, e.actor, e.source) for e in invoice.events.all()]
    assert history == [
        ("", "open", "issued", None, "daily invoice job"),
        ("open", "waived", "hardship", staff, "waiver"),
    ]


def test_refused_moves_say_why_and_change_nothing(staff):
    certification(D(2026, 4, 30))
    services.invoices_issue_due(today=ISSUE_DAY)
    invoice = Invoice.objects.get()
    services.invoice_record_check(
        invoice=invoice, check_number="1001", received_on=ISSUE_DAY, today=ISSUE_DAY, actor=staff
    )

    with pytest.raises(ValidationError) as refused:
        services.invoice_waive(invoice=invoice, reason="hardship", today=ISSUE_DAY, actor=staff)
    assert refused.value.messages == [f"Invoice {invoice.number} is paid: it cannot be waived."]
    with pytest.raises(ValidationError, match="is paid: it cannot be void"):
        services.invoice_void(invoice=invoice, reason="oops", today=ISSUE_DAY, actor=staff, source="staff")
    with pytest.raises(ValidationError, match="Give a reason"):
        services.invoice_waive(invoice=invoice, reason="  ", today=ISSUE_DAY, actor=staff)
    assert refreshed(invoice).state == "paid"
    assert invoice.events.count() == 2


def test_a_check_needs_its_number_and_cannot_be_dated_in_the_future(staff):
    certification(D(2026, 4, 30))
    services.invoices_issue_due(today=ISSUE_DAY)
    invoice = Invoice.objects.get()
    with pytest.raises(ValidationError, match="Enter the check number"):
        services.invoice_record_check(
            invoice=invoice, check_number=" ", received_on=ISSUE_DAY, today=ISSUE_DAY, actor=staff
        )
    with pytest.raises(ValidationError, match="cannot be in the future"):
        services.invoice_record_check(
            invoice=invoice, check_number="7", received_on=D(2026, 4, 2), today=ISSUE_DAY, actor=staff
        )
    assert refreshed(invoice).state == "open" and not Payment.objects.exists()


# --- Paid through and status follow -------------------------------------------------------------------------


def pay(invoice, staff, day: D, number: str = "1001") -> Payment:
    return services.invoice_record_check(
        invoice=invoice, check_number=number, received_on=day, today=day, actor=staff
    )


def test_paying_all_arrears_makes_a_lapsed_certification_active(staff):
    """Given a certification lapsed since June 2024 with the 2024 and 2025 fees unpaid, when only the 2025 fee
    is paid, then it stays Lapsed and paid through does not move; when the 2024 fee is paid too, then it is
    Active and paid through Apr 30, 2026."""
    day = D(2026, 3, 2)
    lapsed = certification(D(2024, 4, 30), today=day)
    services.invoices_issue_due(today=day)
    arrears = {i.fee_year_start.year: i for i in Invoice.objects.filter(certification=lapsed)}
    assert sorted(arrears) == [2024, 2025]

    pay(arrears[2025], staff, day)
    lapsed.refresh_from_db()
    assert (lapsed.status, lapsed.paid_through) == ("lapsed", D(2024, 4, 30))
    assert lapsed.lapse_date == D(2024, 6, 1)

    pay(arrears[2024], staff, day, "1002")
    lapsed.refresh_from_db()
    assert (lapsed.status, lapsed.paid_through, lapsed.lapse_date) == ("active", D(2026, 4, 30), None)
    assert lapsed.status_changes.order_by("pk").last().to_status == "active"


def test_refunding_a_paid_year_moves_paid_through_back_and_lapses_the_certification(staff):
    """Given the 2025 fee paid (paid through Apr 30, 2026), when the payment is refunded in July 2025, then
    paid through is back to Apr 30, 2025 and, its due date being past, the certification is Lapsed; the next
    job run issues the fee year again as -2."""
    active = certification(D(2025, 4, 30), today=D(2025, 4, 1))
    services.invoices_issue_due(today=D(2025, 4, 1))
    invoice = Invoice.objects.get()
    pay(invoice, staff, D(2025, 4, 10))
    assert refreshed(active).paid_through == D(2026, 4, 30)

    # The Stripe call of invoice_refund is not what is tested here: the state move is the same service.
    services.invoice_move(
        invoice=invoice, to_state="refunded", reason="card refund", today=D(2025, 7, 1), source="refund"
    )
    active.refresh_from_db()
    assert (active.paid_through, active.status, active.lapse_date) == (
        D(2025, 4, 30),
        "lapsed",
        D(2025, 6, 1),
    )
    assert services.invoices_issue_due(today=D(2025, 7, 2)) == 1
    assert Invoice.objects.get(state="open").number == f"{invoice.number}-2"


def test_voiding_a_waiver_before_the_due_date_keeps_the_certification_active(staff):
    active = certification(D(2026, 4, 30))
    services.invoices_issue_due(today=ISSUE_DAY)
    invoice = Invoice.objects.get()
    services.invoice_waive(invoice=invoice, reason="hardship", today=D(2026, 4, 2), actor=staff)
    assert refreshed(active).paid_through == D(2027, 4, 30)

    services.invoice_void(
        invoice=invoice, reason="waived in error", today=D(2026, 4, 3), actor=staff, source="staff"
    )
    active.refresh_from_db()
    assert (active.paid_through, active.status) == (D(2026, 4, 30), "active")
    assert active.active_through == D(2026, 5, 31)


def test_voiding_a_waived_arrears_year_lapses_the_certification_again(staff):
    day = D(2026, 3, 2)
    lapsed = certification(D(2025, 4, 30), today=day)
    services.invoices_issue_due(today=day)
    invoice = Invoice.objects.get()
    services.invoice_waive(invoice=invoice, reason="hardship", today=day, actor=staff)
    assert (refreshed(lapsed).status, lapsed.paid_through) == ("active", D(2026, 4, 30))

    services.invoice_void(
        invoice=invoice, reason="no hardship after all", today=day, actor=staff, source="staff"
    )
    assert (refreshed(lapsed).status, lapsed.paid_through) == ("lapsed", D(2025, 4, 30))


# --- Receipts and reminders ---------------------------------------------------------------------------------


def test_a_paid_invoice_has_one_receipt(staff, django_capture_on_commit_callbacks):
    certification(D(2026, 4, 30))
    services.invoices_issue_due(today=ISSUE_DAY)
    invoice = Invoice.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(invoice, staff, ISSUE_DAY)
    with pytest.raises(ValidationError, match=r"already has a payment \(R-"):
        pay(invoice, staff, ISSUE_DAY, "1002")

    assert payment.receipt_number == f"R-{invoice.number}"
    assert (payment.amount, payment.method, payment.reference) == ("$50.00", "check", "check no. 1001")
    assert Payment.objects.count() == 1
    [receipt] = Notice.objects.filter(kind="receipt")
    assert receipt.state == "sent"
    [message] = mail.outbox
    assert message.subject == f"Receipt R-{invoice.number}: $50.00 received for invoice {invoice.number}"
    assert message.to == [invoice.certification.member.user.email]


def test_a_card_payment_delivered_twice_records_one_payment():
    certification(D(2026, 4, 30))
    services.invoices_issue_due(today=ISSUE_DAY)
    invoice = Invoice.objects.get()
    first = services.invoice_record_payment(
        invoice=invoice, method="card", received_on=ISSUE_DAY, reference="visa 4242", today=ISSUE_DAY,
        source="stripe webhook", stripe_payment_intent_id="pi_1",
    )  # fmt: skip
    again = services.invoice_record_payment(
        invoice=invoice, method="card", received_on=ISSUE_DAY, reference="visa 4242", today=ISSUE_DAY,
        source="stripe webhook", stripe_payment_intent_id="pi_1",
    )  # fmt: skip
    assert again.pk == first.pk and Payment.objects.count() == 1
    assert invoice.events.filter(to_state="paid").count() == 1


def test_settling_withdraws_pending_reminders_and_the_letter_is_not_printed(
    staff, media, time_machine, django_capture_on_commit_callbacks
):
    """Given the at-issue notice written (its e-mail sent, its letter waiting for the mail batch), when the
    invoice is paid before the batch runs, then the letter is cancelled and the batch prints nothing; the
    e-mail that already left stays sent."""
    at(time_machine, ISSUE_DAY, hour=14)
    certification(D(2026, 4, 30))
    services.invoices_issue_due(today=ISSUE_DAY)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.renewal_notices_send(today=ISSUE_DAY) == 2
    invoice = Invoice.objects.get()
    pay(invoice, staff, ISSUE_DAY)

    notices = {n.channel: n for n in Notice.objects.filter(kind="renewal")}
    assert notices["email"].state == "sent"
    assert (notices["letter"].state, notices["letter"].last_error) == (
        "cancelled",
        "Withdrawn: no longer applies.",
    )
    at(time_machine, ISSUE_DAY, hour=20)
    batch = mail_batch_build(day=ISSUE_DAY)
    assert (batch.letter_count, batch.exception_count, batch.parts.count()) == (0, 0, 0)
    assert services.renewal_notices_send(today=D(2026, 5, 31)) == 0


# --- Recertification fees -----------------------------------------------------------------------------------


def test_a_recertification_fee_is_due_on_issue_and_does_not_move_paid_through(staff):
    cert = certification(D(2026, 4, 30))
    invoice = services.invoice_issue_recertification_fee(
        certification=cert, kind="recert_ccp", amount_cents=12500, description="Recertification by CCP",
        reference="A17", today=ISSUE_DAY, source="recertification application",
    )  # fmt: skip
    assert invoice.number == f"RC-RMA-{cert.member.member_number}-A17"
    assert (invoice.issued_on, invoice.due_on, invoice.amount, invoice.state) == (
        ISSUE_DAY,
        ISSUE_DAY,
        "$125.00",
        "open",
    )
    assert invoice.fee_year is None
    assert Invoice.objects.get(pk=invoice.pk).credential_id == cert.credential_id
    assert [(e.to_state, e.reason) for e in invoice.events.all()] == [("open", "issued")]

    pay(invoice, staff, ISSUE_DAY)
    assert refreshed(cert).paid_through == D(2026, 4, 30)
    assert refreshed(invoice).state == "paid"
    with pytest.raises(ValidationError, match="issued by the renewal job"):
        services.invoice_issue_recertification_fee(
            certification=cert, kind="annual", amount_cents=5000, description="x", reference="B1",
            today=ISSUE_DAY, source="test",
        )  # fmt: skip


# --- Any sequence of moves ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_any_sequence_of_payments_waivers_voids_and_refunds_keeps_paid_through_contiguous(staff, seed):
    """Given a certification a year behind, when staff and the daily job act in a random order over two
    years (pay, waive, void, refund any invoice; the job issuing what is owed), then after every step paid
    through is the end of the contiguous run of settled fee years (members.rules.paid_through), and after
    every job run each fee year due to be issued after paid through has exactly one live invoice."""
    import random

    from billing.rules import fee_years_to_invoice
    from members.rules import paid_through as contiguous_paid_through

    chooser = random.Random(seed)
    day = D(2026, 3, 2)
    cert = certification(D(2025, 4, 30), today=day)
    paid_before = {D(year, 5, 1) for year in range(2020, 2025)}  # reported paid before invoices were kept
    checks = iter(range(1000, 2000))
    for _ in range(30):  # at most 600 days: lapsed since 2025-06-01, it never reaches 3 years
        day += datetime.timedelta(days=chooser.choice([1, 3, 10, 20]))
        certification_refresh_status(certification=cert, today=day, source="daily status job")
        services.invoices_issue_due(today=day)
        cert.refresh_from_db()
        live = Invoice.objects.filter(certification=cert, state__in=["open", "paid", "waived"])
        assert (
            fee_years_to_invoice(
                paid_through=cert.paid_through,
                today=day,
                issue_days=60,
                invoiced_starts=live.values_list("fee_year_start", flat=True),
            )
            == []
        )
        invoice = chooser.choice(list(Invoice.objects.filter(certification=cert)))
        target = chooser.choice(["paid", "waived", "void", "refunded"])
        try:
            if target == "paid":
                pay(invoice, staff, day, str(next(checks)))
            else:
                services.invoice_move(
                    invoice=invoice, to_state=target, reason="test", today=day, actor=staff, source="test"
                )
        except ValidationError:
            assert not (invoice.state == "open" and target != "refunded")
        cert.refresh_from_db()
        settled = set(
            Invoice.objects.filter(certification=cert, state__in=["paid", "waived"]).values_list(
                "fee_year_start", flat=True
            )
        )
        expected = contiguous_paid_through(anchor=CERTIFIED_ON, settled_fee_year_starts=settled | paid_before)
        assert cert.paid_through == expected
        assert cert.status in {"active", "lapsed"}
