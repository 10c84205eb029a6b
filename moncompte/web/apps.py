from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "moncompte.web"
    label = "web"

    def ready(self) -> None:
        from moncompte.web import signals  # noqa: F401 - connects the staff audit receivers
