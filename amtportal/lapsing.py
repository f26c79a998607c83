"""Certifications lapsing soon (a staff work list): the Active certifications whose last Active day, as the
status rules stored it (Certification.active_through), falls in the next 30, 60 or 90 days, and why, from the
same rules as the member's "What's coming" (amtportal.timeline): the next unpaid fee's due date and grace, or
the open CCP cycle's end and the points still missing.

The list is chosen in SQL on the stored date (indexed: active_cert_through); the reason of each row on a page
(or in a chunk of the export) is computed live. The stored date does not count live CCP points, so a row
whose points are complete since says so and names the day it stays Active through instead.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from amtportal.timeline import certification_timeline
from ccp.selectors import open_cycle_summaries
from core.formatting import format_date, format_points
from members import rules
from members.models import Certification

WINDOWS = (30, 60, 90)
EXPORT_CHUNK = 1000


@dataclass(frozen=True)
class LapsingFilters:
    within: int = 30
    credential: str = ""


def lapsing_certifications(filters: LapsingFilters, *, today: datetime.date) -> QuerySet[Certification]:
    """Active certifications whose first day not Active is within `within` days (tomorrow at the earliest),
    soonest first."""
    last_day = today + datetime.timedelta(days=filters.within - 1)
    certifications = Certification.objects.filter(
        status=rules.Status.ACTIVE, active_through__gte=today, active_through__lte=last_day
    )
    if filters.credential:
        certifications = certifications.filter(credential__code=filters.credential)
    return certifications.select_related("member", "credential").order_by("active_through", "id")


@dataclass(frozen=True)
class LapsingRow:
    certification: Certification
    stop: rules.StopDate  # the earliest stop, from the live rules
    cause: str  # "Fee unpaid" / "CCP points short" / "CCP points complete"
    fee_due_on: datetime.date
    cycle_end: datetime.date | None
    points_missing: str  # "" when no open cycle counts

    @property
    def why(self) -> str:
        """For staff: what ends the Active status, and when."""
        lapses = format_date(self.stop.effective_on)
        if self.stop.kind == "ccp":
            return (
                f"CCP cycle ends on {format_date(self.cycle_end)} {self.points_missing} points short: "
                f"Non-compliant (CCP) from {lapses}"
            )
        return f"Annual fee due on {format_date(self.fee_due_on)} is unpaid: lapses on {lapses}"


CAUSES = {"fee": "Fee unpaid", "ccp": "CCP points short"}


def lapsing_rows(
    certifications: Iterable[Certification], *, grace_days: int, today: datetime.date
) -> list[LapsingRow]:
    """Why each certification stops being Active: three queries for the whole batch (the open cycles)."""
    certifications = list(certifications)
    summaries = open_cycle_summaries(certifications, today=today)
    rows = []
    for certification in certifications:
        summary = summaries.get(certification.pk)
        timeline = certification_timeline(
            certification, summary, fee_payable=True, grace_days=grace_days, today=today
        )
        stop = (
            timeline.stop
            if timeline and timeline.stop
            else rules.fee_stop(next_fee_due_on=certification.next_fee_due_on, grace_days=grace_days)
        )
        counts = certification.ccp_required and summary is not None
        cycle_end = summary.cycle.end_on if counts else None
        missing = summary.result.missing if counts else None
        cause = CAUSES[stop.kind]
        if stop.last_active_day > certification.active_through:
            if counts:
                cause = "CCP points complete"
            else:  # the cycle the rules count to is not open yet (the nightly job opens it): nothing counted
                stop = rules.StopDate(certification.active_through, "ccp", "its CCP cycle ends")
                cause = CAUSES["ccp"]
                cycle_end, missing = (
                    certification.active_through,
                    certification.credential.ccp_points_required,
                )
        rows.append(
            LapsingRow(
                certification,
                stop,
                cause,
                certification.next_fee_due_on,
                cycle_end,
                format_points(max(missing, 0), decimals="significant") if missing is not None else "",
            )
        )
    return rows


COLUMNS = [
    "Member number",
    "Member",
    "Credential",
    "Active through",
    "Cause",
    "Why",
    "Next fee due",
    "CCP cycle ends",
    "CCP points missing",
]


def export_rows(
    certifications: QuerySet[Certification], *, grace_days: int, today: datetime.date
) -> Iterator[list]:
    """Every row of the list, computed a chunk at a time so the export never holds the whole list."""
    chunk: list[Certification] = []
    for certification in certifications.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(certification)
        if len(chunk) == EXPORT_CHUNK:
            yield from _cells(lapsing_rows(chunk, grace_days=grace_days, today=today))
            chunk = []
    yield from _cells(lapsing_rows(chunk, grace_days=grace_days, today=today))


def _cells(rows: list[LapsingRow]) -> Iterator[list]:
    for row in rows:
        member = row.certification.member
        yield [
            member.member_number,
            member.full_name,
            row.certification.credential.code,
            row.stop.last_active_day,
            row.cause,
            row.why,
            row.fee_due_on,
            row.cycle_end,
            row.points_missing,
        ]
