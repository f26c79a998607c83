import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.history import FieldChange
from core.policy import SingletonPolicy
from members import rules
from members.rules import Status


class PortalUserManager(UserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A login: a member or a staff user. E-mail is the login; there is no username."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("e-mail address", unique=True)

    USERNAME_FIELD = "email"  # type: ignore[misc]
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    objects = PortalUserManager()  # type: ignore[misc,assignment]

    def __str__(self):
        return self.email


# A member's postal address, in the order of forms, imports and the mail-batch manifest.
MAILING_ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "state", "postal_code", "country")


class Member(models.Model):
    """A certified person's profile. The legal name is what appears on the credential."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="member")
    member_number = models.CharField(max_length=20, unique=True)
    first_name = models.CharField("legal first name", max_length=100)
    middle_name = models.CharField("legal middle name", max_length=100, blank=True)
    last_name = models.CharField("legal last name", max_length=100)
    phone = models.CharField(max_length=30, blank=True)
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField("state or region", max_length=100, blank=True)
    postal_code = models.CharField("ZIP or postal code", max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US", help_text="Two-letter country code.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name", "member_number"]
        permissions = [("search_members", "Can search members and view their records")]
        indexes = [models.Index(fields=["last_name"])]

    def __str__(self):
        return f"{self.full_name} ({self.member_number})"

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.middle_name, self.last_name) if part)

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def has_mailing_address(self) -> bool:
        return all((self.address_line1, self.city, self.postal_code, self.country))

    @property
    def address_lines(self) -> list[str]:
        locality = " ".join(
            part for part in (self.city + ",", self.state, self.postal_code) if part.strip(",")
        )
        lines = [self.full_name, self.address_line1, self.address_line2, locality]
        if self.country != "US":
            lines.append(self.country)
        return [line for line in lines if line]


class ProfileChange(FieldChange):
    """One changed profile field: who changed it, when, from what to what."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="profile_changes")

    def __str__(self):
        return f"{self.member.member_number} {self.field}: {self.old_value!r} -> {self.new_value!r}"


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
        indexes = [models.Index(fields=["status"])]

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


class Notice(models.Model):
    """The outbox: a message to a member is written here before it is sent and marked sent after.

    (member, kind, key, channel) is unique, so a rerun can never make a second message; the Message-ID
    is fixed when the row is written, so a resend after a crash carries the same Message-ID.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        LETTER = "letter", "Postal letter"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"  # no longer true (e.g. the invoice was paid) before it left

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=50)
    key = models.CharField(max_length=200)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    recipient = models.TextField(blank=True, help_text="E-mail address, or the postal address lines.")
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    message_uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Letters: the day's mail batch that printed it (sent) or listed it as an exception (failed).
    mail_batch = models.ForeignKey(
        "MailBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="letters"
    )
    batch_sequence = models.PositiveIntegerField(null=True, blank=True, help_text="Page in the batch.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "kind", "key", "channel"], name="one_notice_per_key"),
            models.UniqueConstraint(fields=["mail_batch", "batch_sequence"], name="one_letter_per_page"),
        ]
        indexes = [models.Index(fields=["state", "channel"])]

    def __str__(self):
        return f"{self.kind}/{self.key} to {self.member.member_number} by {self.channel}"

    @property
    def message_id(self) -> str:
        domain = settings.PORTAL_BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        return f"<{self.message_uuid}@{domain}>"


class MailBatch(models.Model):
    """The day's postal letters for the mail house: print-ready PDF parts and a CSV manifest.

    One row per day: rerunning the day rebuilds this batch, it never makes a second one. Letters written
    after `cutoff` wait for the next day's batch, so a batch that was printed does not change.
    """

    day = models.DateField(unique=True)
    cutoff = models.DateTimeField(help_text="Letters written before this moment belong to this batch.")
    letter_count = models.PositiveIntegerField(default=0)
    manifest = models.CharField(max_length=200, blank=True, help_text="Storage name of the CSV manifest.")
    exceptions = models.JSONField(
        default=list,
        blank=True,
        help_text="Letters this batch could not print (member, letter, reason, since when), as listed then.",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who built it by hand (set its cutoff); empty when the nightly job did.",
    )

    class Meta:
        ordering = ["-day"]
        verbose_name_plural = "mail batches"
        permissions = [("download_mailbatch", "Can download mail batches and see their exceptions")]

    def __str__(self):
        return f"Mail batch {self.day:%Y-%m-%d}"

    @property
    def exception_count(self) -> int:
        return len(self.exceptions)


class MailBatchPart(models.Model):
    """One print file of a batch: letters first_sequence .. first_sequence + letter_count - 1."""

    batch = models.ForeignKey(MailBatch, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveIntegerField()
    first_sequence = models.PositiveIntegerField()
    letter_count = models.PositiveIntegerField()
    pdf = models.CharField(max_length=200, help_text="Storage name of the PDF.")
    pdf_bytes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["batch", "number"]
        constraints = [models.UniqueConstraint(fields=["batch", "number"], name="one_part_number_per_batch")]

    def __str__(self):
        return f"{self.batch} part {self.number}"

    @property
    def last_sequence(self) -> int:
        return self.first_sequence + self.letter_count - 1
