"""The point rules as data staff can change: activity categories (unit, points per unit, cap per cycle,
dated "accepted through" rules) and the CCP policy (notice days before a cycle ends, document size)."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from ccp import rules
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
