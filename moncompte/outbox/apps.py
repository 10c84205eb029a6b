from django.apps import AppConfig
from django.core.signals import request_finished, request_started


class OutboxConfig(AppConfig):
    name = "moncompte.outbox"
    label = "outbox"
    verbose_name = "Courriels"

    def ready(self) -> None:
        from moncompte.outbox import send_after_response  # it imports models: only once the registry is ready

        request_started.connect(send_after_response.forget, dispatch_uid="outbox-send-after-response-forget")
        request_finished.connect(send_after_response.send_remembered, dispatch_uid="outbox-send-after-response")
