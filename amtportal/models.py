"""The record of the nightly runs (issue "Staff operations", last night's jobs): each run of the daily jobs
and each job in it, with what it did, so staff see what happened overnight and a failed or unusually slow
job is flagged. The composer owns it because it owns the nightly chain."""

from django.db import models


class NightlyRun(models.Model):
    """One run of the daily jobs for a business date, by the schedule or by hand."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Scheduled"
        BY_HAND = "by_hand", "By hand"

    day = models.DateField(help_text="The business date the jobs ran for.")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    only = models.CharField(max_length=100, blank=True, help_text="The one job run by hand, if only one.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["-started_at", "-id"], name="nightly_run_latest")]

    def __str__(self):
        return f"{self.day} ({self.get_trigger_display()}): {self.get_state_display()}"


class JobRun(models.Model):
    """One daily job inside a run: when, how long, rows touched, e-mails and letters sent, the error."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(NightlyRun, on_delete=models.CASCADE, related_name="jobs")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(blank=True, help_text="The job's own summary.")
    rows = models.BigIntegerField(null=True, blank=True, help_text="Rows the job reports it touched.")
    emails_sent = models.PositiveIntegerField(default=0)
    letters_sent = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    usual_seconds = models.FloatField(
        null=True, blank=True, help_text="The median duration of this job's last 30 successful runs."
    )
    slow = models.BooleanField(default=False, help_text="Ran far longer than usual.")
    alerted_at = models.DateTimeField(null=True, blank=True, help_text="When administrators were e-mailed.")

    class Meta:
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="one_job_per_position")]
        indexes = [models.Index(fields=["name", "-started_at"], name="job_run_history")]

    def __str__(self):
        return f"{self.run.day} {self.name}: {self.get_state_display()}"

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def flagged(self) -> bool:
        return self.state == self.State.FAILED or self.slow


class BoardReports(models.Model):
    """No table: the holder of the permission to read the board's reports (issue 13, Reports), which are
    composed from every app and so belong to none of them."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", "Can read the board's reports")]

    def __str__(self):
        return "The board's reports"
