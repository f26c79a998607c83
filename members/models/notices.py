"""Notices, which serve every app: the outbox of e-mails and postal letters to members (one row per member,
kind, key and channel, written before sending and marked sent after), and the daily mail batch of postal
letters for the mail house with its print-ready parts."""

import uuid

from django.conf import settings
from django.db import models

from members.models.people import Member


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
        indexes = [
            models.Index(fields=["state", "channel"]),
            # what a night sent (the nightly run's record): a range of sent_at, not a scan of the outbox
            models.Index(fields=["sent_at"], name="notice_sent_at", condition=models.Q(state="sent")),
            # letters waiting for an address (staff work list), by the batch that first listed them
            models.Index(
                fields=["mail_batch", "id"],
                name="letter_waiting_address",
                condition=models.Q(state="failed", channel="letter"),
            ),
        ]

    def __str__(self):
        return f"{self.kind}/{self.key} to {self.member.member_number} by {self.channel}"

    # Kinds whose text carries a secret (the invitation's set-password link): no staff page shows it.
    SECRET_KINDS = frozenset({"invitation"})

    @property
    def text_shown_to_staff(self) -> bool:
        return self.kind not in self.SECRET_KINDS

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


class MailBatchRun(models.Model):
    """One build of a day's batch, by the nightly job or by a staff member ("Build today's batch now"):
    who, when, and what it did (started it, finished an interrupted build, or only checked its files)."""

    batch = models.ForeignKey(MailBatch, on_delete=models.CASCADE, related_name="runs")
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    run_at = models.DateTimeField()
    outcome = models.CharField(max_length=200)

    class Meta:
        ordering = ["run_at", "id"]

    def __str__(self):
        return f"{self.batch} {self.run_at:%Y-%m-%d %H:%M}: {self.outcome}"


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
