from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "moncompte.messaging"
    label = "messaging"
    verbose_name = "Messagerie"
