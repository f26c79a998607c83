"""Proof of certification for the signed-in member: the certificate (US letter) and the wallet card
(3.375 x 2.125 in) of an Active certification, each with the QR code of its verification link. Another
member's certification is a 404; one that is not Active gets a page that says why and what to do."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core import clock
from core.links import absolute_url
from core.pdf import pdf_response, render_pdf
from members import selectors
from members.qr import qr_data_uri
from members.rules.verification import proof_refusal


def _proof_pdf(request, pk: int, *, template: str, document: str):
    member = selectors.member_or_404(request)
    certification = selectors.member_certifications(member).filter(pk=pk).first()
    if certification is None:
        raise Http404("No such certification.")
    if refusal := proof_refusal(certification.status_enum):
        context = {"certification": certification, "refusal": refusal, "document": document}
        return render(request, "members/proof_unavailable.html", context, status=409)
    link = absolute_url(certification.get_verification_url())
    context = {
        "answer": selectors.verification_answer(certification),
        "link": link,
        "qr": qr_data_uri(link),
        "issued_on": clock.today(),
    }
    filename = f"{document.replace(' ', '-')}-{certification.credential.code}-{member.member_number}.pdf"
    return pdf_response(render_pdf(template, context), filename, as_attachment=True)


@login_required
@require_http_methods(["GET"])
def certificate_pdf(request, pk):
    return _proof_pdf(request, pk, template="pdf/certificate.html", document="certificate")


@login_required
@require_http_methods(["GET"])
def wallet_card_pdf(request, pk):
    return _proof_pdf(request, pk, template="pdf/wallet_card.html", document="wallet card")
