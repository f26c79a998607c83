from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor as a Django app only so that its template filters load ({% load portal %})."""

    name = "core"
    verbose_name = "Portal helpers"
