"""Certificants (by status and credential, month by month), the lapse forecast and the accreditor's annual
counts."""

from __future__ import annotations

import datetime
from collections import defaultdict

from amtportal.reports import periods
from amtportal.reports.pages.layout import chart
from amtportal.reports.tables import (
    TEXT,
    Column,
    Report,
    Table,
    month_label,
)
from members import reports as member_reports
from members import selectors as member_selectors
from members.models import Credential
from members.rules import Status
from members.rules.dates import last_day_of_month
from recert import reports as recert_reports


def certificants(*, today: datetime.date, period: periods.Period) -> Report:
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in member_reports.certifications_by_status_and_credential():
        counts[row["credential_code"]][row["status"]] = row["count"]
    statuses = list(Status)
    rows = [
        [code, *(by_status.get(status, 0) for status in statuses), sum(by_status.values())]
        for code, by_status in sorted(counts.items())
    ]
    footer = ["All credentials", *(sum(row[i] for row in rows) for i in range(1, len(statuses) + 2))]
    by_status = Table(
        "by-status",
        "Certifications by status and credential (today)",
        [Column("Credential", TEXT), *(Column(status.label) for status in statuses), Column("Total")],
        rows,
        chart(
            "Certifications by credential and status",
            counts,
            {status.label: [row[i + 1] for row in rows] for i, status in enumerate(statuses)},
        ),
        footer=footer,
    )
    month_ends = [min(last_day_of_month(month), today) for month in period.month_starts() if month <= today]
    active = member_reports.active_at_month_ends(month_ends=month_ends)
    over_time = Table(
        "active-over-time",
        "Active certifications at each month end",
        [Column("Month end", TEXT), Column("Active")],
        [[end.isoformat(), active[end]] for end in month_ends],
        chart(
            "Active certifications at each month end",
            [month_label(end) for end in month_ends],
            {"Active": [active[end] for end in month_ends]},
            "line",
        ),
        note="The current month counts to today. Counted from the status "
        "history: each change into Active adds "
        "one and each change out of it takes one away, so a certification counts from its first recorded "
        "status in the portal (history from before the portal was not recorded and is not invented).",
    )
    return Report(
        "certificants",
        "Certificants",
        "How many certifications, by status and credential, and over time.",
        [by_status, over_time],
    )


def forecast(*, today: datetime.date, period: periods.Period) -> Report:
    first = today.replace(day=1)
    rows_by_month = {
        row["month"]: row
        for row in member_reports.lapse_forecast(
            first_month=first, months=12, grace_days=member_selectors.grace_days()
        )
    }
    months = periods.Period(first, _month_after(first, 11)).month_starts()
    rows = []
    for month in months:
        row = rows_by_month.get(month, {"fee": 0, "ccp": 0})
        rows.append([month_label(month), row["fee"], row["ccp"], row["fee"] + row["ccp"]])
    table = Table(
        "lapse-forecast",
        "Active certifications that stop being Active, by month, if nothing changes",
        [Column("Month", TEXT), Column("Annual fee unpaid"), Column("CCP points short"), Column("Total")],
        rows,
        chart(
            "Lapse forecast for the next 12 months",
            [row[0] for row in rows],
            {"Annual fee unpaid": [row[1] for row in rows], "CCP points short": [row[2] for row in rows]},
        ),
        note="From each Active certification's “Active through” date, the "
        "same rule as the member's timeline: "
        "the next unpaid fee's due date plus grace, or the end of a CCP cycle not yet compliant, whichever "
        "comes first (a fee due the day a cycle ends counts as the fee). The month is that of the first day "
        "not Active.",
        footer=["Next 12 months", *(sum(row[i] for row in rows) for i in range(1, 4))],
    )
    return Report(
        "forecast",
        "Lapse forecast",
        "What lapses in the next 12 months if nothing changes, and why.",
        [table],
    )


def _month_after(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def accreditor(*, today: datetime.date, period: periods.Period) -> Report:
    first, last = period.start.year, period.end.year
    figures: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    sources = [
        member_reports.new_certifications_by_year(first_year=first, last_year=last),
        recert_reports.reinstatements_by_year(first_year=first, last_year=last),
        member_reports.lapses_by_year(first_year=first, last_year=last),
    ]
    for position, rows in enumerate(sources):
        for row in rows:
            figures[(row["year"], row["credential_code"])][position] = row["count"]
    codes = list(Credential.objects.order_by("code").values_list("code", flat=True))
    rows = [
        [str(year), code, *figures.get((year, code), [0, 0, 0])]
        for year in period.years
        for code in codes
        if (year, code) in figures
    ]
    table = Table(
        "annual-counts",
        "Annual counts by credential and year",
        [
            Column("Year", TEXT),
            Column("Credential", TEXT),
            Column("New certifications"),
            Column("Recertifications (reinstatements)"),
            Column("Lapses"),
        ],
        rows,
        note="New certifications by the original certified-on date; "
        "recertifications by the reinstatement date; "
        "lapses: each time a certification stopped being Active (fees, CCP or audit), by the date of the "
        "change. Only years and credentials with a figure are listed.",
        footer=["Total", "", *(sum(row[i] for row in rows) for i in range(2, 5))],
    )
    return Report(
        "accreditor",
        "Annual counts for the accreditor",
        "New certifications, recertifications and lapses, by credential and year.",
        [table],
    )
