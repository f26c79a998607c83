"""The CCP transcript: one cycle's totals, categories and activities as a PDF (DOMAIN.md "CCP points").

A closed cycle shows the result stored when it closed (later rule changes never alter it); an open cycle
shows the live result of the compliance engine: the same report as the member's cycle page.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from ccp import rules, selectors
from ccp.models import Activity, Cycle
from core import clock
from core.formatting import format_date, format_points
from core.pdf import pdf_response, render_pdf


@dataclass(frozen=True)
class Row:
    """An activity line of the cycle report, with its dates and amount as the transcript prints them."""

    line: selectors.ActivityLine
    when: str
    units: str

    @property
    def activity(self) -> Activity:
        return self.line.activity


def _when(activity: Activity) -> str:
    if activity.completed_on:
        return format_date(activity.completed_on, abbreviated=True)
    assert activity.period_start is not None
    start = format_date(activity.period_start, abbreviated=True)
    if activity.period_end is None:
        return f"{start} – ongoing"
    return f"{start} – {format_date(activity.period_end, abbreviated=True)}"


def _units(activity: Activity, as_of: datetime.date) -> str:
    category = activity.category
    if activity.period_start:
        end = min(activity.period_end or as_of, as_of)
        return f"{max(rules.days_inclusive(activity.period_start, end), 0)} days"
    quantity = activity.quantity or Decimal(0)
    amount = format_points(quantity, decimals="significant")  # units read like points: "1.5", "12"
    if activity.quantity_unit == Activity.QuantityUnit.QUARTER:
        converted = rules.round_points(activity.exact_units)
        semester_hours = format_points(converted, decimals="significant")
        return f"{amount} quarter credit hours (= {semester_hours} {category.unit_plural})"
    return f"{amount} {category.unit if quantity == 1 else category.unit_plural}"


def transcript_context(cycle: Cycle, *, today: datetime.date) -> dict:
    """Everything the transcript prints, in a fixed number of queries whatever the number of activities.

    The same report as the member's cycle page: live while the cycle is open, as stored once closed."""
    report = selectors.cycle_report(cycle, today=today, cycles=[])  # the transcript prints no lock state
    as_of = (cycle.closed_on or cycle.end_on) if report.frozen else today
    lines = sorted(report.lines, key=lambda line: (line.activity.first_day, line.activity.pk))
    certification = cycle.certification
    return {
        "cycle": cycle,
        "member": certification.member,
        "credential": certification.credential,
        "attestation": getattr(cycle, "attestation", None),
        "report": report,
        "rows": [Row(line, _when(line.activity), _units(line.activity, as_of)) for line in lines],
        "generated_on": today,
    }


def transcript_filename(cycle: Cycle) -> str:
    certification = cycle.certification
    number, code = certification.member.member_number, certification.credential.code
    return f"transcript-{number}-{code}-{cycle.start_on:%Y-%m-%d}.pdf"


def _readable_cycles(user):
    """A member reads their own cycles; staff allowed to view cycles (administrators) read every one."""
    cycles = Cycle.objects.select_related("certification__credential", "certification__member", "attestation")
    if user.is_staff and user.has_perm("ccp.view_cycle"):
        return cycles
    return cycles.filter(certification__member__user=user)


@login_required
@require_http_methods(["GET"])
def cycle_transcript(request, cycle_pk):
    """The PDF transcript of a cycle (another member's cycle: 404)."""
    cycle = get_object_or_404(_readable_cycles(request.user), pk=cycle_pk)
    pdf = render_pdf("pdf/transcript.html", transcript_context(cycle, today=clock.today()))
    return pdf_response(pdf, transcript_filename(cycle), as_attachment=True)
