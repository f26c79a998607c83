"""Member CCP pages: where a member stands in each cycle and why, and the claims behind it.

Every object is looked up through the signed-in member, so another member's id is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ccp import selectors, services
from ccp.forms import ActivityForm, AttestationForm, DocumentForm, document_hint
from ccp.services.activities import is_locked
from ccp.services.attestations import attestation_statement
from core import clock, uploads
from members import selectors as member_selectors
from members.selectors import member_or_404


def _own_certification(request, pk: int):
    certification = member_selectors.member_certifications(member_or_404(request)).filter(pk=pk).first()
    if certification is None:
        raise Http404("No such certification.")
    return certification


def _own_cycle(request, pk: int):
    cycle = selectors.member_cycle(member=member_or_404(request), pk=pk)
    if cycle is None:
        raise Http404("No such cycle.")
    return cycle


def _own_activity(request, pk: int):
    activity = selectors.member_activity(member=member_or_404(request), pk=pk)
    if activity is None:
        raise Http404("No such activity.")
    return activity


@login_required
@require_GET
def overview(request):
    certifications = list(member_selectors.member_certifications(member_or_404(request)))
    summaries = selectors.open_cycle_summaries(certifications, today=clock.today())
    cards = [(certification, summaries.get(certification.pk)) for certification in certifications]
    return render(request, "ccp/overview.html", {"cards": cards})


@login_required
@require_GET
def certification(request, certification_pk):
    certification = _own_certification(request, certification_pk)
    today = clock.today()
    cycles = list(selectors.certification_cycles(certification.pk))
    current = next((cycle for cycle in cycles if cycle.is_open), None)
    context = {
        "certification": certification,
        "report": selectors.cycle_report(current, today=today, cycles=cycles) if current else None,
        "earlier": [cycle for cycle in cycles if not cycle.is_open],
        "changes": selectors.activity_changes(certification_id=certification.pk),
        "document_hint": document_hint(),
    }
    return render(request, "ccp/certification.html", context)


@login_required
@require_GET
def cycle_detail(request, cycle_pk):
    cycle = _own_cycle(request, cycle_pk)
    cycles = list(selectors.certification_cycles(cycle.certification_id))
    report = selectors.cycle_report(cycle, today=clock.today(), cycles=cycles)
    context = {"certification": cycle.certification, "report": report, "document_hint": document_hint()}
    return render(request, "ccp/cycle_detail.html", context)


def _record_with_document(*, certification, form: ActivityForm, user):
    # One transaction: when the document is refused no activity is left behind, so the member resubmits.
    with transaction.atomic():
        activity = services.activity_record(
            certification=certification, today=clock.today(), recorded_by=user, **form.activity_fields()
        )
        if upload := form.cleaned_data.get("document"):
            try:
                services.activity_attach_document(activity=activity, upload=upload, uploaded_by=user)
            except ValidationError as error:
                raise ValidationError({"document": error.messages}) from error
    return activity


@login_required
@require_http_methods(["GET", "POST"])
def activity_add(request, certification_pk):
    certification = _own_certification(request, certification_pk)
    categories = selectors.activity_categories(certification_id=certification.pk)
    form = ActivityForm(request.POST or None, request.FILES or None, categories=categories)
    if request.method == "POST" and form.is_valid():
        try:
            activity = _record_with_document(certification=certification, form=form, user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Activity recorded: {activity.title}.")
            return redirect("ccp:certification", certification.pk)
    context = {"form": form, "certification": certification, "activity": None}
    return render(request, "ccp/activity_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, activity_pk):
    activity = _own_activity(request, activity_pk)
    initial = ActivityForm.initial_from(activity)
    categories = selectors.activity_categories(
        certification_id=activity.certification_id, keep_id=activity.category_id
    )
    form = ActivityForm(request.POST or None, initial=initial, categories=categories, with_document=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(
                activity=activity, today=clock.today(), changed_by=request.user, **form.activity_fields()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Activity saved: {form.cleaned_data['title'].strip()}.")
            return redirect("ccp:certification", activity.certification_id)
    context = {"form": form, "certification": activity.certification, "activity": activity}
    return render(
        request, "ccp/activity_form.html", {**context, "locked": is_locked(activity, clock.today())}
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_remove(request, activity_pk):
    """GET asks for confirmation; POST removes."""
    activity = _own_activity(request, activity_pk)
    errors = []
    if request.method == "POST":
        try:
            services.activity_remove(activity=activity, today=clock.today(), removed_by=request.user)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, f"Activity removed: {activity.title}.")
            return redirect("ccp:certification", activity.certification_id)
    context = {"activity": activity, "errors": errors, "locked": is_locked(activity, clock.today())}
    return render(request, "ccp/activity_remove.html", context)


def _back_to(request, activity) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("ccp:certification", args=[activity.certification_id])


@login_required
@require_POST
def document_upload(request, activity_pk):
    activity = _own_activity(request, activity_pk)
    form = DocumentForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError([message for messages_ in form.errors.values() for message in messages_])
        document = services.activity_attach_document(
            activity=activity, upload=form.cleaned_data["file"], uploaded_by=request.user
        )
    except ValidationError as error:
        messages.error(
            request, f"The document was not attached to “{activity.title}”: {' '.join(error.messages)}"
        )
    else:
        messages.success(request, f"Document attached to “{activity.title}”: {document.original_name}.")
    return redirect(_back_to(request, activity))


@login_required
@require_GET
def document_download(request, document_pk):
    """The owner member, or an administrator; anybody else gets a 404."""
    document = selectors.document_for_user(user=request.user, pk=document_pk)
    if document is None:
        raise Http404("No such document.")
    # Cleaned again here for rows stored before names were: the checked type's extension, no control chars.
    return uploads.document_response(
        document.file, original_name=document.original_name, content_type=document.content_type
    )


@login_required
@require_http_methods(["GET", "POST"])
def attest(request, cycle_pk):
    cycle = _own_cycle(request, cycle_pk)
    form = AttestationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_attest(
                cycle=cycle,
                signed_name=form.cleaned_data["signed_name"],
                today=clock.today(),
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Your attestation is recorded: this cycle is compliant (subject to audit)."
            )
            return redirect("ccp:certification", cycle.certification_id)
    return render(
        request,
        "ccp/attest.html",
        {"cycle": cycle, "form": form, "statement": attestation_statement(cycle, clock.today())},
    )
