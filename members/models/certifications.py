"""Certifications: the credentials the body awards, a member's certification in one of them with the facts
its status is derived from (and the stored status), the status history, and the certification policy staff
can change (the grace days after a fee's due date)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.policy import SingletonPolicy
from members import rules
from members.models.people import Member
from members.rules import Status


class Credential(models.Model):
    """A credential the body awards (RMA, MT, ...): its CCP requirement and annual fee are data."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=200)
    ccp_points_required = models.DecimalField(max_digits=6, decimal_places=2)
    annual_fee_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="USD")

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} ({self.name})"


class CertificationPolicy(SingletonPolicy):
    """Status settings staff can change in the admin (one row)."""

    grace_days = models.PositiveIntegerField(
        default=0, help_text="Days after a fee's due date before the certification lapses for non-payment."
    )

    class Meta:
        verbose_name = "certification policy"
        verbose_name_plural = "certification policy"

    def __str__(self):
        return f"Grace: {self.grace_days} days"


def new_verification_token() -> str:
    return secrets.token_urlsafe(24)


class Certification(models.Model):
    """A member's certification in one credential, with the facts its status is derived from."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="certifications")
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="certifications")
    certified_on = models.DateField("originally certified on")
    reinstated_on = models.DateField("last reinstated on", null=True, blank=True)
    paid_through = models.DateField()
    # Facts reported by later apps through members.services.
    ccp_failed_on = models.DateField(
        null=True, blank=True, help_text="Day after a non-compliant cycle ended."
    )
    audit_failed_on = models.DateField(null=True, blank=True, help_text="Day a CCP audit failed.")
    ccp_compliant_through = models.DateField(
        null=True, blank=True, help_text="Last day of the latest cycle known to be compliant."
    )
    # The derived status, stored so lists and the public lookup need no computation.
    status = models.CharField(max_length=20, choices=[(s.value, s.label) for s in Status], blank=True)
    status_reason = models.CharField(max_length=500, blank=True)
    lapse_date = models.DateField(null=True, blank=True)
    active_through = models.DateField(null=True, blank=True)
    verification_token = models.CharField(max_length=64, unique=True, default=new_verification_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["credential__code"]
        constraints = [
            models.UniqueConstraint(fields=["member", "credential"], name="one_certification_per_credential"),
            models.CheckConstraint(
                condition=Q(reinstated_on__isnull=True) | Q(reinstated_on__gte=models.F("certified_on")),
                name="reinstated_after_certified",
            ),
        ]
        indexes = [
            models.Index(fields=["status"]),
            # the certifications lapsing soon (staff work list): Active ones by their last Active day
            models.Index(
                fields=["active_through", "id"], condition=Q(status="active"), name="active_cert_through"
            ),
        ]

    def __str__(self):
        return f"{self.member.member_number} {self.credential.code}"

    @property
    def anchor_date(self):
        return rules.anchor_date(self.certified_on, self.reinstated_on)

    @property
    def anniversary_month(self) -> int:
        return self.anchor_date.month

    @property
    def ccp_required(self) -> bool:
        return rules.ccp_required(self.certified_on, self.reinstated_on)

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def status_meaning(self) -> str:
        return rules.STATUS_MEANINGS[self.status_enum]

    @property
    def next_fee_due_on(self):
        return rules.next_unpaid_fee_year(self.paid_through).due_on

    @property
    def is_renewing(self) -> bool:
        """Active or Lapsed (fees): invoices are issued and CCP cycles go on (rules.RENEWING_STATUSES)."""
        return self.status in rules.RENEWING_STATUSES

    def facts(self, grace_days: int) -> rules.CertificationFacts:
        return rules.CertificationFacts(
            certified_on=self.certified_on,
            reinstated_on=self.reinstated_on,
            paid_through=self.paid_through,
            grace_days=grace_days,
            ccp_failed_on=self.ccp_failed_on,
            audit_failed_on=self.audit_failed_on,
            ccp_compliant_through=self.ccp_compliant_through,
            lapse_date=self.lapse_date if self.status != Status.ACTIVE else None,
        )

    def get_verification_url(self) -> str:
        return reverse("members:verify_token", args=[self.verification_token])


class StatusChange(models.Model):
    """A certification's status history: every change, with its reason and who or what caused it."""

    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.CharField(max_length=500)
    lapse_date = models.DateField(null=True, blank=True)
    effective_on = models.DateField(help_text="The business date the change was computed for.")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=100, help_text="The job or action that caused the change.")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.certification}: {self.from_status or '-'} -> {self.to_status}"

    @property
    def from_label(self) -> str:
        return Status(self.from_status).label if self.from_status else "(new)"

    @property
    def to_label(self) -> str:
        return Status(self.to_status).label
