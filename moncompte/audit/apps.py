from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "moncompte.audit"
    label = "audit"
    verbose_name = "Journal de sécurité"
