"""Admin of CCP records, shown only: cycles with their attestation, activities with their documents,
attestations and the activity change history. Every write to them goes through ccp.services."""

import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from ccp.models import Activity, ActivityChange, ActivityDocument, Attestation, Cycle
from ccp.services.activities import ACTIVITY_FIELDS
from core.admin_helpers import ReadOnly, ReadOnlyAdmin


class AttestationInline(ReadOnly, admin.StackedInline):
    model = Attestation
    fields = ["signed_name", "signed_on", "signed_at", "signed_by", "statement"]
    readonly_fields = fields


@admin.register(Cycle)
class CycleAdmin(ReadOnlyAdmin):
    list_display = [
        "certification",
        "number",
        "start_on",
        "end_on",
        "state",
        "under_audit",
        "counted_points",
        "required_points",
        "closed_on",
    ]
    list_filter = ["state", "under_audit"]
    search_fields = ["certification__member__member_number"]
    list_select_related = ["certification__member", "certification__credential"]
    date_hierarchy = "end_on"
    inlines = [AttestationInline]
    fields = [
        "certification",
        "anchor_on",
        "number",
        "start_on",
        "end_on",
        "state",
        "under_audit",
        "closed_on",
        "required_points",
        "counted_points",
        "stored_result",
    ]
    readonly_fields = fields

    @admin.display(description="Closing result (stored)")
    def stored_result(self, cycle: Cycle):
        if cycle.closing_result is None:
            return "—"
        return format_html("<pre>{}</pre>", json.dumps(cycle.closing_result, indent=2))


class ActivityDocumentInline(ReadOnly, admin.TabularInline):
    model = ActivityDocument
    fields = ["download", "content_type", "size", "uploaded_at", "uploaded_by"]
    readonly_fields = fields

    @admin.display(description="Document")
    def download(self, document: ActivityDocument):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("ccp:document_download", args=[document.pk]),
            document.original_name,
        )


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "certification",
        "category",
        "completed_on",
        "period_start",
        "period_end",
        "quantity",
        "source",
        "created_at",
    ]
    list_filter = ["category", "source"]
    search_fields = ["certification__member__member_number", "title", "external_id"]
    list_select_related = ["certification__member", "certification__credential", "category"]
    inlines = [ActivityDocumentInline]
    readonly_fields = [
        "certification",
        *ACTIVITY_FIELDS,
        "source",
        "external_id",
        "recorded_by",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields


@admin.register(Attestation)
class AttestationAdmin(ReadOnlyAdmin):
    list_display = ["cycle", "signed_name", "signed_on", "signed_by"]
    search_fields = ["cycle__certification__member__member_number", "signed_name"]
    list_select_related = ["cycle__certification__member", "cycle__certification__credential", "signed_by"]
    fields = ["cycle", "signed_name", "signed_on", "signed_at", "signed_by", "statement"]
    readonly_fields = fields


ACTIVITY_CHANGE_FIELDS = [
    "certification",
    "activity_pk",
    "activity_description",
    "kind",
    "field",
    "old_value",
    "new_value",
    "changed_by",
    "changed_at",
]


@admin.register(ActivityChange)
class ActivityChangeAdmin(ReadOnlyAdmin):
    list_display = [name for name in ACTIVITY_CHANGE_FIELDS if name != "activity_pk"]
    list_filter = ["kind", "field"]
    search_fields = ["certification__member__member_number", "activity_description"]
    list_select_related = ["certification__member", "certification__credential", "changed_by"]
    fields = readonly_fields = ACTIVITY_CHANGE_FIELDS
