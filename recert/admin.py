"""Recertification in the admin: the dated rules and the RMA routes are configuration (a rule change is a new
row with its start date); applications and their timelines are records, read-only here."""

from django.contrib import admin

from core.admin_helpers import ReadOnly, ReadOnlyAdmin
from recert.models import Application, ApplicationEvent, RecertRule, RmaRoutes


@admin.register(RecertRule)
class RecertRuleAdmin(admin.ModelAdmin):
    list_display = [
        "credential", "effective_from", "required_points", "window_years", "exam_gate_years", "ccp_fee_cents",
        "exam_fee_cents", "validity_months", "authorization_days",
    ]  # fmt: skip
    list_filter = ["credential"]
    list_select_related = ["credential"]

    def get_readonly_fields(self, request, obj=None):
        # A rule that applications were judged by stays as it was: a change is a new row.
        return [field.name for field in RecertRule._meta.fields] if obj else []


@admin.register(RmaRoutes)
class RmaRoutesAdmin(admin.ModelAdmin):
    list_display = ["effective_from", "program_clock_hours", "externship_hours", "experience_months"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in RmaRoutes._meta.fields] if obj else []


class ApplicationEventInline(ReadOnly, admin.TabularInline):
    model = ApplicationEvent
    fields = ["at", "from_state", "to_state", "message", "actor", "source"]
    readonly_fields = fields
    extra = 0


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["certification", "route", "state", "submitted_on", "expires_on", "decided_on"]
    list_filter = ["state", "route", "certification__credential"]
    search_fields = ["certification__member__member_number", "certification__member__last_name"]
    list_select_related = ["certification__member", "certification__credential", "claimed_by"]
    inlines = [ApplicationEventInline]
