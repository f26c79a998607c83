"""Member recertification pages: choosing the route the rules allow, the application (by CCP: the window's
activities, proof, points, the felony question, the attestation; by exam: the eligibility answers), paying
the fee (the application is submitted when paid), and the public RMA eligibility assistant.

Every application is looked up through the signed-in member, so another member's is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.models import Invoice
from ccp import rules as ccp_rules
from ccp import services as ccp_services
from ccp.forms import ActivityForm, document_hint
from ccp.models import ActivityCategory
from ccp.selectors import CategoryChoices
from core import clock
from core.formatting import format_date
from members import selectors as member_selectors
from members.selectors import member_or_404
from recert import rules, selectors, services
from recert.forms import CredentialQuestionForm, FelonyForm, RmaAnswersForm, SignForm
from recert.models import Application


def _own_certification(request, pk: int):
    certification = member_selectors.member_certifications(member_or_404(request)).filter(pk=pk).first()
    if certification is None:
        raise Http404("No such certification.")
    return certification


def _own_application(request, pk: int) -> Application:
    application = selectors.member_application(member=member_or_404(request), pk=pk)
    if application is None:
        raise Http404("No such application.")
    return application


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request, certification_pk):
    """Which route: by CCP (unless lapsed 10 years or more) or by exam, with the reason in words."""
    certification = _own_certification(request, certification_pk)
    today = clock.today()
    open_application = selectors.open_applications_by_certification(certification.member).get(
        certification.pk
    )
    if open_application:
        return redirect("recert:application", open_application.pk)
    if request.method == "POST":
        try:
            application = services.application_start(
                certification=certification,
                route=request.POST.get("route", ""),
                today=today,
                user=request.user,
            )
        except ValidationError as error:
            messages.error(request, _messages(error))
        else:
            return redirect("recert:application", application.pk)
    rule = selectors.rule_in_force(credential_id=certification.credential_id, day=today)
    decision = None
    if rule and certification.status in rules.RECERTIFIABLE:
        decision = rules.route_decision(
            lapse_date=certification.lapse_date or today, applied_on=today, gate_years=rule.exam_gate_years
        )
    earlier = list(certification.recert_applications.all())  # refused, failed, expired, withdrawn
    context = {"certification": certification, "rule": rule, "decision": decision, "earlier": earlier}
    return render(request, "recert/apply.html", context)


@login_required
@require_GET
def application_detail(request, application_pk):
    application = _own_application(request, application_pk)
    today = clock.today()
    ccp = application.route == Application.Route.CCP
    invoice = selectors.application_invoice(application)
    # A draft paid but not submitted yet (the paid task is on its way): nothing to change or pay any more.
    being_submitted = (
        application.state == Application.State.DRAFT and invoice and invoice.state == Invoice.State.PAID
    )
    editable = application.waits_on_member and not being_submitted
    context = {
        "application": application,
        "editable": editable,
        "summary": selectors.application_summary(application, today=today) if ccp else None,
        "missing": services.application_missing(application, today=today) if editable else [],
        "invoice": invoice,
        "timeline": selectors.application_timeline(application, for_member=True),
        "felony_form": FelonyForm(initial=_felony_initial(application)),
        "sign_form": SignForm(initial={"signed_name": application.signed_name}),
        "rma_form": RmaAnswersForm(initial=application.eligibility_answers or None),
        "question_form": CredentialQuestionForm(),
        "document_hint": document_hint(),
        "today": today,
    }
    return render(request, "recert/application.html", context)


def _felony_initial(application: Application) -> dict:
    if application.felony is None:
        return {}
    return {
        "felony": "yes" if application.felony else "no",
        "felony_date": application.felony_date,
        "felony_nature": application.felony_nature,
        "felony_authority": application.felony_authority,
        "felony_outcome": application.felony_outcome,
    }


def _labelled(error: ValidationError, form) -> str:
    """The errors in words, each about a field led by the field's label ("Outcome: Answer this...")."""
    if not hasattr(error, "error_dict"):
        return _messages(error)
    words = []
    for name, errors in error.error_dict.items():
        label = form.fields[name].label if name in form.fields else ""
        words += [f"{label}: {message}" if label else message for message in ValidationError(errors).messages]
    return " ".join(words)


def _post_form(request, application: Application, form, action, success: str):
    """Validate `form`, call `action(cleaned_data)`; errors come back as a message on the application."""
    try:
        if not form.is_valid():
            raise ValidationError([message for errors in form.errors.values() for message in errors])
        action(form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _labelled(error, form))
    else:
        messages.success(request, success)
    return redirect("recert:application", application.pk)


@login_required
@require_POST
def felony(request, application_pk):
    application = _own_application(request, application_pk)
    return _post_form(
        request,
        application,
        FelonyForm(request.POST),
        lambda data: services.application_answer_felony(
            application=application, user=request.user, today=clock.today(), **data
        ),
        "Your answer to the felony and disciplinary question is saved.",
    )


@login_required
@require_POST
def sign(request, application_pk):
    application = _own_application(request, application_pk)
    return _post_form(
        request,
        application,
        SignForm(request.POST),
        lambda data: services.application_sign(
            application=application, signed_name=data["signed_name"], user=request.user, today=clock.today()
        ),
        "Your attestation is signed.",
    )


@login_required
@require_POST
def exam_answers(request, application_pk):
    application = _own_application(request, application_pk)
    rma = application.certification.credential.code == "RMA"
    form = RmaAnswersForm(request.POST) if rma else CredentialQuestionForm(request.POST)

    def answer(data):
        answers = form.answers() if isinstance(form, RmaAnswersForm) else data
        services.application_answer_exam(
            application=application, answers=answers, user=request.user, today=clock.today()
        )

    return _post_form(request, application, form, answer, "Your eligibility answers are saved.")


@login_required
@require_http_methods(["GET", "POST"])
def activity_add(request, application_pk):
    application = _own_application(request, application_pk)
    window = selectors.application_window(application, clock.today())
    form = ActivityForm(request.POST or None, request.FILES or None, categories=_window_categories(window))
    if request.method == "POST" and form.is_valid():
        try:
            activity = _record_with_document(application, form, request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Activity recorded: {activity.title}.")
            return redirect("recert:application", application.pk)
    context = {"application": application, "form": form, "window": window, "document_hint": document_hint()}
    return render(request, "recert/activity_form.html", context)


def _window_categories(window: ccp_rules.Window) -> CategoryChoices:
    """The categories that can earn points in the window (a category accepted only through a day before the
    window starts can't: the dated employment rule), and why each other one is not offered."""
    categories = list(ActivityCategory.objects.all())
    offered = [c.pk for c in categories if ccp_rules.category_offer(c.rule(), window.start).offered]
    withheld = [
        f"{c.name} is not offered: it counts only through {format_date(c.accepted_through)}, before your "
        "recertification window starts"
        for c in categories
        if c.pk not in offered and c.accepted_through
    ]
    return CategoryChoices(ActivityCategory.objects.filter(pk__in=offered), withheld)


def _record_with_document(application: Application, form: ActivityForm, user):
    with transaction.atomic():  # a refused document leaves no activity behind
        activity = services.application_record_activity(
            application=application, user=user, today=clock.today(), **form.activity_fields()
        )
        if upload := form.cleaned_data.get("document"):
            try:
                ccp_services.activity_attach_document(activity=activity, upload=upload, uploaded_by=user)
            except ValidationError as error:
                raise ValidationError({"document": error.messages}) from error
    return activity


@login_required
@require_POST
def checkout(request, application_pk):
    """Freeze the application and go to the card payment; it is submitted once the fee is paid."""
    application = _own_application(request, application_pk)
    try:
        invoice = services.application_checkout(
            application=application, user=request.user, today=clock.today()
        )
    except ValidationError as error:
        messages.error(request, _messages(error))
        return redirect("recert:application", application.pk)
    return redirect("billing:pay", number=invoice.number)


@login_required
@require_POST
def resubmit(request, application_pk):
    application = _own_application(request, application_pk)
    try:
        services.application_resubmit(application=application, user=request.user, today=clock.today())
    except ValidationError as error:
        messages.error(request, _messages(error))
    else:
        messages.success(request, "Your application was sent again to the processors.")
    return redirect("recert:application", application.pk)


@login_required
@require_POST
def withdraw(request, application_pk):
    application = _own_application(request, application_pk)
    try:
        services.application_withdraw(application=application, user=request.user, today=clock.today())
    except ValidationError as error:
        messages.error(request, _messages(error))
        return redirect("recert:application", application.pk)
    messages.success(request, "Your draft application was withdrawn. You can start another.")
    return redirect("recert:apply", application.certification_id)


@require_GET
def rma_assistant(request):
    """Public: which routes to the RMA exam the answers qualify for, route by route, with the reasons."""
    form = RmaAnswersForm(request.GET or None)
    results = None
    if request.GET and form.is_valid():
        today = clock.today()
        results = rules.rma_eligibility(
            rules.Answers(**form.answers()), today=today, p=selectors.rma_routes_in_force(today)
        )
    return render(request, "recert/rma_assistant.html", {"form": form, "results": results})
