"""Cycles: a certification's three-year CCP windows (open, then closed compliant or not, with the result
stored when they closed) and the attestation a member signs for one."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from ccp import rules


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

    class AuditResult(models.TextChoices):
        NONE = "", "Not audited"
        PASSED = "passed", "Audit passed"
        FAILED = "failed", "Audit failed"

    # Reported by the audits app when an audit of this (closed) cycle ends.
    audit_result = models.CharField(max_length=10, choices=AuditResult.choices, blank=True, default="")
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
