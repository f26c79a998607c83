"""Proof of certification: the member's page (the verifiable credential, the certificate and the wallet
card of each Active certification; for the others, why nothing is offered) and the credential download,
plus the public documents a verifier needs (the JWKS, the issuer profile, the status lists).

A certification is looked up through the signed-in member, so another member's is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from core import clock
from members import selectors as member_selectors
from members.selectors import member_or_404
from recert.credentials import building, keys, selectors
from recert.services.credentials import credential_download

PUBLIC_MAX_AGE = 300  # seconds: a verifier sees a lapse or revocation within five minutes of re-signing


def _public(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    response["Access-Control-Allow-Origin"] = "*"  # verifiers in a browser (wallets) fetch these
    return response


@require_GET
def jwks(request):
    return _public(JsonResponse(keys.public_jwks(), content_type="application/jwk-set+json"))


@require_GET
def issuer(request):
    profile = {"@context": building.CONTEXT, **building.issuer_profile()}
    return _public(JsonResponse(profile, content_type="application/json"))


@require_GET
def status_list(request, purpose):
    token = selectors.status_list_jwt(purpose=purpose)
    if token is None:
        raise Http404("No such status list.")
    return _public(HttpResponse(token, content_type="application/jwt"))


@login_required
@require_GET
def proof(request):
    member = member_or_404(request)
    rows = selectors.proof_rows(member=member)
    return render(request, "recert/proof.html", {"member": member, "rows": rows})


@login_required
@require_POST
def download(request, certification_pk):
    certification = (
        member_selectors.member_certifications(member_or_404(request))
        .filter(pk=certification_pk)
        .select_related("member")
        .first()
    )
    if certification is None:
        raise Http404("No such certification.")
    try:
        downloaded = credential_download(certification=certification, now=clock.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("credentials:proof")
    response = HttpResponse(downloaded.token, content_type="application/jwt")
    response["Content-Disposition"] = f'attachment; filename="{downloaded.filename}"'
    return response
