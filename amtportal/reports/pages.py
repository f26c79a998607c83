"""The report pages: each builder reads its apps' aggregates (one SQL aggregate per figure) and lays them
out as tables with their charts. The arithmetic left here works on the aggregated rows (a handful per month,
year or credential), never on members."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from amtportal.reports import periods
from amtportal.reports.charts import Chart, Series
from amtportal.reports.tables import (
    DAYS,
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
from audits import reports as audit_reports
from billing import reports as billing_reports
from ccp import reports as ccp_reports
from core.exports import Money
from members import reports as member_reports
from members import selectors as member_selectors
from members.models import Credential
from members.rules import Status
from members.rules.dates import last_day_of_month
from recert import reports as recert_reports
from recert.models import Application

USD = "(USD)"


def rows_sum(rows, column: int):
    return sum(row[column] for row in rows)


def _chart(title: str, labels, columns: dict[str, list], kind: str = "bar") -> Chart:
    return Chart(title, list(labels), [Series(name, values) for name, values in columns.items()], kind)


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
        _chart(
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
        _chart(
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
        _chart(
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
        _chart(
            "Revenue by month (USD)",
            [row[0] for row in rows],
            {"Annual fees": [row[1] for row in rows], "Recertification fees": [row[2] for row in rows]},
        ),
        note="Money received by card or check, by the month it was "
        "received; refunds by the month they were made.",
        footer=["Total", *(Money(sum(row[i] for row in rows)) for i in range(1, 5))],
    )
    return Report("revenue", "Revenue", "What came in, by month and kind, and the refunds.", [table])


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
        _chart(
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


def ccp(*, today: datetime.date, period: periods.Period) -> Report:
    rows = []
    for row in ccp_reports.cycle_outcomes_by_year(first_year=period.start.year, last_year=period.end.year):
        closed = row["by_points"] + row["by_attestation"] + row["noncompliant"]
        rows.append(
            [
                str(row["year"]),
                row["by_points"],
                row["by_attestation"],
                row["noncompliant"],
                row["inactive"],
                percent(row["by_points"] + row["by_attestation"], closed),
            ]
        )
    cycles = Table(
        "cycle-outcomes",
        "CCP compliance at cycle end, by the year the cycle ended",
        [
            Column("Year", TEXT),
            Column("Compliant by points"),
            Column("Compliant by attestation"),
            Column("Not compliant"),
            Column("Ended: certification not active"),
            Column("Compliance rate", PERCENT),
        ],
        rows,
        _chart(
            "CCP compliance at cycle end",
            [row[0] for row in rows],
            {
                "By points": [row[1] for row in rows],
                "By attestation": [row[2] for row in rows],
                "Not compliant": [row[3] for row in rows],
            },
        ),
        note="By attestation: the counted points were short of those "
        "required and a signed attestation made the "
        "cycle compliant. Compliance rate: compliant out of the cycles closed compliant or not (cycles ended "
        "because the certification was no longer Active are left out).",
    )
    audit_rows = [
        [
            str(row["year"]),
            row["population"],
            row["selected"],
            row["passed"],
            row["passed_by_verified"],
            row["failed"],
            row["waiting"],
            percent(row["passed"], row["passed"] + row["failed"]),
        ]
        for row in audit_reports.audit_outcomes_by_campaign()
    ]
    audits = Table(
        "audit-outcomes",
        "Audit outcomes per campaign",
        [
            Column("Campaign", TEXT),
            Column("Population"),
            Column("Selected"),
            Column("Passed"),
            Column("Passed at selection by online CE"),
            Column("Failed"),
            Column("Waiting"),
            Column("Pass rate", PERCENT),
        ],
        audit_rows,
        note="Every campaign (the period does not apply). Pass rate: passed out of those decided.",
    )
    return Report(
        "ccp", "CCP and audits", "How CCP cycles ended, and what each year's audit found.", [cycles, audits]
    )


OUTCOMES = recert_reports.SUBMITTED_STATES


def recertification(*, today: datetime.date, period: periods.Period) -> Report:
    by_route = {
        row["route"]: row for row in recert_reports.applications_by_route(start=period.start, end=period.end)
    }
    rows, timing_rows = [], []
    for route in Application.Route:
        row = by_route.get(route, {})
        rows.append([route.label, row.get("total", 0), *(row.get(state.value, 0) for state in OUTCOMES)])
        timing_rows.append(
            [route.label, row.get("decided", 0), row.get("average_days"), row.get("median_days")]
        )
    outcomes = Table(
        "applications",
        "Applications submitted, by route and outcome",
        [Column("Route", TEXT), Column("Submitted"), *(Column(state.label) for state in OUTCOMES)],
        rows,
        _chart(
            "Applications by route and outcome",
            [row[0] for row in rows],
            {state.label: [row[i + 2] for row in rows] for i, state in enumerate(OUTCOMES)},
        ),
        footer=["Both routes", *(sum(row[i] for row in rows) for i in range(1, len(OUTCOMES) + 2))],
    )
    timing = Table(
        "time-to-decision",
        "Time to decision",
        [Column("Route", TEXT), Column("Decided"), Column("Average days", DAYS), Column("Median days", DAYS)],
        timing_rows,
        note="Days from submission to the staff decision: approval or "
        "refusal, or the authorization to test for "
        "the exam route. Applications that expired or were withdrawn were not decided.",
    )
    return Report(
        "recertification",
        "Recertification",
        "Applications by route and outcome; time to decision.",
        [outcomes, timing],
    )


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


@dataclass(frozen=True)
class Spec:
    """A report on the index: its title and summary, its builder, its default period and whether the
    period form applies (the forecast always looks at the next 12 months)."""

    title: str
    summary: str
    build: Callable[..., Report]
    default: Callable[[datetime.date], periods.Period]
    has_period: bool = True


REPORTS = {
    "certificants": Spec(
        "Certificants",
        "By status and credential, and the Active count month by month.",
        certificants,
        periods.last_months,
    ),
    "renewals": Spec(
        "Renewals",
        "Annual fees due per month: paid on time, paid late, unpaid; renewal rate.",
        renewals,
        periods.last_months,
    ),
    "revenue": Spec(
        "Revenue", "Money received by month and kind, and refunds.", revenue, periods.last_months
    ),
    "forecast": Spec(
        "Lapse forecast",
        "Active certifications that stop being Active in each of the next 12 "
        "months if nothing changes, by cause.",
        forecast,
        periods.last_months,
        has_period=False,
    ),
    "ccp": Spec(
        "CCP and audits",
        "Compliance at cycle end (points or attestation); audit outcomes per campaign.",
        ccp,
        periods.last_years,
    ),
    "recertification": Spec(
        "Recertification",
        "Applications by route and outcome; time to decision.",
        recertification,
        periods.last_years,
    ),
    "accreditor": Spec(
        "Annual counts for the accreditor",
        "New certifications, recertifications and lapses by credential and year.",
        accreditor,
        periods.last_years,
    ),
}
