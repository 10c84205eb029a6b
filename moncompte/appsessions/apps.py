from django.apps import AppConfig


class AppSessionsConfig(AppConfig):
    name = "moncompte.appsessions"
    label = "appsessions"
    verbose_name = "Sessions de l'application ameli"
