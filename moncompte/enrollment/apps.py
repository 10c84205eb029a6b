from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "moncompte.enrollment"
    label = "enrollment"
    verbose_name = "Création de compte"
