"""Recertification applications (DOMAIN.md "Recertification"): the dated eligibility rules per
credential, the RMA exam routes' parameters (dated too), the application (by CCP or by exam) with the rules
it was judged by, and the timeline of every move, decision and message."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.history import TimelineEvent
from recert.rules import RouteParameters

ROUTE_DEFAULTS = RouteParameters()  # the placeholders, defined once with the rules


class RecertRule(models.Model):
    """The rules in force for a credential from a date: a rule change is a new row, not new code."""

    credential = models.ForeignKey(
        "members.Credential", on_delete=models.PROTECT, related_name="recert_rules"
    )
    effective_from = models.DateField()
    required_points = models.DecimalField(max_digits=6, decimal_places=2)
    window_years = models.PositiveSmallIntegerField(default=3, help_text="Points earned in the years before.")
    exam_gate_years = models.PositiveSmallIntegerField(
        default=10, help_text="Lapsed this many years or more: recertification by exam only."
    )
    ccp_fee_cents = models.PositiveIntegerField(help_text="The fee by CCP, in cents.")
    exam_fee_cents = models.PositiveIntegerField(help_text="The fee by exam, in cents.")
    validity_months = models.PositiveSmallIntegerField(
        default=6, help_text="An application undecided this long after submission expires."
    )
    authorization_days = models.PositiveSmallIntegerField(
        default=90, help_text="How long an authorization to test is valid."
    )
    exam_route_question = models.CharField(
        max_length=300,
        blank=True,
        help_text="For credentials other than RMA: the eligibility question an exam applicant answers.",
    )

    class Meta:
        ordering = ["credential__code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["credential", "effective_from"], name="one_recert_rule_per_day"),
        ]

    def __str__(self):
        return f"{self.credential.code} recertification rules from {self.effective_from}"


class RmaRoutes(models.Model):
    """The RMA exam routes' numbers (placeholders until the body publishes its handbook's), from a date."""

    effective_from = models.DateField(unique=True)
    program_clock_hours = models.PositiveSmallIntegerField(default=ROUTE_DEFAULTS.program_clock_hours)
    externship_hours = models.PositiveSmallIntegerField(default=ROUTE_DEFAULTS.externship_hours)
    recent_graduation_years = models.PositiveSmallIntegerField(default=ROUTE_DEFAULTS.recent_graduation_years)
    recent_employment_months = models.PositiveSmallIntegerField(
        default=ROUTE_DEFAULTS.recent_employment_months,
        help_text="Months employed as a medical assistant required in the recent window.",
    )
    recent_employment_window_years = models.PositiveSmallIntegerField(
        default=ROUTE_DEFAULTS.recent_employment_window_years
    )
    experience_months = models.PositiveSmallIntegerField(
        default=ROUTE_DEFAULTS.experience_months,
        help_text="Work-experience route: months employed as a medical assistant.",
    )
    experience_window_years = models.PositiveSmallIntegerField(default=ROUTE_DEFAULTS.experience_window_years)
    instructor_max_months = models.PositiveSmallIntegerField(
        default=ROUTE_DEFAULTS.instructor_max_months,
        help_text="Work-experience route: at most this many of the months as an instructor.",
    )

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = "RMA exam routes"
        verbose_name_plural = "RMA exam routes"

    def __str__(self):
        return f"RMA exam routes from {self.effective_from}"


class Application(models.Model):
    """A member's way back to Active for one certification: by CCP points or by exam."""

    class Route(models.TextChoices):
        CCP = "ccp", "By CCP points"
        EXAM = "exam", "By exam"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted: waiting on review"
        MORE_REQUESTED = "more_requested", "More asked"
        AUTHORIZED = "authorized", "Authorized to test"
        REINSTATED = "reinstated", "Approved: reinstated"
        REFUSED = "refused", "Refused"
        EXAM_FAILED = "exam_failed", "Exam failed"
        EXPIRED = "expired", "Expired"
        WITHDRAWN = "withdrawn", "Withdrawn"

    OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.MORE_REQUESTED, State.AUTHORIZED)
    UNDECIDED_STATES = (State.SUBMITTED, State.MORE_REQUESTED, State.AUTHORIZED)
    CLOSED_STATES = (State.REINSTATED, State.REFUSED, State.EXAM_FAILED, State.EXPIRED, State.WITHDRAWN)

    certification = models.ForeignKey(
        "members.Certification", on_delete=models.PROTECT, related_name="recert_applications"
    )
    route = models.CharField(max_length=10, choices=Route.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    started_on = models.DateField()
    lapse_date = models.DateField(help_text="The lapse date the route was decided from.")
    route_reason = models.TextField(help_text="The route decision in words.")
    rule = models.ForeignKey(RecertRule, on_delete=models.PROTECT, related_name="+")
    rules_snapshot = models.JSONField(
        default=dict, help_text="The rules it was judged by, frozen at submission."
    )
    # Application date: the day it was submitted (the window and the rules are those of that day).
    applied_on = models.DateField(null=True, blank=True)
    window_start = models.DateField(null=True, blank=True)
    window_end = models.DateField(null=True, blank=True)
    counted_points = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    # The felony and disciplinary question.
    felony = models.BooleanField(null=True, blank=True)
    felony_date = models.DateField(null=True, blank=True)
    felony_nature = models.CharField(max_length=300, blank=True)
    felony_authority = models.CharField(max_length=300, blank=True)
    felony_outcome = models.CharField(max_length=300, blank=True)
    # The attestation.
    signed_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    # Exam route: the eligibility answers (the RMA assistant's, or the credential's question) and the route.
    eligibility_answers = models.JSONField(default=dict, blank=True)
    exam_route = models.CharField(max_length=40, blank=True)
    exam_route_reason = models.TextField(blank=True)
    # The fee: billing's recertification invoice (its number; billing owns the row).
    invoice_number = models.CharField(max_length=60, blank=True)
    fee_attempts = models.PositiveSmallIntegerField(default=0, help_text="Fees issued (one, unless voided).")
    submitted_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True, help_text="Queue order.")
    more_rounds = models.PositiveSmallIntegerField(default=0)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    authorization_number = models.CharField(max_length=40, blank=True)
    authorized_on = models.DateField(null=True, blank=True)
    authorization_expires_on = models.DateField(null=True, blank=True)
    exam_passed_on = models.DateField(null=True, blank=True)
    reinstated_on = models.DateField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["certification"],
                condition=Q(state__in=["draft", "submitted", "more_requested", "authorized"]),
                name="one_open_application_per_certification",
            ),
            models.UniqueConstraint(
                fields=["authorization_number"],
                condition=~Q(authorization_number=""),
                name="unique_authorization_number",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "waiting_since", "id"], name="recert_queue"),
            models.Index(fields=["route", "state"], name="recert_route_state"),
            models.Index(fields=["state", "expires_on"], name="recert_expiry"),
        ]
        permissions = [
            ("process_application", "Process recertification applications (queue, documents, decisions)"),
        ]

    def __str__(self):
        return f"{self.get_route_display()} application of {self.certification}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def route_words(self) -> str:
        """ "by CCP points" or "by exam", for running text."""
        label = self.get_route_display()
        return label[:1].lower() + label[1:]

    @property
    def waits_on_member(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.MORE_REQUESTED)


class ApplicationEvent(TimelineEvent):
    """The application's timeline: every move, decision and message, who made it and when."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["application", "at"])]

    def __str__(self):
        return f"{self.application}: {self.from_state or '-'} -> {self.to_state or '-'}"
