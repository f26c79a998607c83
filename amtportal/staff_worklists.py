"""Staff work lists of the composer: certifications lapsing in the next 30/60/90 days (reads members, ccp and
billing's rules), and what each role's staff home shows of its lists, with the count of work in each (capped:
the count costs the same however long the list)."""

from django import forms
from django.core.paginator import Page
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from amtportal import lapsing
from audits import selectors as audit_selectors
from audits.models import Audit
from billing import worklists as billing_worklists
from core import clock
from core.exports import csv_response, xlsx_response
from core.permissions import staff_required
from core.worklists import CappedPaginator, capped_count
from members import selectors as member_selectors
from members.models import Credential
from recert import selectors as recert_selectors
from recert.models import Application

PAGE_SIZE = 25
EXPORTS = {"csv": csv_response, "xlsx": xlsx_response}


class LapsingFilterForm(forms.Form):
    within = forms.TypedChoiceField(
        label="Lapsing within",
        choices=[(days, f"{days} days") for days in lapsing.WINDOWS],
        coerce=int,
        required=False,
        empty_value=lapsing.WINDOWS[0],
    )
    credential = forms.ChoiceField(label="Credential", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = Credential.objects.order_by("code").values_list("code", flat=True)
        self.fields["credential"].choices = [("", "All")] + [(code, code) for code in codes]

    def filters(self) -> lapsing.LapsingFilters:
        data = self.cleaned_data
        return lapsing.LapsingFilters(within=data["within"], credential=data.get("credential") or "")


@staff_required("members.view_certification")
@require_GET
def lapsing_certifications(request):
    form = LapsingFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "amtportal/lapsing.html", {"form": form, "page": None}, status=400)
    today, grace_days = clock.today(), member_selectors.grace_days()
    certifications = lapsing.lapsing_certifications(form.filters(), today=today)
    export = EXPORTS.get(request.GET.get("export", ""))
    if export is not None:
        rows = lapsing.export_rows(certifications, grace_days=grace_days, today=today)
        filename = f"lapsing-within-{form.filters().within}-days-{today:%Y-%m-%d}.{request.GET['export']}"
        return export(header=lapsing.COLUMNS, rows=rows, filename=filename)
    page: Page = CappedPaginator(certifications, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": lapsing.lapsing_rows(page.object_list, grace_days=grace_days, today=today),
        "query": request.GET.copy(),
    }
    return render(request, "amtportal/lapsing.html", context)


# --- The staff home's work lists -----------------------------------------------------------------------


def _lapsing_count(today):
    return capped_count(lapsing.lapsing_certifications(lapsing.LapsingFilters(within=30), today=today))


# (title, what the count counts, url name, permission, count)
WORK_LISTS = [
    (
        "Open and overdue invoices",
        "overdue",
        "billing_staff:open_invoices",
        "billing.view_invoice",
        lambda today: capped_count(
            billing_worklists.open_invoices(billing_worklists.InvoiceFilters(overdue_days=1), today=today)
        ),
    ),
    (
        "Failed card payments",
        "not paid since",
        "billing_staff:failed_payments",
        "billing.view_payment",
        lambda today: capped_count(
            billing_worklists.failed_card_payments(billing_worklists.FailedPaymentFilters())
        ),
    ),
    (
        "Letters waiting for an address",
        "waiting",
        "billing_staff:address_exceptions",
        "members.download_mailbatch",
        lambda today: capped_count(
            billing_worklists.address_exceptions(billing_worklists.ExceptionFilters())
        ),
    ),
    (
        "Certifications lapsing soon",
        "in the next 30 days",
        "lapsing_certifications",
        "members.view_certification",
        _lapsing_count,
    ),
    (
        "Audit queue",
        "waiting on review",
        "audits:queue",
        "audits.review_audit",
        lambda today: capped_count(Audit.objects.filter(audit_selectors.QUEUE_STATES["submitted"][1])),
    ),
    (
        "Recertification queue",
        "submitted, waiting on a decision",
        "recert:queue",
        "recert.process_application",
        lambda today: capped_count(Application.objects.filter(recert_selectors.QUEUE_STATES["submitted"][1])),
    ),
]


def staff_work(user, *, today) -> list[dict]:
    """The work lists `user` may open, each with its capped count (one query each)."""
    return [
        {"title": title, "counts": counts, "url": reverse(url_name), "count": count(today)}
        for title, counts, url_name, permission, count in WORK_LISTS
        if user.has_perm(permission)
    ]
