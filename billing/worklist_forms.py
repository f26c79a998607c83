"""Filters of billing staff's work lists and the payments export: they read the query string and say, in the
page, what is wrong with it (never a server error)."""

from django import forms

from billing.worklists import ExceptionFilters, FailedPaymentFilters, InvoiceFilters
from members.models import Credential

MAX_EXPORT_DAYS = 3660  # ten years of payments in one file


def _date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": f"{label}: enter a date as YYYY-MM-DD."},
        **kwargs,
    )


class _CredentialChoices(forms.Form):
    credential = forms.ChoiceField(label="Credential", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = Credential.objects.order_by("code").values_list("code", flat=True)
        self.fields["credential"].choices = [("", "All")] + [(code, code) for code in codes]


class InvoiceFilterForm(_CredentialChoices):
    due_from = _date_field("Due from", required=False)
    due_to = _date_field("Due to", required=False)
    amount_min = forms.DecimalField(
        label="Amount from ($)", required=False, min_value=0, max_digits=9, decimal_places=2
    )
    amount_max = forms.DecimalField(
        label="Amount to ($)", required=False, min_value=0, max_digits=9, decimal_places=2
    )
    overdue_days = forms.IntegerField(
        label="Days overdue at least", required=False, min_value=0, max_value=36500
    )

    field_order = ["due_from", "due_to", "credential", "amount_min", "amount_max", "overdue_days"]

    def clean(self):
        data = super().clean()
        if data.get("due_from") and data.get("due_to") and data["due_from"] > data["due_to"]:
            raise forms.ValidationError("The due date range ends before it starts.")
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError("The amount range ends below where it starts.")
        return data

    def filters(self) -> InvoiceFilters:
        data = self.cleaned_data
        return InvoiceFilters(
            due_from=data.get("due_from"),
            due_to=data.get("due_to"),
            credential=data.get("credential") or "",
            amount_min=data.get("amount_min"),
            amount_max=data.get("amount_max"),
            overdue_days=data.get("overdue_days"),
        )


class FailedPaymentFilterForm(_CredentialChoices):
    since = _date_field("Failed on or after", required=False)

    def filters(self) -> FailedPaymentFilters:
        data = self.cleaned_data
        return FailedPaymentFilters(since=data.get("since"), credential=data.get("credential") or "")


class ExceptionFilterForm(forms.Form):
    search = forms.CharField(label="Member number or last name", required=False, max_length=100)

    def filters(self) -> ExceptionFilters:
        return ExceptionFilters(search=self.cleaned_data.get("search") or "")


class PaymentExportForm(forms.Form):
    start = _date_field("Received from")
    end = _date_field("Received to")
    format = forms.ChoiceField(
        label="File", choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)")], initial="xlsx"
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The date range ends before it starts.")
        if start and end and (end - start).days > MAX_EXPORT_DAYS:
            raise forms.ValidationError("Export at most ten years of payments at a time.")
        return data
