"""Forms of the billing staff pages: they only read the input; the services decide what is allowed."""

from django import forms


class InvoiceSearchForm(forms.Form):
    q = forms.CharField(
        max_length=200,
        required=False,
        label="Invoice number, member number or last name",
        widget=forms.TextInput({"type": "search", "autocomplete": "off"}),
    )


class CheckPaymentForm(forms.Form):
    # Blank is let through: the service says what is missing, in the same words everywhere.
    check_number = forms.CharField(max_length=60, required=False, label="Check number")
    received_on = forms.DateField(
        label="Date received",
        widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the date the check was received."},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        required=False,
        label="Reason",
        help_text="Kept in the invoice's history and shown to the member.",
        widget=forms.Textarea({"rows": 2}),
    )
