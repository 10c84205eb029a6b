from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SupportConfig(AppConfig):
    name = "moncompte.support"
    label = "support"
    verbose_name = "Support"

    def ready(self) -> None:
        post_migrate.connect(_roles_after_migrate, sender=self)


def _roles_after_migrate(**_: Any) -> None:
    from moncompte.support.roles import roles_ensure

    roles_ensure()
