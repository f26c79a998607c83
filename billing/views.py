"""Member billing pages: invoices, paying one by card, invoice and receipt PDFs, and the Stripe webhook
(paying all open fees at once: billing.checkout_views).

Every invoice is looked up through the signed-in member, so another member's invoice number is a 404.
"""

from collections.abc import Callable
from functools import wraps

import stripe
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import rules, selectors, services, stripe_gateway
from billing.models import CardPaymentIntent, Invoice
from core import clock
from core.links import absolute_url
from core.money import format_cents
from core.pdf import pdf_response, render_pdf
from members.selectors import member_or_404


def _own_invoice(request, number: str) -> Invoice:
    invoice = selectors.member_invoice(member_or_404(request), number)
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


@login_required
@require_GET
def invoices(request):
    member = member_or_404(request)
    invoices = list(selectors.member_invoices(member))
    # Without invoices, each certification says when its invoice comes, or why none is issued.
    notes = [] if invoices else selectors.member_without_invoices_notes(member=member, today=clock.today())
    payments = list(selectors.member_payments(member))
    open_invoices = [invoice for invoice in invoices if invoice.is_open]
    # Two or more open fees are paid in one card payment, each invoice with its own receipt.
    pay_all_total = (
        format_cents(sum(invoice.amount_cents for invoice in open_invoices), open_invoices[0].currency)
        if len(open_invoices) >= 2
        else ""
    )
    context = {
        "invoices": invoices,
        "payments": payments,
        "without_invoices": notes,
        "pay_all_total": pay_all_total,
    }
    return render(request, "billing/invoices.html", context)


@login_required
@require_GET
def invoice_detail(request, number: str):
    invoice = _own_invoice(request, number)
    events = invoice.events.all()
    return render(request, "billing/invoice_detail.html", {"invoice": invoice, "events": events})


def card_form_context(*, intent, chosen_card: str, return_url: str) -> dict:
    """What the card form needs (templates/billing/_card_form.html), for one invoice or for all open fees."""
    return {
        "intent": intent,
        "test_mode": stripe_gateway.is_test_mode(),
        "test_cards": stripe_gateway.TEST_CARDS,
        # After a refusal the form shows the card the member chose, not the first one again.
        "chosen_card": chosen_card
        if chosen_card in stripe_gateway.TEST_CARDS
        else next(iter(stripe_gateway.TEST_CARDS)),
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        # Stripe.js's decline messages are replaced by the same plain words (static/js/pay.js).
        "card_error_words": rules.CARD_ERROR_WORDS | {"": rules.CARD_ERROR_OTHER},
        "return_url": return_url,
    }


def _pay_context(invoice: Invoice, intent, chosen_card: str = "") -> dict:
    return_url = absolute_url(reverse("billing:pay_return", args=[invoice.number]))
    return {"invoice": invoice} | card_form_context(
        intent=intent, chosen_card=chosen_card, return_url=return_url
    )


def submit_test_card(
    request, pay: Callable[[str], CardPaymentIntent]
) -> tuple[CardPaymentIntent | None, str]:
    """A test-mode card form posted: `pay(card)` with the member's choice (kept in the session for the form
    shown again after a refusal, here or after the 3-D Secure page). Returns the intent, or None and the
    refusal in plain words; a processor that stopped answering raises stripe.StripeError."""
    request.session[CHOSEN_TEST_CARD] = request.POST.get("card", "")[:20]
    try:
        return pay(request.session[CHOSEN_TEST_CARD]), ""
    except ValidationError as refusal:
        return None, refusal.messages[0]


NO_ANSWER = "The payment service did not answer."
CHOSEN_TEST_CARD = "billing_chosen_test_card"  # session key

# Stripe.js and the frames and API calls of its Payment Element (Stripe's CSP guide), on the pay page only.
STRIPE_JS_POLICY = {
    "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


def allows_stripe_js(view):
    """The Content-Security-Policy admits Stripe.js only with real keys (test mode loads nothing from it)."""
    with_stripe = csp_update(STRIPE_JS_POLICY)(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        chosen = view if stripe_gateway.is_test_mode() else with_stripe
        return chosen(request, *args, **kwargs)

    return wrapper


def _still_lapsed(invoice: Invoice) -> str:
    """Paying one of several fees: which fees keep the certification Lapsed ("" when none do)."""
    return rules.still_lapsed_words(selectors.fees_keeping_lapsed(invoice=invoice, today=clock.today()))


def _pay_unavailable(request, invoice: Invoice, message: str):
    return render(request, "billing/pay_unavailable.html", {"invoice": invoice, "error": message}, status=503)


@login_required
@require_http_methods(["GET", "POST"])
@allows_stripe_js
def pay(request, number: str):
    invoice = _own_invoice(request, number)
    if not invoice.is_open:
        messages.info(
            request, f"Invoice {invoice.number} is {invoice.get_state_display().lower()}: nothing to pay."
        )
        return redirect(invoice)
    try:
        intent = services.payment_intent_for(invoice=invoice)
    except (ValidationError, stripe.StripeError) as error:
        message = error.messages[0] if isinstance(error, ValidationError) else NO_ANSWER
        return _pay_unavailable(request, invoice, message)
    error = ""
    if request.method == "POST":
        try:
            paid, error = submit_test_card(
                request,
                lambda card: services.card_pay_in_test_mode(invoice=invoice, card=card, today=clock.today()),
            )
        except stripe.StripeError:  # the processor stopped answering between the page and the click
            return _pay_unavailable(request, invoice, NO_ANSWER)
        if paid and paid.status == "requires_action":
            return redirect("billing:pay_authenticate", number=invoice.number)
        if paid:
            return redirect("billing:pay_return", number=invoice.number)
        intent = selectors.live_payment_intent(invoice=invoice) or intent
    context = _pay_context(invoice, intent, request.session.get(CHOSEN_TEST_CARD, "")) | {
        "error": error,
        "still_lapsed": _still_lapsed(invoice),
    }
    return render(request, "billing/pay.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def pay_authenticate(request, number: str):
    """Test mode's stand-in for the bank's 3-D Secure page (localstripe's authenticate endpoint)."""
    invoice = _own_invoice(request, number)
    intent = selectors.live_payment_intent(invoice=invoice)
    if intent is None or intent.status != "requires_action" or not stripe_gateway.is_test_mode():
        return redirect(invoice)
    if request.method == "POST":
        try:
            services.card_complete_3d_secure(
                intent=intent, success=request.POST.get("outcome") == "approve", today=clock.today()
            )
        except ValidationError as refusal:
            messages.error(request, refusal.messages[0])
        return redirect("billing:pay_return", number=invoice.number)
    context = {"intent": intent, "amount": invoice.amount, "paying_for": f"invoice {invoice.number}"}
    return render(request, "billing/pay_authenticate.html", context)


@login_required
@require_GET
def pay_return(request, number: str):
    """Where Stripe (or test mode) sends the member back: the intent is re-read, so the page is right even
    before, or without, the webhook."""
    invoice = _own_invoice(request, number)
    intent = selectors.live_payment_intent(invoice=invoice)
    if intent is not None:
        try:
            intent = services.payment_intent_sync(
                stripe_id=intent.stripe_id, today=clock.today(), source="return page"
            )
        except stripe.StripeError:
            messages.warning(request, "We could not confirm the payment with the card processor yet.")
    invoice.refresh_from_db()
    if invoice.state == Invoice.State.PAID:
        messages.success(request, f"Thank you: {invoice.amount} received for invoice {invoice.number}.")
        if still_lapsed := _still_lapsed(invoice):
            messages.warning(request, still_lapsed)
        if invoice.continue_path.startswith("/") and not invoice.continue_path.startswith("//"):
            return redirect(invoice.continue_path)
    elif intent is not None and intent.status == "processing":
        messages.info(
            request, "Your payment is being processed. This page will show it as paid once it clears."
        )
    elif intent is not None and intent.last_error_code:  # Stripe's own words stay on the staff page
        messages.error(request, rules.card_error_for_member(intent.last_error_code))
        return redirect("billing:pay", number=invoice.number)
    elif intent is not None and intent.last_error:
        messages.error(request, f"The payment did not go through: {intent.last_error}")
        return redirect("billing:pay", number=invoice.number)
    return redirect(invoice)


def _pdf_context(invoice: Invoice) -> dict:
    return {
        "invoice": invoice,
        "member": invoice.certification.member,
        "credential": invoice.certification.credential,
        "pay_link": absolute_url(reverse("billing:pay", args=[invoice.number])),
    }


@login_required
@require_GET
def invoice_pdf(request, number: str):
    return invoice_pdf_response(_own_invoice(request, number))


def invoice_pdf_response(invoice: Invoice) -> HttpResponse:
    """The invoice PDF (the member's page and the billing staff page)."""
    return pdf_response(
        render_pdf("pdf/invoice.html", _pdf_context(invoice)), f"invoice-{invoice.number}.pdf"
    )


def receipt_response(invoice: Invoice) -> HttpResponse:
    """The receipt PDF of a paid invoice (404 before it is paid)."""
    payment = getattr(invoice, "payment", None)
    if payment is None:
        raise Http404("This invoice has no payment.")
    context = _pdf_context(invoice) | {"payment": payment}
    return pdf_response(render_pdf("pdf/receipt.html", context), f"receipt-{payment.receipt_number}.pdf")


@login_required
@require_GET
def receipt_pdf(request, number: str):
    return receipt_response(_own_invoice(request, number))


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's events: the signature and the event's shape are checked before anything is written (400 and
    nothing stored)."""
    try:
        services.stripe_event_receive(
            payload=request.body,
            signature=request.headers.get("Stripe-Signature", ""),
            secret=settings.STRIPE_WEBHOOK_SECRET,
            now=clock.now(),
            today=clock.today(),
        )
    except services.StripeEventInvalid as error:
        return JsonResponse({"error": "invalid_event", "detail": str(error)}, status=400)
    except (ValueError, stripe.SignatureVerificationError) as error:
        return JsonResponse({"error": "invalid_signature", "detail": str(error)[:200]}, status=400)
    return JsonResponse({"received": True})
