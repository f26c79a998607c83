"""The reports' pages and exports: administrators only (amtportal.view_reports, two-factor as every staff
page). Thin: read the period, build the report, render or export one of its tables."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from amtportal.reports.pages import REPORTS
from amtportal.reports.periods import period_from
from core import clock
from core.exports import csv_response, xlsx_response
from core.permissions import staff_required

PERMISSION = "amtportal.view_reports"
EXPORTERS = {"csv": csv_response, "xlsx": xlsx_response}


@staff_required(PERMISSION)
@require_http_methods(["GET"])
def index(request):
    return render(request, "amtportal/reports/index.html", {"reports": REPORTS})


def _built(request, slug: str, *, show_message: bool):
    spec = REPORTS.get(slug)
    if spec is None:
        raise Http404("No such report.")
    today = clock.today()
    period, problem = period_from(request.GET, default=spec.default(today))
    if problem and show_message:
        messages.error(request, problem)
    return spec, period, spec.build(today=today, period=period)


@staff_required(PERMISSION)
@require_http_methods(["GET"])
def report(request, slug: str):
    spec, period, built = _built(request, slug, show_message=True)
    context = {"spec": spec, "report": built, "period": period, "query": request.GET.urlencode()}
    return render(request, "amtportal/reports/report.html", context)


@staff_required(PERMISSION)
@require_http_methods(["GET"])
def export(request, slug: str, table: str, fmt: str):
    _spec, period, built = _built(request, slug, show_message=False)
    found = built.table(table)
    if found is None or fmt not in EXPORTERS:
        raise Http404("No such table.")
    filename = f"{slug}-{table}-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"
    return EXPORTERS[fmt](header=found.header, rows=found.export_rows, filename=filename)
