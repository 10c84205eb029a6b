from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "moncompte.web"
    label = "web"

    def ready(self) -> None:
        from moncompte.web import (  # noqa: F401
            checks,  # registers `moncompte check --database default`'s connection check
            signals,  # connects the staff audit receivers
        )
