"""The shape of a change history row: one changed field, from what to what, by whom and when.

Member-visible records (a profile, an activity) keep one row per changed field, written by the service that
makes the change in the same transaction; pages show them newest first.
"""

from django.conf import settings
from django.db import models


class FieldChange(models.Model):
    field = models.CharField(max_length=50)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["-changed_at", "-id"]


class TimelineEvent(models.Model):
    """The shape of a workflow's timeline row (an audit's, an application's): a move from one state to
    another, or a message, with who (or which job) made it, the business date and the moment; the member
    reads the rows marked `member_visible`."""

    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    member_visible = models.BooleanField(default=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=100)
    effective_on = models.DateField()
    at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["at", "id"]
