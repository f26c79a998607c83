"""Audit reviewers' pages (permission audits.review_audit; two-factor through the middleware): the queue,
campaigns with their report and selection export, the review page with each activity beside its proof,
and the reviewer's actions. Each action is one service call; a refusal comes back as a message."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audits import selectors, services, tasks
from audits.forms import CampaignStartForm, DecisionForm, ExtensionDecisionForm, QueueFilterForm
from audits.models import Audit, AuditItem, AuditPolicy
from ccp import selectors as ccp_selectors
from core import clock, uploads
from core.exports import csv_response
from core.formatting import format_date
from core.permissions import staff_required
from core.worklists import state_tabs

REVIEW = "audits.review_audit"


def _audit_or_404(pk: int) -> Audit:
    audit = selectors.review_audit(pk)
    if audit is None:
        raise Http404("No such audit.")
    return audit


def _campaign_or_404(year: int):
    campaign = selectors.campaigns().filter(year=year).first()
    if campaign is None:
        raise Http404("No campaign for that year.")
    return campaign


@staff_required(REVIEW)
@require_GET
def queue(request):
    campaigns = list(selectors.campaigns())
    form = QueueFilterForm(request.GET or None, campaigns=campaigns)
    filters = form.filters()
    today = clock.today()
    counts = selectors.queue_counts(filters, today=today)
    tabs = state_tabs(selectors.QUEUE_STATES, counts, current=filters.state, params=request.GET)
    context = {
        "form": form,
        "filters": filters,
        "tabs": tabs,
        "page": selectors.queue_page(filters, today=today, page=request.GET.get("page", 1)),
        "query": request.GET.copy(),
        "today": today,
    }
    return render(request, "audits/staff/queue.html", context)


@staff_required(REVIEW)
@require_http_methods(["GET", "POST"])
def campaigns(request):
    today = clock.today()
    form = CampaignStartForm(request.POST or None, initial={"year": today.year - 1})
    if request.method == "POST":
        if not request.user.has_perm("audits.start_campaign"):
            messages.error(request, "Your role cannot start a campaign.")
        elif form.is_valid():
            try:
                started = services.campaign_start(
                    year=form.cleaned_data["year"], today=today, actor=request.user, source="audit review"
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                campaign = started.campaign
                if started.created:
                    # Listing the activities and telling thousands of members is a job, not a request.
                    transaction.on_commit(lambda: tasks.prepare_audits.delay(today.isoformat()))
                    messages.success(
                        request,
                        f"The {campaign.year} campaign selected {campaign.selected_count} of "
                        f"{campaign.population_count} certifications; the members are being told.",
                    )
                else:
                    messages.info(
                        request,
                        f"The {campaign.year} campaign was already started on "
                        f"{format_date(campaign.started_on)}: nothing new was selected.",
                    )
                return redirect("audits:campaign", campaign.year)
    context = {"form": form, "campaigns": selectors.campaigns(), "policy": AuditPolicy.current()}
    return render(request, "audits/staff/campaigns.html", context)


@staff_required(REVIEW)
@require_GET
def campaign_detail(request, year):
    campaign = _campaign_or_404(year)
    report = selectors.campaign_report(campaign)
    labels = [(key, label) for key, (label, _) in selectors.QUEUE_STATES.items()]
    return render(
        request, "audits/staff/campaign.html", {"campaign": campaign, "report": report, "labels": labels}
    )


SELECTION_COLUMNS = [
    "rank", "member number", "member name", "credential", "audited cycle start", "audited cycle end",
    "state", "outcome", "passed by verified CE", "decided by", "decided on", "deadline",
]  # fmt: skip


@staff_required(REVIEW)
@require_GET
def selection_csv(request, year):
    campaign = _campaign_or_404(year)
    rows = (
        [
            audit.rank,
            audit.certification.member.member_number,
            audit.certification.member.full_name,
            audit.certification.credential.code,
            audit.cycle.start_on.isoformat(),
            audit.cycle.end_on.isoformat(),
            audit.get_state_display(),
            audit.outcome_reason,
            "yes" if audit.passed_by_verified else "no",
            (audit.decided_by.get_full_name() or audit.decided_by.email) if audit.decided_by else "",
            audit.decided_on.isoformat() if audit.decided_on else "",
            audit.deadline.isoformat(),
        ]
        for audit in selectors.selection_rows(campaign)
    )
    return csv_response(header=SELECTION_COLUMNS, rows=rows, filename=f"audit-selection-{campaign.year}.csv")


def _review_page(request, audit: Audit, *, status: int = 200, bound: dict | None = None):
    today = clock.today()
    items = selectors.audit_items(audit)
    accepted = [item.activity for item in items if item.state == AuditItem.State.ACCEPTED]
    result = ccp_selectors.evaluate(
        window=audit.cycle.window, today=today, required=audit.required_points, activities=accepted
    )
    bound = bound or {}
    rows = [
        (
            item,
            result.activities.get(item.activity_id),
            bound.get(item.pk) or DecisionForm(prefix=f"item-{item.pk}"),
        )
        for item in items
    ]
    undecided = [item for item in items if item.state not in AuditItem.DECIDED_STATES]
    context = {
        "audit": audit,
        "rows": rows,
        "result": result,
        "undecided": undecided,
        "more_asked": [item for item in items if item.state == AuditItem.State.MORE_REQUESTED],
        "holding": audit.claimed_by_id == request.user.pk,
        "timeline": selectors.audit_timeline(audit, for_member=False),
        "extension_form": bound.get("extension")
        or ExtensionDecisionForm(initial={"days": audit.extension_days}),
        "today": today,
    }
    return render(request, "audits/staff/review.html", context, status=status)


@staff_required(REVIEW)
@require_GET
def review(request, audit_pk):
    return _review_page(request, _audit_or_404(audit_pk))


def _act(request, audit_pk: int, action, success: str):
    audit = _audit_or_404(audit_pk)
    try:
        action(audit)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("audits:review", audit.pk)


@staff_required(REVIEW)
@require_POST
def claim(request, audit_pk):
    return _act(
        request,
        audit_pk,
        lambda audit: services.audit_claim(audit=audit, user=request.user, today=clock.today()),
        "You hold this audit: other reviewers see that you are reviewing it.",
    )


@staff_required(REVIEW)
@require_POST
def release(request, audit_pk):
    return _act(
        request,
        audit_pk,
        lambda audit: services.audit_release(audit=audit, user=request.user, today=clock.today()),
        "You released this audit to the queue.",
    )


@staff_required(REVIEW)
@require_POST
def decide(request, audit_pk, item_pk):
    audit = _audit_or_404(audit_pk)
    form = DecisionForm(request.POST, prefix=f"item-{item_pk}")
    if not form.is_valid():
        messages.error(request, "Choose accept, refuse or ask for more.")
        return _review_page(request, audit, status=400, bound={item_pk: form})
    try:
        item = services.audit_item_decide(
            audit=audit,
            item_id=item_pk,
            decision=form.cleaned_data["decision"],
            message=form.cleaned_data["message"],
            user=request.user,
            today=clock.today(),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _review_page(request, _audit_or_404(audit_pk), status=400, bound={item_pk: form})
    messages.success(request, f"“{item.activity.title}”: {item.get_state_display().lower()}.")
    return redirect("audits:review", audit.pk)


@staff_required(REVIEW)
@require_POST
def return_to_member(request, audit_pk):
    return _act(
        request,
        audit_pk,
        lambda audit: services.audit_return_to_member(audit=audit, user=request.user, today=clock.today()),
        "The audit went back to the member with your requests.",
    )


@staff_required(REVIEW)
@require_POST
def extension_decide(request, audit_pk):
    audit = _audit_or_404(audit_pk)
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to grant or deny the extension.")
        return _review_page(request, audit, status=400, bound={"extension": form})
    try:
        audit = services.audit_extension_decide(
            audit=audit,
            grant=form.cleaned_data["grant"],
            days=form.cleaned_data["days"],
            reason=form.cleaned_data["reason"],
            user=request.user,
            today=clock.today(),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _review_page(request, _audit_or_404(audit_pk), status=400, bound={"extension": form})
    messages.success(
        request,
        f"Extension {audit.get_extension_display().split()[-1]}: deadline {format_date(audit.deadline)}.",
    )
    return redirect("audits:review", audit.pk)


@staff_required(REVIEW)
@require_POST
def finalize(request, audit_pk):
    def _finalize(audit):
        done = services.audit_finalize(audit=audit, user=request.user, today=clock.today())
        messages.info(request, done.outcome_reason)

    return _act(request, audit_pk, _finalize, "The audit is finalized and the member was told.")


@staff_required(REVIEW)
@require_GET
def document(request, document_pk):
    """A document of an activity under audit, shown inline in the review page (PDF and images only)."""
    found = selectors.document_for_reviewer(pk=document_pk)
    if found is None:
        raise Http404("No such document under audit.")
    return uploads.document_response(
        found.file, original_name=found.original_name, content_type=found.content_type, inline=True
    )
