"""The learning platform's access to the completions API: the clients with their shared HMAC secrets, and
the signatures already accepted (a replayed request is refused)."""

from django.db import models


class ApiClient(models.Model):
    """A system allowed to post completions (the body's learning platform), with its shared HMAC secret."""

    name = models.CharField(max_length=100)
    key_id = models.CharField(max_length=50, unique=True)
    secret = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    def __str__(self):
        return f"{self.name} ({self.key_id})"


class ApiNonce(models.Model):
    """A signature already accepted: the same signed request replayed within the time window is refused."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=128)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "signature"], name="one_use_per_signature")]

    def __str__(self):
        return self.signature[:12]
