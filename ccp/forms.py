"""Member CCP forms: they collect what the member typed; the services decide what is valid."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms

from ccp.models import Activity, ActivityCategory, CcpPolicy
from ccp.selectors import CategoryChoices
from core.formatting import format_date, format_points

CRITERIA = ("helps_job", "advances_knowledge", "prepares_advancement")
DOCUMENT_TYPES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def category_choice_label(category: ActivityCategory) -> str:
    """The category with its point rule, e.g. "Authorship of written work: 5 points per item, up to 15"."""
    points = format_points(category.points_per_unit, decimals="significant")
    label = f"{category.name}: {points} point{'' if points == '1' else 's'} per {category.unit}"
    if category.cap_per_cycle is not None:
        label += f", up to {format_points(category.cap_per_cycle, decimals='significant')} per cycle"
    if category.accepted_through is not None:
        label += f" (accepted only through {format_date(category.accepted_through)})"
    return label


class CategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return category_choice_label(obj)


def document_hint() -> str:
    """What a supporting document may be, said before an upload rather than only after a refusal."""
    return f"PDF, JPEG or PNG, at most {CcpPolicy.current().max_document_mb} MB"


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActivityForm(forms.Form):
    """One form for every category: both the dated and the period fields are present (the service uses
    the ones the category calls for), so it works without JavaScript."""

    category = CategoryField(
        queryset=ActivityCategory.objects.none(),
        label="Category",
        empty_label=None,
        error_messages={"invalid_choice": "Choose one of the categories listed."},
    )
    title = forms.CharField(
        max_length=200, label="Title", error_messages={"required": "Give the activity a title."}
    )
    provider = forms.CharField(max_length=200, label="Provider", required=False)
    completed_on = forms.DateField(
        label="Completed on",
        required=False,
        widget=_date_input(),
        help_text="For a course or another dated activity.",
    )
    quantity = forms.DecimalField(
        label="Quantity",
        required=False,
        max_digits=8,
        decimal_places=2,
        help_text="In <span data-quantity-unit>the unit of the category (e.g. contact hours)</span>.",
    )
    quantity_unit = forms.ChoiceField(
        label="Entered in",
        choices=[
            (Activity.QuantityUnit.UNIT, "Usual unit"),
            (Activity.QuantityUnit.QUARTER, "Quarter credit hours (x 2/3)"),
        ],
        initial=Activity.QuantityUnit.UNIT,
        widget=forms.RadioSelect,
        help_text="Quarter credit hours apply to formal education (college courses) only: they count x 2/3.",
    )
    period_start = forms.DateField(
        label="Period start",
        required=False,
        widget=_date_input(),
        help_text="For employment or an organizational role.",
    )
    period_end = forms.DateField(
        label="Period end", required=False, widget=_date_input(), help_text="Leave empty while it is ongoing."
    )
    helps_job = forms.BooleanField(label=Activity._meta.get_field("helps_job").verbose_name, required=False)
    advances_knowledge = forms.BooleanField(
        label=Activity._meta.get_field("advances_knowledge").verbose_name, required=False
    )
    prepares_advancement = forms.BooleanField(
        label=Activity._meta.get_field("prepares_advancement").verbose_name, required=False
    )
    document = forms.FileField(
        label="Supporting document (optional)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES}),
    )

    def __init__(self, *args, categories: CategoryChoices, with_document: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories.offered
        self.fields["category"].help_text = " ".join(f"{reason}." for reason in categories.withheld)
        if with_document:
            self.fields["document"].help_text = f"{document_hint()}. You can also attach documents later."
        else:
            del self.fields["document"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The fields only: the error summary above them lists the form-wide errors (activity_form.html).
        self.helper.template = "ccp/_activity_fields.html"
        self.helper.layout = Layout(
            "category",
            "title",
            "provider",
            Div("completed_on", "quantity", "quantity_unit", css_id="dated-fields"),
            Div("period_start", "period_end", css_id="period-fields"),
            Fieldset("Qualifying criteria (confirm at least one)", *CRITERIA),
            *(["document"] if with_document else []),
        )

    def category_hints(self) -> dict[int, dict]:
        """What the page's script needs to show the fields of the chosen category."""
        return {
            category.pk: {
                "is_period": category.is_period,
                "unit_plural": category.unit_plural,
                "quarter_hours": category.allows_quarter_hours,
            }
            for category in self.fields["category"].queryset
        }

    def error_summary(self) -> list[tuple[str, str]]:
        """Every error, form-wide ones first, as (the id of the field it links to, or "", the words)."""
        summary = [("", str(message)) for message in self.non_field_errors()]
        for field in self:
            # A radio group has no element of its own id: the link goes to its first choice.
            target = field.auto_id + ("_0" if isinstance(field.field.widget, forms.RadioSelect) else "")
            summary += [(target, f"{field.label}: {message}") for message in field.errors]
        return summary

    @classmethod
    def initial_from(cls, activity: Activity) -> dict:
        names = ("category", "title", "provider", "completed_on", "period_start", "period_end", "quantity")
        initial = {name: getattr(activity, name) for name in (*names, "quantity_unit", *CRITERIA)}
        if activity.quantity is not None:
            initial["quantity"] = format_points(activity.quantity, decimals="significant")  # "1.5": as typed
        return initial

    def activity_fields(self) -> dict:
        """The activity's own fields, as the services take them."""
        return {name: value for name, value in self.cleaned_data.items() if name != "document"}


class DocumentForm(forms.Form):
    file = forms.FileField(
        label="Supporting document", widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES})
    )


class AttestationForm(forms.Form):
    signed_name = forms.CharField(max_length=200, label="Type your full legal name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_name"].widget.attrs["autocomplete"] = "name"
