"""The report pages: each builder reads its apps' aggregates (one SQL aggregate per figure) and lays them
out as tables with their charts. The arithmetic left here works on the aggregated rows (a handful per month,
year or credential), never on members."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from amtportal.reports import periods
from amtportal.reports.pages.ccp import ccp
from amtportal.reports.pages.certifications import accreditor, certificants, forecast
from amtportal.reports.pages.money import renewals, revenue
from amtportal.reports.pages.recertification import recertification
from amtportal.reports.tables import Report


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
