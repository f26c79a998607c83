"""Admin of the CCP configuration staff edit here: activity categories (the point rules: open cycles
count with a change at once), the CCP policy, and the learning platform's API clients (a secret shown
once)."""

import secrets

from django import forms
from django.contrib import admin, messages

from ccp.models import ActivityCategory, ApiClient, CcpPolicy
from core.admin_helpers import SingletonPolicyAdmin

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
