"""The member's "pay all open fees" pages: one card payment for the sum of the member's open invoices (two or
more), the test-mode stand-in for the bank's 3-D Secure page and the return page that re-reads the intent.
Each invoice is still paid with its own receipt (billing.services.checkout); the pay page's settings (test
cards, Stripe.js's policy) are billing.views'.
"""

import stripe
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from billing import rules, selectors, services, stripe_gateway
from billing.views import CHOSEN_TEST_CARD, NO_ANSWER, allows_stripe_js, card_form_context, submit_test_card
from core import clock
from core.links import absolute_url
from core.money import format_cents
from members.selectors import member_or_404


def _checkout_numbers(intent) -> list[str]:
    return [line.invoice.number for line in intent.lines.select_related("invoice").order_by("invoice_id")]


@login_required
@require_http_methods(["GET", "POST"])
@allows_stripe_js
def pay_all(request):
    member = member_or_404(request)
    invoices = list(selectors.member_open_invoices(member))
    if len(invoices) < 2:
        messages.info(request, "Fewer than two fees are open: pay the open invoice on its own.")
        return redirect("billing:invoices")
    try:
        intent = services.checkout_intent_for(member=member)
    except (ValidationError, stripe.StripeError) as error:
        messages.error(request, error.messages[0] if isinstance(error, ValidationError) else NO_ANSWER)
        return redirect("billing:invoices")
    error = ""
    if request.method == "POST":
        try:
            paid, error = submit_test_card(
                request,
                lambda card: services.checkout_pay_in_test_mode(
                    member=member, card=card, today=clock.today()
                ),
            )
        except stripe.StripeError:
            messages.error(request, NO_ANSWER)
            return redirect("billing:invoices")
        if paid and paid.status == "requires_action":
            return redirect("billing:pay_all_authenticate")
        if paid:
            return redirect("billing:pay_all_return")
        intent = selectors.member_checkout(member) or intent
    card_form = card_form_context(
        intent=intent,
        chosen_card=request.session.get(CHOSEN_TEST_CARD, ""),
        return_url=absolute_url(reverse("billing:pay_all_return")),
    )
    context = card_form | {
        "invoices": invoices,
        "total": format_cents(intent.amount_cents, invoices[0].currency),
        "error": error,
    }
    return render(request, "billing/pay_all.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def pay_all_authenticate(request):
    """Test mode's stand-in for the bank's 3-D Secure page, for the payment of all open fees."""
    intent = selectors.member_checkout(member_or_404(request))
    if intent is None or intent.status != "requires_action" or not stripe_gateway.is_test_mode():
        return redirect("billing:invoices")
    if request.method == "POST":
        try:
            services.card_complete_3d_secure(
                intent=intent, success=request.POST.get("outcome") == "approve", today=clock.today()
            )
        except ValidationError as refusal:
            messages.error(request, refusal.messages[0])
        return redirect("billing:pay_all_return")
    context = {
        "intent": intent,
        "amount": format_cents(intent.amount_cents),
        "paying_for": "invoices " + ", ".join(_checkout_numbers(intent)),
    }
    return render(request, "billing/pay_authenticate.html", context)


@login_required
@require_GET
def pay_all_return(request):
    """Where Stripe (or test mode) sends the member back after paying all open fees: the intent is re-read."""
    intent = selectors.member_checkout(member_or_404(request))
    if intent is None:
        return redirect("billing:invoices")
    try:
        intent = services.payment_intent_sync(
            stripe_id=intent.stripe_id, today=clock.today(), source="return page"
        )
    except stripe.StripeError:
        messages.warning(request, "We could not confirm the payment with the card processor yet.")
    numbers = ", ".join(_checkout_numbers(intent))
    if intent.status == "succeeded":
        messages.success(
            request, f"Thank you: {format_cents(intent.amount_cents)} received for invoices {numbers}."
        )
    elif intent.status == "processing":
        messages.info(
            request, "Your payment is being processed. This page will show it as paid once it clears."
        )
    elif intent.last_error_code:
        messages.error(request, rules.card_error_for_member(intent.last_error_code))
        return redirect("billing:pay_all")
    elif intent.last_error:
        messages.error(request, f"The payment did not go through: {intent.last_error}")
        return redirect("billing:pay_all")
    return redirect("billing:invoices")
