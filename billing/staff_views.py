"""Billing staff pages: invoice search, an invoice with its history and the staff actions (check payment,
waive, void, refund), staff copies of the PDFs, and the daily mail batches.

Every page needs a staff permission (two-factor: the middleware). Actions are POSTs to their own URL that
call one service; a refusal re-renders the invoice page with the service's message (status 400).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import stripe
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from billing import rules, selectors, services
from billing import views as member_views
from billing.forms import CheckPaymentForm, InvoiceSearchForm, ReasonForm
from billing.models import Invoice, Payment
from core import clock
from core.permissions import staff_required

SEARCH_LIMIT = 50


# --- Invoices -------------------------------------------------------------------------------------------


@staff_required("billing.view_invoice")
@require_GET
def invoice_search(request):
    form = InvoiceSearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        results = list(selectors.staff_invoice_search(form.cleaned_data["q"])[: SEARCH_LIMIT + 1])
    more = results is not None and len(results) > SEARCH_LIMIT
    return render(
        request,
        "billing/staff/invoice_search.html",
        {"form": form, "results": results[:SEARCH_LIMIT] if results else results, "more": more},
    )


@dataclass(frozen=True)
class Action:
    """A staff action on an invoice: its form, the state move it makes and who may make it."""

    title: str
    button: str
    url_name: str
    permission: str
    to_state: str
    form_class: type[forms.Form]
    run: Callable[..., str]  # calls the service; returns the success message
    card_only: bool = False


def _record_check(invoice: Invoice, data: dict, *, today: datetime.date, actor) -> str:
    payment = services.invoice_record_check(
        invoice=invoice,
        check_number=data["check_number"],
        received_on=data["received_on"],
        today=today,
        actor=actor,
    )
    return f"Check payment recorded for invoice {invoice.number}: receipt {payment.receipt_number}."


def _waive(invoice: Invoice, data: dict, *, today: datetime.date, actor) -> str:
    services.invoice_waive(invoice=invoice, reason=data["reason"], today=today, actor=actor)
    return f"Invoice {invoice.number} waived."


def _void(invoice: Invoice, data: dict, *, today: datetime.date, actor) -> str:
    services.invoice_void(
        invoice=invoice, reason=data["reason"], today=today, actor=actor, source="staff void"
    )
    return f"Invoice {invoice.number} voided: the fee year is owed again."


def _refund(invoice: Invoice, data: dict, *, today: datetime.date, actor) -> str:
    services.invoice_refund(invoice=invoice, reason=data["reason"], today=today, actor=actor)
    return f"Card payment of invoice {invoice.number} refunded: the fee year is owed again."


ACTIONS = {
    "check": Action(
        "Record a check payment", "Record payment", "billing_staff:invoice_record_check",
        "billing.record_payment", Invoice.State.PAID, CheckPaymentForm, _record_check,
    ),
    "waive": Action(
        "Waive", "Waive the fee", "billing_staff:invoice_waive",
        "billing.settle_invoice", Invoice.State.WAIVED, ReasonForm, _waive,
    ),
    "void": Action(
        "Void (issued in error)", "Void the invoice", "billing_staff:invoice_void",
        "billing.settle_invoice", Invoice.State.VOID, ReasonForm, _void,
    ),
    "refund": Action(
        "Refund the card payment", "Refund through Stripe", "billing_staff:invoice_refund",
        "billing.settle_invoice", Invoice.State.REFUNDED, ReasonForm, _refund, card_only=True,
    ),
}  # fmt: skip


def _invoice_or_404(number: str) -> Invoice:
    invoice = selectors.staff_invoice(number)
    if invoice is None:
        raise Http404("No invoice has this number.")
    return invoice


def _payment(invoice: Invoice) -> Payment | None:
    return getattr(invoice, "payment", None)


def _allowed(action: Action, invoice: Invoice, user) -> bool:
    if not user.has_perm(action.permission) or not rules.can_move(invoice.state, action.to_state):
        return False
    payment = _payment(invoice)
    return not action.card_only or rules.can_refund(invoice.state, payment.method if payment else None)


def _invoice_page(request, invoice: Invoice, *, bound: dict | None = None, refusal: str = "", status=200):
    bound = bound or {}
    initial = {"received_on": clock.today()}
    actions = [
        {
            "name": name,
            "action": action,
            "url": reverse(action.url_name, args=[invoice.number]),
            "form": bound[name] if name in bound else action.form_class(prefix=name, initial=initial),
        }
        for name, action in ACTIONS.items()
        if _allowed(action, invoice, request.user)
    ]
    context = {
        "invoice": invoice,
        "certification": invoice.certification,
        "member": invoice.certification.member,
        "payment": _payment(invoice),
        "events": invoice.events.all(),
        "intents": invoice.payment_intents.all(),
        "actions": actions,
        "refusal": refusal,
    }
    return render(request, "billing/staff/invoice_detail.html", context, status=status)


@staff_required("billing.view_invoice")
@require_GET
def invoice_detail(request, number: str):
    return _invoice_page(request, _invoice_or_404(number))


def _act(request, number: str, name: str):
    """Run one action from its form; a refusal comes back on the invoice page, nothing written."""
    invoice = _invoice_or_404(number)
    action = ACTIONS[name]
    form = action.form_class(request.POST, prefix=name)
    if form.is_valid():
        try:
            message = action.run(invoice, form.cleaned_data, today=clock.today(), actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        except stripe.StripeError as error:
            form.add_error(None, f"Stripe did not accept the refund: {error.user_message or error}")
        else:
            messages.success(request, message)
            return redirect("billing_staff:invoice", number=invoice.number)
    # The form is not on the page when the invoice's state no longer allows the action: say why on top.
    refusal = "" if _allowed(action, invoice, request.user) else " ".join(_errors(form))
    return _invoice_page(request, invoice, bound={name: form}, refusal=refusal, status=400)


def _errors(form: forms.Form) -> list[str]:
    return [message for messages_ in form.errors.values() for message in messages_]


@staff_required("billing.record_payment")
@require_POST
def invoice_record_check(request, number: str):
    return _act(request, number, "check")


@staff_required("billing.settle_invoice")
@require_POST
def invoice_waive(request, number: str):
    return _act(request, number, "waive")


@staff_required("billing.settle_invoice")
@require_POST
def invoice_void(request, number: str):
    return _act(request, number, "void")


@staff_required("billing.settle_invoice")
@require_POST
def invoice_refund(request, number: str):
    return _act(request, number, "refund")


@staff_required("billing.view_invoice")
@require_GET
def invoice_pdf(request, number: str):
    return member_views.invoice_pdf_response(_invoice_or_404(number))


@staff_required("billing.view_invoice")
@require_GET
def receipt_pdf(request, number: str):
    return member_views.receipt_response(_invoice_or_404(number))


# --- Mail batches ---------------------------------------------------------------------------------------
