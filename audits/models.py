"""The annual CCP audit (DOMAIN.md "Annual CCP audit"): the policy, one campaign per year with its
re-derivable selection, an audit per selected certification, its items (the audited cycle's activities,
each with its proof status) and the history of every move, decision and message."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.history import TimelineEvent
from core.policy import SingletonPolicy


def default_reminder_days() -> list[int]:
    return [30, 7]


class AuditPolicy(SingletonPolicy):
    """The audit's numbers, as data (DOMAIN.md "Annual CCP audit")."""

    sample_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0500"),
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("1"))],
        help_text="Share of the population selected (0.05 = 5%); N = ceil(rate x population).",
    )
    sample_size = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="A fixed number to select instead of the rate (empty: use the rate).",
    )
    deadline_days = models.PositiveSmallIntegerField(default=60, help_text="Days from selection to submit.")
    reminder_days = models.JSONField(
        default=default_reminder_days, help_text="Reminders by e-mail this many days before the deadline."
    )
    more_info_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days the member has to answer when a reviewer asks for more."
    )
    extension_max_days = models.PositiveSmallIntegerField(
        default=30, help_text="The longest extension a reviewer may grant (one request per audit)."
    )
    auto_start_day = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text="Day of January on which the nightly job starts the campaign for the year before "
        "(empty: staff start it).",
    )

    class Meta:
        verbose_name = "audit policy"
        verbose_name_plural = "audit policy"

    def __str__(self):
        return "Audit policy"


class AuditCampaign(models.Model):
    """One per calendar year: the certifications that rolled into a new cycle that year, and the stored
    facts that let anyone re-derive the selection (`manage.py audit_verify_selection YEAR`)."""

    year = models.PositiveSmallIntegerField(unique=True, help_text="The year the population rolled.")
    seed = models.CharField(max_length=64)
    sample_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    sample_size = models.PositiveIntegerField(null=True, blank=True, help_text="Fixed size, if used.")
    population_count = models.PositiveIntegerField()
    population_digest = models.CharField(max_length=64, help_text="SHA-256 of the sorted population ids.")
    selected_count = models.PositiveIntegerField(help_text="N")
    started_on = models.DateField()
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=100)

    class Meta:
        ordering = ["-year"]
        permissions = [
            ("review_audit", "Review audits (the queue, the documents under audit, decisions)"),
            ("start_campaign", "Start an audit campaign"),
        ]

    def __str__(self):
        return f"Audit campaign {self.year}"


class Audit(models.Model):
    """One selected certification's audit of the cycle that closed compliant at its roll."""

    class State(models.TextChoices):
        SELECTED = "selected", "Waiting on member"
        SUBMITTED = "submitted", "Waiting on review"
        MORE_REQUESTED = "more_requested", "More requested"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"

    class Extension(models.TextChoices):
        NONE = "", "Not asked"
        ASKED = "asked", "Extension asked"
        GRANTED = "granted", "Extension granted"
        DENIED = "denied", "Extension denied"

    # Indexed by audit_campaign_state (campaign, state) and one_audit_per_campaign (certification,
    # campaign): no index of their own, so a campaign's thousands of inserts stay cheap.
    campaign = models.ForeignKey(
        AuditCampaign, on_delete=models.PROTECT, related_name="audits", db_index=False
    )
    certification = models.ForeignKey(
        "members.Certification", on_delete=models.PROTECT, related_name="audits", db_index=False
    )
    cycle = models.OneToOneField("ccp.Cycle", on_delete=models.PROTECT, related_name="audit")
    rank = models.PositiveIntegerField(help_text="Place in the selection order (1 = smallest hash).")
    state = models.CharField(max_length=20, choices=State.choices, default=State.SELECTED)
    selected_on = models.DateField()
    deadline = models.DateField()
    deadline_set_on = models.DateField(null=True, blank=True, help_text="When the deadline was last set.")
    prepared_at = models.DateTimeField(
        null=True, blank=True, help_text="When its activities were listed and the member was told."
    )
    waiting_since = models.DateTimeField(help_text="Since when it waits in its state (queue order).")
    submitted_on = models.DateField(null=True, blank=True)
    more_rounds = models.PositiveSmallIntegerField(default=0, help_text="Times the reviewers asked for more.")
    extension = models.CharField(max_length=10, choices=Extension.choices, blank=True, default="")
    extension_reason = models.TextField(blank=True)
    extension_days = models.PositiveSmallIntegerField(null=True, blank=True)
    required_points = models.DecimalField(max_digits=6, decimal_places=2)
    accepted_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    passed_by_verified = models.BooleanField(default=False, help_text="Passed at selection by online CE.")
    decided_on = models.DateField(null=True, blank=True)
    # Staff columns are not looked up by: no index, so a campaign's thousands of inserts stay cheap.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    outcome_reason = models.TextField(blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    OPEN_STATES = (State.SELECTED, State.SUBMITTED, State.MORE_REQUESTED)
    WAITING_ON_MEMBER = (State.SELECTED, State.MORE_REQUESTED)
    FINAL_STATES = (State.PASSED, State.FAILED)

    class Meta:
        ordering = ["waiting_since", "id"]
        constraints = [
            models.UniqueConstraint(fields=["certification", "campaign"], name="one_audit_per_campaign"),
            models.UniqueConstraint(fields=["campaign", "rank"], name="one_audit_per_rank"),
            models.CheckConstraint(
                condition=Q(extension="") | Q(extension__in=["asked", "granted", "denied"]),
                name="audit_extension_known",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "waiting_since", "id"], name="audit_queue"),
            models.Index(fields=["campaign", "state"], name="audit_campaign_state"),
            models.Index(fields=["state", "deadline"], name="audit_deadline"),
            # Partial: only the few audits with an extension request waiting are in it.
            models.Index(
                fields=["waiting_since"], name="audit_extension_asked", condition=Q(extension="asked")
            ),
        ]

    def __str__(self):
        return f"Audit {self.campaign.year} of {self.certification}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def waits_on_member(self) -> bool:
        return self.state in self.WAITING_ON_MEMBER

    def days_left(self, today) -> int:
        """Days left to submit, today and the deadline included (0 once it has passed)."""
        return max((self.deadline - today).days + 1, 0)


class AuditItem(models.Model):
    """One activity of the audited cycle and its proof status."""

    class State(models.TextChoices):
        NEEDS_PROOF = "needs_proof", "Needs proof"
        UPLOADED = "uploaded", "Proof uploaded"
        ACCEPTED = "accepted", "Accepted"
        REFUSED = "refused", "Refused"
        MORE_REQUESTED = "more_requested", "More asked"

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="items")
    activity = models.ForeignKey("ccp.Activity", on_delete=models.PROTECT, related_name="audit_items")
    state = models.CharField(max_length=20, choices=State.choices, default=State.NEEDS_PROOF)
    verified = models.BooleanField(default=False, help_text="Recorded from the body's online CE.")
    added_during_audit = models.BooleanField(default=False, help_text="Recorded behind an attestation.")
    message = models.TextField(blank=True, help_text="The reviewer's reason or request, read by the member.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    DECIDED_STATES = (State.ACCEPTED, State.REFUSED)
    MISSING_PROOF = (State.NEEDS_PROOF, State.MORE_REQUESTED)

    class Meta:
        ordering = ["audit", "id"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "activity"], name="one_item_per_activity"),
        ]

    def __str__(self):
        return f"{self.audit}: activity {self.activity_id} ({self.state})"


class AuditEvent(TimelineEvent):
    """The audit's timeline: every move, decision, request and message, who made it and when."""

    class Kind(models.TextChoices):
        SELECTED = "selected", "Selected"
        MOVE = "move", "Moved"
        UPLOAD = "upload", "Proof uploaded"
        ACTIVITY = "activity", "Activity added"
        DECISION = "decision", "Decision on an activity"
        EXTENSION = "extension", "Extension"
        CLAIM = "claim", "Claimed for review"

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="events")
    item = models.ForeignKey(AuditItem, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["audit", "at"])]

    def __str__(self):
        return f"{self.audit}: {self.kind} {self.from_state or '-'} -> {self.to_state or '-'}"
