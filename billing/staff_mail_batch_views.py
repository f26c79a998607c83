"""Billing staff pages of the daily mail batch, mounted at "staff/billing/mail-batches/": the batches, a
batch's print files, manifest, exceptions and builds, and "Build today's batch now"."""

import datetime

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core import clock
from core.formatting import format_date
from core.permissions import staff_required
from members.models import MailBatch
from members.services.mail_batch import mail_batch_build

BATCHES_PER_PAGE = 50


def _batch_or_404(day: str) -> MailBatch:
    try:
        parsed = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404("Not a date.") from None
    batch = MailBatch.objects.select_related("built_by").filter(day=parsed).first()
    if batch is None:
        raise Http404("No mail batch for this day.")
    return batch


def _stored_file(name: str, *, filename: str, content_type: str) -> FileResponse:
    if not name or not default_storage.exists(name):
        raise Http404("The file is missing from storage; build the batch again to restore it.")
    try:
        file = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    return FileResponse(file, as_attachment=True, filename=filename, content_type=content_type)


@staff_required("members.download_mailbatch")
@require_GET
def mail_batches(request):
    batches = MailBatch.objects.select_related("built_by").order_by("-day")
    page = Paginator(batches, BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "billing/staff/mail_batches.html", {"page": page, "today": clock.today()})


@staff_required("members.download_mailbatch")
@require_GET
def mail_batch_detail(request, day: str):
    batch = _batch_or_404(day)
    return render(
        request,
        "billing/staff/mail_batch_detail.html",
        {
            "batch": batch,
            "parts": list(batch.parts.all()),
            "runs": list(batch.runs.select_related("run_by")),
            "exceptions": batch.exceptions,
        },
    )


@staff_required("members.download_mailbatch")
@require_GET
def mail_batch_part(request, day: str, number: int):
    batch = _batch_or_404(day)
    part = batch.parts.filter(number=number).first()
    if part is None:
        raise Http404("No such part.")
    filename = f"letters-{batch.day:%Y-%m-%d}-part-{part.number:03d}.pdf"
    return _stored_file(part.pdf, filename=filename, content_type="application/pdf")


@staff_required("members.download_mailbatch")
@require_GET
def mail_batch_manifest(request, day: str):
    batch = _batch_or_404(day)
    filename = f"manifest-{batch.day:%Y-%m-%d}.csv"
    return _stored_file(batch.manifest, filename=filename, content_type="text/csv; charset=utf-8")


@staff_required("members.download_mailbatch")
@require_POST
def mail_batch_build_today(request):
    batch = mail_batch_build(day=clock.today(), built_by=request.user)
    messages.success(
        request,
        f"Mail batch of {format_date(batch.day)} built: {batch.letter_count} "
        f"letter{'s' if batch.letter_count != 1 else ''}, {batch.exception_count} "
        f"exception{'s' if batch.exception_count != 1 else ''}.",
    )
    return redirect("billing_staff:mail_batch", day=batch.day.isoformat())
