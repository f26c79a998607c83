"""Admin: billing configuration (policy, renewal notice steps) is edited here by administrators; invoices,
their history, payments and the Stripe bookkeeping are shown read-only, because only the services write them
(billing staff act on invoices through the staff pages)."""

from django.contrib import admin

from billing.models import (
    BillingPolicy,
    CardPaymentIntent,
    Invoice,
    InvoiceEvent,
    Payment,
    RenewalNoticeStep,
    StripeCustomer,
    StripeEvent,
)
from core.admin_helpers import ReadOnly, ReadOnlyAdmin, SingletonPolicyAdmin


@admin.register(BillingPolicy)
class BillingPolicyAdmin(SingletonPolicyAdmin):
    list_display = ["__str__", "issue_days_before_due"]


@admin.register(RenewalNoticeStep)
class RenewalNoticeStepAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "code", "anchor", "offset_days", "by_email", "by_letter"]
    list_display_links = ["name"]
    ordering = ["position"]


class InvoiceEventInline(ReadOnly, admin.TabularInline):
    model = InvoiceEvent
    fields = ["effective_on", "from_state", "to_state", "reason", "actor", "source", "at"]
    readonly_fields = fields


class PaymentInline(ReadOnly, admin.StackedInline):
    model = Payment
    fields = [
        "receipt_number",
        "method",
        "amount_cents",
        "received_on",
        "reference",
        "stripe_payment_intent_id",
        "stripe_refund_id",
        "refunded_on",
        "recorded_by",
    ]
    readonly_fields = fields


class CardPaymentIntentInline(ReadOnly, admin.TabularInline):
    model = CardPaymentIntent
    fields = ["stripe_id", "status", "last_error", "amount_cents", "created_at", "updated_at"]
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "member", "credential", "kind", "fee_year_start", "amount", "due_on", "state"]
    list_filter = ["state", "kind", "certification__credential"]
    search_fields = ["number", "certification__member__member_number", "certification__member__last_name"]
    list_select_related = ["certification__member", "certification__credential"]
    date_hierarchy = "due_on"
    inlines = [PaymentInline, InvoiceEventInline, CardPaymentIntentInline]

    @admin.display(ordering="certification__member__last_name")
    def member(self, invoice):
        return invoice.certification.member

    @admin.display(ordering="certification__credential__code")
    def credential(self, invoice):
        return invoice.certification.credential.code


@admin.register(InvoiceEvent)
class InvoiceEventAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "effective_on", "from_state", "to_state", "reason", "actor", "source"]
    list_filter = ["to_state", "source"]
    search_fields = ["invoice__number", "reason"]
    list_select_related = ["invoice", "actor"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "receipt_number",
        "invoice",
        "method",
        "amount",
        "received_on",
        "reference",
        "refunded_on",
    ]
    list_filter = ["method", "received_on"]
    search_fields = ["receipt_number", "invoice__number", "reference", "stripe_payment_intent_id"]
    list_select_related = ["invoice"]


@admin.register(CardPaymentIntent)
class CardPaymentIntentAdmin(ReadOnlyAdmin):
    # The client secret lets a browser confirm the payment: never shown.
    list_display = ["stripe_id", "invoice", "status", "amount_cents", "last_error", "created_at"]
    list_filter = ["status"]
    search_fields = ["stripe_id", "invoice__number"]
    list_select_related = ["invoice"]
    exclude = ["client_secret"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "object_id", "received_at", "outcome"]
    list_filter = ["type"]
    search_fields = ["event_id", "object_id"]


@admin.register(StripeCustomer)
class StripeCustomerAdmin(ReadOnlyAdmin):
    list_display = ["stripe_id", "member"]
    search_fields = ["stripe_id", "member__member_number", "member__last_name"]
    list_select_related = ["member"]
