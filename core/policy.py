"""The singleton-policy base: settings staff change in the admin, one row per app."""

from typing import Self

from django.core.exceptions import ImproperlyConfigured
from django.db import models

POLICY_PK = 1


class SingletonPolicy(models.Model):
    """One row (pk 1) written by the app's data migration; `current()` only reads it, so a page that shows a
    setting never writes. A missing row is a deployment error (migrations not run, or a flushed test
    database not re-seeded), reported as such rather than papered over with defaults."""

    class Meta:
        abstract = True

    @classmethod
    def current(cls) -> Self:
        try:
            return cls._default_manager.get(pk=POLICY_PK)
        except cls.DoesNotExist:
            raise ImproperlyConfigured(
                f"The {cls._meta.verbose_name} row (pk {POLICY_PK}) is missing: its data migration "
                f"({cls._meta.app_label} seeding) has not run on this database. Run `manage.py migrate`."
            ) from None
