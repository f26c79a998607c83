"""The billing app's tables, one module per part: invoices (the billing policy, renewal notice steps,
invoices, their history and payments) and stripe_records (Stripe customers, PaymentIntents and their
lines, webhook events). Every model is imported here, so Django finds it and `from billing.models import X`
keeps working."""

from billing.models.invoices import BillingPolicy, Invoice, InvoiceEvent, Payment, RenewalNoticeStep
from billing.models.stripe_records import CardCheckoutLine, CardPaymentIntent, StripeCustomer, StripeEvent

__all__ = [
    "BillingPolicy",
    "CardCheckoutLine",
    "CardPaymentIntent",
    "Invoice",
    "InvoiceEvent",
    "Payment",
    "RenewalNoticeStep",
    "StripeCustomer",
    "StripeEvent",
]
