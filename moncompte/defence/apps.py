from django.apps import AppConfig


class DefenceConfig(AppConfig):
    name = "moncompte.defence"
    label = "defence"
    verbose_name = "Défense contre les créations en masse"
