"""Every write of the billing app. Views, tasks, commands and later apps call these."""

from billing.services.checkout import checkout_intent_for, checkout_pay_in_test_mode
from billing.services.invoices import (
    invoice_move,
    invoice_record_check,
    invoice_record_payment,
    invoice_void,
    invoice_waive,
)
from billing.services.issuing import (
    invoice_issue_next,
    invoice_issue_recertification_fee,
    invoices_issue_due,
    invoices_void_not_active,
    invoices_void_open_annual,
)
from billing.services.notices import renewal_notices_send
from billing.services.payment_sync import payment_intent_sync, payment_intents_reconcile
from billing.services.payments import (
    card_complete_3d_secure,
    card_pay_in_test_mode,
    payment_intent_for,
)
from billing.services.refunds import invoice_refund
from billing.services.webhooks import StripeEventInvalid, stripe_event_receive

__all__ = [
    "StripeEventInvalid",
    "card_complete_3d_secure",
    "card_pay_in_test_mode",
    "checkout_intent_for",
    "checkout_pay_in_test_mode",
    "invoice_issue_next",
    "invoice_issue_recertification_fee",
    "invoice_move",
    "invoice_record_check",
    "invoice_record_payment",
    "invoice_refund",
    "invoice_void",
    "invoice_waive",
    "invoices_issue_due",
    "invoices_void_not_active",
    "invoices_void_open_annual",
    "payment_intent_for",
    "payment_intent_sync",
    "payment_intents_reconcile",
    "renewal_notices_send",
    "stripe_event_receive",
]
