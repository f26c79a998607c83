from django.apps import AppConfig


class RecertConfig(AppConfig):
    name = "recert"
    verbose_name = "Recertification"
