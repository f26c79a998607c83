"""billing.reports: a fee paid by its due date plus grace is on time, a day later is late; voided invoices
are not fees that were due."""

import datetime

from billing import reports
from billing.models import Invoice, Payment
from tests.factories import make_certification

DUE = datetime.date(2026, 5, 31)


def invoice(certification, number, state, paid_on=None):
    made = Invoice.objects.create(
        number=number, certification=certification, description="fee", amount_cents=5000, issued_on=DUE,
        due_on=DUE, state=state, fee_year_start=datetime.date(2026 - len(number), 5, 1),
        fee_year_end=datetime.date(2027 - len(number), 4, 30),
    )  # fmt: skip
    if paid_on:
        Payment.objects.create(invoice=made, receipt_number=f"R{number}", method="check", amount_cents=5000,
                               received_on=paid_on)  # fmt: skip


def test_on_time_is_by_the_due_date_plus_grace(seeded):
    certification = make_certification(today=datetime.date(2026, 6, 1))
    invoice(certification, "1", "paid", DUE + datetime.timedelta(days=7))
    invoice(certification, "22", "paid", DUE + datetime.timedelta(days=8))
    invoice(certification, "333", "void")
    rows = reports.annual_fees_by_month_and_credential(start=DUE.replace(day=1), end=DUE, grace_days=7)
    assert [(row["due"], row["paid_on_time"], row["paid_late"], row["due_cents"]) for row in rows] == [
        (2, 1, 1, 10000)
    ]
    rows = reports.annual_fees_by_month_and_credential(start=DUE.replace(day=1), end=DUE, grace_days=0)
    assert [(row["paid_on_time"], row["paid_late"]) for row in rows] == [(0, 2)]
