"""The public "Check your status" (DOMAIN.md): by member number and last name, by a certification's own
verification link (and its QR code), and a list of up to 100 of either, downloadable as CSV. Nobody signs
in; what is shown is `selectors.verification_answer` and nothing else about the member.

Rate limits per client address: number and name lookups STATUS_LOOKUP_RATE (they could be used to guess),
verification links (unguessable) the far higher STATUS_LINK_RATE, each in its own scope; a list counts each
of its rows against the limit of its kind.
"""

from functools import partial

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core import clock
from core.exports import csv_response
from core.formatting import format_date_time
from core.links import absolute_url
from members import selectors, status_check
from members.forms import CheckListForm, StatusLookupForm
from members.qr import qr_svg
from members.ratelimit import hit

LOOKUP_SCOPE = "status-lookup"
LINK_SCOPE = "status-link"


def _lookup_hit(request):
    return hit(request, scope=LOOKUP_SCOPE, rate=settings.STATUS_LOOKUP_RATE)


def _link_hit(request):
    return hit(request, scope=LINK_SCOPE, rate=settings.STATUS_LINK_RATE)


def _limited(request, decision):
    retry_at = format_date_time(timezone.localtime(decision.retry_at))
    return render(request, "members/verify_limited.html", {"retry_at": retry_at}, status=429)


@require_http_methods(["GET"])
def verify(request):
    """Anyone (an employer) checks a certification by member number and last name."""
    form = StatusLookupForm(request.GET or None)
    answers = None
    if form.is_bound:
        if not (decision := _lookup_hit(request)).allowed:
            return _limited(request, decision)
        if form.is_valid():
            certifications = selectors.certifications_for_lookup(**form.cleaned_data)
            answers = [selectors.verification_answer(certification) for certification in certifications]
    context = {"form": form, "answers": answers, "answered_at": clock.now()}
    return render(request, "members/verify.html", context)


@require_http_methods(["GET"])
def verify_token(request, token):
    """A certification's own verification link (printed as a QR code on its certificate and wallet card)."""
    if not (decision := _link_hit(request)).allowed:
        return _limited(request, decision)
    certification = selectors.certification_by_token(token)
    if certification is None:
        raise Http404("No certification has this verification link.")
    context = {
        "answer": selectors.verification_answer(certification),
        "token": token,
        "answered_at": clock.now(),
    }
    return render(request, "members/verify_token.html", context)


@require_http_methods(["GET"])
def verify_qr(request, token):
    """The verification link as an SVG QR code (counted as a link lookup: it says whether a token exists)."""
    if not (decision := _link_hit(request)).allowed:
        return _limited(request, decision)
    certification = selectors.certification_by_token(token)
    if certification is None:
        raise Http404("No certification has this verification link.")
    return HttpResponse(
        qr_svg(absolute_url(certification.get_verification_url())), content_type="image/svg+xml"
    )


@require_http_methods(["GET", "POST"])
def verify_list(request):
    """An employer checks up to 100 links or member numbers and last names at once: one table, one answer
    per row; a list that cannot be read is refused whole, with nothing looked up."""
    form = CheckListForm(request.POST or None, request.FILES or None)
    answer = key = None
    if request.method == "POST" and form.is_valid():
        answer = status_check.check_list(
            rows=form.cleaned_data["rows"],
            link_hit=partial(_link_hit, request),
            lookup_hit=partial(_lookup_hit, request),
            answered_at=clock.now(),
        )
        key = status_check.list_answer_keep(answer)
    context = {
        "form": form,
        "answer": answer,
        "key": key,
        "columns": status_check.COLUMNS,
        "kept_minutes": status_check.RESULT_SECONDS // 60,
    }
    return render(request, "members/verify_list.html", context)


@require_http_methods(["GET"])
def verify_list_csv(request, key):
    """The table just shown, as CSV (formula-safe cells), from the kept answer: nothing is looked up again."""
    answer = status_check.list_answer_kept(key)
    if answer is None:
        return render(request, "members/verify_list_expired.html", status=404)
    answered_at = format_date_time(timezone.localtime(answer.answered_at))
    return csv_response(
        header=[*status_check.COLUMNS, "Answered at"],
        rows=([*line.cells, answered_at] for line in answer.lines),
        filename=f"status-check-{timezone.localtime(answer.answered_at):%Y-%m-%d-%H%M}.csv",
    )
