"""CCP compliance at cycle end and audit outcomes per campaign."""

from __future__ import annotations

import datetime

from amtportal.reports import periods
from amtportal.reports.pages.layout import chart
from amtportal.reports.tables import (
    PERCENT,
    TEXT,
    Column,
    Report,
    Table,
    percent,
)
from audits import reports as audit_reports
from ccp import reports as ccp_reports


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
        chart(
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
