from allauth.account import forms as account_forms
from django import forms
from django.core.exceptions import ValidationError

from members.models import MAILING_ADDRESS_FIELDS, Member
from members.rules.check_list import MAX_ROWS, MAX_UPLOAD_BYTES, check_list_rows, check_list_text
from members.rules.contact import contact_details_clean
from members.services.profiles import MEMBER_EDITABLE_FIELDS

# What the services accept, said before anyone is refused (the checks are `contact_details_clean`).
CONTACT_HELP_TEXTS = {
    "phone": "With the area code. For a number outside the US, start with + and the country code.",
    "state": "For a US address, the two-letter code: IL, DC, PR, AE ...",
    "postal_code": "For a US address, 5 digits or ZIP+4: 62701 or 62701-1234.",
    "country": "Two-letter country code: US, CA, GB ...",
}
CONTACT_WIDGETS = {
    "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    "address_line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
    "address_line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
    "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
    "state": forms.TextInput(attrs={"autocomplete": "address-level1"}),
    "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
    "country": forms.TextInput(attrs={"autocomplete": "country"}),
}


class ProfileForm(forms.ModelForm):
    """The member's own contact details; the profile service checks them and the view puts its errors
    beside the fields."""

    class Meta:
        model = Member
        fields = MEMBER_EDITABLE_FIELDS
        widgets = CONTACT_WIDGETS
        help_texts = CONTACT_HELP_TEXTS


class ContactDetailsChecked(forms.ModelForm):
    """A member form whose save cannot hand a ValidationError back (the admin's `save_model`): the services'
    own check of the phone and address runs in `clean`, so its errors stand beside the fields."""

    def clean(self):
        cleaned_data = super().clean()
        contact = {name: cleaned_data[name] for name in MEMBER_EDITABLE_FIELDS if name in cleaned_data}
        try:
            cleaned_data.update(contact_details_clean(contact))
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned_data


class StatusLookupForm(forms.Form):
    member_number = forms.CharField(max_length=20, label="Member number")
    last_name = forms.CharField(max_length=100, label="Last name")


class CheckListForm(forms.Form):
    """An employer's list, pasted or uploaded: `clean` reads it into rows (`rows` in cleaned_data), or
    says why it cannot be checked (not CSV, empty, over 100 rows) so that nothing is looked up."""

    pasted = forms.CharField(
        label="Paste the list",
        required=False,
        max_length=MAX_UPLOAD_BYTES,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocapitalize": "off"}),
        help_text=(
            f"One per line, up to {MAX_ROWS}: a verification link, or a member number and a last name "
            "separated by a comma (200123, Lee-Smith)."
        ),
    )
    upload = forms.FileField(
        label="Or upload a CSV file",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
        help_text="The same rows, one per line, in a .csv file saved from a spreadsheet.",
    )

    def clean(self):
        cleaned_data = super().clean()
        pasted, upload = cleaned_data.get("pasted", ""), cleaned_data.get("upload")
        if self.errors:
            return cleaned_data
        if pasted.strip() and upload:
            raise ValidationError("Paste a list or upload a file, not both.")
        if upload:  # read no further than a list can be long: a larger file is refused as such
            pasted = check_list_text(upload.read(MAX_UPLOAD_BYTES + 1))
        cleaned_data["rows"] = check_list_rows(pasted)
        return cleaned_data


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        max_length=200,
        required=False,
        label="Member number, e-mail or name",
        widget=forms.TextInput({"type": "search"}),
    )


# --- allauth's account forms, with sentence-case labels ("New password", not "New Password") -----------


def sentence_case(label: str) -> str:
    return label[:1].upper() + label[1:].lower() if label else label


class SentenceCaseLabels:
    """Mixed into allauth's forms (ACCOUNT_FORMS): the pages read like the rest of the portal."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.label = sentence_case(str(field.label or ""))


class LoginForm(SentenceCaseLabels, account_forms.LoginForm):
    pass


class ChangePasswordForm(SentenceCaseLabels, account_forms.ChangePasswordForm):
    pass


class SetPasswordForm(SentenceCaseLabels, account_forms.SetPasswordForm):
    pass


class ResetPasswordForm(SentenceCaseLabels, account_forms.ResetPasswordForm):
    pass


class ResetPasswordKeyForm(SentenceCaseLabels, account_forms.ResetPasswordKeyForm):
    pass


class AddEmailForm(SentenceCaseLabels, account_forms.AddEmailForm):
    pass


class MailingAddressForm(forms.ModelForm):
    """Staff fix a member's mailing address, saying why (kept in the profile history)."""

    reason = forms.CharField(
        label="Reason for the change",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What you were told or found, e.g. “Member phoned on Nov 29: moved to Springfield.”",
    )

    class Meta:
        model = Member
        fields = MAILING_ADDRESS_FIELDS
        widgets = CONTACT_WIDGETS
        help_texts = CONTACT_HELP_TEXTS
