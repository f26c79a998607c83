"""Audits in the admin: the policy is configuration (administrators change it); campaigns, audits and
their timelines are records, read-only here: they change only through the reviewers' pages and the jobs."""

from django import forms
from django.contrib import admin

from audits.models import Audit, AuditCampaign, AuditEvent, AuditItem, AuditPolicy
from core.admin_helpers import ReadOnly, ReadOnlyAdmin, SingletonPolicyAdmin


class AuditPolicyForm(forms.ModelForm):
    class Meta:
        model = AuditPolicy
        fields = [
            "sample_rate", "sample_size", "deadline_days", "reminder_days", "more_info_days",
            "extension_max_days", "auto_start_day",
        ]  # fmt: skip

    def clean_reminder_days(self):
        days = self.cleaned_data["reminder_days"]
        if not isinstance(days, list) or not all(isinstance(day, int) and 0 <= day <= 365 for day in days):
            raise forms.ValidationError("Give a list of whole days before the deadline, e.g. [30, 7].")
        return sorted(set(days), reverse=True)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("sample_size") == 0:
            self.add_error("sample_size", "Leave it empty to use the rate, or select at least 1.")
        return cleaned


@admin.register(AuditPolicy)
class AuditPolicyAdmin(SingletonPolicyAdmin):
    form = AuditPolicyForm
    list_display = ["__str__", "sample_rate", "sample_size", "deadline_days", "reminder_days"]


@admin.register(AuditCampaign)
class AuditCampaignAdmin(ReadOnlyAdmin):
    list_display = ["year", "population_count", "selected_count", "started_on", "started_by", "source"]
    list_select_related = ["started_by"]


class AuditItemInline(ReadOnly, admin.TabularInline):
    model = AuditItem
    fields = ["activity", "state", "verified", "added_during_audit", "message", "decided_by", "decided_at"]
    readonly_fields = fields
    extra = 0


class AuditEventInline(ReadOnly, admin.TabularInline):
    model = AuditEvent
    fields = ["at", "kind", "from_state", "to_state", "message", "actor", "source"]
    readonly_fields = fields
    extra = 0


@admin.register(Audit)
class AuditAdmin(ReadOnlyAdmin):
    list_display = ["certification", "campaign", "state", "deadline", "extension", "decided_on", "claimed_by"]
    list_filter = ["state", "extension", "campaign", "certification__credential"]
    search_fields = ["certification__member__member_number", "certification__member__last_name"]
    list_select_related = ["certification__member", "certification__credential", "campaign", "claimed_by"]
    raw_id_fields = ["certification", "cycle"]
    inlines = [AuditItemInline, AuditEventInline]
