"""Activities (claims of CE, the cycle they count for follows from their dates), their supporting
documents (stored under generated names) and the history of their changes and removals."""

import uuid
from decimal import Decimal
from fractions import Fraction
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q

from ccp import rules
from ccp.models.categories import ActivityCategory
from core.history import FieldChange


class Activity(models.Model):
    """A claim of CE: which cycle it counts for follows from its dates, it is not stored."""

    class Source(models.TextChoices):
        MEMBER = "member", "Recorded by the member"
        ONLINE = "online", "AMT online CE (recorded automatically)"
        IMPORT = "import", "Imported"

    class QuantityUnit(models.TextChoices):
        UNIT = "unit", "Category unit"
        QUARTER = "quarter", "Quarter credit hours"

    certification = models.ForeignKey(
        "members.Certification", on_delete=models.PROTECT, related_name="activities"
    )
    category = models.ForeignKey(ActivityCategory, on_delete=models.PROTECT, related_name="activities")
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=200, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True, help_text="Empty while ongoing.")
    quantity = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    quantity_unit = models.CharField(max_length=10, choices=QuantityUnit.choices, default=QuantityUnit.UNIT)
    helps_job = models.BooleanField("It helps me do my health-care job better", default=False)
    advances_knowledge = models.BooleanField(
        "It advances my knowledge in the health-care field", default=False
    )
    prepares_advancement = models.BooleanField(
        "It prepares me for advanced management, a health-care degree or another health-care program",
        default=False,
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MEMBER)
    external_id = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-completed_on", "-period_start", "-id"]
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(
                fields=["certification", "source", "external_id"],
                condition=~Q(external_id=""),
                name="one_activity_per_external_completion",
            ),
            models.CheckConstraint(
                condition=(Q(completed_on__isnull=False) & Q(period_start__isnull=True))
                | (Q(completed_on__isnull=True) & Q(period_start__isnull=False)),
                name="activity_dated_or_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__gte=models.F("period_start")),
                name="activity_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gt=0), name="activity_quantity_positive"
            ),
        ]
        indexes = [models.Index(fields=["certification", "completed_on"])]

    def __str__(self):
        return self.title

    @property
    def is_period(self) -> bool:
        return self.period_start is not None

    @property
    def first_day(self):
        return self.completed_on or self.period_start

    @property
    def last_day(self):
        """The last day the activity covers (None for an ongoing period: up to today)."""
        return self.completed_on or self.period_end

    @property
    def exact_units(self) -> Fraction:
        units = Fraction(self.quantity or Decimal(0))
        return units * Fraction(2, 3) if self.quantity_unit == self.QuantityUnit.QUARTER else units

    CRITERIA = ("helps_job", "advances_knowledge", "prepares_advancement")

    @property
    def criteria(self) -> list[str]:
        labels = {field.name: str(field.verbose_name) for field in Activity._meta.fields}
        return [labels[name] for name in self.CRITERIA if getattr(self, name)]

    def facts(self) -> rules.ActivityFacts:
        return rules.ActivityFacts(
            id=self.pk,
            category_id=self.category_id,
            order=self.pk,
            units=self.exact_units,
            completed_on=self.completed_on,
            period_start=self.period_start,
            period_end=self.period_end,
        )


def document_path(instance, filename: str) -> str:
    """A generated name: the member's file name is kept in the row, never used on disk."""
    suffix = PurePath(filename).suffix.lower()[:5]
    return f"ccp-documents/{instance.activity.certification_id}/{uuid.uuid4().hex}{suffix}"


class ActivityDocument(models.Model):
    """A supporting document (PDF, JPEG or PNG), kept privately; reviewed for audits and recertification."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=document_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class ActivityChange(FieldChange):
    """One changed field of an activity, or its removal: who, when, from what to what.

    Kept after the activity is removed: the activity is stored by its id and described in words, not
    referenced by a foreign key that a removal would cascade to."""

    class Kind(models.TextChoices):
        CHANGED = "changed", "Changed"
        REMOVED = "removed", "Removed"

    certification = models.ForeignKey(
        "members.Certification", on_delete=models.PROTECT, related_name="activity_changes"
    )
    activity_pk = models.PositiveIntegerField(help_text="The activity's id, kept after it is removed.")
    activity_description = models.CharField(
        max_length=300, help_text="The activity as it was before the change (title and dates)."
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    field = models.CharField(max_length=50, blank=True, help_text="Empty for a removal.")

    class Meta(FieldChange.Meta):
        indexes = [models.Index(fields=["certification", "-changed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="removed", field="") | (Q(kind="changed") & ~Q(field="")),
                name="activity_change_names_its_field",
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.REMOVED:
            return f"{self.activity_description}: removed"
        return f"{self.activity_description} {self.field}: {self.old_value!r} -> {self.new_value!r}"

    LABELS = {"quantity_unit": "Entered in"}  # where the form's label differs from the field's name

    @property
    def field_label(self) -> str:
        """The field as the activity form names it ("Quantity", "Completed on")."""
        if not self.field:
            return ""
        names = {field.name: str(field.verbose_name) for field in Activity._meta.fields}
        label = self.LABELS.get(self.field) or names.get(self.field, self.field)
        return label[:1].upper() + label[1:]
