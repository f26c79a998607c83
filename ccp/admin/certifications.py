"""Admin of certifications (a members table registered by ccp): adding one enrols it, starting its CCP
cycle through `ccp.services.certification_enrol`; its facts and status are shown, never edited here."""

from django import forms
from django.contrib import admin

from ccp import services
from core import clock
from members.models import Certification


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
