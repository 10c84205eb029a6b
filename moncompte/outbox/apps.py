from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "moncompte.outbox"
    label = "outbox"
    verbose_name = "Courriels"
