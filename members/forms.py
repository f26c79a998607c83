from django import forms

from members.models import Member
from members.services.profiles import MEMBER_EDITABLE_FIELDS


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = MEMBER_EDITABLE_FIELDS
        widgets = {"phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"})}


class StatusLookupForm(forms.Form):
    member_number = forms.CharField(max_length=20, label="Member number")
    last_name = forms.CharField(max_length=100, label="Last name")


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        max_length=200,
        required=False,
        label="Member number, e-mail or name",
        widget=forms.TextInput({"type": "search"}),
    )
