"""Admin: configuration data (credentials, policy) and records; writes that carry rules call services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError

from core.admin_helpers import ReadOnly, ReadOnlyAdmin, SingletonPolicyAdmin
from members import services
from members.forms import CONTACT_HELP_TEXTS, ContactDetailsChecked
from members.models import (
    MAILING_ADDRESS_FIELDS,
    Certification,
    CertificationPolicy,
    Credential,
    Member,
    Notice,
    ProfileChange,
    StatusChange,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "ccp_points_required", "annual_fee_cents", "currency"]


@admin.register(CertificationPolicy)
class CertificationPolicyAdmin(SingletonPolicyAdmin):
    pass


class MemberChangeForm(ContactDetailsChecked):
    class Meta:
        model = Member
        fields = "__all__"
        help_texts = CONTACT_HELP_TEXTS


class MemberAddForm(ContactDetailsChecked):
    email = forms.EmailField(label="E-mail address")

    class Meta:
        model = Member
        fields = [
            "member_number",
            "first_name",
            "middle_name",
            "last_name",
            "phone",
            *MAILING_ADDRESS_FIELDS,
        ]
        help_texts = CONTACT_HELP_TEXTS

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("This e-mail address is already in use.")
        return email


class CertificationInline(ReadOnly, admin.TabularInline):
    model = Certification
    fields = ["credential", "certified_on", "reinstated_on", "paid_through", "status", "active_through"]
    readonly_fields = fields


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["member_number", "last_name", "first_name", "user"]
    search_fields = ["member_number", "last_name", "first_name", "user__email"]
    inlines = [CertificationInline]
    readonly_fields = ["user", "member_number", "created_at"]
    form = MemberChangeForm

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = MemberAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return ["email", *[f for f in fields if f not in ("email", "user")]] if obj is None else fields

    def save_model(self, request, obj, form, change):
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("email", "member_number")}
        if change:
            services.member_update_profile(member=obj, changed_by=request.user, fields=data)
            return
        try:
            member = services.member_create(
                member_number=form.cleaned_data["member_number"], email=form.cleaned_data["email"], **data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            raise
        obj.pk = member.pk
        obj.user = member.user
        messages.info(request, f"An invitation was sent to {member.user.email}.")


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["certification", "from_status", "to_status", "effective_on", "source", "changed_by"]
    list_filter = ["to_status", "source"]
    list_select_related = ["certification__member", "certification__credential", "changed_by"]


@admin.register(ProfileChange)
class ProfileChangeAdmin(StatusChangeAdmin):
    list_display = ["member", "field", "old_value", "new_value", "changed_by", "changed_at"]
    list_filter = ["field"]
    list_select_related = ["member", "changed_by"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["member", "kind", "key", "channel", "state", "created_at", "sent_at"]
    list_filter = ["channel", "state", "kind"]
    search_fields = ["member__member_number", "recipient", "subject"]
    list_select_related = ["member"]
    readonly_fields = [f.name for f in Notice._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
