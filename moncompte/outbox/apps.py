from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "moncompte.outbox"
    label = "outbox"
    verbose_name = "Courriels"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from moncompte.outbox import prompt

        request_started.connect(prompt.forget, dispatch_uid="outbox-prompt-forget")
        request_finished.connect(prompt.send_remembered, dispatch_uid="outbox-prompt-send")
