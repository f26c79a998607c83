"""Member audit pages: the audit with its deadline, activities and proof, the timeline, and the member's
actions (upload proof, list the activities behind an attestation, ask for an extension, submit).

Every audit is looked up through the signed-in member, so another member's audit is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audits import selectors, services
from audits.forms import ExtensionForm, ProofForm
from audits.models import AuditItem
from ccp.forms import ActivityForm, document_hint
from ccp.models import ActivityCategory
from ccp.selectors import CategoryChoices
from core import clock
from members.selectors import member_or_404


def _own_audit(request, pk: int):
    audit = selectors.member_audit(member=member_or_404(request), pk=pk)
    if audit is None:
        raise Http404("No such audit.")
    return audit


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
@require_GET
def audit_detail(request, audit_pk):
    audit = _own_audit(request, audit_pk)
    today = clock.today()
    items = selectors.audit_items(audit)
    open_to_member = audit.waits_on_member and audit.prepared_at is not None and today <= audit.deadline
    context = {
        "audit": audit,
        "items": items,
        "missing": [item for item in items if item.state in AuditItem.MISSING_PROOF],
        "ready": [item for item in items if item.state not in AuditItem.MISSING_PROOF],
        "days_left": audit.days_left(today),
        "open_to_member": open_to_member,
        "attested": hasattr(audit.cycle, "attestation"),
        "timeline": selectors.audit_timeline(audit, for_member=True),
        "proof_form": ProofForm(),
        "extension_form": ExtensionForm() if open_to_member and not audit.extension else None,
        "document_hint": document_hint(),
    }
    return render(request, "audits/audit.html", context)


@login_required
@require_POST
def proof_upload(request, audit_pk, item_pk):
    audit = _own_audit(request, audit_pk)
    form = ProofForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError([message for errors in form.errors.values() for message in errors])
        item = services.audit_attach_proof(
            audit=audit,
            item_id=item_pk,
            upload=form.cleaned_data["file"],
            user=request.user,
            today=clock.today(),
        )
    except ValidationError as error:
        messages.error(request, f"The proof was not uploaded: {_errors(error)}")
    else:
        messages.success(request, f"Proof uploaded for “{item.activity.title}”.")
    return redirect("audits:audit", audit.pk)


@login_required
@require_http_methods(["GET", "POST"])
def activity_add(request, audit_pk):
    """List an activity behind the audited cycle's attestation, with its proof."""
    audit = _own_audit(request, audit_pk)
    categories = CategoryChoices(ActivityCategory.objects.all(), [])
    form = ActivityForm(request.POST or None, request.FILES or None, categories=categories)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # refused proof: no activity left behind either
                item = services.audit_record_activity(
                    audit=audit, user=request.user, today=clock.today(), **form.activity_fields()
                )
                if upload := form.cleaned_data.get("document"):
                    services.audit_attach_proof(
                        audit=audit, item_id=item.pk, upload=upload, user=request.user, today=clock.today()
                    )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Activity added to your audit: {item.activity.title}.")
            return redirect("audits:audit", audit.pk)
    context = {"audit": audit, "form": form, "document_hint": document_hint()}
    return render(request, "audits/activity_form.html", context)


@login_required
@require_POST
def extension_request(request, audit_pk):
    audit = _own_audit(request, audit_pk)
    form = ExtensionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([message for errors in form.errors.values() for message in errors])
        services.audit_request_extension(
            audit=audit,
            reason=form.cleaned_data["reason"],
            days=form.cleaned_data["days"],
            user=request.user,
            today=clock.today(),
        )
    except ValidationError as error:
        messages.error(request, f"The extension was not requested: {_errors(error)}")
    else:
        messages.success(
            request, "Your extension request was sent. Your deadline stays until a reviewer decides."
        )
    return redirect("audits:audit", audit.pk)


@login_required
@require_POST
def submit(request, audit_pk):
    audit = _own_audit(request, audit_pk)
    try:
        services.audit_submit(audit=audit, user=request.user, today=clock.today())
    except ValidationError as error:
        messages.error(request, f"The audit was not submitted: {_errors(error)}")
    else:
        messages.success(request, "Your audit was submitted. The reviewers will tell you their decision.")
    return redirect("audits:audit", audit.pk)
