"""Recertification forms: they collect what people typed; the services decide what is valid."""

from django import forms

from members.models import Credential
from recert.selectors import QUEUE_STATES, QueueFilters


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FelonyForm(forms.Form):
    felony = forms.TypedChoiceField(
        label="Have you ever been convicted of a felony, or been subject to a professional disciplinary "
        "action?",
        choices=[("no", "No"), ("yes", "Yes")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Answer yes or no."},
    )
    felony_date = forms.DateField(label="Date", required=False, widget=_date_input())
    felony_nature = forms.CharField(label="Nature of the offense or action", required=False, max_length=300)
    felony_authority = forms.CharField(label="Court or authority", required=False, max_length=300)
    felony_outcome = forms.CharField(label="Outcome", required=False, max_length=300)


class SignForm(forms.Form):
    signed_name = forms.CharField(
        label="Type your full legal name to sign",
        max_length=200,
        error_messages={"required": "Type your full legal name to sign."},
    )


class RmaAnswersForm(forms.Form):
    """The RMA eligibility assistant's questions (public, and a step of an RMA's exam application)."""

    program_graduated_on = forms.DateField(
        label="When did you graduate (or when will you graduate) from a medical-assisting program?",
        required=False,
        widget=_date_input(),
        help_text="Leave empty if you did not attend one.",
    )
    program_accredited = forms.BooleanField(
        label="The program is accredited by an agency recognized by the US Department of Education",
        required=False,
    )
    program_clock_hours = forms.IntegerField(
        label="Program clock hours", required=False, min_value=0, max_value=10000
    )
    externship_hours = forms.IntegerField(
        label="Externship hours", required=False, min_value=0, max_value=5000
    )
    military_graduated_on = forms.DateField(
        label="When did you complete a formal medical services training program of the US Armed Forces?",
        required=False,
        widget=_date_input(),
        help_text="Leave empty if you did not.",
    )
    months_employed_recent = forms.IntegerField(
        label="Months employed as a medical assistant in the last 5 years",
        required=False,
        min_value=0,
        max_value=60,
    )
    months_employed_experience = forms.IntegerField(
        label="Months employed as a medical assistant (clinical and administrative duties) in the last "
        "7 years",
        required=False,
        min_value=0,
        max_value=84,
    )
    months_instructor = forms.IntegerField(
        label="Of those months in the last 7 years, how many as an instructor?",
        required=False,
        min_value=0,
        max_value=84,
    )
    other_exam_passed = forms.BooleanField(
        label="I passed a generalist medical-assisting certification exam the body recognizes", required=False
    )

    def clean(self):
        cleaned = super().clean() or {}
        employed, instructor = cleaned.get("months_employed_experience"), cleaned.get("months_instructor")
        if employed is not None and instructor is not None and instructor > employed:
            self.add_error("months_instructor", "Months as an instructor are part of the months employed.")
        return cleaned

    def answers(self) -> dict:
        data = self.cleaned_data
        return {
            "program_graduated_on": data.get("program_graduated_on"),
            "program_accredited": bool(data.get("program_accredited")),
            "program_clock_hours": data.get("program_clock_hours") or 0,
            "externship_hours": data.get("externship_hours") or 0,
            "military_graduated_on": data.get("military_graduated_on"),
            "months_employed_recent": data.get("months_employed_recent") or 0,
            "months_employed_experience": data.get("months_employed_experience") or 0,
            "months_instructor": data.get("months_instructor") or 0,
            "other_exam_passed": bool(data.get("other_exam_passed")),
        }


class CredentialQuestionForm(forms.Form):
    meets_requirement = forms.TypedChoiceField(
        label="",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Answer yes or no."},
    )
    details = forms.CharField(
        label="Which requirement, and how you meet it",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason (the member reads it)", widget=forms.Textarea(attrs={"rows": 2}))


class ExamResultForm(forms.Form):
    passed = forms.TypedChoiceField(
        label="Result",
        choices=[("yes", "Passed"), ("no", "Failed")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    exam_date = forms.DateField(label="Exam date", widget=_date_input())


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="State", required=False, choices=[(key, label) for key, (label, _) in QUEUE_STATES.items()]
    )
    route = forms.ChoiceField(
        label="Route", required=False, choices=[("", "All"), ("ccp", "By CCP points"), ("exam", "By exam")]
    )
    credential = forms.ChoiceField(label="Credential", required=False)
    older_than = forms.IntegerField(
        label="Submitted at least (days ago)", required=False, min_value=0, max_value=3650
    )
    search = forms.CharField(label="Member number or name", required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = Credential.objects.order_by("code").values_list("code", flat=True)
        self.fields["credential"].choices = [("", "All")] + [(code, code) for code in codes]

    def filters(self) -> QueueFilters:
        if not self.is_valid():
            return QueueFilters()
        data = self.cleaned_data
        return QueueFilters(
            state=data.get("state") or "submitted",
            route=data.get("route") or "",
            credential=data.get("credential") or "",
            older_than=data.get("older_than"),
            search=data.get("search") or "",
        )
