from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "moncompte.core"
    label = "core"

    def ready(self) -> None:
        from moncompte.core import clock

        clock.run_ahead(days=settings.DEMO_CLOCK_SHIFT_DAYS)  # 0 but in a demo that asked (README, Démarrer)
