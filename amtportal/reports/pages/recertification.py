"""Recertification applications by route and outcome, and the time to decision."""

from __future__ import annotations

import datetime

from amtportal.reports import periods
from amtportal.reports.pages.layout import chart
from amtportal.reports.tables import (
    DAYS,
    TEXT,
    Column,
    Report,
    Table,
)
from recert import reports as recert_reports
from recert.models import Application

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
        chart(
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
