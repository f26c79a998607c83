"""Renewals (fees due per month: paid on time, late, unpaid) and revenue (by month and kind, refunds)."""

from __future__ import annotations

import datetime
from collections import defaultdict

from amtportal.reports import periods
from amtportal.reports.pages.layout import USD, chart, rows_sum
from amtportal.reports.tables import (
    MONEY,
    PERCENT,
    TEXT,
    Column,
    Report,
    Table,
    dollars,
    month_label,
    percent,
)
from billing import reports as billing_reports
from core.exports import Money
from members import selectors as member_selectors

SETTLEMENT_KEYS = ["due", "due_cents", "paid_on_time", "paid_late", "waived", "refunded", "unpaid"]


def _added_up(rows, key: str) -> dict:
    """The settlement counts of `rows` (by month and credential) added up by `key`."""
    totals: dict = defaultdict(lambda: dict.fromkeys(SETTLEMENT_KEYS, 0))
    for row in rows:
        for name in SETTLEMENT_KEYS:
            totals[row[key]][name] += row[name]
    return totals


def renewals(*, today: datetime.date, period: periods.Period) -> Report:
    grace = member_selectors.grace_days()
    counts = billing_reports.annual_fees_by_month_and_credential(
        start=period.start, end=period.end, grace_days=grace
    )
    by_month, by_credential = _added_up(counts, "month"), _added_up(counts, "credential_code")
    rows = []
    for month in period.month_starts():
        row = by_month[month]
        rows.append(
            [
                month_label(month),
                row["due"],
                dollars(row["due_cents"]),
                *(row[key] for key in SETTLEMENT_KEYS[2:]),
            ]
        )
    titles = ["Paid on time", "Paid late", "Waived", "Refunded (owed again)", "Unpaid"]
    fees = Table(
        "fees-by-month",
        "Annual fees due per month and how they were settled",
        [
            Column("Due in", TEXT),
            Column("Fees due"),
            Column(f"Amount due {USD}", MONEY),
            *(Column(t) for t in titles),
        ],
        rows,
        chart(
            "Annual fees due per month",
            [row[0] for row in rows],
            {title: [row[i + 3] for row in rows] for i, title in enumerate(titles)},
        ),
        note=f"On time: paid by the due date plus the grace of {grace} day{'s' if grace != 1 else ''}. "
        "Unpaid: still open, including fees not yet due. Invoices voided as issued in error are left out.",
        footer=[
            "Total",
            rows_sum(rows, 1),
            Money(rows_sum(rows, 2)),
            *(rows_sum(rows, i) for i in range(3, 8)),
        ],
    )
    rate_rows = []
    for code, row in sorted(by_credential.items()):
        renewed = row["paid_on_time"] + row["paid_late"] + row["waived"]
        rate_rows.append(
            [
                code,
                row["due"],
                row["paid_on_time"],
                row["paid_late"],
                row["waived"],
                percent(renewed, row["due"]),
            ]
        )
    rates = Table(
        "renewal-rate",
        "Renewal rate by credential",
        [
            Column("Credential", TEXT),
            Column("Fees due"),
            Column("Paid on time"),
            Column("Paid late"),
            Column("Waived"),
            Column("Renewal rate", PERCENT),
        ],
        rate_rows,
        note="Renewal rate: fees paid (on time or late) or waived, out of the fees due in the period.",
    )
    return Report(
        "renewals",
        "Renewals",
        "Annual fees due, paid on time, paid late and unpaid; renewal rate.",
        [fees, rates],
    )


def revenue(*, today: datetime.date, period: periods.Period) -> Report:
    received = {
        row["month"]: row for row in billing_reports.revenue_by_month(start=period.start, end=period.end)
    }
    refunded = {
        row["month"]: row for row in billing_reports.refunds_by_month(start=period.start, end=period.end)
    }
    rows = []
    for month in period.month_starts():
        got = received.get(month, {"annual_cents": 0, "recertification_cents": 0})
        back = refunded.get(month, {"refunded_cents": 0})["refunded_cents"]
        annual, recert = got["annual_cents"], got["recertification_cents"]
        rows.append(
            [
                month_label(month),
                dollars(annual),
                dollars(recert),
                dollars(back),
                dollars(annual + recert - back),
            ]
        )
    table = Table(
        "revenue-by-month",
        "Revenue by month and kind",
        [
            Column("Month", TEXT),
            Column(f"Annual fees {USD}", MONEY),
            Column(f"Recertification fees {USD}", MONEY),
            Column(f"Refunds {USD}", MONEY),
            Column(f"Net {USD}", MONEY),
        ],
        rows,
        chart(
            "Revenue by month (USD)",
            [row[0] for row in rows],
            {"Annual fees": [row[1] for row in rows], "Recertification fees": [row[2] for row in rows]},
        ),
        note="Money received by card or check, by the month it was "
        "received; refunds by the month they were made.",
        footer=["Total", *(Money(sum(row[i] for row in rows)) for i in range(1, 5))],
    )
    return Report("revenue", "Revenue", "What came in, by month and kind, and the refunds.", [table])
