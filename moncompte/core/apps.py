from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "moncompte.core"
    label = "core"
