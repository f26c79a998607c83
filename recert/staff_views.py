"""Recertification processors' pages (permission recert.process_application; two-factor through the
middleware): the queue, the review page with the rules the application was judged by, the points summary,
each activity beside its document, the felony answer; and the processor's decisions."""

import dataclasses

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core import clock, uploads
from core.money import format_cents
from core.permissions import staff_required
from core.worklists import state_tabs
from recert import rules, selectors, services
from recert.forms import ExamResultForm, QueueFilterForm, ReasonForm
from recert.models import Application

PROCESS = "recert.process_application"


def _application_or_404(pk: int) -> Application:
    application = selectors.review_application(pk)
    if application is None:
        raise Http404("No such application.")
    return application


@staff_required(PROCESS)
@require_GET
def queue(request):
    form = QueueFilterForm(request.GET or None)
    filters = form.filters()
    today = clock.today()
    counts = selectors.queue_counts(filters, today=today)
    context = {
        "form": form,
        "filters": filters,
        "tabs": state_tabs(selectors.QUEUE_STATES, counts, current=filters.state, params=request.GET),
        "page": selectors.queue_page(filters, today=today, page=request.GET.get("page", 1)),
        "query": request.GET.copy(),
        "today": today,
    }
    return render(request, "recert/staff/queue.html", context)


# The order a processor reads the stored mappings in (PostgreSQL's jsonb keeps its own key order).
SNAPSHOT_ORDER = ("credential", "effective_from", "applied_on", "required_points", "window_years",
                  "exam_gate_years", "fee_cents", "validity_months", "authorization_days")  # fmt: skip
ANSWERS_ORDER = (
    *(field.name for field in dataclasses.fields(rules.Answers)),
    "question",
    "answer",
    "details",
)


def _readable(
    mapping: dict, *, order: tuple[str, ...], skip: tuple[str, ...] = ()
) -> list[tuple[str, object]]:
    """A stored mapping (the rules snapshot, the eligibility answers) as a processor reads it, in `order`:
    "Required points", yes or no, and amounts in cents as money."""
    rows = []
    keys = [key for key in order if key in mapping] + sorted(set(mapping) - set(order))
    for key in keys:
        value = mapping[key]
        if key in skip:
            continue
        if isinstance(value, bool):
            value = "Yes" if value else "No"
        elif key.endswith("_cents") and isinstance(value, int):
            value = format_cents(value)
        elif value is None or value == "":
            value = "-"
        rows.append((key.removesuffix("_cents").replace("_", " ").capitalize(), value))
    return rows


def _review_page(request, application: Application, *, status: int = 200, bound: dict | None = None):
    today = clock.today()
    ccp = application.route == Application.Route.CCP
    bound = bound or {}
    context = {
        "application": application,
        "summary": selectors.application_summary(application, today=today) if ccp else None,
        "holding": application.claimed_by_id == request.user.pk,
        "timeline": selectors.application_timeline(application, for_member=False),
        "more_form": bound.get("more") or ReasonForm(prefix="more"),
        "refuse_form": bound.get("refuse") or ReasonForm(prefix="refuse"),
        "exam_form": bound.get("exam") or ExamResultForm(initial={"exam_date": today}),
        "invoice": selectors.application_invoice(application),
        "rules_rows": _readable(
            application.rules_snapshot, order=SNAPSHOT_ORDER, skip=("rma_routes", "rule_id", "route_reason")
        ),
        "answer_rows": _readable(application.eligibility_answers, order=ANSWERS_ORDER),
        "today": today,
    }
    return render(request, "recert/staff/review.html", context, status=status)


@staff_required(PROCESS)
@require_GET
def review(request, application_pk):
    return _review_page(request, _application_or_404(application_pk))


def _act(request, application_pk: int, action, success: str, *, form=None, name: str = ""):
    application = _application_or_404(application_pk)
    if form is not None and not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return _review_page(request, application, status=400, bound={name: form})
    try:
        action(application, form.cleaned_data if form is not None else {})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        if form is not None:
            return _review_page(request, _application_or_404(application_pk), status=400, bound={name: form})
    else:
        messages.success(request, success)
    return redirect("recert:review", application_pk)


def _today_and_user(request) -> dict:
    return {"user": request.user, "today": clock.today()}


@staff_required(PROCESS)
@require_POST
def claim(request, application_pk):
    return _act(
        request, application_pk,
        lambda application, _: services.application_claim(
            application=application, **_today_and_user(request)
        ),
        "You hold this application: other processors see that you are processing it.",
    )  # fmt: skip


@staff_required(PROCESS)
@require_POST
def release(request, application_pk):
    return _act(
        request, application_pk,
        lambda application, _: services.application_release(
            application=application, **_today_and_user(request)
        ),
        "You released this application to the queue.",
    )  # fmt: skip


@staff_required(PROCESS)
@require_POST
def ask_more(request, application_pk):
    return _act(
        request, application_pk,
        lambda application, data: services.application_ask_more(
            application=application, reason=data["reason"], **_today_and_user(request)
        ),
        "The application went back to the member with your request.",
        form=ReasonForm(request.POST, prefix="more"), name="more",
    )  # fmt: skip


@staff_required(PROCESS)
@require_POST
def approve(request, application_pk):
    def _approve(application, _):
        done = services.application_approve(application=application, **_today_and_user(request))
        if done.state == Application.State.AUTHORIZED:
            messages.info(request, f"Authorization number {done.authorization_number}.")

    return _act(request, application_pk, _approve, "Approved. The member was told.")


@staff_required(PROCESS)
@require_POST
def refuse(request, application_pk):
    return _act(
        request, application_pk,
        lambda application, data: services.application_refuse(
            application=application, reason=data["reason"], **_today_and_user(request)
        ),
        "Refused. The member was told the reason.",
        form=ReasonForm(request.POST, prefix="refuse"), name="refuse",
    )  # fmt: skip


@staff_required(PROCESS)
@require_POST
def exam_result(request, application_pk):
    return _act(
        request, application_pk,
        lambda application, data: services.application_record_exam(
            application=application, passed=data["passed"], exam_date=data["exam_date"],
            **_today_and_user(request),
        ),
        "The exam result is recorded and the member was told.",
        form=ExamResultForm(request.POST), name="exam",
    )  # fmt: skip


@staff_required(PROCESS)
@require_GET
def document(request, document_pk):
    """A document of an activity in a submitted application's window, inline only for PDF and images."""
    found = selectors.document_for_processor(pk=document_pk)
    if found is None:
        raise Http404("No such document in an application.")
    return uploads.document_response(
        found.file, original_name=found.original_name, content_type=found.content_type, inline=True
    )
