"""Audit forms: they collect what people typed; the services decide what is valid."""

from django import forms

from audits.models import AuditPolicy
from audits.selectors import QUEUE_STATES, QueueFilters
from ccp.forms import DOCUMENT_TYPES
from members.models import Credential


class ProofForm(forms.Form):
    file = forms.FileField(
        label="Proof (PDF, JPEG or PNG)",
        error_messages={"required": "Choose a file to upload."},
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES}),
    )


class ExtensionForm(forms.Form):
    days = forms.IntegerField(
        label="Days more you need",
        min_value=1,
        error_messages={"required": "Say how many days more you need."},
    )
    reason = forms.CharField(
        label="Why you need more time",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why you need more time."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        maximum = AuditPolicy.current().extension_max_days
        self.fields["days"].max_value = maximum
        self.fields["days"].widget.attrs["max"] = maximum
        self.fields["days"].help_text = f"Up to {maximum} days. You can ask once."


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("accept", "Accept"), ("refuse", "Refuse"), ("more", "Ask for more")],
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label="Reason or request (the member reads it)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ExtensionDecisionForm(forms.Form):
    grant = forms.TypedChoiceField(
        label="Decision",
        choices=[("yes", "Grant"), ("no", "Deny")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    days = forms.IntegerField(label="Days granted", min_value=1, required=False)
    reason = forms.CharField(
        label="Reason (when denied)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CampaignStartForm(forms.Form):
    year = forms.IntegerField(label="Year the population rolled", min_value=2000, max_value=2999)


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="State", required=False, choices=[(key, label) for key, (label, _) in QUEUE_STATES.items()]
    )
    campaign = forms.TypedChoiceField(label="Campaign", required=False, coerce=int, empty_value=None)
    credential = forms.ChoiceField(label="Credential", required=False)
    due_within = forms.IntegerField(label="Due within (days)", required=False, min_value=0, max_value=365)
    search = forms.CharField(label="Member number or name", required=False, max_length=100)

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", "All")] + [(c.pk, str(c.year)) for c in campaigns]
        codes = Credential.objects.order_by("code").values_list("code", flat=True)
        self.fields["credential"].choices = [("", "All")] + [(code, code) for code in codes]

    def filters(self) -> QueueFilters:
        if not self.is_valid():
            return QueueFilters()
        data = self.cleaned_data
        return QueueFilters(
            state=data.get("state") or "submitted",
            campaign=data.get("campaign"),
            credential=data.get("credential") or "",
            due_within=data.get("due_within"),
            search=data.get("search") or "",
        )
