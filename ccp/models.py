import uuid
from decimal import Decimal
from fractions import Fraction
from pathlib import PurePath

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from ccp import rules
from core.history import FieldChange
from core.policy import SingletonPolicy


class ActivityCategory(models.Model):
    """A kind of CE activity and its point rule, as data staff can change (DOMAIN.md "Categories").

    A change applies to open cycles only: closed cycles keep the result stored when they closed. A dated
    rule ("accepted through") that changes later is a new row, not new code.
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    unit = models.CharField(max_length=50, help_text="Singular, e.g. “contact hour”.")
    unit_plural = models.CharField(max_length=50)
    points_per_unit = models.DecimalField(max_digits=6, decimal_places=2)
    cap_per_cycle = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    accepted_through = models.DateField(
        null=True, blank=True, help_text="Activities after this date are refused (dated rule)."
    )
    is_period = models.BooleanField(
        default=False, help_text="Entered as a period (start, end or ongoing); units are days / 365."
    )
    allows_quarter_hours = models.BooleanField(
        default=False, help_text="Quantities may be entered as quarter credit hours (x 2/3)."
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "activity categories"
        constraints = [
            models.CheckConstraint(condition=Q(points_per_unit__gt=0), name="category_points_positive"),
        ]

    def __str__(self):
        return self.name

    def rule(self) -> rules.CategoryRule:
        return rules.CategoryRule(
            id=self.pk,
            name=self.name,
            unit=self.unit,
            points_per_unit=self.points_per_unit,
            cap=self.cap_per_cycle,
            accepted_through=self.accepted_through,
            is_period=self.is_period,
        )


class CcpPolicy(SingletonPolicy):
    """CCP settings staff can change in the admin (one row)."""

    notice_days = models.CharField(
        max_length=50,
        validators=[
            RegexValidator(
                r"^\s*\d+(\s*,\s*\d+)*\s*$", "Give whole numbers of days separated by commas, e.g. 180,90,30."
            )
        ],
        default="180,90,30",
        help_text="Days before a cycle ends when members short of points get a notice, comma-separated.",
    )
    max_document_mb = models.PositiveSmallIntegerField(default=10)

    class Meta:
        verbose_name = "CCP policy"
        verbose_name_plural = "CCP policy"

    def __str__(self):
        return f"Notices {self.notice_days} days before the end; documents up to {self.max_document_mb} MB"

    @property
    def notice_steps(self) -> list[int]:
        return sorted(
            {int(part) for part in self.notice_days.split(",") if part.strip().isdigit()}, reverse=True
        )


class Cycle(models.Model):
    """A three-year CCP window of a certification (cycle n from anchor + 3n years)."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        COMPLIANT = "compliant", "Closed: compliant"
        NONCOMPLIANT = "noncompliant", "Closed: not compliant"
        INACTIVE = "inactive", "Ended: certification not active"

    certification = models.ForeignKey(
        "members.Certification", on_delete=models.PROTECT, related_name="cycles"
    )
    anchor_on = models.DateField(help_text="The anchor date the cycle is counted from.")
    number = models.PositiveSmallIntegerField()
    start_on = models.DateField()
    end_on = models.DateField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    under_audit = models.BooleanField(default=False)
    closed_on = models.DateField(null=True, blank=True)
    # Frozen when the cycle closes, so later rule changes never alter a closed cycle.
    required_points = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    counted_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    closing_result = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["certification", "-start_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["certification", "anchor_on", "number"], name="one_cycle_per_number"
            ),
            models.UniqueConstraint(
                fields=["certification"], condition=Q(state="open"), name="one_open_cycle_per_certification"
            ),
            models.CheckConstraint(
                condition=Q(end_on__gt=models.F("start_on")), name="cycle_end_after_start"
            ),
        ]
        indexes = [models.Index(fields=["state", "end_on"])]

    def __str__(self):
        return f"{self.certification} cycle {self.start_on}..{self.end_on}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def window(self) -> rules.Window:
        return rules.Window(self.start_on, self.end_on)

    def days_left(self, today) -> int:
        return max((self.end_on - today).days + 1, 0)


class Attestation(models.Model):
    """A signed statement that the required points were earned in the cycle (subject to audit)."""

    cycle = models.OneToOneField(Cycle, on_delete=models.PROTECT, related_name="attestation")
    signed_name = models.CharField(max_length=200)
    statement = models.TextField()
    signed_on = models.DateField()
    signed_at = models.DateTimeField()
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self):
        return f"Attestation by {self.signed_name} for {self.cycle}"


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


class ApiClient(models.Model):
    """A system allowed to post completions (the body's learning platform), with its shared HMAC secret."""

    name = models.CharField(max_length=100)
    key_id = models.CharField(max_length=50, unique=True)
    secret = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    def __str__(self):
        return f"{self.name} ({self.key_id})"


class ApiNonce(models.Model):
    """A signature already accepted: the same signed request replayed within the time window is refused."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=128)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "signature"], name="one_use_per_signature")]

    def __str__(self):
        return self.signature[:12]
