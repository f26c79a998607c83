"""Proof of certification (DOMAIN.md "Digital badges and proof of certification"): one row per certification
event (the original certification, each reinstatement) carrying its Credly badge and its place in the
portal's status lists, the badge's timeline, the Credly template of each credential, the signed status
lists and the verifiable credentials handed out."""

import uuid

from django.db import models
from django.db.models import Q

from core.history import TimelineEvent


def default_template_id(credential_code: str) -> str:
    """The seeded placeholder (data): administrators replace it with the Credly template's id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"amtportal:badge-template:{credential_code}"))


class BadgeTemplate(models.Model):
    """(data) The Credly badge template issued for a credential."""

    credential = models.OneToOneField(
        "members.Credential", on_delete=models.PROTECT, related_name="badge_template"
    )
    template_id = models.CharField(max_length=64, help_text="The badge template's id in Credly.")

    class Meta:
        ordering = ["credential__code"]

    def __str__(self):
        return f"{self.credential.code}: {self.template_id}"


class Badge(models.Model):
    """A certification event (unique per certification and anchor date) and its Credly badge.

    `state` is where the Credly badge stands; `ended_on` is the day the event ended for good (the
    certification became Non-compliant, Must recertify or Exam required, or was reinstated under a new
    anchor): from then on the badge is due for revocation and the event's bit is set in the revocation
    status list. The row's id is the event's index in the status lists."""

    class State(models.TextChoices):
        TO_ISSUE = "to_issue", "To issue"
        ISSUED = "issued", "Issued"
        REVOKED = "revoked", "Revoked"
        ERROR = "error", "Error"

    certification = models.ForeignKey(
        "members.Certification", on_delete=models.PROTECT, related_name="badges"
    )
    anchor_date = models.DateField(
        help_text="The certification event: the certified-on or reinstated-on date."
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.TO_ISSUE)
    credly_id = models.CharField(max_length=64, blank=True, help_text="The badge's id in Credly.")
    issued_at = models.DateTimeField(null=True, blank=True, help_text="Credly's issued_at.")
    requested_at = models.DateTimeField(
        null=True, blank=True, help_text="The last issue request sent; a retry looks the badge up first."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    ended_on = models.DateField(null=True, blank=True, help_text="The day the certification event ended.")
    end_reason = models.CharField(max_length=200, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["certification_id", "anchor_date"]
        constraints = [
            models.UniqueConstraint(fields=["certification", "anchor_date"], name="badge_one_per_event"),
            models.UniqueConstraint(
                fields=["credly_id"], condition=~Q(credly_id=""), name="badge_unique_credly_id"
            ),
        ]
        indexes = [
            models.Index(fields=["state"], name="badge_pending", condition=~Q(state="issued")),
            # The daily reconcile's look-up of the ended events whose badge is still to revoke.
            models.Index(
                fields=["id"],
                name="badge_to_revoke",
                condition=Q(ended_on__isnull=False) & ~Q(state="revoked"),
            ),
        ]

    def __str__(self):
        return f"{self.certification} {self.anchor_date}: {self.get_state_display()}"

    @property
    def is_reinstatement(self) -> bool:
        return self.anchor_date != self.certification.certified_on


class BadgeEvent(TimelineEvent):
    """The badge's timeline: every request to Credly and its answer, every state move, who or which job."""

    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="events")

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["badge", "at"])]

    def __str__(self):
        return f"{self.badge}: {self.from_state or '-'} -> {self.to_state or '-'}"


class StatusList(models.Model):
    """A signed W3C Bitstring Status List credential (one per purpose), re-signed when a bit changes."""

    class Purpose(models.TextChoices):
        REVOCATION = "revocation", "Revocation"
        SUSPENSION = "suspension", "Suspension"

    purpose = models.CharField(max_length=12, choices=Purpose.choices, unique=True)
    length = models.PositiveIntegerField(help_text="Entries in the list (bits).")
    set_bits = models.PositiveIntegerField(help_text="Entries whose bit is set.")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the uncompressed bitstring.")
    credential_jwt = models.TextField(help_text="The signed status list credential (JWT).")
    signed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.purpose} status list ({self.set_bits}/{self.length})"


class IssuedCredential(models.Model):
    """An Open Badges 3.0 credential handed to the member: which event, when, its id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    badge = models.ForeignKey(Badge, on_delete=models.PROTECT, related_name="credentials")
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self):
        return f"urn:uuid:{self.id}"
