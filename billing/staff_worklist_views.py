"""Billing staff's work lists, mounted at "staff/billing/": open and overdue invoices, failed card payments
and letters waiting for an address, 25 a page, each downloadable whole as CSV or XLSX (?export=csv|xlsx,
the same filters); and the payments export for accounting.

A filter that can't be read is said in the page (status 400), never a server error.
"""

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page
from django.shortcuts import render
from django.views.decorators.http import require_GET

from billing import worklists
from billing.worklist_forms import (
    ExceptionFilterForm,
    FailedPaymentFilterForm,
    InvoiceFilterForm,
    PaymentExportForm,
)
from core import clock
from core.exports import csv_response, xlsx_response
from core.permissions import staff_required
from core.worklists import CappedPaginator

PAGE_SIZE = 25
EXPORTS = {"csv": csv_response, "xlsx": xlsx_response}


@dataclass(frozen=True)
class Listing:
    """What a work list page shows, or the file its export downloads."""

    template: str
    filename: str  # without extension
    columns: list[str]
    rows: Any  # queryset -> iterator of export rows


def _worklist(request, form, queryset, listing: Listing, *, row=None):
    """The list's page, or its whole export when asked (?export=csv|xlsx). `row`: what the page shows of
    each item, when more than the item itself."""
    if not form.is_valid():
        return render(request, listing.template, {"form": form, "page": None}, status=400)
    rows = queryset(form.filters())
    export = EXPORTS.get(request.GET.get("export", ""))
    if export is not None:
        extension = request.GET["export"]
        return export(
            header=listing.columns, rows=listing.rows(rows), filename=f"{listing.filename}.{extension}"
        )
    page: Page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": [row(item) for item in page.object_list] if row else page.object_list,
        "query": request.GET.copy(),
    }
    return render(request, listing.template, context)


@staff_required("billing.view_invoice")
@require_GET
def open_invoices(request):
    today = clock.today()
    listing = Listing(
        "billing/staff/open_invoices.html",
        f"open-invoices-{today:%Y-%m-%d}",
        worklists.INVOICE_COLUMNS,
        lambda invoices: worklists.open_invoice_rows(invoices, today=today),
    )
    form = InvoiceFilterForm(request.GET)
    return _worklist(
        request,
        form,
        lambda filters: worklists.open_invoices(filters, today=today),
        listing,
        row=lambda invoice: (invoice, worklists.days_overdue(invoice, today=today)),
    )


@staff_required("billing.view_payment")
@require_GET
def failed_payments(request):
    listing = Listing(
        "billing/staff/failed_payments.html",
        f"failed-card-payments-{clock.today():%Y-%m-%d}",
        worklists.FAILED_PAYMENT_COLUMNS,
        worklists.failed_payment_rows,
    )
    form = FailedPaymentFilterForm(request.GET)
    return _worklist(request, form, worklists.failed_card_payments, listing)


@staff_required("members.download_mailbatch")
@require_GET
def address_exceptions(request):
    listing = Listing(
        "billing/staff/address_exceptions.html",
        f"letters-waiting-for-an-address-{clock.today():%Y-%m-%d}",
        worklists.EXCEPTION_COLUMNS,
        worklists.exception_rows,
    )
    form = ExceptionFilterForm(request.GET)
    return _worklist(request, form, worklists.address_exceptions, listing)


@staff_required("billing.view_payment")
@require_GET
def payments_export(request):
    """The form, or (once dates are given) the payments received in the range as CSV or XLSX."""
    form = PaymentExportForm(request.GET or None)
    if not form.is_bound:
        return render(request, "billing/staff/payments_export.html", {"form": form})
    if not form.is_valid():
        return render(request, "billing/staff/payments_export.html", {"form": form}, status=400)
    start, end, extension = (form.cleaned_data[name] for name in ("start", "end", "format"))
    payments = worklists.payments_received(start=start, end=end)
    return EXPORTS[extension](
        header=worklists.PAYMENT_COLUMNS,
        rows=worklists.payment_rows(payments),
        filename=f"payments-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.{extension}",
    )
