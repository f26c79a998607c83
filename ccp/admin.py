"""Admin: CCP configuration (categories, policy, API clients) is edited here; cycles, activities and
attestations are only shown, because every write to them goes through ccp.services."""

import json
import secrets

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from ccp import services
from ccp.models import (
    Activity,
    ActivityCategory,
    ActivityChange,
    ActivityDocument,
    ApiClient,
    Attestation,
    CcpPolicy,
    Cycle,
)
from ccp.services.activities import ACTIVITY_FIELDS
from core import clock
from core.admin_helpers import ReadOnly, ReadOnlyAdmin, SingletonPolicyAdmin
from members.models import Certification

RULE_CHANGE_NOTE = (
    "A change applies to open cycles only (their points are recomputed at once); closed cycles keep the "
    "result stored when they closed. A dated rule that changes later (e.g. a new “accepted through” date "
    "for some activities only) is a new category, not an edit of this one."
)


@admin.register(ActivityCategory)
class ActivityCategoryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "unit",
        "points_per_unit",
        "cap_per_cycle",
        "accepted_through",
        "is_period",
        "allows_quarter_hours",
        "sort_order",
    ]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "code", "description", "sort_order"]}),
        (
            "Point rule",
            {
                "description": RULE_CHANGE_NOTE,
                "fields": [
                    "unit",
                    "unit_plural",
                    "points_per_unit",
                    "cap_per_cycle",
                    "accepted_through",
                    "is_period",
                    "allows_quarter_hours",
                ],
            },
        ),
    ]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "subtitle": RULE_CHANGE_NOTE})

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            messages.info(
                request, "Open cycles now count with the changed rule; closed cycles are unchanged."
            )


@admin.register(CcpPolicy)
class CcpPolicyAdmin(SingletonPolicyAdmin):
    pass


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


class ApiClientAddForm(forms.ModelForm):
    secret = forms.CharField(
        required=False,
        max_length=200,
        strip=True,
        help_text="Leave empty to generate one. It is shown once, after saving: copy it into the client.",
    )

    class Meta:
        model = ApiClient
        fields = ["name", "key_id", "secret", "active"]

    def clean_secret(self):
        return self.cleaned_data["secret"] or secrets.token_urlsafe(32)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """The secret signs the client's requests (HMAC): shown in full once, when the client is created."""

    list_display = ["name", "key_id", "active"]
    list_filter = ["active"]
    search_fields = ["name", "key_id"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiClientAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return (
            ["name", "key_id", "secret", "active"]
            if obj is None
            else ["name", "key_id", "hidden_secret", "active"]
        )

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["key_id", "hidden_secret"]

    @admin.display(description="Secret")
    def hidden_secret(self, client: ApiClient):
        return (
            f"…{client.secret[-4:]} (shown only when the client was created; to replace it, add a new "
            "client and deactivate this one)"
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            messages.warning(
                request,
                f"The secret of {obj.key_id} is {obj.secret} . Copy it now into the client's configuration: "
                "it is not shown again.",
            )


class CertificationAddForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["member", "credential", "certified_on"]


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    """A members table registered here: adding a certification starts its CCP cycle as well (the members
    app knows nothing of cycles), through `ccp.services.certification_enrol`."""

    list_display = ["member", "credential", "certified_on", "status", "active_through", "paid_through"]
    list_filter = ["status", "credential"]
    search_fields = ["member__member_number", "member__last_name"]
    list_select_related = ["member", "credential"]
    autocomplete_fields = ["member"]
    readonly_fields = [
        "member",
        "credential",
        "certified_on",
        "reinstated_on",
        "paid_through",
        "ccp_failed_on",
        "audit_failed_on",
        "ccp_compliant_through",
        "status",
        "status_reason",
        "lapse_date",
        "active_through",
        "verification_token",
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = CertificationAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        certification = services.certification_enrol(
            member=form.cleaned_data["member"],
            credential=form.cleaned_data["credential"],
            certified_on=form.cleaned_data["certified_on"],
            today=clock.today(),
            actor=request.user,
            source="admin",
        )
        obj.pk = certification.pk

    def has_delete_permission(self, request, obj=None):
        return False
