from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "moncompte.registry"
    label = "registry"
    verbose_name = "Référentiel des assurés"
