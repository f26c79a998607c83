"""Recertification in the admin: the dated rules and the RMA routes are configuration (a rule change is a new
row with its start date); applications and their timelines are records, read-only here."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from core import clock
from core.admin_helpers import ReadOnly, ReadOnlyAdmin
from recert import services
from recert.models import (
    Application,
    ApplicationEvent,
    Badge,
    BadgeEvent,
    BadgeTemplate,
    RecertRule,
    RmaRoutes,
)


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


# --- Credly badges: the template per credential is data; badges are records, retried through the service.


@admin.register(BadgeTemplate)
class BadgeTemplateAdmin(admin.ModelAdmin):
    list_display = ["credential", "template_id"]
    list_select_related = ["credential"]

    def get_readonly_fields(self, request, obj=None):
        return ["credential"] if obj else []


class BadgeEventInline(ReadOnly, admin.TabularInline):
    model = BadgeEvent
    fields = ["at", "from_state", "to_state", "message", "actor", "source"]
    readonly_fields = fields


@admin.register(Badge)
class BadgeAdmin(ReadOnlyAdmin):
    list_display = ["certification", "anchor_date", "state", "credly_id", "ended_on", "last_error"]
    list_filter = ["state", "certification__credential"]
    search_fields = ["certification__member__member_number", "certification__member__last_name", "credly_id"]
    list_select_related = ["certification__member", "certification__credential"]
    inlines = [BadgeEventInline]
    actions = ["retry"]

    @admin.action(description="Retry the selected badges in error")
    def retry(self, request, queryset):
        if not request.user.has_perm("recert.change_badge"):
            self.message_user(
                request, "Retrying a badge needs the permission to change badges.", messages.ERROR
            )
            return
        retried = 0
        for badge in queryset.filter(state=Badge.State.ERROR):
            try:
                services.badge_retry(badge=badge, actor=request.user, today=clock.today(), source="admin")
            except ValidationError as error:
                self.message_user(request, f"{badge}: {' '.join(error.messages)}", messages.ERROR)
            else:
                retried += 1
        self.message_user(
            request, f"{retried} badge(s) sent to Credly again (only badges in error are retried)."
        )
