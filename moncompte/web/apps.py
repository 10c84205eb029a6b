from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "moncompte.web"
    label = "web"
